/*
 * target.h - reading the memory and /proc entries of a trapped process.
 *
 * Every read is followed by SECCOMP_IOCTL_NOTIF_ID_VALID so that what was
 * read is known to belong to the process that is still waiting for this
 * notification (pid reuse). Decisions are made on the copies only.
 *
 * Errors: -EFAULT bad address (the agent gets EFAULT), -ENAMETOOLONG,
 * -EACCES memory cannot be read (non-dumpable; the call is denied),
 * -ENOENT the notification is gone (the caller died or was interrupted).
 */
#ifndef PROCTOR_TARGET_H
#define PROCTOR_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct call;

/* Copy exactly n bytes from the caller's memory. */
int target_read(const struct call *c, uint64_t addr, void *buf, size_t n);

/* Copy a NUL-terminated string of at most n bytes including the NUL;
 * returns its length (without NUL) or -errno. */
ssize_t target_read_str(const struct call *c, uint64_t addr, char *buf,
			size_t n);

/* Open /proc/TID/<what> (e.g. "cwd", "root", "fd/3") for the caller,
 * with flags; then checks the notification is still valid. Returns the fd
 * (owned by the caller) or -errno. */
int target_open_proc(const struct call *c, const char *what, int flags);

/* A copy of the calling thread's descriptor fd (pidfd_getfd: the same
 * open file, not a reopen); then checks the notification is still valid.
 * Returns the fd (owned by the caller of this function) or -errno:
 * -EBADF no such descriptor, -ENOENT the caller is gone. */
int target_getfd(const struct call *c, int fd);

/* Read /proc/PID/<what> (as proctor, not bound to a call) into buf, at
 * most n - 1 bytes, NUL-terminated. Returns its length or -errno. */
ssize_t target_proc_read(pid_t pid, const char *what, char *buf, size_t n);

/* Parent pid from /proc/PID/stat (0 when unknown); the state letter
 * ('R', 'S', 'Z'...) into *state when not NULL. */
pid_t target_ppid(pid_t pid, char *state);

/* Thread group id of a task, from /proc/TID/status; 0 when unknown. */
pid_t target_tgid(pid_t tid);

/* readlink of /proc/PID/exe into buf; returns length or -errno. A deleted
 * file keeps its " (deleted)" suffix: it has no path on disk. */
ssize_t target_exe(pid_t pid, char *buf, size_t n);

#endif
