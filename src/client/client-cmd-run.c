/*
 * concord run ACTION [--ttl S] -- CMD ARGS...: flock(1) for a whole team.
 * Claims the action, runs CMD with CONCORD_FENCE set to the grant's fencing
 * token, renews the lease every TTL/3 while CMD runs, and records CMD's exit
 * status as the outcome (0 success, anything else failed), exiting with it.
 * If the lease is lost (refused renewal, broken by the IC, or no renewal
 * acknowledged before it would run out) CMD is stopped and run exits 3.
 * CMD gets SIGKILL if run itself dies, and the lease then runs out.
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
	argv = xcalloc(a->nrest + 1, sizeof *argv);
	memcpy(argv, a->argv_rest, a->nrest * sizeof *argv);
	execvp(argv[0], argv);
	fprintf(stderr, "concord: cannot run %s: %s\n", a->argv_rest[0],
	    strerror(errno));
	_exit(127);
}

/* Stop CMD: SIGTERM, then SIGKILL after 5 s; returns its wait status. */
static int
client_cmd_run_stop(pid_t pid)
{
	int	status, i;

	kill(pid, SIGTERM);
	for (i = 0; i < 50; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return status;
}

/*
 * Renew over cc (reconnecting as needed).  Returns 0 renewed, 1 still
 * trying (connection trouble), or 3 refused (lease lost, *why set).
 */
static int
client_cmd_run_renew(struct client_args *a, struct client_conn **cc,
    int64_t fence, char **why)
{
	struct proto_msg	 m, r;
	char			*cause = NULL, *op;
	int			 unreachable, rc;

	if (*cc == NULL && (*cc = client_conn_open(a->hub, a->user,
	    a->incident, -1, 0, &unreachable, &cause)) == NULL) {
		util_log("renew: %s", cause);
		free(cause);
		return 1;
	}
	op = util_opid_create();
	proto_msg_init(&m, PROTO_COMMAND);
	m.incident = a->incident;
	m.op = op;
	m.cmd.type = CORE_RENEW;
	m.cmd.name = a->words[0];
	m.cmd.fence = fence;
	client_conn_send(*cc, &m);
	for (;;) {
		rc = client_conn_recv(*cc, &r, 5000, &cause);
		if (rc <= 0) {
			free(cause);
			client_conn_free(*cc);
			*cc = NULL;
			free(op);
			return 1;
		}
		if (r.op != NULL && strcmp(r.op, op) == 0)
			break;
		proto_msg_clear(&r);
	}
	free(op);
	rc = 0;
	if (r.kind != PROTO_ACK) {
		*why = xstrdup(r.message != NULL ? r.message : "renewal refused");
		rc = 3;
	}
	proto_msg_clear(&r);
	return rc;
}

static int
client_cmd_run_exec(struct client_args *a)
{
	struct core_event	 ev;
	struct proto_msg	 ack;
	struct client_conn	*cc = NULL;
	const char		*ttl_s = client_opt(a, "ttl");
	char			*why = NULL, note[64];
	int64_t			 ttl = CORE_TTL_DEFAULT, fence, next, lease_end;
	int64_t			 now;
	pid_t			 pid;
	int			 status, rc, exitcode;

	if (a->nwords != 1 || a->nrest == 0 || (ttl_s != NULL &&
	    util_duration_parse(ttl_s, &ttl) != 0))
		return client_usage(&client_cmd_run_entry);
	if ((rc = client_hub_prepare(a, 1)) != 0)
		return rc;
	core_event_init(&ev);
	ev.type = CORE_CLAIM;
	ev.name = xstrdup(a->words[0]);
	ev.ttl = ttl_s != NULL ? ttl : 0;	/* 0: the hub's default */
	rc = client_hub_command(a, &ev, -1, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return rc;
	fence = ack.fence;
	if (ack.ttl > 0)
		ttl = ack.ttl;
	proto_msg_clear(&ack);
	now = util_clock_mono_ms();
	lease_end = now + ttl;
	next = now + ttl / 3;
	fprintf(stderr, "concord: claimed %s, fence %lld; running %s\n",
	    a->words[0], (long long)fence, a->argv_rest[0]);
	if ((pid = client_cmd_run_spawn(a, fence)) == -1)
		return client_hub_fail(CLIENT_EXIT_ERROR, "fork: %s",
		    strerror(errno));

	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		now = util_clock_mono_ms();
		if (now >= next) {
			rc = client_cmd_run_renew(a, &cc, fence, &why);
			now = util_clock_mono_ms();
			if (rc == 0) {
				lease_end = now + ttl;
				next = now + ttl / 3;
			} else if (rc == 3 || now >= lease_end) {
				client_cmd_run_stop(pid);
				client_conn_free(cc);
				rc = client_hub_fail(CLIENT_EXIT_REFUSED, "lost "
				    "the lease on %s: %s; stopped %s",
				    a->words[0], why != NULL ? why :
				    "no renewal acknowledged in time",
				    a->argv_rest[0]);
				free(why);
				return rc;
			} else
				next = now + 250;
		}
		usleep(50000);
	}
	client_conn_free(cc);

	core_event_init(&ev);
	ev.type = CORE_DONE;
	ev.name = xstrdup(a->words[0]);
	ev.fence = fence;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ev.outcome = xstrdup("success");
		exitcode = 0;
	} else if (WIFEXITED(status)) {
		ev.outcome = xstrdup("failed");
		snprintf(note, sizeof note, "exit status %d",
		    WEXITSTATUS(status));
		ev.text = xstrdup(note);
		exitcode = WEXITSTATUS(status);
	} else {
		ev.outcome = xstrdup("failed");
		snprintf(note, sizeof note, "killed by signal %d",
		    WTERMSIG(status));
		ev.text = xstrdup(note);
		exitcode = 128 + WTERMSIG(status);
	}
	free(a->op);
	a->op = NULL;
	rc = client_hub_command(a, &ev, -1, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return rc;
	proto_msg_clear(&ack);
	return exitcode;
}

const struct client_cmd_entry client_cmd_run_entry = {
	"run", "run ACTION [--ttl S] -- CMD [ARGS...]", "ttl:",
	client_cmd_run_exec
};
