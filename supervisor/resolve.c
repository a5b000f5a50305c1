/*
 * resolve.c - path resolution in the trapped caller's context (resolve.h).
 *
 * Must never: follow a magic link on proctor's own behalf (/proc/self in
 * proctor is proctor), resolve the same name twice for one decision, or
 * return a path that is not the one of the descriptor handed back.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basedir.h"
#include "resolve.h"
#include "sup.h"
#include "target.h"

void resolved_init(struct resolved *r)
{
	r->obj = -1;
	r->dir = -1;
	r->last[0] = '\0';
	r->obj_err = 0;
	r->path[0] = '\0';
	r->no_path = false;
}

void resolved_release(struct resolved *r)
{
	if (r->obj >= 0)
		close(r->obj);
	if (r->dir >= 0)
		close(r->dir);
	r->obj = -1;
	r->dir = -1;
}

static int resolve_openat2(int base, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_PATH | O_CLOEXEC),
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, base, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

int resolve_normalize(const char *path, char *buf, size_t n)
{
	const char *p = path;
	size_t len = 0;

	if (path[0] != '/' || n < 2)
		return -EINVAL;
	buf[0] = '/';
	len = 1;
	while (*p) {
		const char *q;
		size_t clen;

		while (*p == '/')
			p++;
		q = p;
		while (*q && *q != '/')
			q++;
		clen = (size_t)(q - p);
		if (clen == 0)
			break;
		if (clen == 1 && p[0] == '.') {
			/* nothing */
		} else if (clen == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 1 && buf[len - 1] != '/')
				len--;
			if (len > 1)
				len--;	/* the slash before it */
		} else {
			if (len > 1) {
				if (len + 1 >= n)
					return -ENAMETOOLONG;
				buf[len++] = '/';
			}
			if (len + clen >= n)
				return -ENAMETOOLONG;
			memcpy(buf + len, p, clen);
			len += clen;
		}
		p = q;
	}
	buf[len] = '\0';
	return 0;
}

/* Like resolve_openat2, crossing no symlink at all (ELOOP if it would). */
static int resolve_openat2_nosym(int base, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_PATH | O_CLOEXEC),
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, base, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

int resolve_fd_path(int fd, char *buf, size_t n, bool *no_path)
{
	char link[64];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, buf, n - 1);
	if (len < 0)
		return -errno;
	if ((size_t)len >= n - 1)
		return -ENAMETOOLONG;
	buf[len] = '\0';
	*no_path = buf[0] != '/' ||
		   (len > 10 && strcmp(buf + len - 10, " (deleted)") == 0);
	return 0;
}

/*
 * Rewrite the names that mean "the caller" to explicit /proc/<pid> paths
 * and, for the magic links proctor supports (fd/N, cwd, root of a process
 * of the caller), return a descriptor for that object plus the rest of
 * the path. Returns 1 when handled (*base set, *rest points into path),
 * 0 when the path is ordinary, -errno on failure.
 */
/* "ns/NAME", "exe", "map_files/RANGE", optionally under "task/TID/":
 * a magic link as the very last component, nothing after it. */
static bool resolve_own_magic(const char *p)
{
	const char *q;

	if (strncmp(p, "task/", 5) == 0) {
		q = p + 5;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q == p + 5 || *q != '/')
			return false;
		p = q + 1;
	}
	if (strcmp(p, "exe") == 0)
		return true;
	if (strncmp(p, "ns/", 3) == 0)
		q = p + 3;
	else if (strncmp(p, "map_files/", 10) == 0)
		q = p + 10;
	else
		return false;
	if (!*q)
		return false;
	for (; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
		      *q == '_' || *q == '-'))
			return false;
	return true;
}

