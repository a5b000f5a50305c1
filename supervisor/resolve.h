/*
 * resolve.h - find the object a path names, as the trapped caller would.
 *
 * The caller's path is a copy; resolution happens in proctor with openat2
 * and RESOLVE_NO_MAGICLINKS, from the caller's cwd, dirfd or root, with
 * /proc/self, /proc/thread-self, /dev/fd/N and /dev/std* rewritten to the
 * caller. The result is descriptors, not names: proctor then acts on those
 * descriptors, so nothing the agent does afterwards changes what is acted
 * on. The policy sees the real absolute path of what was resolved.
 *
 * Ownership: struct resolved owns its descriptors; resolved_release().
 */
#ifndef PROCTOR_RESOLVE_H
#define PROCTOR_RESOLVE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct call;

enum resolve_flags {
	RESOLVE_F_FOLLOW = 1 << 0,	/* follow a symlink in last place */
	RESOLVE_F_EMPTY_PATH = 1 << 1,	/* "" means dirfd itself */
	RESOLVE_F_PARENT = 1 << 2,	/* also resolve parent + last name */
	RESOLVE_F_DIRECTORY = 1 << 3,	/* trailing slash semantics */
	RESOLVE_F_ABSENT_PARENT = 1 << 4,/* parent only when obj is absent */
};

struct resolved {
	int obj;		/* O_PATH fd of the object, -1 if absent */
	int dir;		/* O_PATH fd of the parent (RESOLVE_F_PARENT) */
	char last[NAME_MAX + 1];/* last component (RESOLVE_F_PARENT) */
	struct stat st;		/* of obj, when obj >= 0 */
	int obj_err;		/* why obj is -1 (-ENOENT, ...) */
	char path[PATH_MAX + 32];/* real path of obj, or of dir + last */
	bool no_path;		/* obj has no path on disk (pipe, deleted) */
};

void resolved_init(struct resolved *r);
void resolved_release(struct resolved *r);

/*
 * Resolve `path` (a copy of the caller's) relative to its descriptor dirfd
 * (AT_FDCWD for its cwd). Fills r. Returns 0 when r->path is meaningful
 * (obj may still be -1 with obj_err set, e.g. a file to be created), or
 * -errno to give the caller (ENOENT of a parent, ELOOP, ENOTDIR, EACCES...).
 */
int resolve_at(struct call *c, int dirfd, const char *path, unsigned flags,
	       struct resolved *r);

/* Lexically normalise an absolute path into buf: "//" and "." dropped,
 * ".." removes the previous component ("/.." is "/"), no trailing slash.
 * Correct as the real path only when resolution crossed no symlink.
 * Returns 0 or -ENAMETOOLONG / -EINVAL (not absolute). */
int resolve_normalize(const char *path, char *buf, size_t n);

/*
 * Split path into its directory part (into dirbuf, n bytes; "." when
 * there is none, "/" for the root) and its last component (into last,
 * NAME_MAX + 1 bytes; empty for the root), as the kernel's parent lookup
 * does; *trailing says whether slashes followed the last component.
 * Returns 0 or -ENAMETOOLONG.
 */
int resolve_split(const char *path, char *dirbuf, size_t n, char *last,
		  bool *trailing);

/* resolve_normalize of base + "/" + rel (base absolute). */
int resolve_join(const char *base, const char *rel, char *buf, size_t n);

/*
 * Open path for real (flags as open(2) takes them, plus O_CLOEXEC) from
 * the directory descriptor base, or from proctor's root when base is -1
 * (path absolute), crossing no symlink and no magic link (-ELOOP if it
 * would). With no symlink on the way the object found is the one at the
 * normalised lexical path. Returns fd or -errno.
 */
int resolve_open_plain(int base, const char *path, uint64_t flags);

/* Real path of an O_PATH (or any) fd of proctor's into buf. Returns 0 or
 * -errno; sets *no_path when the object has no path on disk. */
int resolve_fd_path(int fd, char *buf, size_t n, bool *no_path);

#endif
