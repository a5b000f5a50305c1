/*
 * emulate_open.c - open, openat, openat2 and creat done by proctor.
 *
 * The path is copied once, resolved to a descriptor (resolve.c), judged on
 * the real path of that descriptor, then opened from that descriptor (never
 * from the name again) with the caller's credentials and umask, and handed
 * to the caller with SECCOMP_ADDFD_FLAG_SEND.
 *
 * Known differences from a native open (docs/security.md): O_NOCTTY is
 * always set (proctor's open must not give proctor a controlling tty);
 * creating a file through a dangling symlink fails with ELOOP.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basedir.h"
#include "block.h"
#include "creds.h"
#include "decide.h"
#include "emulate.h"
#include "notify.h"
#include "resolve.h"
#include "target.h"

/* flags openat2 accepts; the rest are refused by the kernel with EINVAL */
#define OPEN_VALID_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | \
			  O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | \
			  O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | \
			  O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | \
			  O_PATH | O_TMPFILE)


static bool open_is_write(uint64_t flags)
{
	if (flags & O_PATH)
		return false;
	return (flags & O_ACCMODE) != O_RDONLY ||
	       (flags & (O_CREAT | O_TRUNC | O_APPEND)) ||
	       (flags & O_TMPFILE) == O_TMPFILE;
}

/* Open the object already resolved, by descriptor. Returns fd or -errno. */
static int open_reopen(const struct resolved *r, uint64_t flags)
{
	char link[64];
	int fd;

	flags &= ~(uint64_t)(O_CREAT | O_EXCL | O_NOFOLLOW);
	flags |= O_CLOEXEC | O_NOCTTY;
	if (flags & O_PATH) {
		fd = fcntl(r->obj, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	if ((flags & O_TMPFILE) == O_TMPFILE || S_ISDIR(r->st.st_mode)) {
		fd = openat(r->obj, ".", (int)flags, 0);
		return fd < 0 ? -errno : fd;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", r->obj);
	fd = open(link, (int)flags);
	return fd < 0 ? -errno : fd;
}

/* the flags the direct way takes: a read-only open that creates,
 * truncates and arms nothing */
#define OPEN_DIRECT_FLAGS (O_ACCMODE | O_CLOEXEC | O_LARGEFILE | O_NOCTTY | \
			   O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW)

/* errors of a walk that crossed no symlink, which a native open gives too */
static bool open_direct_final(int err)
{
	return err == ENOENT || err == ENOTDIR || err == EACCES ||
	       err == EPERM || err == ENAMETOOLONG;
}

/*
 * The direct way for the commonest call: a read-only open that crosses no
 * symlink, of an absolute path or of one relative to a directory whose
 * real path is known (basedir.c), outside /proc, /dev and /sys, which the
 * rules allow outright. The file is opened for real in one step (no O_PATH
 * descriptor, no reopen through /proc/self/fd), with O_NONBLOCK so that a
 * FIFO cannot hold the thread; anything but a regular file or a directory
 * is closed again and left to the ordinary way. The decision is decide()'s
 * as always, on the descriptor's inode and the path it was opened by;
 * a denial closes the descriptor unused. Opening before the verdict is
 * harmless here: read-only, nothing created, and only where the rules
 * already allow reading.
 *
 * Returns true when the call is answered, false to take the ordinary way
 * (then nothing was done and nothing is held).
 */
static bool open_direct(struct call *c, int dirfd, const char *path,
			uint64_t flags, const char *name)
{
	struct basedir_ref ref = { NULL, -1, NULL };
	char npath[PATH_MAX];
	struct decide_req dr;
	struct decide_out out;
	struct stat st;
	bool done = false;
	int fd, r;

	if ((flags & O_ACCMODE) != O_RDONLY || (flags & ~OPEN_DIRECT_FLAGS) ||
	    !path[0])
		return false;
	if (path[0] == '/') {
		r = resolve_normalize(path, npath, sizeof(npath));
	} else {
		r = basedir_get(c, dirfd, &ref);
		if (r == 0)
			r = resolve_join(ref.path, path, npath,
					 sizeof(npath));
	}
	if (r < 0 || !strncmp(npath, "/proc", 5) ||
	    !strncmp(npath, "/dev", 4) || !strncmp(npath, "/sys", 4))
		goto out;
	decide_req_path(&dr, POLICY_OP_READ, npath, name, path);
	if (!decide_foresee_allow(c, &dr.q))
		goto out;
	fd = resolve_open_plain(ref.e ? ref.fd : -1, path,
				flags | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (!open_direct_final(-fd))
			goto out;	/* a symlink on the way, or ours */
		dr.result_errno = -fd;
		decide(c, &dr, &out);
		call_fail(c, out.allow ? -fd : out.err);
		done = true;
		goto out;
	}
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) ||
				    S_ISDIR(st.st_mode)) ||
	    (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, 0) < 0)) {
		close(fd);
		goto out;
	}
	done = true;
	dr.resolved = npath;
	dr.dev = st.st_dev;
	dr.ino = st.st_ino;
	decide(c, &dr, &out);
	if (!out.allow) {
		close(fd);
		call_fail(c, out.err);
		goto out;
	}
	c->answer = CALL_FD;
	c->fd = fd;
	c->fd_cloexec = (flags & O_CLOEXEC) != 0;
	c->fd_writable = false;
