/*
 * target.c - copies of the trapped process's memory and /proc entries.
 *
 * Must never: act on anything read here before call_valid() has confirmed
 * the notification still stands; follow a pointer twice (one copy only).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "creds.h"
#include "sup.h"
#include "target.h"

static int target_map_errno(int err)
{
	switch (err) {
	case EFAULT:
	case EIO:
		return -EFAULT;
	case ESRCH:
		return -ENOENT;
	default:
		return -EACCES;	/* EPERM: non-dumpable, cannot look */
	}
}

/*
 * One process_vm_readv (it stops at the first page it cannot read: the
 * next one then fails with EFAULT). A thread that
 * kept a root caller's reduced credentials (creds_can_stay) cannot read a
 * non-dumpable process: it then reads again as proctor, so the answer
 * never depends on which thread took the call.
 */
static ssize_t target_read_chunk(const struct call *c, uint64_t addr,
				 void *buf, size_t n)
{
	struct iovec local = { .iov_base = buf, .iov_len = n };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr,
				.iov_len = n };
	ssize_t r;

	r = process_vm_readv(c->req.pid, &local, 1, &remote, 1, 0);
	if (r < 0 && (errno == EPERM || errno == EACCES) &&
	    creds_is_switched() && creds_leave() == 0)
		r = process_vm_readv(c->req.pid, &local, 1, &remote, 1, 0);
	if (r < 0) {
		r = target_map_errno(errno);
		if (r == -EACCES)
			((struct call *)c)->unreadable = true;
		return r;
	}
	if (r == 0)
		return -EFAULT;
	return r;
}

int target_read(const struct call *c, uint64_t addr, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = target_read_chunk(c, addr + done,
					      (char *)buf + done, n - done);

		if (r < 0)
			return (int)r;
		done += (size_t)r;
	}
	return call_valid(c) ? 0 : -ENOENT;
}

ssize_t target_read_str(const struct call *c, uint64_t addr, char *buf,
			size_t n)
{
	size_t done = 0;

	if (addr == 0)
		return -EFAULT;
	while (done < n) {
		uint64_t a = addr + done;
		size_t room = 4096 - (a & 4095);
		size_t want = n - done < room ? n - done : room;
		ssize_t r;
		char *nul;

		/* most paths are short: a first small read, then pages */
		if (done == 0 && want > 256)
			want = 256;
		r = target_read_chunk(c, a, buf + done, want);

		if (r < 0)
			return r;
		nul = memchr(buf + done, '\0', (size_t)r);
		if (nul) {
			if (!call_valid(c))
				return -ENOENT;
			return nul - buf;
		}
		done += (size_t)r;
	}
	return -ENAMETOOLONG;
}

/*
 * Runs try(arg), which opens something and returns a descriptor or
 * -errno; when that is refused (EPERM, EACCES) and the thread holds the
 * caller's credentials, once more with proctor's own: a caller that is not
 * dumpable (after a setuid, say) has /proc entries and descriptors that
 * only proctor's privileges reach, although the kernel checks nothing when
 * the caller uses its own. Returns the descriptor or -errno.
 */
static int target_as_proctor(int (*try)(const void *arg), const void *arg)
{
	struct creds saved;
	int r = try(arg);

	if ((r == -EPERM || r == -EACCES) && creds_suspend(&saved) > 0) {
		r = try(arg);
		if (creds_resume(&saved) < 0) {
			if (r >= 0)
				close(r);
			r = -EPERM;
		}
	}
	return r;
}

struct target_open_arg {
	const char *path;
	int flags;
};