static int resolve_magic(struct call *c, const char *path, bool follow,
			 int *base, const char **rest)
{
	char what[128];
	const char *p = path;
	long pid = -1, n;
	char *end;
	int fd;

	if (strncmp(p, "/dev/fd/", 8) == 0) {
		pid = c->tgid;
		p += 8;
		goto fdnum;
	}
	if (strcmp(p, "/dev/stdin") == 0 || strcmp(p, "/dev/stdout") == 0 ||
	    strcmp(p, "/dev/stderr") == 0) {
		n = p[5] == 'i' ? 0 : (p[8] == 'o' ? 1 : 2);
		snprintf(what, sizeof(what), "fd/%ld", n);
		*rest = "";
		goto open;
	}
	if (strncmp(p, "/proc/", 6) != 0)
		return 0;
	p += 6;
	if (strncmp(p, "self", 4) == 0 && (p[4] == '/' || !p[4])) {
		pid = c->tgid;
		p += 4;
	} else if (strncmp(p, "thread-self", 11) == 0 &&
		   (p[11] == '/' || !p[11])) {
		pid = c->req.pid;
		p += 11;
	} else {
		pid = strtol(p, &end, 10);
		if (end == p || (*end != '/' && *end))
			return 0;
		p = end;
		if (pid != c->tgid && pid != (long)c->req.pid)
			return 0;	/* other processes: ordinary walk */
	}
	if (!*p) {
		/* "/proc/self" itself: the caller's /proc directory */
		snprintf(what, sizeof(what), ".");
		*rest = "";
		goto open_dir;
	}
	p++;
	if (strncmp(p, "task/", 5) == 0) {
		long tid = strtol(p + 5, &end, 10);

		if (end == p + 5 || tid != (long)c->req.pid)
			return 0;
		p = *end ? end + 1 : end;
	}
	if (strncmp(p, "fd/", 3) == 0) {
		p += 3;
		goto fdnum;
	}
	if ((strncmp(p, "cwd", 3) == 0 || strncmp(p, "root", 4) == 0)) {
		size_t l = p[0] == 'c' ? 3 : 4;

		if (p[l] != '/' && p[l])
			return 0;
		snprintf(what, sizeof(what), "%.*s", (int)l, p);
		*rest = p[l] ? p + l + 1 : "";
		goto open;
	}
	/* a final magic link of the caller's own: its namespaces, its
	 * executable, its mapped files - objects of the caller only */
	if (resolve_own_magic(p)) {
		snprintf(what, sizeof(what), "%s", p);
		*rest = "";
		fd = target_open_proc(c, what, O_PATH | (follow ? 0 :
							  O_NOFOLLOW));
		if (fd < 0)
			return fd == -EBADF ? -ENOENT : fd;
		*base = fd;
		return 1;
	}
	/* other entries below the caller's /proc directory */
	snprintf(what, sizeof(what), ".");
	*rest = p;
	goto open_dir;
fdnum:
	n = strtol(p, &end, 10);
	if (end == p || n < 0 || (*end != '/' && *end))
		return -ENOENT;
	snprintf(what, sizeof(what), "fd/%ld", n);
	*rest = *end ? end + 1 : "";
open:
	fd = target_open_proc(c, what, O_PATH);
	if (fd == -EBADF)
		return -ENOENT;
	if (fd < 0)
		return fd;
	*base = fd;
	return 1;
open_dir:
	fd = target_open_proc(c, what, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	*base = fd;
	return 1;
}

int resolve_split(const char *path, char *dirbuf, size_t n, char *last,
		  bool *trailing)
{
	size_t len = strlen(path);
	size_t end, start;

	*trailing = false;
	end = len;
	while (end > 1 && path[end - 1] == '/') {
		end--;
		*trailing = true;
	}
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end - start > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(last, path + start, end - start);
	last[end - start] = '\0';
	if (start == 0) {
		snprintf(dirbuf, n, ".");
	} else {
		if (start >= n)
			return -ENAMETOOLONG;
		memcpy(dirbuf, path, start);
		dirbuf[start] = '\0';
	}
	return 0;
}

static int resolve_root_fd = -1;

static void resolve_open_root(void)
{
	resolve_root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int resolve_join(const char *base, const char *rel, char *buf, size_t n)
{
	char tmp[2 * PATH_MAX + 2];
	int len = snprintf(tmp, sizeof(tmp), "%s/%s", base, rel);

	if (len < 0 || (size_t)len >= sizeof(tmp))
		return -ENAMETOOLONG;
	return resolve_normalize(tmp, buf, n);
}

/*
 * The base directory descriptor; *owned says whether to close it. A
 * relative name is resolved from the caller's directory as cached by
 * basedir.c when it can serve it (then *ref is held and *base_path is the
 * directory's real path), else from /proc/PID/cwd or /proc/PID/fd/N.
 */
static int resolve_base(struct call *c, int dirfd, const char *path,
			bool *owned, struct basedir_ref *ref,
			const char **base_path)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	char what[32];
	int fd;

	*owned = true;
	*base_path = NULL;
	ref->e = NULL;
	if (path[0] == '/') {
		/* the agent cannot chroot (filter.c): its root is ours */
		pthread_once(&once, resolve_open_root);
		*owned = false;
		return resolve_root_fd < 0 ? -EBADF : resolve_root_fd;
	}
	if (c && basedir_get(c, dirfd, ref) == 0) {
		*owned = false;
		*base_path = ref->path;
		return ref->fd;
	}
	if (dirfd == AT_FDCWD)
		return target_open_proc(c, "cwd", O_PATH);
	if (dirfd < 0)
		return -EBADF;
	snprintf(what, sizeof(what), "fd/%d", dirfd);
	fd = target_open_proc(c, what, O_PATH);
	return fd;
}

int resolve_open_plain(int base, const char *path, uint64_t flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct basedir_ref ref;
	const char *base_path;
	bool owned;
	long fd;

	if (base < 0) {
		if (path[0] != '/')
			return -EINVAL;
		base = resolve_base(NULL, AT_FDCWD, path, &owned, &ref,
				    &base_path);
		if (base < 0)
			return base;
	}
	fd = syscall(SYS_openat2, base, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

int resolve_at(struct call *c, int dirfd, const char *path, unsigned flags,
	       struct resolved *r)
{
	char dirpart[PATH_MAX];
	const char *walk = path;
	const char *base_path = NULL;
	struct basedir_ref ref = { NULL, -1, NULL };
	bool trailing, owned = true;
	int base = -1;
	int fd, ret;
	size_t plen;

	if (!path[0] && !(flags & RESOLVE_F_EMPTY_PATH))
		return -ENOENT;
	ret = resolve_magic(c, path, (flags & RESOLVE_F_FOLLOW) != 0, &base,
			    &walk);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		base = resolve_base(c, dirfd, path, &owned, &ref, &base_path);
		if (base < 0)
			return base;
		walk = path;
	}
	if (!walk[0]) {
		/* the base itself is the object */
		r->obj = owned ? base : fcntl(base, F_DUPFD_CLOEXEC, 0);
		base = -1;
		r->obj_err = 0;
		goto have_obj;
	}
	/*
	 * Fast path: a path that resolves without crossing any symlink, from
	 * the root or from a base whose real path is known, has its lexical
	 * form as its real path, so the readlink of the descriptor is not
	 * needed. A path through a symlink (ELOOP) takes the ordinary walk
	 * below.
	 */
	fd = -ELOOP;
	if (walk == path && (path[0] == '/' || base_path) &&
	    !(flags & RESOLVE_F_PARENT)) {
		fd = resolve_openat2_nosym(base, walk,
					   (flags & RESOLVE_F_FOLLOW) ?
					   0 : O_NOFOLLOW);
		if (fd >= 0) {
			r->obj = fd;
			if (fstat(fd, &r->st) < 0 ||
			    (path[0] == '/' ?
			     resolve_normalize(walk, r->path,
					       sizeof(r->path)) :
			     resolve_join(base_path, walk, r->path,
					  sizeof(r->path))) < 0) {
				/* unusual: let the ordinary walk decide */
				close(fd);
				r->obj = -1;
			} else {
				r->no_path = false;
				ret = 0;
				goto out;
			}
		}
	}
	/* any failure but ELOOP came before the first symlink: the
	 * ordinary walk would fail the same way */
	if (fd == -ELOOP || fd >= 0)
		fd = resolve_openat2(base, walk, (flags & RESOLVE_F_FOLLOW) ?
				     0 : O_NOFOLLOW);
	if (fd >= 0) {
		r->obj = fd;
		goto have_obj;
	}
	r->obj_err = fd;
	if (fd != -ENOENT ||
	    !(flags & (RESOLVE_F_PARENT | RESOLVE_F_ABSENT_PARENT))) {
		ret = fd;
		goto out;
	}
	/* the object is absent: resolve its parent and keep the name */
	ret = resolve_split(walk, dirpart, sizeof(dirpart), r->last,
			    &trailing);
	if (ret < 0)
		goto out;
	if (!r->last[0] || strcmp(r->last, ".") == 0 ||
	    strcmp(r->last, "..") == 0) {
		ret = -ENOENT;
		goto out;
	}
	/* as for the object: a parent reached without crossing a symlink
	 * has its lexical path as its real path (no readlink) */
	fd = -ELOOP;
	if (walk == path && (path[0] == '/' || base_path)) {
		fd = resolve_openat2_nosym(base, dirpart, O_DIRECTORY);
		if (fd >= 0 && (path[0] == '/' ?
				resolve_normalize(dirpart, r->path,
						  sizeof(r->path)) :
				resolve_join(base_path, dirpart, r->path,
					     sizeof(r->path))) < 0) {
			close(fd);
			fd = -ELOOP;	/* unusual: the ordinary walk */
		}
		if (fd >= 0)
			r->no_path = false;
	}
	if (fd == -ELOOP) {
		fd = resolve_openat2(base, dirpart, O_DIRECTORY);
		if (fd >= 0) {
			r->dir = fd;
			ret = resolve_fd_path(fd, r->path, sizeof(r->path),
					      &r->no_path);
			if (ret < 0)
				goto out;
		}
	}
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	r->dir = fd;
	plen = strlen(r->path);
	if (plen + 1 + strlen(r->last) + 1 > sizeof(r->path)) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	if (plen > 1)
		r->path[plen++] = '/';
	memcpy(r->path + plen, r->last, strlen(r->last) + 1);
	ret = 0;
	goto out;
have_obj:
	if (fstat(r->obj, &r->st) < 0) {
		ret = -errno;
		goto out;
	}
	ret = resolve_fd_path(r->obj, r->path, sizeof(r->path), &r->no_path);
	if (ret < 0)
		goto out;
	if (flags & RESOLVE_F_PARENT) {
		/* parent of an existing object: by name, without following */
		ret = resolve_split(walk, dirpart, sizeof(dirpart), r->last,
				    &trailing);
		if (ret < 0)
			goto out;
		if (!r->last[0] || strcmp(r->last, ".") == 0 ||
		    strcmp(r->last, "..") == 0) {
			r->last[0] = '\0';
			goto out;	/* caller decides (EBUSY, EINVAL...) */
		}
		fd = resolve_openat2(base >= 0 ? base : r->obj, dirpart,
				     O_DIRECTORY);
		if (fd < 0) {
			ret = fd;
			goto out;
		}
		r->dir = fd;
	}
	ret = 0;
out:
	if (base >= 0 && owned)
		close(base);
	basedir_put(&ref);
	return ret;
}
