/*
 * The console's entry and loop.  One libwebsockets loop serves both the
 * hub connection (the session) and the terminal: standard input is adopted
 * as a raw file, so a key wakes the loop like a message does.  After every
 * pass of the loop waiting keys are read and, if anything changed, one
 * frame is drawn.  The session's 250 ms tick also ends a pass, which keeps
 * clocks moving and notices a resize (curses turns SIGWINCH into KEY_RESIZE
 * on the next read) even when nothing else happens.
 */
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "client.h"
#include "tui.h"
#include "util.h"

static int
tui_main_tty(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct tui	*t = lws_get_opaque_user_data(wsi);

	(void)user;
	(void)in;
	(void)len;
	if (t == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		t->dirty = 1;	/* the loop reads the keys */
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		t->quit = 1;	/* the terminal went away */
		break;
	default:
		break;
	}
	return 0;
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
	free(t->user);
	free(t->incident);
}

int
tui_main(struct client_args *a)
{
	struct tui		 t;
	lws_adopt_desc_t	 ad;
	const char		*theme = client_opt(a, "theme"), *bench;
	char			*cause = NULL;
	int			 rc, fd;

	setlocale(LC_ALL, "");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return client_hub_fail(CLIENT_EXIT_ERROR, "the console needs a "
		    "terminal; see concord --help for the commands");
	if ((rc = client_hub_prepare(a, 1)) != 0)
		return rc;
	store_outbox_quiet();
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
	t.user = xstrdup(a->user);
	t.incident = xstrdup(a->incident);
	t.dirty = 1;
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
	if (tui_screen_init(&t, &cause) != 0) {
		tui_main_free(&t);
		rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s", cause);
		free(cause);
		return rc;
	}
	util_log("console on %s at %s as %s", t.incident, t.hub, t.user);
	t.bench_fd = -1;
	if ((bench = getenv("CONCORD_BENCH_LOG")) != NULL && *bench != '\0')
		t.bench_fd = open(bench, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0600);
	while (!t.quit) {
		if (t.dirty) {
			tui_screen_draw(&t);
			t.dirty = 0;
			tui_main_bench(&t);
		}
		if (lws_service(client_session_context(t.session), 0) < 0)
			break;
		tui_screen_keys(&t);
	}
	tui_screen_end(&t);
	if (t.bench_fd != -1)
		close(t.bench_fd);
	tui_main_free(&t);
	return CLIENT_EXIT_OK;
}