static int target_open_try(const void *arg)
{
	const struct target_open_arg *a = arg;
	int fd = open(a->path, a->flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int target_open_proc(const struct call *c, const char *what, int flags)
{
	char path[64];
	struct target_open_arg a = { path, flags };
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)c->req.pid, what);
	fd = target_as_proctor(target_open_try, &a);
	if (fd < 0)
		return fd == -ENOENT ? -EBADF : fd;
	if (!call_valid(c)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/*
 * pidfds of calling threads, kept: pidfd_open and close on every
 * descriptor copy cost about as much as the copy. A pidfd names one
 * thread for good (never a later thread with the same number), so an entry
 * can only be stale - its thread dead, pidfd_getfd failing with ESRCH -
 * never wrong; a stale entry is replaced. The lock is held across the use
 * so that no entry is closed while another thread uses it.
 */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#define TARGET_PIDFDS 64

static pthread_mutex_t target_pidfd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	pid_t tid;
	int fd;
	bool keep;	/* a thread's pidfd (PIDFD_THREAD): may be kept */
} target_pidfd[TARGET_PIDFDS];

static void target_pidfd_drop(unsigned i)
{
	if (target_pidfd[i].fd > 0)
		close(target_pidfd[i].fd);
	target_pidfd[i].tid = 0;
	target_pidfd[i].fd = 0;
}

/* A pidfd of the calling thread in slot i (lock held), or -errno. */
static int target_pidfd_of(const struct call *c, unsigned i, bool fresh)
{
	long fd;

	bool keep = true;

	if (!fresh && target_pidfd[i].tid == (pid_t)c->req.pid &&
	    target_pidfd[i].fd > 0)
		return target_pidfd[i].fd;
	target_pidfd_drop(i);
	fd = syscall(SYS_pidfd_open, c->req.pid, PIDFD_THREAD);
	if (fd < 0 && errno == EINVAL && c->tgid) {
		/* before 6.9: a process pidfd, which a later thread of the
		 * same number would not invalidate - used once only */
		fd = syscall(SYS_pidfd_open, c->tgid, 0);
		keep = false;
	}
	if (fd < 0)
		return errno == ESRCH ? -ENOENT : -EACCES;
	target_pidfd[i].tid = (pid_t)c->req.pid;
	target_pidfd[i].fd = (int)fd;
	target_pidfd[i].keep = keep;
	return (int)fd;
}

struct target_getfd_arg {
	const struct call *c;
	int fd;
};

/* A copy of the caller's descriptor (the lock held), or -errno. */
static int target_getfd_try(const void *arg)
{
	const struct target_getfd_arg *a = arg;
	const struct call *c = a->c;
	unsigned i = (unsigned)c->req.pid % TARGET_PIDFDS;
	int pfd, r, round;

	for (round = 0; round < 2; round++) {
		pfd = target_pidfd_of(c, i, round > 0);
		if (pfd < 0)
			return pfd;
		r = (int)syscall(SYS_pidfd_getfd, pfd, a->fd, 0);
		if (r >= 0)
			return r;
		r = -errno;
		if (r != -ESRCH)
			return r;	/* EBADF, EPERM... */
		/* ESRCH: a stale entry (or the caller is gone) */
	}
	return -ENOENT;
}

int target_getfd(const struct call *c, int fd)
{
	struct target_getfd_arg a = { c, fd };
	unsigned i = (unsigned)c->req.pid % TARGET_PIDFDS;
	int r;

	if (fd < 0)
		return -EBADF;
	pthread_mutex_lock(&target_pidfd_lock);
	r = target_as_proctor(target_getfd_try, &a);
	if (!target_pidfd[i].keep)
		target_pidfd_drop(i);
	pthread_mutex_unlock(&target_pidfd_lock);
	if (r >= 0 && !call_valid(c)) {
		close(r);
		return -ENOENT;
	}
	return r;
}

ssize_t target_proc_read(pid_t pid, const char *what, char *buf, size_t n)
{
	char path[64];
	size_t total = 0;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (total + 1 < n) {
		len = read(fd, buf + total, n - 1 - total);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		total += (size_t)len;
	}
	close(fd);
	buf[total] = '\0';
	return (ssize_t)total;
}

pid_t target_ppid(pid_t pid, char *state)
{
	char buf[1024];
	const char *p;
	char st = '?';
	long ppid = 0;

	if (target_proc_read(pid, "stat", buf, sizeof(buf)) <= 0)
		return 0;
	/* "PID (COMM) S PPID ...": COMM may hold spaces and parentheses */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %ld", &st, &ppid) != 2)
		return 0;
	if (state)
		*state = st;
	return (pid_t)ppid;
}

pid_t target_tgid(pid_t tid)
{
	char buf[512];
	char *p;

	if (target_proc_read(tid, "status", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "\nTgid:");
	if (!p)
		return 0;
	return (pid_t)strtol(p + 6, NULL, 10);
}

ssize_t target_exe(pid_t pid, char *buf, size_t n)
{
	char path[64];
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	r = readlink(path, buf, n - 1);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return r;
}
