/*
 * The embedded hub.  With no hub configured, concord uses a private
 * concordd on a Unix socket in $XDG_RUNTIME_DIR/concord/ (or
 * /tmp/concord-UID/ when that is unset) with its store in
 * $XDG_STATE_HOME/concord/ (default ~/.local/state/concord), starting it on
 * first use as tmux starts its server.  It is private (--private): only
 * this uid may connect, and it may act as anyone (--as), each event
 * recording both names.  A lock file makes two first calls at once start
 * one hub.  The hub is double-forked into a new session with its
 * standard descriptors on /dev/null, so it never holds a caller's pipe open
 * and is never the caller's child to reap.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "util.h"

static char *
client_embed_dir(void)
{
	const char	*s = getenv("XDG_RUNTIME_DIR");

	if (s != NULL && *s == '/')
		return xasprintf("%s/concord", s);
	return xasprintf("/tmp/concord-%ld", (long)getuid());
}

/* Can we connect to the socket at path? */
static int
client_embed_alive(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, ok;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return 0;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	return ok;
}

char *
client_embed_binary(void)
{
	char	self[PATH_MAX], *dir, *path;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		dir = dirname(self);
		path = xasprintf("%s/concordd", dir);
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return xstrdup("concordd");
}

static int
client_embed_spawn(const char *sock, const char *state, const char *log,
    char **cause)
{
	char	*bin = client_embed_binary();
	pid_t	 pid;
	int	 status, fd;

	if ((pid = fork()) == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		free(bin);
		return -1;
	}
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		execlp(bin, "concordd", "--socket", sock, "--data", state,
		    "--log", log, "--private", (char *)NULL);
		_exit(127);
	}
	free(bin);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return 0;
}

char *
client_embed_hub(char **cause)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	char		*dir = client_embed_dir(), *state, *sock, *lock, *log;
	char		*url = NULL;
	int		 fd, i;

	if (util_mkdirs(dir, 0700) != 0) {
		*cause = xasprintf("mkdir %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	sock = xasprintf("%s/hub.sock", dir);
	if (client_embed_alive(sock)) {
		url = xasprintf("unix:%s", sock);
		goto out;
	}
	lock = xasprintf("%s/hub.lock", dir);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (fd == -1 || flock(fd, LOCK_EX) != 0) {
		*cause = xasprintf("cannot lock %s/hub.lock: %s", dir,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	if (!client_embed_alive(sock)) {
		state = util_state_dir();
		log = xasprintf("%s/concordd.log", dir);
		if (client_embed_spawn(sock, state, log, cause) == 0) {
			for (i = 0; i < 500 && !client_embed_alive(sock); i++)
				nanosleep(&ts, NULL);
			if (i == 500)
				*cause = xasprintf("the embedded hub did not "
				    "start; see %s", log);
		}
		free(state);
		free(log);
	}
	if (client_embed_alive(sock))
		url = xasprintf("unix:%s", sock);
	close(fd);
out:
	free(sock);
	free(dir);
	return url;
}

char *
client_embed_url(void)
{
	char	*dir = client_embed_dir(), *url;

	url = xasprintf("unix:%s/hub.sock", dir);
	free(dir);
	return url;
}
