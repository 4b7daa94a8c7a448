/*
 * The console's entry and loop.  One libwebsockets loop serves both the
 * hub connection (the session) and the terminal: standard input is adopted
 * as a raw file, so a key wakes the loop like a message does.  After every
 * pass of the loop waiting keys are read and, if anything changed, one
 * frame is drawn.  The session's 250 ms tick also ends a pass, which keeps
 * clocks moving and notices a resize (curses turns SIGWINCH into KEY_RESIZE
 * on the next read) even when nothing else happens.
 *
 * The terminal can go away under the console (a closed window, a dropped
 * ssh connection, a killed tmux session).  A hung-up terminal stays
 * readable for ever (poll says POLLIN and POLLHUP, reads return 0 or EIO),
 * and curses reports that the same way as "no key yet", so every wake of
 * the terminal is checked: a hangup, an error, EIO, or end of file (readable
 * with nothing to read, a few times running) ends the loop, as does SIGHUP
 * (SIGINT and SIGTERM end it too).  The reason goes to the log only, and
 * nothing is written to, or restored on, a terminal that is gone.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "client.h"
#include "tui.h"
#include "util.h"

#define TUI_MAIN_EOF_WAKES	3	/* empty wakes that mean end of file */

static volatile sig_atomic_t	tui_main_signal;

static void
tui_main_onsignal(int sig)
{
	tui_main_signal = sig;
}

/*
 * Is the terminal on fd gone?  Returns why (a static string), or NULL if
 * it is still there.  empty counts the wakes in a row that found it
 * readable with nothing to read (end of file); pass NULL not to count.
 */
static const char *
tui_main_tty_gone(int fd, int *empty)
{
	struct pollfd	pfd;
	int		n = 0;

	memset(&pfd, 0, sizeof pfd);
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) == -1)
		return errno == EINTR ? NULL : "cannot poll the terminal";
	if (pfd.revents & POLLNVAL)
		return "the terminal is closed";
	if (pfd.revents & POLLHUP)
		return "the terminal hung up";
	if (pfd.revents & POLLERR)
		return "error on the terminal";
	if (ioctl(fd, FIONREAD, &n) == -1)
		return errno == EIO ? "EIO from the terminal" :
		    "cannot read the terminal";
	if (empty == NULL)
		return NULL;
	if ((pfd.revents & POLLIN) && n == 0) {
		if (++*empty >= TUI_MAIN_EOF_WAKES)
			return "end of file on the terminal";
	} else
		*empty = 0;
	return NULL;
}

/* The terminal is gone: leave the loop with TUI_EXIT_HANGUP. */
static void
tui_main_lost(struct tui *t, const char *why)
{
	if (t->lost == NULL) {
		t->lost = why;
		util_log("terminal lost: %s; leaving", why);
	}
	t->exit = TUI_EXIT_HANGUP;
	t->quit = 1;
}

static int
tui_main_tty(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct tui	*t;
	const char	*why;

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		/* Not before: the raw file has no opaque data until adopted. */
		if ((t = lws_get_opaque_user_data(wsi)) == NULL)
			return 0;
		break;
	default:
		return 0;
	}
	if (reason == LWS_CALLBACK_RAW_CLOSE_FILE) {
		if (!t->quit)
			tui_main_lost(t, "the terminal went away");
		return 0;
	}
	if ((why = tui_main_tty_gone(STDIN_FILENO, &t->tty_empty)) != NULL) {
		tui_main_lost(t, why);
		return -1;	/* lws closes our copy of the descriptor */
	}
	t->dirty = 1;		/* the loop reads the keys */
	return 0;
}

/*
 * A signal arrived: leave with 128 + its number, or as for a lost terminal
 * on SIGHUP; restore the terminal only if it is still there.
 */
static void
tui_main_signalled(struct tui *t, int sig)
{
	const char	*why;

	util_log("%s (signal %d): leaving", strsignal(sig), sig);
	t->quit = 1;
	t->exit = 128 + sig;
	if ((why = tui_main_tty_gone(STDIN_FILENO, NULL)) != NULL)
		tui_main_lost(t, why);
	else if (sig == SIGHUP)
		util_log("the terminal is still there: restoring it");
	if (sig == SIGHUP)
		t->exit = TUI_EXIT_HANGUP;
}

static const struct lws_protocols tui_main_tty_protocol = {
	"concord-tty", tui_main_tty, 0, 0, 0, NULL, 0
};

/*
 * For the benchmark: after a frame that answered a key, append the time from
 * reading the key to the finished frame, in microseconds.
 */
static void
tui_main_bench(struct tui *t)
{
	char	line[32];
	int	n;

	if (t->bench_fd == -1 || t->key_us == 0)
		return;
	n = snprintf(line, sizeof line, "%lld\n",
	    (long long)(util_clock_mono_us() - t->key_us));
	if (write(t->bench_fd, line, (size_t)n) != n)
		util_log("cannot write the benchmark log");
	t->key_us = 0;
}

void
tui_main_dirty(struct tui *t)
{
	t->dirty = 1;
}

