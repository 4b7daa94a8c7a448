/*
 * concord demo: a realistic incident, to see the product work within
 * seconds.  It opens an incident as alice, assigns roles, declares recovery
 * actions with dependencies and a conflict, completes one, has dave hold
 * another, shows two refused claims, marks a key moment and amends a note.
 * On a terminal it then opens the console on it while a background process
 * keeps the incident moving (notes, dave renewing his lease, actions
 * finishing and being claimed).  Without a terminal, or with --script, it
 * prints each step and the timeline instead.
 *
 * Unless --hub names a hub, the demo runs on a hub of its own: a concordd
 * child on a Unix socket in a fresh private directory (mkdtemp under
 * $TMPDIR), private to this uid (--private: its people are all acted as,
 * so each event records the user too), with its store there too, and with
 * $XDG_STATE_HOME pointed
 * there so nothing of the demo (outbox included) reaches the user's real
 * store; $CONCORD_HUB and the configuration file are not used.
 *
 * Nothing the demo starts outlives it: the background process and the
 * private hub are its children, killed by their saved pids when the
 * console or the script ends (the hub with SIGTERM, then SIGKILL), and
 * both have a parent-death signal should the demo itself be killed.  The
 * private directory is removed last.  A SIGHUP, SIGINT or SIGTERM while the
 * incident is being seeded stops the demo after the current step.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "util.h"

#define DEMO_HUB_START	10000	/* ms for the private hub to listen */
#define DEMO_HUB_STOP	2000	/* ms from SIGTERM to SIGKILL */

/* The private hub: its directory and process. */
struct demo_hub {
	char	*dir;
	char	*url;
	pid_t	 pid;
};

static volatile sig_atomic_t	client_cmd_demo_signal;

static void
client_cmd_demo_onsignal(int sig)
{
	client_cmd_demo_signal = sig;
}

