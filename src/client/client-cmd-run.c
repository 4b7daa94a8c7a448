/*
 * concord run ACTION [--ttl S] [-E N] -- CMD ARGS...: flock(1) for a whole
 * team.  Claims the action, runs CMD with CONCORD_FENCE set to the grant's
 * fencing token, and while CMD runs follows the incident's events and
 * renews the lease every TTL/3.  When CMD exits its status is recorded as
 * the outcome (0 success, anything else failed) and run exits with it
 * (128+N for a signal N).
 *
 * The lease belongs to this process alone.  The moment it ends (the IC
 * breaks it, it expires, a renewal is refused, or no renewal is
 * acknowledged before it would run out) CMD gets SIGTERM, then SIGKILL
 * after CLIENT_RUN_GRACE, and run exits with CMD's status; no outcome is
 * recorded, since the action is no longer ours.  SIGINT, SIGTERM and
 * SIGHUP to run are passed on to CMD; once CMD has exited the outcome
 * "aborted" is recorded, which frees the action.  CMD gets SIGKILL if run
 * itself dies, and the lease then runs out.  A refused claim exits with
 * the conflict exit status (-E, default 75), so it is told apart from
 * CMD's own statuses.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "util.h"

#define CLIENT_RUN_GRACE	5000	/* ms from SIGTERM to SIGKILL */
#define CLIENT_RUN_CONFLICT	75	/* a refused claim (EX_TEMPFAIL) */
#define CLIENT_RUN_POLL		200	/* ms between looks at CMD */

/* Set by the signal handler: CMD's pid, and the signal passed on. */
static volatile sig_atomic_t	run_child;
static volatile sig_atomic_t	run_signal;

static void
client_cmd_run_handler(int sig)
{
	if (run_signal == 0)
		run_signal = sig;
	if (run_child > 0)
		kill((pid_t)run_child, sig);
}

static pid_t
client_cmd_run_spawn(struct client_args *a, int64_t fence)
{
	pid_t	 parent = getpid(), pid;
	char	 buf[32], **argv;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return -1;
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	snprintf(buf, sizeof buf, "%lld", (long long)fence);
	setenv("CONCORD_FENCE", buf, 1);
	setenv("CONCORD_INCIDENT", a->incident, 1);
	setenv("CONCORD_ACTION", a->words[0], 1);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	argv = xcalloc(a->nrest + 1, sizeof *argv);
	memcpy(argv, a->argv_rest, a->nrest * sizeof *argv);
	execvp(argv[0], argv);
	fprintf(stderr, "concord: cannot run %s: %s\n", a->argv_rest[0],
	    strerror(errno));
	_exit(127);
}

/* What run knows while CMD runs. */
struct client_run {
	struct client_args	*a;
	struct client_conn	*cc;
	const char		*name;
	int64_t			 fence;
	int64_t			 ttl;
	int64_t			 seq;		/* last event seen */
	int64_t			 lease_end;	/* mono ms, as last renewed */
	int64_t			 next_renew;
	char			*renew_op;	/* renewal awaiting its answer */
	int64_t			 renew_sent;
	int			 attempt;
	int64_t			 next_connect;
	char			*lost;		/* why the lease ended */
};

/* Does event e end our grant?  Sets r->lost if so. */
static void
client_cmd_run_event(struct client_run *r, const struct core_event *e)
{
	char	*what;

	if (e->seq > r->seq)
		r->seq = e->seq;
	if (r->lost != NULL || e->seq <= r->fence || e->name == NULL ||
	    strcmp(e->name, r->name) != 0)
		return;
	switch (e->type) {
	case CORE_BREAK:
	case CORE_EXPIRE:
	case CORE_RELEASE:
	case CORE_DONE:
	case CORE_CLAIM:
		what = core_event_describe(e);
		r->lost = xasprintf("%s (seq %lld, %s)", what,
		    (long long)e->seq, e->actor != NULL ? e->actor : "?");
		free(what);
		break;
	default:
		break;
	}
}