static void
tui_main_changed(void *arg)
{
	tui_main_dirty(arg);
}

static void
tui_main_free(struct tui *t)
{
	client_session_free(t->session);
	tui_theme_clear(&t->theme);
	core_list_free(t->history, t->nhistory);
	free(t->search);
	free(t->message);
	free(t->hub);
	free(t->plaintext);
	free(t->user);
	free(t->incident);
}

static const int	tui_main_caught[] = { SIGHUP, SIGINT, SIGTERM };
#define TUI_MAIN_NCAUGHT \
	(sizeof tui_main_caught / sizeof tui_main_caught[0])

/*
 * Catch SIGHUP, SIGINT and SIGTERM (before curses, which then leaves them
 * be), so that the console leaves through its loop and its caller can stop
 * what it started.
 */
static void
tui_main_signals(struct sigaction *old)
{
	struct sigaction	sa;
	size_t			i;

	tui_main_signal = 0;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = tui_main_onsignal;	/* no SA_RESTART: wake poll */
	for (i = 0; i < TUI_MAIN_NCAUGHT; i++)
		sigaction(tui_main_caught[i], &sa, &old[i]);
}

static void
tui_main_signals_restore(struct sigaction *old)
{
	size_t	i;

	for (i = 0; i < TUI_MAIN_NCAUGHT; i++)
		sigaction(tui_main_caught[i], &old[i], NULL);
}

int
tui_main(struct client_args *a)
{
	struct tui		 t;
	struct sigaction	 old[TUI_MAIN_NCAUGHT];
	lws_adopt_desc_t	 ad;
	const char		*theme = client_opt(a, "theme"), *bench;
	char			*cause = NULL, *embed;
	int			 rc, fd;

	setlocale(LC_ALL, "");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return client_hub_fail(CLIENT_EXIT_ERROR, "the console needs a "
		    "terminal; see concord --help for the commands");
	client_hub_quiet();		/* the console says it itself */
	if ((rc = client_hub_prepare(a, 1)) != 0 ||
	    (rc = client_hub_known(a)) != 0)
		return rc;
	client_outbox_quiet();
	memset(&t, 0, sizeof t);
	tui_theme_default(&t.theme);
	if (theme == NULL)
		theme = getenv("CONCORD_THEME");
	if (theme != NULL && *theme != '\0' &&
	    tui_theme_load(&t.theme, theme, &cause) != 0) {
		rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s", cause);
		free(cause);
		tui_theme_clear(&t.theme);
		return rc;
	}
	t.hub = xstrdup(a->hub);
	embed = client_embed_url();
	t.embedded = strcmp(a->hub, embed) == 0;	/* says "private" */
	free(embed);
	t.plaintext = client_hub_plaintext(t.hub);
	t.user = xstrdup(a->user);
	t.incident = xstrdup(a->incident);
	t.dirty = 1;
	t.exit = CLIENT_EXIT_OK;
	t.started = util_clock_mono_ms();
	t.session = client_session_create(t.hub, t.user, t.incident,
	    &tui_main_tty_protocol, tui_main_changed, &t);

	if ((fd = dup(STDIN_FILENO)) == -1)
		fatalx("dup: cannot watch the terminal");
	memset(&ad, 0, sizeof ad);
	ad.vh = lws_get_vhost_by_name(client_session_context(t.session),
	    "default");
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd.filefd = fd;
	ad.vh_prot_name = tui_main_tty_protocol.name;
	ad.opaque = &t;
	if (ad.vh == NULL || lws_adopt_descriptor_vhost_via_info(&ad) == NULL) {
		tui_main_free(&t);
		return client_hub_fail(CLIENT_EXIT_ERROR, "cannot watch the "
		    "terminal");
	}
	tui_main_signals(old);
	if (tui_screen_init(&t, &cause) != 0) {
		tui_main_signals_restore(old);
		tui_main_free(&t);
		rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s", cause);
		free(cause);
		return rc;
	}
	util_log("console on %s at %s as %s", t.incident, t.hub, t.user);
	if (t.plaintext != NULL) {
		util_log("warning: %s", t.plaintext);
		tui_input_message(&t, 1, "%s", t.plaintext);
	}
	t.bench_fd = -1;
	if ((bench = getenv("CONCORD_BENCH_LOG")) != NULL && *bench != '\0')
		t.bench_fd = open(bench, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0600);
	while (!t.quit) {
		if (tui_main_signal != 0) {
			tui_main_signalled(&t, tui_main_signal);
			break;
		}
		if (t.dirty) {
			tui_screen_draw(&t);
			t.dirty = 0;
			tui_main_bench(&t);
		}
		if (lws_service(client_session_context(t.session), 0) < 0)
			break;
		if (!t.quit)
			tui_screen_keys(&t);
	}
	if (t.lost == NULL)
		tui_screen_end(&t);	/* nothing to restore on a lost one */
	tui_main_signals_restore(old);
	if (t.bench_fd != -1)
		close(t.bench_fd);
	rc = t.exit;
	tui_main_free(&t);
	return rc;
}