/* Run one CLI command as who; expect its exit status.  0 or -1. */
static int
client_cmd_demo_step(struct client_args *a, int quiet, const char *who,
    const char **argv, int expect)
{
	char	*full[32];
	int	 n = 0, i, rc, saved = -1, saved2 = -1, fd;

	if (client_cmd_demo_signal != 0)
		return -1;	/* stopping: run nothing more */
	full[n++] = (char *)"concord";
	full[n++] = (char *)"--hub";
	full[n++] = a->hub;
	full[n++] = (char *)"--as";
	full[n++] = (char *)who;
	for (i = 0; argv[i] != NULL && n < 31; i++)
		full[n++] = (char *)argv[i];
	full[n] = NULL;
	if (!quiet) {
		printf("\n$ concord --as %s", who);
		for (i = 0; argv[i] != NULL; i++)
			printf(strchr(argv[i], ' ') != NULL ? " \"%s\"" : " %s",
			    argv[i]);
		printf("\n");
	}
	fflush(stdout);
	fflush(stderr);
	if (quiet && (fd = open("/dev/null", O_WRONLY)) != -1) {
		saved = dup(STDOUT_FILENO);
		saved2 = dup(STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	rc = client_run(n, full);
	fflush(stdout);
	if (saved != -1) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	if (saved2 != -1) {
		dup2(saved2, STDERR_FILENO);
		close(saved2);
	}
	if (rc != expect && !quiet)
		fprintf(stderr, "concord: demo step exited %d, not %d\n", rc,
		    expect);
	return rc == expect ? 0 : -1;
}

#define STEP(who, expect, ...) do {					\
	const char *v_[] = { __VA_ARGS__, NULL };			\
	if (client_cmd_demo_step(a, quiet, who, v_, expect) != 0)	\
		return -1;						\
} while (0)

/* Open and populate the incident; returns 0 with its id in *id. */
static int
client_cmd_demo_seed(struct client_args *a, int quiet, char **id)
{
	struct core_event	 ev;
	struct proto_msg	 ack;
	int			 rc;

	core_event_init(&ev);
	ev.type = CORE_OPEN;
	ev.text = xstrdup("Checkout p99 latency over 800 ms");
	ev.sev = 1;
	if (!quiet)
		printf("$ concord --as alice open --title \"%s\" --sev 1\n",
		    ev.text);
	rc = client_hub_command(a, &ev, 0, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return -1;
	*id = xstrdup(ack.incident);
	proto_msg_clear(&ack);
	if (!quiet)
		printf("opened %s\n", *id);
	setenv("CONCORD_INCIDENT", *id, 1);

	STEP("alice", 0, "role", "assign", "bob", "ops");
	STEP("alice", 0, "role", "assign", "carol", "comms");
	STEP("alice", 0, "role", "assign", "erin", "scribe");
	STEP("carol", 0, "note", "p99 840 ms since 14:02; errors 2.1 %");
	STEP("bob", 0, "note", "db primary shows replication lag 40 s");
	STEP("alice", 0, "mark", "5", "detection");
	STEP("alice", 0, "summary", "db primary degraded; checkout slow");
	STEP("alice", 0, "declare", "failover-db", "--desc",
	    "promote the replica in eu-west");
	STEP("alice", 0, "declare", "restart-api", "--desc",
	    "rolling restart of checkout-api", "--after", "failover-db");
	STEP("alice", 0, "declare", "purge-cache", "--desc",
	    "flush the product cache", "--after", "restart-api");
	STEP("alice", 0, "declare", "rollback-deploy", "--desc",
	    "roll back release 2026.11.3", "--conflicts", "restart-api");
	STEP("bob", 0, "claim", "failover-db", "--ttl", "60");
	STEP("dave", 3, "claim", "failover-db");
	STEP("bob", 0, "done", "failover-db", "--outcome", "success", "--note",
	    "replica promoted, lag 0");
	STEP("carol", 0, "note", "cache hit rate looks low");
	STEP("carol", 0, "amend", "15", "cache hit rate is normal (checked)");
	STEP("alice", 0, "status", "mitigating");
	STEP("dave", 0, "claim", "restart-api", "--ttl", "30");
	STEP("erin", 3, "claim", "rollback-deploy");
	return 0;
}

/* The background life of the demo incident; runs until killed. */
static void
client_cmd_demo_actor(struct client_args *a)
{
	static const char *lines[][2] = {
		{ "carol", "status page updated: investigating checkout" },
		{ "bob", "replica now primary, write latency 4 ms" },
		{ "erin", "customer support reports failed payments" },
		{ "carol", "p99 down to 610 ms" },
		{ "bob", "connection pool at 480 of 500" },
		{ "erin", "timeline: first alert fired 14:02:11" },
		{ "carol", "p99 420 ms and falling" },
		{ "bob", "no errors in the last minute" },
	};
	const int	quiet = 1;
	size_t		i = 0;
	int		beat = 0, fd;

	/* Never hold the console's terminal. */
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	for (;;) {
		sleep(3);
		beat++;
		if (beat % 3 == 0)
			client_cmd_demo_step(a, quiet, "dave",
			    (const char *[]){ "renew", "restart-api", NULL }, 0);
		if (beat == 6)
			client_cmd_demo_step(a, quiet, "dave", (const char *[]){
			    "done", "restart-api", "--outcome", "success",
			    "--note", "all 12 pods restarted", NULL }, 0);
		if (beat == 7)
			client_cmd_demo_step(a, quiet, "bob", (const char *[]){
			    "claim", "purge-cache", "--ttl", "30", NULL }, 0);
		if (beat == 10)
			client_cmd_demo_step(a, quiet, "bob", (const char *[]){
			    "done", "purge-cache", "--outcome", "success", NULL },
			    0);
		if (beat == 11)
			client_cmd_demo_step(a, quiet, "alice", (const char *[]){
			    "status", "monitoring", NULL }, 0);
		client_cmd_demo_step(a, quiet, lines[i][0],
		    (const char *[]){ "note", lines[i][1], NULL }, 0);
		i = (i + 1) % (sizeof lines / sizeof lines[0]);
	}
}

static int
client_cmd_demo_rm(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Stop the private hub (SIGTERM, then SIGKILL) and remove its directory. */
static void
client_cmd_demo_hub_stop(struct demo_hub *h)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	int64_t		end = util_clock_mono_ms() + DEMO_HUB_STOP;
	int		status;
	pid_t		r;

	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		while ((r = waitpid(h->pid, &status, WNOHANG)) == 0 ||
		    (r == -1 && errno == EINTR)) {
			if (util_clock_mono_ms() >= end) {
				util_log("the demo's hub ignored SIGTERM");
				kill(h->pid, SIGKILL);
				while (waitpid(h->pid, &status, 0) == -1 &&
				    errno == EINTR)
					;
				break;
			}
			nanosleep(&ts, NULL);
		}
		util_log("the demo's hub (pid %ld) stopped", (long)h->pid);
		h->pid = -1;
	}
	if (h->dir != NULL)
		nftw(h->dir, client_cmd_demo_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(h->dir);
	free(h->url);
	h->dir = h->url = NULL;
}

/*
 * Start the private hub in a fresh directory and wait for its listening
 * line.  Returns 0, or -1 with *cause (the directory is then removed).
 */
static int
client_cmd_demo_hub_start(struct demo_hub *h, char **cause)
{
	const char	*tmp = getenv("TMPDIR");
	struct pollfd	 pfd;
	struct buf	 out;
	char		*bin, *sock, *data, *log, *state, chunk[256];
	int		 p[2], fd, ready = 0, left;
	int64_t		 end = util_clock_mono_ms() + DEMO_HUB_START;
	pid_t		 parent = getpid();
	ssize_t		 n;

	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	h->dir = xasprintf("%s/concord-demo.XXXXXX", tmp);
	if (mkdtemp(h->dir) == NULL) {
		*cause = xasprintf("cannot make a directory for the demo's "
		    "hub in %s: %s", tmp, strerror(errno));
		free(h->dir);
		h->dir = NULL;
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) != 0)
		fatalx("pipe: %s", strerror(errno));
	sock = xasprintf("%s/hub.sock", h->dir);
	data = xasprintf("%s/data", h->dir);
	log = xasprintf("%s/concordd.log", h->dir);
	state = xasprintf("%s/state", h->dir);
	bin = client_embed_binary();
	/* The outbox and anything else of the demo's stay in here too. */
	setenv("XDG_STATE_HOME", state, 1);
	fflush(stdout);
	fflush(stderr);
	if ((h->pid = fork()) == -1)
		fatalx("fork: %s", strerror(errno));
	if (h->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, STDIN_FILENO);
			if (fd > STDIN_FILENO)
				close(fd);
		}
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		execl(bin, "concordd", "--socket", sock, "--data", data,
		    "--log", log, "--private", (char *)NULL);
		execlp("concordd", "concordd", "--socket", sock, "--data",
		    data, "--log", log, "--private", (char *)NULL);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", bin,
		    strerror(errno));
		_exit(127);
	}
	close(p[1]);
	util_buf_init(&out);
	while (!ready && (left = (int)(end - util_clock_mono_ms())) > 0) {
		memset(&pfd, 0, sizeof pfd);
		pfd.fd = p[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		if ((n = read(p[0], chunk, sizeof chunk)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;		/* the hub exited */
		}
		if (out.len < 4096)
			util_buf_add(&out, chunk, (size_t)n);
		ready = out.data != NULL &&
		    strstr(out.data, "listening") != NULL;
	}
	close(p[0]);
	if (ready) {
		h->url = xasprintf("unix:%s", sock);
		util_log("the demo's hub (pid %ld) on %s", (long)h->pid,
		    h->url);
	} else {
		*cause = xasprintf("the demo's hub did not start%s%.*s",
		    out.len > 0 ? ": " : "", (int)strcspn(out.len > 0 ?
		    out.data : "", "\n"), out.len > 0 ? out.data : "");
		client_cmd_demo_hub_stop(h);
	}
	util_buf_clear(&out);
	free(bin);
	free(sock);
	free(data);
	free(log);
	free(state);
	return ready ? 0 : -1;
}

static void
client_cmd_demo_signals(struct sigaction *old)
{
	static const int	 sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct sigaction	 sa;
	size_t			 i;

	client_cmd_demo_signal = 0;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = client_cmd_demo_onsignal;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
}

static void
client_cmd_demo_signals_restore(struct sigaction *old)
{
	static const int	sigs[] = { SIGHUP, SIGINT, SIGTERM };
	size_t			i;

	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
}

static int
client_cmd_demo_exec(struct client_args *a)
{
	struct demo_hub		 h;
	struct sigaction	 old[3];
	char			*id = NULL, *me = NULL, *cause = NULL;
	pid_t			 actor = -1, parent = getpid();
	int			 rc, script, status, private, caught = 1;

	script = client_opt(a, "script") != NULL || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO);
	memset(&h, 0, sizeof h);
	h.pid = -1;
	private = a->hub == NULL;	/* no --hub: a hub of its own */
	client_cmd_demo_signals(old);
	if (private) {
		if (client_cmd_demo_hub_start(&h, &cause) != 0) {
			rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s", cause);
			free(cause);
			goto out;
		}
		a->hub = xstrdup(h.url);
	}
	if ((rc = client_hub_prepare(a, 0)) != 0)
		goto out;
	if (!script && private)
		printf("concord demo: preparing an incident on a private hub "
		    "(it stops with the demo)...\n");
	else if (!script)
		printf("concord demo: preparing an incident on %s...\n",
		    a->hub);
	me = a->user;		/* the console's user; the seed is alice's */
	a->user = xstrdup("alice");
	rc = client_cmd_demo_seed(a, !script, &id);
	free(a->user);
	a->user = me;
	me = NULL;
	client_cmd_demo_signals_restore(old);
	caught = 0;
	if (client_cmd_demo_signal != 0) {
		util_log("demo stopped by signal %d", client_cmd_demo_signal);
		rc = 128 + client_cmd_demo_signal;
		goto out;
	}
	if (rc != 0) {
		rc = CLIENT_EXIT_ERROR;
		goto out;
	}
	if (script) {
		client_cmd_demo_step(a, 0, "alice",
		    (const char *[]){ "log", NULL }, 0);
		if (private)
			printf("\nThe demo ran on a hub of its own, stopped "
			    "now; your own incidents are untouched.\nRun "
			    "concord demo on a terminal to watch it live in "
			    "the console.\n");
		else
			printf("\nOpen the console on it with:\n  concord "
			    "--hub %s -i %s\n", a->hub, id);
		rc = CLIENT_EXIT_OK;
		goto out;
	}
	fflush(stdout);
	if ((actor = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		client_cmd_demo_actor(a);
		_exit(0);
	}
	if (actor > 0)
		util_log("the demo's background process is pid %ld",
		    (long)actor);
	free(a->incident);
	a->incident = id;
	id = NULL;
	rc = client_console(a);
out:
	if (caught)
		client_cmd_demo_signals_restore(old);
	if (actor > 0) {
		kill(actor, SIGKILL);
		while (waitpid(actor, &status, 0) == -1 && errno == EINTR)
			;
	}
	client_cmd_demo_hub_stop(&h);
	free(id);
	return rc;
}
const struct client_cmd_entry client_cmd_demo_entry = {
	.name = "demo",
	.usage = "demo [--script]",
	.opts = "script",
	.exec = client_cmd_demo_exec
};