/* Send a renewal over the follow connection. */
static void
client_cmd_run_renew(struct client_run *r, int64_t now)
{
	struct proto_msg	m;

	free(r->renew_op);
	r->renew_op = util_opid_create();
	r->renew_sent = now;
	proto_msg_init(&m, PROTO_COMMAND);
	m.incident = r->a->incident;
	m.op = r->renew_op;
	m.cmd.type = CORE_RENEW;
	m.cmd.name = (char *)r->name;
	m.cmd.fence = r->fence;
	client_conn_send(r->cc, &m);
}

/*
 * One turn of the loop: keep the follow connection, renew when due, and
 * read what the hub says for up to CLIENT_RUN_POLL ms.
 */
static void
client_cmd_run_turn(struct client_run *r)
{
	struct proto_msg	 m;
	char			*cause = NULL;
	int64_t			 now = util_clock_mono_ms();
	size_t			 i;
	int			 unreachable, rc;

	if (r->cc == NULL) {
		if (now < r->next_connect) {
			usleep(CLIENT_RUN_POLL * 1000);
			return;
		}
		/* Short attempts, so CMD is looked at often. */
		client_conn_deadline(now + 2000);
		r->cc = client_conn_open(r->a->hub, r->a->user, r->a->incident,
		    r->seq, 0, &unreachable, &cause);
		client_conn_deadline(0);
		if (r->cc == NULL) {
			util_log("run: %s", cause);
			free(cause);
			r->next_connect = util_clock_mono_ms() + 250 *
			    (1 << (r->attempt < 4 ? r->attempt : 4));
			r->attempt++;
			return;
		}
		r->attempt = 0;
		free(r->renew_op);
		r->renew_op = NULL;	/* unanswered: send again */
	}
	if (r->lost == NULL && (now >= r->next_renew || (r->renew_op != NULL &&
	    now - r->renew_sent > 3000))) {
		client_cmd_run_renew(r, now);
		r->next_renew = now + r->ttl / 3;
	}
	rc = client_conn_recv(r->cc, &m, CLIENT_RUN_POLL, &cause);
	if (rc < 0) {
		util_log("run: %s", cause);
		free(cause);
		client_conn_free(r->cc);
		r->cc = NULL;
		return;
	}
	if (rc == 0)
		return;
	for (i = 0; m.kind == PROTO_EVENTS && i < m.nevents; i++)
		client_cmd_run_event(r, &m.events[i]);
	if (r->renew_op != NULL && m.op != NULL &&
	    strcmp(m.op, r->renew_op) == 0) {
		free(r->renew_op);
		r->renew_op = NULL;
		if (m.kind == PROTO_ACK)
			r->lease_end = r->renew_sent + r->ttl;
		else if (r->lost == NULL)
			r->lost = xstrdup(m.message != NULL ? m.message :
			    "renewal refused");
	}
	proto_msg_clear(&m);
}

