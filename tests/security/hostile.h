/*
 * hostile.h - shared helpers of the hostile programs in tests/security/.
 *
 * Each program tries one bypass of proctor against a target named on its
 * command line, and reports on stdout with one final line:
 *
 *   REACHED <what>            exit 0: the attack reached its target
 *   BLOCKED <ERRNO> <what>    exit 1: it did not (ERRNO is a name, EPERM)
 *   SETUP <what>              exit 2: the program could not set up
 *
 * Before the final line a program prints `HIT <variant>` for each variant
 * that reached the target and `TRY <variant> -> ERRNO` for each one that
 * did not (see hostile_result()), so that a failure is easy to read.
 *
 * A forbidden file holds HOSTILE_MARKER; reading it back is the proof that
 * the file was reached. test_security.py reads the marker from this file.
 *
 * Programs run natively (where they must reach their target: the suite
 * proves its own attacks work) and under `proctor run` (where they must
 * not). Nothing here may harm the machine when the attack succeeds.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HOSTILE_MARKER "PROCTOR-SECURITY-FORBIDDEN-MARKER-5b1e"

/* The name of an errno value ("EPERM"), or its number as text. */
static inline const char *hostile_errname(int e)
{
	static char buf[16];
	const char *n = e ? strerrorname_np(e) : "OK";

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

static inline void hostile_vline(const char *tag, const char *extra,
				 const char *fmt, va_list ap)
{
	printf("%s ", tag);
	if (extra)
		printf("%s ", extra);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

/* The attack worked: print REACHED and exit 0. */
__attribute__((format(printf, 1, 2), noreturn))
static inline void hostile_reached(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hostile_vline("REACHED", NULL, fmt, ap);
	va_end(ap);
	_exit(0);
}

/* The attack failed with err: print BLOCKED and exit 1. */
__attribute__((format(printf, 2, 3), noreturn))
static inline void hostile_blocked(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hostile_vline("BLOCKED", hostile_errname(err), fmt, ap);
	va_end(ap);
	_exit(1);
}

/* The program could not prepare its attack: exit 2. */
__attribute__((format(printf, 1, 2), noreturn))
static inline void hostile_setup(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	hostile_vline("SETUP", NULL, fmt, ap);
	va_end(ap);
	if (e)
		printf("SETUP errno %s\n", hostile_errname(e));
	fflush(stdout);
	_exit(2);
}

/* One variant failed with err: `TRY <what> -> ERRNO`. */
__attribute__((format(printf, 2, 3)))
static inline void hostile_try(int err, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	printf("TRY %s -> %s\n", what, hostile_errname(err));
	fflush(stdout);
}

/* Format into out (n bytes), or exit 2 when it does not fit. */
__attribute__((format(printf, 3, 4)))
static inline char *hostile_fmt(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= n)
		hostile_setup("path too long");
	return out;
}

/* Split path into its directory and last name (n bytes each). */
static inline void hostile_split(const char *path, char *dir, char *name,
				 size_t n)
{
	const char *slash = strrchr(path, '/');

	if (!slash || !slash[1] || (size_t)(slash - path) >= n ||
	    strlen(slash + 1) >= n)
		hostile_setup("cannot split %s", path);
	if (slash == path) {
		hostile_fmt(dir, n, "/");
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	hostile_fmt(name, n, "%s", slash + 1);
}

/* Does fd's content (read from its current offset) hold the marker?
 * Returns 1 yes, 0 no, -errno on a read error. */
static inline int hostile_fd_has_marker(int fd)
{
	char buf[8192];
	size_t used = 0;
	ssize_t n;

	while (used < sizeof(buf) - 1) {
		n = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	return strstr(buf, HOSTILE_MARKER) != NULL;
}

/* Does the buffer hold the marker? */
static inline int hostile_buf_has_marker(const void *p, size_t n)
{
	return memmem(p, n, HOSTILE_MARKER, strlen(HOSTILE_MARKER)) != NULL;
}

/* Result of opening something: 1 the marker was read, 0 opened without
 * the marker, -errno the open (or read) failed. Closes fd. */
static inline int hostile_check_fd(int fd)
{
	int r;

	if (fd < 0)
		return -errno;
	r = hostile_fd_has_marker(fd);
	close(fd);
	return r;
}

/* open(path, O_RDONLY) and look for the marker (see hostile_check_fd). */
static inline int hostile_open_check(const char *path)
{
	return hostile_check_fd(open(path, O_RDONLY | O_CLOEXEC));
}

/*
 * Programs that try several variants record each one: `HIT <variant>` when
 * it reached the target, `TRY <variant> -> ERRNO` when it did not;
 * hostile_finish() then prints the final line. Natively every variant must
 * hit (test_security.py checks there is no TRY line), so each variant is
 * proven to work on its own.
 */
static int hostile_hits;
static int hostile_last_err = ENODATA;

__attribute__((format(printf, 1, 2)))
static inline void hostile_hit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hostile_vline("HIT", NULL, fmt, ap);
	va_end(ap);
	hostile_hits++;
}

/* Record a variant's result r (1 reached, 0 no marker, -errno). Returns
 * 1 when it reached the target. */
__attribute__((format(printf, 2, 3)))
static inline int hostile_result(int r, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r > 0) {
		hostile_hit("%s", what);
		return 1;
	}
	hostile_last_err = r == 0 ? ENODATA : -r;
	hostile_try(hostile_last_err, "%s", what);
	return 0;
}

/* Try one path variant: open it and look for the marker. */
static inline int hostile_try_open(const char *variant, const char *path)
{
	return hostile_result(hostile_open_check(path), "%s: %s", variant,
			      path);
}

/* The final line: REACHED when any variant hit, else BLOCKED. */
__attribute__((noreturn))
static inline void hostile_finish(const char *what)
{
	if (hostile_hits)
		hostile_reached("%s (%d variants)", what, hostile_hits);
	hostile_blocked(hostile_last_err, "%s", what);
}

/* Monotonic seconds. */
static inline double hostile_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A number from the command line, or exit 2. */
static inline long hostile_num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end)
		hostile_setup("not a number: %s", s);
	return v;
}

/* Exit 2 with usage when argc is short. */
static inline void hostile_usage(int argc, int want, const char *usage)
{
	if (argc < want) {
		printf("SETUP usage: %s\n", usage);
		fflush(stdout);
		_exit(2);
	}
}

/* Connect fd to addr and look for the marker the server sends: 1 marker
 * read, 0 connected without it, -errno. Waits up to 2 s for data. */
static inline int hostile_connect_check(int fd, const void *addr,
					socklen_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[512];
	ssize_t n;

	if (connect(fd, (const struct sockaddr *)addr, len) < 0)
		return -errno;
	if (poll(&pfd, 1, 2000) <= 0)
		return 0;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	return hostile_buf_has_marker(buf, (size_t)n);
}

/* Wait up to ms for a datagram on fd holding the marker: 1 yes, 0 no. */
static inline int hostile_recv_marker(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double end = hostile_now() + ms / 1000.0;
	char buf[2048];
	ssize_t n;

	while (hostile_now() < end) {
		int left = (int)((end - hostile_now()) * 1000) + 1;

		if (poll(&pfd, 1, left) <= 0)
			return 0;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0 && hostile_buf_has_marker(buf, (size_t)n))
			return 1;
	}
	return 0;
}

#endif