out:
	basedir_put(&ref);
	return done;
}

static int open_create(const struct resolved *r, uint64_t flags,
		       uint64_t mode)
{
	struct open_how how = {
		.flags = (flags & ~(uint64_t)O_NOFOLLOW) | O_CLOEXEC |
			 O_NOCTTY,
		.mode = mode & 07777,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, r->dir, r->last, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

void emulate_open(struct call *c)
{
	const struct seccomp_data *d = &c->req.data;
	char path[PATH_MAX];
	struct resolved r;
	struct decide_req dr;
	struct decide_out out;
	uint64_t flags, mode;
	int dirfd = AT_FDCWD;
	uint64_t addr;
	unsigned rflags;
	bool blocking = false;
	const char *name;
	ssize_t len;
	int fd, ret;

	resolved_init(&r);
	switch (d->nr) {
	case __NR_open:
		name = "open";
		addr = d->args[0];
		flags = d->args[1];
		mode = d->args[2];
		break;
	case __NR_creat:
		name = "creat";
		addr = d->args[0];
		flags = O_CREAT | O_WRONLY | O_TRUNC;
		mode = d->args[1];
		break;
	case __NR_openat:
		name = "openat";
		dirfd = (int)d->args[0];
		addr = d->args[1];
		flags = d->args[2];
		mode = d->args[3];
		break;
	default: {	/* openat2 */
		struct open_how how;

		name = "openat2";
		dirfd = (int)d->args[0];
		addr = d->args[1];
		if (d->args[3] < 24 || d->args[3] > 4096) {
			call_fail(c, d->args[3] < 24 ? EINVAL : E2BIG);
			return;
		}
		ret = target_read(c, d->args[2], &how, sizeof(how));
		if (ret < 0) {
			call_fail(c, -ret);
			return;
		}
		if (how.resolve) {
			/* RESOLVE_* restrictions are the caller's own; we
			 * would have to honour them exactly: refuse for now */
			call_fail(c, EINVAL);
			return;
		}
		flags = how.flags;
		mode = how.mode;
		if ((flags & ~(uint64_t)OPEN_VALID_FLAGS) ||
		    (mode & ~(uint64_t)07777) ||
		    (!(flags & (O_CREAT | O_TMPFILE)) && mode)) {
			call_fail(c, EINVAL);
			return;
		}
		break;
	}
	}
	if (d->nr != __NR_openat2) {
		flags &= OPEN_VALID_FLAGS;	/* the kernel ignores others */
		mode &= 07777;
		if (d->nr != __NR_openat)
			flags |= O_LARGEFILE;
	}
	len = target_read_str(c, addr, path, sizeof(path));
	if (len < 0) {
		call_fail(c, (int)-len);
		return;
	}
	emulate_tgid(c);
	ret = emulate_enter_creds(c);
	if (ret < 0) {
		call_fail(c, -ret);
		return;
	}

	if (open_direct(c, dirfd, path, flags, name))
		goto out;
	rflags = RESOLVE_F_ABSENT_PARENT;
	if (!(flags & O_NOFOLLOW) &&
	    !((flags & O_CREAT) && (flags & O_EXCL)))
		rflags |= RESOLVE_F_FOLLOW;
	memset(&dr, 0, sizeof(dr));
	ret = resolve_at(c, dirfd, path, rflags, &r);
	if (ret == -ENOENT && !call_valid(c))
		goto out;	/* the caller is gone */
	dr.q.op = open_is_write(flags) ? POLICY_OP_WRITE : POLICY_OP_READ;
	dr.syscall = name;
	dr.target = path;
	if (ret < 0) {
		/* nothing to open: judge the name as written, answer errno */
		dr.q.path = path;
		dr.q.path_len = (size_t)len;
		dr.result_errno = -ret;
		if (path[0] != '/') {
			call_fail(c, -ret);
			goto out;
		}
		decide(c, &dr, &out);
		call_fail(c, out.allow ? -ret : out.err);
		goto out;
	}
	dr.q.path = r.path;
	dr.q.path_len = strlen(r.path);
	dr.resolved = r.path;
	if (r.obj < 0 && !(flags & O_CREAT))
		dr.result_errno = -r.obj_err;
	if (r.obj >= 0 && (flags & O_CREAT) && (flags & O_EXCL))
		dr.result_errno = EEXIST;
	dr.protect_check = dr.q.op == POLICY_OP_WRITE;
	if (r.obj >= 0) {
		dr.dev = r.st.st_dev;
		dr.ino = r.st.st_ino;
	}
	decide(c, &dr, &out);
	if (!out.allow) {
		call_fail(c, out.err);
		goto out;
	}
	if (dr.result_errno) {
		call_fail(c, dr.result_errno);
		goto out;
	}
	/* O_CREAT names a file: an existing directory, or a missing name
	 * written with a trailing slash, is EISDIR */
	if ((flags & O_CREAT) &&
	    ((r.obj >= 0 && S_ISDIR(r.st.st_mode)) ||
	     (r.obj < 0 && len > 0 && path[len - 1] == '/'))) {
		call_fail(c, EISDIR);
		goto out;
	}
	/* the kernel's order: a non-directory (a symlink not followed
	 * included) under O_DIRECTORY is ENOTDIR before it is ELOOP */
	if (r.obj >= 0 && (flags & O_DIRECTORY) && !S_ISDIR(r.st.st_mode)) {
		call_fail(c, ENOTDIR);
		goto out;
	}
	if (r.obj >= 0 && S_ISLNK(r.st.st_mode) && !(flags & O_PATH)) {
		call_fail(c, ELOOP);
		goto out;
	}
	if (flags & O_PATH) {
		/*
		 * An O_PATH descriptor cannot be injected (ADDFD refuses
		 * them), so the kernel opens it. That is sound although the
		 * name may be re-read: O_PATH gives no access to content or
		 * metadata changes, and everything done through it - a
		 * reopen via /proc/self/fd/N, *at() calls relative to it,
		 * execveat(AT_EMPTY_PATH), linkat(AT_EMPTY_PATH) - is
		 * trapped again and judged on the real object.
		 */
		c->answer = CALL_CONTINUE;
		goto out;
	}
	blocking = r.obj >= 0 && S_ISFIFO(r.st.st_mode) &&
		   !(flags & (O_NONBLOCK | O_PATH));
	if (blocking)
		block_begin(c);
	if (r.obj < 0) {
		ret = emulate_umask(c);
		if (ret < 0) {
			call_fail(c, -ret);
			goto out;
		}
	}
	if (r.obj >= 0)
		fd = open_reopen(&r, flags);
	else
		fd = open_create(&r, flags, mode);
	if (blocking) {
		long br = block_end(c, fd < 0 ? fd : 0);

		if (br < 0 && fd >= 0) {
			close(fd);	/* the caller is gone */
			fd = (int)br;
		} else if (br < 0) {
			fd = (int)br;
		}
	}
	if (fd == -ENOENT && blocking) {
		call_fail(c, ENOENT);	/* no one to answer */
		goto out;
	}
	if (fd < 0) {
		call_fail(c, -fd);
		goto out;
	}
	c->answer = CALL_FD;
	c->fd = fd;
	c->fd_cloexec = (flags & O_CLOEXEC) != 0;
	c->fd_writable = (flags & O_ACCMODE) != O_RDONLY;
out:
	emulate_leave_creds(c);
	resolved_release(&r);
}