/* The wait status as an exit status: its code, or 128+N for a signal. */
static int
client_cmd_run_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static int
client_cmd_run_exec(struct client_args *a)
{
	struct core_event	 ev;
	struct proto_msg	 ack;
	struct client_run	 r;
	struct sigaction	 sa;
	struct buf		 jb;
	const char		*ttl_s = client_opt(a, "ttl");
	const char		*conflict_s = client_opt(a, "conflict-exit-code");
	char			 note[96], *cause;
	int64_t			 ttl = CORE_TTL_DEFAULT, conflict, now;
	int64_t			 stop_at = 0;
	pid_t			 pid;
	int			 status, rc, exitcode, sig;

	if (conflict_s == NULL)
		conflict_s = client_opt(a, "E");
	conflict = CLIENT_RUN_CONFLICT;
	if (ttl_s != NULL && client_ttl_parse(ttl_s, &ttl, &cause) != 0) {
		rc = client_usage_why(a->entry, cause);
		free(cause);
		return rc;
	}
	if (a->nwords != 1 || a->nrest == 0 || (conflict_s != NULL &&
	    util_num_parse(conflict_s, 0, 255, &conflict) != 0))
		return client_usage(a->entry);
	if ((rc = client_hub_prepare(a, 1)) != 0)
		return rc;
	core_event_init(&ev);
	ev.type = CORE_CLAIM;
	ev.name = xstrdup(a->words[0]);
	ev.ttl = ttl_s != NULL ? ttl : 0;	/* 0: the hub's default */
	rc = client_hub_command(a, &ev, -1, &ack);
	core_event_clear(&ev);
	if (rc == CLIENT_EXIT_REFUSED)
		return (int)conflict;
	if (rc != 0)
		return rc;

	memset(&r, 0, sizeof r);
	r.a = a;
	r.name = a->words[0];
	r.fence = ack.fence;
	r.seq = ack.seq;
	r.ttl = ack.ttl > 0 ? ack.ttl : ttl;
	proto_msg_clear(&ack);
	now = util_clock_mono_ms();
	r.lease_end = now + r.ttl;
	r.next_renew = now + r.ttl / 3;
	if (a->json) {
		/* Standard output is the command's: the claim, stderr. */
		util_buf_init(&jb);
		proto_result_json(a->incident, r.name, r.seq, r.fence, 0, &jb);
		fprintf(stderr, "%s\n", jb.data);
		util_buf_clear(&jb);
	} else
		fprintf(stderr, "concord: claimed %s, fence %lld; running %s\n",
		    r.name, (long long)r.fence, a->argv_rest[0]);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = client_cmd_run_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if ((pid = client_cmd_run_spawn(a, r.fence)) == -1)
		return client_hub_fail(CLIENT_EXIT_ERROR, "fork: %s",
		    strerror(errno));
	run_child = pid;
	if (run_signal != 0)
		kill(pid, run_signal);	/* arrived before the child did */

	client_conn_deadline(0);	/* CMD takes as long as it takes */
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		now = util_clock_mono_ms();
		if (r.lost == NULL && now >= r.lease_end)
			r.lost = xstrdup("no renewal was acknowledged before "
			    "the lease ran out");
		if ((r.lost != NULL || run_signal != 0) && stop_at == 0) {
			if (r.lost != NULL) {
				kill(pid, SIGTERM);
				util_log("run: lease on %s lost: %s", r.name,
				    r.lost);
			}
			stop_at = now + CLIENT_RUN_GRACE;
		} else if (stop_at != 0 && now >= stop_at) {
			kill(pid, SIGKILL);
			stop_at = INT64_MAX;
		}
		client_cmd_run_turn(&r);
	}
	run_child = 0;
	client_conn_free(r.cc);
	free(r.renew_op);
	exitcode = client_cmd_run_status(status);
	if (r.lost != NULL) {
		client_hub_fail(exitcode, "lost the lease on %s: %s; stopped %s",
		    r.name, r.lost, a->argv_rest[0]);
		free(r.lost);
		return exitcode;
	}

	core_event_init(&ev);
	ev.type = CORE_DONE;
	ev.name = xstrdup(r.name);
	ev.fence = r.fence;
	if ((sig = run_signal) != 0) {
		ev.outcome = xstrdup("aborted");
		snprintf(note, sizeof note, "concord run got %s; %s %s",
		    strsignal(sig), a->argv_rest[0], WIFSIGNALED(status) ?
		    "was killed by a signal" : "exited");
		ev.text = xstrdup(note);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		ev.outcome = xstrdup("success");
	else {
		ev.outcome = xstrdup("failed");
		if (WIFEXITED(status))
			snprintf(note, sizeof note, "exit status %d",
			    WEXITSTATUS(status));
		else
			snprintf(note, sizeof note, "killed by signal %d",
			    WTERMSIG(status));
		ev.text = xstrdup(note);
	}
	free(a->op);
	a->op = NULL;
	client_conn_deadline(util_clock_mono_ms() + a->timeout);
	rc = client_hub_command(a, &ev, -1, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return rc == CLIENT_EXIT_REFUSED ? exitcode : rc;
	proto_msg_clear(&ack);
	return exitcode;
}

const struct client_cmd_entry client_cmd_run_entry = {
	.name = "run",
	.usage = "run ACTION [--ttl S] [-E N] -- CMD [ARGS...]",
	.opts = "ttl:,conflict-exit-code:,E:",
	.exec = client_cmd_run_exec
};
