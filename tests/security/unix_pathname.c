/*
 * unix_pathname.c - connect to a forbidden pathname unix socket.
 *
 * Usage: unix_pathname SOCKPATH WORKDIR
 *
 * Variants: the absolute path; a symlink in WORKDIR to it; the relative
 * name from a cwd in the socket's directory (the kernel resolves it from
 * the caller's cwd, not from the supervisor's); /proc/self/cwd/NAME;
 * /proc/self/fd/N/NAME with N a descriptor of the socket's directory; a
 * sun_path without a terminating NUL (address length = the whole
 * sun_path, which the kernel accepts).
 */
#include <limits.h>
#include <stddef.h>
#include <sys/un.h>

#include "hostile.h"

static void attempt(const char *variant, const char *path, int no_nul)
{
	struct sockaddr_un sa;
	socklen_t len;
	size_t n = strlen(path);
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (no_nul ? n != sizeof(sa.sun_path) : n >= sizeof(sa.sun_path)) {
		hostile_result(-ENAMETOOLONG, "%s: %s", variant, path);
		return;
	}
	memcpy(sa.sun_path, path, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			  (no_nul ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		hostile_setup("socket");
	hostile_result(hostile_connect_check(fd, &sa, len), "%s: %s", variant,
		       path);
	close(fd);
}

int main(int argc, char **argv)
{
	static char dir[PATH_MAX], name[PATH_MAX], p[PATH_MAX * 2];
	static char pad[PATH_MAX * 2];
	struct sockaddr_un sa;
	int dfd;

	hostile_usage(argc, 3, "unix_pathname SOCKPATH WORKDIR");
	hostile_split(argv[1], dir, name, sizeof(dir));

	attempt("absolute path", argv[1], 0);

	hostile_fmt(p, sizeof(p), "%s/sock-link", argv[2]);
	unlink(p);
	if (symlink(argv[1], p) < 0)
		hostile_setup("symlink %s", p);
	attempt("symlink in WORKDIR", p, 0);

	/* a path of exactly sizeof(sun_path) bytes, no NUL: pad the
	 * directory with "/./" */
	hostile_fmt(pad, sizeof(pad), "%s", dir);
	while (strlen(pad) + 1 + strlen(name) < sizeof(sa.sun_path) - 1)
		strncat(pad, "/.", sizeof(pad) - strlen(pad) - 1);
	if (strlen(pad) + 1 + strlen(name) == sizeof(sa.sun_path) - 1)
		strncat(pad, "/", sizeof(pad) - strlen(pad) - 1);
	strncat(pad, "/", sizeof(pad) - strlen(pad) - 1);
	strncat(pad, name, sizeof(pad) - strlen(pad) - 1);
	attempt("sun_path without NUL", pad, 1);

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		hostile_result(-errno, "open %s", dir);
	} else {
		hostile_fmt(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, name);
		attempt("/proc/self/fd/N/NAME", p, 0);
	}

	if (chdir(dir) < 0) {
		hostile_result(-errno, "chdir %s", dir);
		hostile_finish("connects to the forbidden unix socket");
	}
	attempt("relative name from the socket's directory", name, 0);
	hostile_fmt(p, sizeof(p), "/proc/self/cwd/%s", name);
	attempt("/proc/self/cwd/NAME", p, 0);
	hostile_finish("connects to the forbidden unix socket");
}
