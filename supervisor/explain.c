/*
 * explain.c - the explanation line on the caller's stderr (explain.h).
 *
 * Must never: block the notification thread (RWF_NOWAIT, else skipped for
 * pipes and sockets), or write anywhere but the caller's fd 2.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "explain.h"
#include "sup.h"

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

bool explain_deny(const struct call *c, const char *op, const char *what,
		  const char *rule)
{
	struct stat mine, theirs;
	struct iovec iov;
	char line[PATH_MAX + 256];
	bool same = false;
	int pidfd, fd;
	ssize_t w;
	int n;

	pidfd = (int)syscall(SYS_pidfd_open,
			     c->tgid ? c->tgid : (pid_t)c->req.pid,
			     0);
	if (pidfd < 0)
		return false;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, 2, 0);
	close(pidfd);
	if (fd < 0)
		return false;
	if (fstat(fd, &theirs) < 0)
		goto out;
	n = snprintf(line, sizeof(line),
		     "proctor: denied %s %s by rule %s (ask the user to allow "
		     "it)\n", op, what, rule);
	if (n < 0)
		goto out;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	iov.iov_base = line;
	iov.iov_len = (size_t)n;
	w = pwritev2(fd, &iov, 1, -1, RWF_NOWAIT);
	if (w < 0 && errno == EOPNOTSUPP &&
	    (S_ISCHR(theirs.st_mode) || S_ISREG(theirs.st_mode)))
		w = write(fd, line, (size_t)n);
	if (w > 0 && fstat(2, &mine) == 0 && mine.st_dev == theirs.st_dev &&
	    mine.st_ino == theirs.st_ino && mine.st_rdev == theirs.st_rdev)
		same = true;
out:
	close(fd);
	return same;
}
