/*
 * emulate_fs.c - the calls that change the file tree or file metadata,
 * done by proctor: unlink, rename, mkdir, mknod, link, symlink, truncate,
 * chmod, chown, utime(s), xattrs, in every variant the filter traps.
 *
 * Each handler copies its arguments once, resolves them (resolve.c) with
 * the caller's credentials, judges every path it changes as a write
 * (decide.c; protected paths and inodes first), and only then carries the
 * call out itself, again with the caller's credentials, on the descriptors
 * it resolved:
 *
 *   calls on a name (unlink, rmdir, rename, mkdir, mknod, link, symlink):
 *     the parent directory is resolved to an O_PATH descriptor and the last
 *     component is handed to the *at() call as the caller wrote it (with
 *     its trailing slash, or ".", ".."), so the kernel applies its own
 *     last-component rules and errnos; the name is one component and is
 *     never walked through a symlink;
 *   calls on an object (truncate, chmod, chown, utimes, xattrs): the object
 *     is resolved to an O_PATH descriptor and changed through it
 *     (AT_EMPTY_PATH, or /proc/self/fd/N, whose magic link lands on that
 *     very inode and is not followed further);
 *   calls on a descriptor (fchmod, fchown, fsetxattr, fremovexattr,
 *     futimens): proctor takes a copy of the caller's descriptor with
 *     pidfd_getfd and acts on the copy.
 *
 * A new name takes restrictions along: a link or rename of a file that
 * may not be read (deny, ask) to a name where it may is refused, and so is
 * a rename of a directory that would carry a path the policy restricts to
 * a place where it does not (policy_move_restricted(); docs/policy.md,
 * "Renaming directories and files"). These refusals are recorded with
 * decide_record() after the two write decisions.
 *
 * Invariants: one copy of each argument; no decision on a name that was
 * not resolved first; nothing changes before decide() allowed it and wrote
 * its record; the answer is the kernel's own result of the emulated call.
 * Calls that fail before any permission check (a missing entry for unlink,
 * an existing one for mkdir) are answered without a decision, as the
 * kernel answers them before it looks at permissions.
 *
 * Must never: act on a path string again after the decision (only on the
 * descriptors), follow a symlink the real call would not follow, or run
 * the resolution with proctor's own credentials (a non-root agent must not
 * reach through directories it cannot search).
 *
 * Known differences from the native calls (docs/security.md):
 *  - linkat(AT_EMPTY_PATH) is done through /proc/self/fd/N, which is what
 *    the caller could do itself; the kernel's "same opener credentials"
 *    rule for AT_EMPTY_PATH is not reproduced.
 *  - a few errno orders differ when several errors apply at once (e.g.
 *    rename of a missing source across mounts answers ENOENT, not EXDEV).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "ask.h"
#include "creds.h"
#include "decide.h"
#include "emulate.h"
#include "resolve.h"
#include "target.h"

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif

#define FS_XATTR_NAME_MAX 255		/* XATTR_NAME_MAX */
#define FS_XATTR_SIZE_MAX 65536		/* XATTR_SIZE_MAX */
#define FS_PATH_MAX (PATH_MAX + NAME_MAX + 34)

/* A name to act on: its parent resolved, its last component kept. */
struct fs_name {
	struct resolved dir;		/* dir.obj: the parent directory */
	char name[NAME_MAX + 2];	/* last component, '/' kept */
	char bare[NAME_MAX + 1];	/* last component without '/' */
	bool norm;			/* not ".", ".." or the root */
	bool trailing;			/* the caller wrote a trailing '/' */
	bool exists;			/* lstat of the entry succeeded */
	struct stat st;			/* of the entry (not followed) */
	char path[FS_PATH_MAX];		/* real path of the entry */
};

/* What changes on an object (truncate, chmod, chown, utimes, xattrs). */
enum fs_attr_kind {
	FS_TRUNCATE, FS_CHMOD, FS_CHOWN, FS_UTIMES, FS_SETXATTR,
	FS_REMOVEXATTR,
};

struct fs_attr {
	enum fs_attr_kind kind;
	const char *sys;
	bool by_fd;			/* act on the caller's descriptor */
	int fd;				/* by_fd: that descriptor; else dirfd */
	uint64_t path_addr;
	unsigned rflags;		/* RESOLVE_F_FOLLOW, _EMPTY_PATH */
	off_t length;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	bool ts_null;			/* "now" for both times */
	struct timespec ts[2];
	char xname[FS_XATTR_NAME_MAX + 1];
	void *xvalue;			/* owned */
	size_t xsize;
	int xflags;
};

static void fs_answer(struct call *c, int r)
{
	if (r < 0)
		call_fail(c, -r);
	else
		call_value(c, r);
}

static int fs_ret(long r)
{
	return r < 0 ? -errno : 0;
}

/*
 * The caller's credentials around one phase (resolution, or the change
 * itself): every walk and every change is checked by the kernel as the
 * caller's own would be. Always paired; fs_leave() is harmless after a
 * failed fs_enter().
 */
static int fs_enter(struct call *c)
{
	int r = emulate_enter_creds(c);

	return r == -ENOENT ? -ENOENT : (r < 0 ? -EACCES : 0);
}

static void fs_leave(struct call *c)
{
	emulate_leave_creds(c);
}

/* Copy a path argument; the kernel's limit is PATH_MAX with the NUL. */
static int fs_copy_path(struct call *c, uint64_t addr, char *buf)
{
	ssize_t n = target_read_str(c, addr, buf, PATH_MAX);

	return n < 0 ? (int)n : 0;
}

/*
 * Split path into the directory part (into dirbuf; "." when there is
 * none), the last component and whether a '/' followed it, as the kernel's
 * parent lookup does. The root ("/", "//") has an empty last component.
 */
static int fs_split(const char *path, char *dirbuf, size_t n,
		    struct fs_name *f)
{
	int r = resolve_split(path, dirbuf, n, f->bare, &f->trailing);

	if (r < 0)
		return r;
	if (!f->bare[0]) {
		/* only slashes: the root itself */
		snprintf(dirbuf, n, "/");
		snprintf(f->name, sizeof(f->name), "/");
		f->trailing = true;
		f->norm = false;
		return 0;
	}
	snprintf(f->name, sizeof(f->name), "%s%s", f->bare,
		 f->trailing ? "/" : "");
	f->norm = strcmp(f->bare, ".") != 0 && strcmp(f->bare, "..") != 0;
	return 0;
}

/*
 * Resolve the parent of path (relative to the caller's dirfd) and look at
 * the entry named by its last component, without following it. Must run
 * with the caller's credentials. Returns 0 or the errno of the parent walk.
 */
static int fs_name_resolve(struct call *c, int dirfd, const char *path,
			   struct fs_name *f)
{
	char dirpart[PATH_MAX];
	size_t plen;
	int r;

	resolved_init(&f->dir);
	f->exists = false;
	f->path[0] = '\0';
	if (!path[0])
		return -ENOENT;
	r = fs_split(path, dirpart, sizeof(dirpart), f);
	if (r < 0)
		return r;
	r = resolve_at(c, dirfd, dirpart, RESOLVE_F_FOLLOW, &f->dir);
	if (r < 0)
		return r;
	if (!S_ISDIR(f->dir.st.st_mode))
		return -ENOTDIR;
	plen = strlen(f->dir.path);
	if (plen + 2 + strlen(f->bare) > sizeof(f->path))
		return -ENAMETOOLONG;
	memcpy(f->path, f->dir.path, plen + 1);
	if (!f->norm)
		return 0;
	if (plen > 1)
		f->path[plen++] = '/';
	memcpy(f->path + plen, f->bare, strlen(f->bare) + 1);
	if (fstatat(f->dir.obj, f->bare, &f->st, AT_SYMLINK_NOFOLLOW) == 0)
		f->exists = true;
	else if (errno != ENOENT)
		return -errno;
	return 0;
}

/* Copy the caller's path at addr (into path, PATH_MAX bytes) and resolve
 * it with fs_name_resolve() under the caller's credentials. */
static int fs_name_at(struct call *c, int dirfd, uint64_t addr, char *path,
		      struct fs_name *f)
{
	int r = fs_copy_path(c, addr, path);

	if (r < 0)
		return r;
	r = fs_enter(c);
	if (r < 0)
		return r;
	r = fs_name_resolve(c, dirfd, path, f);
	fs_leave(c);
	return r;
}

/* Judge a write to one path. Returns 0 (allowed) or the errno to give. */
static int fs_decide(struct call *c, const char *sys, const char *target,
		     const char *real, dev_t dev, ino_t ino, bool tree)
{
	struct decide_req dr;
	struct decide_out out;

	decide_req_path(&dr, POLICY_OP_WRITE, real, sys, target);
	dr.resolved = real;
	dr.protect_check = true;
	dr.dev = dev;
	dr.ino = ino;
	dr.protect_tree = tree;
	decide(c, &dr, &out);
	return out.allow ? 0 : out.err;
}


/* ---- new names: what a file or a tree takes along ---- */

/* allow < ask < deny */
static int fs_strictness(enum policy_decision d)
{
	return d == POLICY_ALLOW ? 0 : (d == POLICY_ASK ? 1 : 2);
}

/*
 * What the session's remembered answers, then the policy, say about op on
 * path - the order decide() asks them in - with no prompt and no record.
 * *rule gets the deciding rule (NULL: the default).
 */
static enum policy_decision fs_peek(struct call *c, enum policy_op op,
				    const char *path,
				    const struct policy_rule **rule)
{
	struct policy_result res = { POLICY_DENY, NULL, -1 };
	struct policy_query q;

	memset(&q, 0, sizeof(q));
	q.op = op;
	q.path = path;
	q.path_len = strlen(path);
	decide_rules(c->sup, &q, &res);
	*rule = res.rule;
	return res.decision;
}

/*
 * A refusal that no single decide() makes: recorded as a deny by rule
 * (its FILE:LINE), with detail. In permissive mode it is recorded and the
 * call goes on. Returns 0 or -EACCES.
 */
static int fs_refuse(struct call *c, const char *op, const char *sys,
		     const char *target, const struct policy_rule *rule,
		     const char *detail)
{
	bool permissive = c->sup->mode == SUP_PERMISSIVE;
	char loc[PATH_MAX + 32];

	policy_rule_location(rule, loc, sizeof(loc));
	decide_record(c, c->req.pid, op, sys, target, loc,
		      permissive ? "allow" : "deny", permissive ? 0 : EACCES,
		      detail);
	return permissive ? 0 : -EACCES;
}

/*
 * The file at from (not a directory) is to get the name to (link, rename,
 * exchange): its content becomes readable there. Refused when reading it
 * at from is denied or asked about and at to is less strict - the new
 * name would launder the read rule.
 */
static int fs_check_read_name(struct call *c, const char *sys,
			      const char *from, const char *to)
{
	const struct policy_rule *rule, *at_to;
	enum policy_decision d;
	char detail[FS_PATH_MAX + 64];

	d = fs_peek(c, POLICY_OP_READ, from, &rule);
	if (d == POLICY_ALLOW ||
	    fs_strictness(fs_peek(c, POLICY_OP_READ, to, &at_to)) >=
	    fs_strictness(d))
		return 0;
	snprintf(detail, sizeof(detail), "would give a read-%s file a new "
		 "name: %s", d == POLICY_ASK ? "asked" : "denied", to);
	return fs_refuse(c, "read", sys, from, rule, detail);
}

/*
 * The directory from is to move to to (rename, exchange): everything below
 * it changes path. Refused when the rules restrict (deny, ask) reading or
 * writing something below from that they would not restrict as much at
 * the same place below to (policy_move_restricted). Removing an empty
 * directory needs no such check.
 */
static int fs_check_tree_move(struct call *c, const char *sys,
			      const char *from, const char *to)
{
	const struct policy_rule *rule = NULL;
	enum policy_op op = POLICY_OP_WRITE;
	char detail[FS_PATH_MAX + 96];

	if (!policy_move_restricted(c->sup->policy,
				    ask_session_rules(c->sup->ask),
				    POLICY_OP_READ | POLICY_OP_WRITE, from,
				    strlen(from), to, strlen(to), &rule, &op))
		return 0;
	snprintf(detail, sizeof(detail), "would move paths below the "
		 "directory that the policy restricts (%s) to %s, where it "
		 "would restrict them less", policy_op_name(op), to);
	return fs_refuse(c, policy_op_name(op), sys, from, rule, detail);
}

/* The object at from, of type st, is to be known as to. */
static int fs_check_new_name(struct call *c, const char *sys,
			     const char *from, const struct stat *st,
			     const char *to)
{
	if (S_ISDIR(st->st_mode))
		return fs_check_tree_move(c, sys, from, to);
	/* a symlink's content is its target's path; reading through it
	 * judges the target */
	if (S_ISLNK(st->st_mode))
		return 0;
	return fs_check_read_name(c, sys, from, to);
}

/* ---- unlink, unlinkat, rmdir ---- */

static void fs_unlink(struct call *c, const char *sys, int dirfd,
		      uint64_t addr, int flags)
{
	char path[PATH_MAX];
	struct fs_name f;
	bool rmdir_ = flags & AT_REMOVEDIR;
	int r;

	resolved_init(&f.dir);
	if (flags & ~AT_REMOVEDIR) {
		call_fail(c, EINVAL);
		return;
	}
	r = fs_name_at(c, dirfd, addr, path, &f);
	if (r < 0)
		goto out;
	if (!f.norm) {
		/* ".", "..", "/": the kernel refuses these before anything */
		if (!rmdir_)
			r = -EISDIR;
		else if (!f.bare[0])
			r = -EBUSY;
		else
			r = strcmp(f.bare, ".") == 0 ? -EINVAL : -ENOTEMPTY;
		goto out;
	}
	if (!f.exists) {
		r = -ENOENT;
		goto out;
	}
	if (!rmdir_ && f.trailing) {
		r = S_ISDIR(f.st.st_mode) ? -EISDIR : -ENOTDIR;
		goto out;
	}
	r = -fs_decide(c, sys, path, f.path, f.st.st_dev, f.st.st_ino,
		       rmdir_ || S_ISDIR(f.st.st_mode));
	if (r < 0)
		goto out;
	r = fs_enter(c);
	if (r < 0)
		goto out;
	r = fs_ret(unlinkat(f.dir.obj, f.name, flags));
	fs_leave(c);
out:
	fs_answer(c, r);
	resolved_release(&f.dir);
}

/* ---- rename, renameat, renameat2 ---- */

static void fs_rename(struct call *c, const char *sys, int odirfd,
		      uint64_t oaddr, int ndirfd, uint64_t naddr,
		      unsigned flags)
{
	char opath[PATH_MAX], npath[PATH_MAX];
	struct fs_name *o = NULL, *n = NULL;
	int r;

	if ((flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE |
				 RENAME_WHITEOUT)) ||
	    ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) ||
	    ((flags & RENAME_WHITEOUT) && (flags & RENAME_EXCHANGE))) {
		call_fail(c, EINVAL);
		return;
	}
	o = malloc(sizeof(*o));
	n = malloc(sizeof(*n));
	if (!o || !n) {
		free(o);
		free(n);
		call_fail(c, ENOMEM);
		return;
	}
	resolved_init(&o->dir);
	resolved_init(&n->dir);
	r = fs_copy_path(c, oaddr, opath);
	if (r < 0)
		goto out;
	r = fs_copy_path(c, naddr, npath);
	if (r < 0)
		goto out;
	r = fs_enter(c);
	if (r < 0)
		goto out;
	r = fs_name_resolve(c, odirfd, opath, o);
	if (r == 0)
		r = fs_name_resolve(c, ndirfd, npath, n);
	fs_leave(c);
	if (r < 0)
		goto out;
	if (!o->norm || !n->norm) {
		/* always refused (EXDEV, EBUSY, EEXIST) before any lookup of
		 * the names: let the kernel pick the errno */
		r = fs_ret(syscall(SYS_renameat2, o->dir.obj, o->name,
				   n->dir.obj, n->name, flags));
		if (r == 0)
			r = -EBUSY;	/* cannot happen */
		goto out;
	}
	if (!o->exists) {
		r = -ENOENT;
		goto out;
	}
	/* both names change: the source leaves (a directory takes its tree
	 * with it), the destination is replaced or exchanged */
	r = -fs_decide(c, sys, opath, o->path, o->st.st_dev,
		       o->st.st_ino, true);
	if (r < 0)
		goto out;
	r = -fs_decide(c, sys, npath, n->path,
		       n->exists ? n->st.st_dev : 0,
		       n->exists ? n->st.st_ino : 0, true);
	if (r < 0)
		goto out;
	/* what moves keeps its restrictions under its new name: the
	 * source's content or tree (and for an exchange the destination's) */
	r = fs_check_new_name(c, sys, o->path, &o->st, n->path);
	if (r == 0 && (flags & RENAME_EXCHANGE) && n->exists)
		r = fs_check_new_name(c, sys, n->path, &n->st, o->path);
	if (r < 0)
		goto out;
	r = fs_enter(c);
	if (r < 0)
		goto out;
	r = fs_ret(syscall(SYS_renameat2, o->dir.obj, o->name, n->dir.obj,
			   n->name, flags));
	fs_leave(c);
out:
	fs_answer(c, r);
	resolved_release(&o->dir);
	resolved_release(&n->dir);
	free(o);
	free(n);
}

/* ---- mkdir, mkdirat, mknod, mknodat, symlink, symlinkat ---- */

/* The kernel's may_mknod(): checked before the path is looked up. */
static int fs_mknod_mode_ok(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO:
	case S_IFSOCK: case 0:
		return 0;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
}

enum fs_create_kind { FS_MKDIR, FS_MKNOD, FS_SYMLINK };

/* Create a new name: mkdir (mode), mknod (mode, dev), symlink (content in
 * link_addr). The content of a symlink is stored, never resolved. */
static void fs_create(struct call *c, const char *sys,
		      enum fs_create_kind kind, int dirfd, uint64_t addr,
		      mode_t mode, unsigned dev, uint64_t link_addr)
{
	char path[PATH_MAX];
	char *content = NULL;
	struct fs_name f;
	int r;

	resolved_init(&f.dir);
	if (kind == FS_MKNOD) {
		r = fs_mknod_mode_ok(mode);
		if (r < 0)
			goto out;
	}
	if (kind == FS_SYMLINK) {
		content = malloc(PATH_MAX);
		r = -ENOMEM;
		if (!content)
			goto out;
		r = fs_copy_path(c, link_addr, content);
		if (r < 0)
			goto out;
		if (!content[0]) {
			r = -ENOENT;
			goto out;
		}
	}
	r = fs_name_at(c, dirfd, addr, path, &f);
	if (r < 0)
		goto out;
	if (!f.norm || f.exists) {
		r = -EEXIST;
		goto out;
	}
	if (kind != FS_MKDIR && f.trailing) {
		/* "name/" asks for a directory: not created by these */
		r = -ENOENT;
		goto out;
	}
	r = -fs_decide(c, sys, path, f.path, 0, 0, false);
	if (r < 0)
		goto out;
	r = fs_enter(c);
	if (r == 0 && kind != FS_SYMLINK)
		r = emulate_umask(c);	/* umask changes are not trapped */
	if (r < 0) {
		fs_leave(c);
		goto out;
	}
	switch (kind) {
	case FS_MKDIR:
		r = fs_ret(syscall(SYS_mkdirat, f.dir.obj, f.name, mode));
		break;
	case FS_MKNOD:
		r = fs_ret(syscall(SYS_mknodat, f.dir.obj, f.name, mode, dev));
		break;
	case FS_SYMLINK:
		r = fs_ret(symlinkat(content, f.dir.obj, f.name));
		break;
	}
	fs_leave(c);
out:
	fs_answer(c, r);
	resolved_release(&f.dir);
	free(content);
}

/* ---- link, linkat ---- */

static void fs_link(struct call *c, const char *sys, int odirfd,
		    uint64_t oaddr, int ndirfd, uint64_t naddr, int flags)
{
	char opath[PATH_MAX], npath[PATH_MAX];
	char proc[64];
	struct resolved src;
	struct fs_name f;
	unsigned rflags = 0;
	int r;

	resolved_init(&src);
	resolved_init(&f.dir);
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) {
		r = -EINVAL;
		goto out;
	}
	if (flags & AT_SYMLINK_FOLLOW)
		rflags |= RESOLVE_F_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		rflags |= RESOLVE_F_EMPTY_PATH;
	r = fs_copy_path(c, oaddr, opath);
	if (r < 0)
		goto out;
	r = fs_copy_path(c, naddr, npath);
	if (r < 0)
		goto out;
	r = fs_enter(c);
	if (r < 0)
		goto out;
	r = resolve_at(c, odirfd, opath, rflags, &src);
	if (r == 0)
		r = fs_name_resolve(c, ndirfd, npath, &f);
	fs_leave(c);
	if (r < 0)
		goto out;
	if (!f.norm || f.exists) {
		r = -EEXIST;
		goto out;
	}
	if (f.trailing) {
		r = -ENOENT;
		goto out;
	}
	/* the source is judged too: a new name for a file is a way to
	 * change it; a hard link to a protected file is refused by inode */
	r = -fs_decide(c, sys, opath[0] ? opath : src.path, src.path,
		       src.st.st_dev, src.st.st_ino, false);
	if (r < 0)
		goto out;
	r = -fs_decide(c, sys, npath, f.path, 0, 0, false);
	if (r < 0)
		goto out;
	/* a new name must not make a file readable that is not at its
	 * old one (directories cannot be linked: the kernel says EPERM) */
	if (!S_ISDIR(src.st.st_mode)) {
		r = fs_check_new_name(c, sys, src.path, &src.st, f.path);
		if (r < 0)
			goto out;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", src.obj);
	r = fs_enter(c);
	if (r < 0)
		goto out;
	/* the magic link lands on src.obj's inode (a symlink stays one) */
	r = fs_ret(linkat(AT_FDCWD, proc, f.dir.obj, f.name,
			  AT_SYMLINK_FOLLOW));
	fs_leave(c);
out:
	fs_answer(c, r);
	resolved_release(&src);
	resolved_release(&f.dir);
}

/* ---- truncate, chmod, chown, utimes, xattrs ---- */

/* Carry out a on the resolved O_PATH descriptor obj. */
static int fs_attr_on_path(const struct fs_attr *a, int obj,
			   const struct stat *st)
{
	char proc[64];
	long r;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", obj);
	switch (a->kind) {
	case FS_TRUNCATE:
		return fs_ret(truncate(proc, a->length));
	case FS_CHMOD:
		r = syscall(__NR_fchmodat2, obj, "", a->mode, AT_EMPTY_PATH);
		if (r < 0 && errno == ENOSYS) {
			if (S_ISLNK(st->st_mode))
				return -EOPNOTSUPP;
			r = syscall(SYS_fchmodat, AT_FDCWD, proc, a->mode);
		}
		return fs_ret(r);
	case FS_CHOWN:
		return fs_ret(syscall(SYS_fchownat, obj, "", a->uid, a->gid,
				      AT_EMPTY_PATH));
	case FS_UTIMES:
		return fs_ret(syscall(SYS_utimensat, obj, "",
				      a->ts_null ? NULL : a->ts,
				      AT_EMPTY_PATH));
	case FS_SETXATTR:
		return fs_ret(setxattr(proc, a->xname, a->xvalue, a->xsize,
				       a->xflags));
	case FS_REMOVEXATTR:
		return fs_ret(removexattr(proc, a->xname));
	}
	return -EINVAL;
}

/* Carry out a on fd, proctor's copy of the caller's descriptor. */
static int fs_attr_on_fd(const struct fs_attr *a, int fd)
{
	switch (a->kind) {
	case FS_CHMOD:
		return fs_ret(fchmod(fd, a->mode));
	case FS_CHOWN:
		return fs_ret(syscall(SYS_fchown, fd, a->uid, a->gid));
	case FS_UTIMES:
		return fs_ret(syscall(SYS_utimensat, fd, NULL,
				      a->ts_null ? NULL : a->ts, 0));
	case FS_SETXATTR:
		return fs_ret(fsetxattr(fd, a->xname, a->xvalue, a->xsize,
					a->xflags));
	case FS_REMOVEXATTR:
		return fs_ret(fremovexattr(fd, a->xname));
	case FS_TRUNCATE:
		break;
	}
	return -EINVAL;
}

/*
 * Objects that are not on disk (pipes, sockets, anonymous inodes) have no
 * path a rule could name and changing them changes no file: they are not
 * judged. Deleted files keep their old path with " (deleted)" and are.
 */
static bool fs_anonymous(const char *real)
{
	return real[0] != '/';
}

static void fs_attr(struct call *c, struct fs_attr *a)
{
	char path[PATH_MAX];
	char real[PATH_MAX + 32];
	const char *target = real;
	struct resolved r;
	struct stat st;
	bool no_path;
	int fd = -1;
	int ret;

	resolved_init(&r);
	if (a->by_fd) {
		fd = target_getfd(c, a->fd);
		if (fd < 0) {
			ret = fd;
			goto out;
		}
		ret = resolve_fd_path(fd, real, sizeof(real), &no_path);
		if (ret < 0)
			goto out;
		if (fstat(fd, &st) < 0) {
			ret = -errno;
			goto out;
		}
	} else {
		ret = fs_copy_path(c, a->path_addr, path);
		if (ret < 0)
			goto out;
	}
	if (!a->by_fd) {
		ret = fs_enter(c);
		if (ret < 0)
			goto out;
		ret = resolve_at(c, a->fd, path, a->rflags, &r);
		fs_leave(c);
		if (ret < 0)
			goto out;
		snprintf(real, sizeof(real), "%s", r.path);
		st = r.st;
		target = path[0] ? path : real;
	}
	if (!fs_anonymous(real)) {
		ret = -fs_decide(c, a->sys, target, real, st.st_dev,
				 st.st_ino, false);
		if (ret < 0)
			goto out;
	}
	ret = fs_enter(c);
	if (ret < 0)
		goto out;
	if (a->by_fd)
		ret = fs_attr_on_fd(a, fd);
	else
		ret = fs_attr_on_path(a, r.obj, &r.st);
	fs_leave(c);
out:
	fs_answer(c, ret);
	if (fd >= 0)
		close(fd);
	resolved_release(&r);
}

/* Copy an xattr name: 1..255 bytes, else ERANGE, as the kernel. */
/* The *at() flags of the attribute calls: AT_SYMLINK_NOFOLLOW and
 * AT_EMPTY_PATH set how a's path resolves; anything else is EINVAL (as the
 * kernel answers). */
static int fs_at_flags(struct fs_attr *a, int flags)
{
	if (flags & AT_SYMLINK_NOFOLLOW)
		a->rflags = 0;
	if (flags & AT_EMPTY_PATH)
		a->rflags |= RESOLVE_F_EMPTY_PATH;
	return flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) ? -EINVAL : 0;
}

static int fs_copy_xname(struct call *c, uint64_t addr, struct fs_attr *a)
{
	ssize_t n = target_read_str(c, addr, a->xname, sizeof(a->xname));

	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? (int)n : 0;
}

static int fs_copy_xvalue(struct call *c, uint64_t addr, uint64_t size,
			  struct fs_attr *a)
{
	int r;

	if (size == 0)
		return 0;
	if (size > FS_XATTR_SIZE_MAX)
		return -E2BIG;
	a->xvalue = malloc(size);
	if (!a->xvalue)
		return -ENOMEM;
	a->xsize = size;
	r = target_read(c, addr, a->xvalue, size);
	return r;
}

/* The times of utime/utimes/futimesat/utimensat, as a timespec pair. */
enum fs_times_kind { FS_T_UTIMBUF, FS_T_TIMEVAL, FS_T_TIMESPEC };

/* Returns 0, 1 when the call is a no-op (both UTIME_OMIT), or -errno. */
static int fs_copy_times(struct call *c, uint64_t addr,
			 enum fs_times_kind kind, struct fs_attr *a)
{
	int r;

	a->ts_null = addr == 0;
	if (!addr)
		return 0;
	switch (kind) {
	case FS_T_UTIMBUF: {
		struct utimbuf u;

		r = target_read(c, addr, &u, sizeof(u));
		if (r < 0)
			return r;
		a->ts[0].tv_sec = u.actime;
		a->ts[0].tv_nsec = 0;
		a->ts[1].tv_sec = u.modtime;
		a->ts[1].tv_nsec = 0;
		return 0;
	}
	case FS_T_TIMEVAL: {
		struct timeval tv[2];
		int i;

		r = target_read(c, addr, tv, sizeof(tv));
		if (r < 0)
			return r;
		for (i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			a->ts[i].tv_sec = tv[i].tv_sec;
			a->ts[i].tv_nsec = tv[i].tv_usec * 1000;
		}
		return 0;
	}
	case FS_T_TIMESPEC:
		r = target_read(c, addr, a->ts, sizeof(a->ts));
		if (r < 0)
			return r;
		/* nothing to do: the kernel does not even look at the path */
		if (a->ts[0].tv_nsec == UTIME_OMIT &&
		    a->ts[1].tv_nsec == UTIME_OMIT)
			return 1;
		return 0;
	}
	return -EINVAL;
}

/* ---- dispatch ---- */

/* The metadata calls: fill a from the registers and memory, then run. */
static void fs_attr_call(struct call *c)
{
	const struct seccomp_data *d = &c->req.data;
	const __u64 *g = d->args;
	struct fs_attr a;
	int flags, r = 0;

	memset(&a, 0, sizeof(a));
	a.fd = AT_FDCWD;
	a.rflags = RESOLVE_F_FOLLOW;
	switch (d->nr) {
	case __NR_truncate:
		a.kind = FS_TRUNCATE;
		a.sys = "truncate";
		a.path_addr = g[0];
		a.length = (off_t)g[1];
		if (a.length < 0)
			r = -EINVAL;
		break;
	case __NR_chmod:
		a.kind = FS_CHMOD;
		a.sys = "chmod";
		a.path_addr = g[0];
		a.mode = (mode_t)(uint16_t)g[1];
		break;
	case __NR_fchmodat:
	case __NR_fchmodat2:
		a.kind = FS_CHMOD;
		a.sys = d->nr == __NR_fchmodat ? "fchmodat" : "fchmodat2";
		a.fd = (int)g[0];
		a.path_addr = g[1];
		a.mode = (mode_t)(uint16_t)g[2];
		flags = d->nr == __NR_fchmodat ? 0 : (int)g[3];
		r = fs_at_flags(&a, flags);
		break;
	case __NR_fchmod:
		a.kind = FS_CHMOD;
		a.sys = "fchmod";
		a.by_fd = true;
		a.fd = (int)g[0];
		a.mode = (mode_t)(uint16_t)g[1];
		break;
	case __NR_chown:
	case __NR_lchown:
		a.kind = FS_CHOWN;
		a.sys = d->nr == __NR_chown ? "chown" : "lchown";
		a.path_addr = g[0];
		a.uid = (uid_t)g[1];
		a.gid = (gid_t)g[2];
		if (d->nr == __NR_lchown)
			a.rflags = 0;
		break;
	case __NR_fchownat:
		a.kind = FS_CHOWN;
		a.sys = "fchownat";
		a.fd = (int)g[0];
		a.path_addr = g[1];
		a.uid = (uid_t)g[2];
		a.gid = (gid_t)g[3];
		flags = (int)g[4];
		r = fs_at_flags(&a, flags);
		break;
	case __NR_fchown:
		a.kind = FS_CHOWN;
		a.sys = "fchown";
		a.by_fd = true;
		a.fd = (int)g[0];
		a.uid = (uid_t)g[1];
		a.gid = (gid_t)g[2];
		break;
	case __NR_utime:
		a.kind = FS_UTIMES;
		a.sys = "utime";
		a.path_addr = g[0];
		r = fs_copy_times(c, g[1], FS_T_UTIMBUF, &a);
		break;
	case __NR_utimes:
		a.kind = FS_UTIMES;
		a.sys = "utimes";
		a.path_addr = g[0];
		r = fs_copy_times(c, g[1], FS_T_TIMEVAL, &a);
		break;
	case __NR_futimesat:
		a.kind = FS_UTIMES;
		a.sys = "futimesat";
		a.fd = (int)g[0];
		a.path_addr = g[1];
		r = fs_copy_times(c, g[2], FS_T_TIMEVAL, &a);
		if (r == 0 && !a.path_addr && a.fd != AT_FDCWD)
			a.by_fd = true;
		break;
	case __NR_utimensat:
		a.kind = FS_UTIMES;
		a.sys = "utimensat";
		a.fd = (int)g[0];
		a.path_addr = g[1];
		flags = (int)g[3];
		r = fs_copy_times(c, g[2], FS_T_TIMESPEC, &a);
		if (r != 0)
			break;
		if (!a.path_addr && a.fd != AT_FDCWD) {
			/* futimens(): the descriptor itself, no flags */
			a.by_fd = true;
			if (flags)
				r = -EINVAL;
			break;
		}
		r = fs_at_flags(&a, flags);
		break;
	case __NR_setxattr:
	case __NR_lsetxattr:
	case __NR_fsetxattr:
	case __NR_removexattr:
	case __NR_lremovexattr:
	case __NR_fremovexattr: {
		/* six calls, two axes: set or remove; by path (following),
		 * by path (not following: l*), or by descriptor (f*) */
		bool set = d->nr == __NR_setxattr ||
			   d->nr == __NR_lsetxattr || d->nr == __NR_fsetxattr;
		bool by_fd = d->nr == __NR_fsetxattr ||
			     d->nr == __NR_fremovexattr;
		bool nofollow = d->nr == __NR_lsetxattr ||
				d->nr == __NR_lremovexattr;

		a.kind = set ? FS_SETXATTR : FS_REMOVEXATTR;
		a.sys = set ? (by_fd ? "fsetxattr" : nofollow ? "lsetxattr" :
			       "setxattr") :
			      (by_fd ? "fremovexattr" : nofollow ?
			       "lremovexattr" : "removexattr");
		if (by_fd) {
			a.by_fd = true;
			a.fd = (int)g[0];
		} else {
			a.path_addr = g[0];
		}
		if (nofollow)
			a.rflags = 0;
		if (set) {
			a.xflags = (int)g[4];
			if (a.xflags & ~(XATTR_CREATE | XATTR_REPLACE)) {
				r = -EINVAL;
				break;
			}
		}
		r = fs_copy_xname(c, g[1], &a);
		if (r == 0 && set)
			r = fs_copy_xvalue(c, g[2], g[3], &a);
		break;
	}
	default:
		r = -ENOSYS;
		break;
	}
	if (r != 0)
		fs_answer(c, r > 0 ? 0 : r);	/* r > 0: nothing to do */
	else
		fs_attr(c, &a);
	free(a.xvalue);
}

void emulate_fs(struct call *c)
{
	const struct seccomp_data *d = &c->req.data;
	const __u64 *g = d->args;
	char what[32];

	emulate_tgid(c);
	switch (d->nr) {
	case __NR_unlink:
		fs_unlink(c, "unlink", AT_FDCWD, g[0], 0);
		break;
	case __NR_unlinkat:
		fs_unlink(c, "unlinkat", (int)g[0], g[1], (int)g[2]);
		break;
	case __NR_rmdir:
		fs_unlink(c, "rmdir", AT_FDCWD, g[0], AT_REMOVEDIR);
		break;
	case __NR_rename:
		fs_rename(c, "rename", AT_FDCWD, g[0], AT_FDCWD, g[1], 0);
		break;
	case __NR_renameat:
		fs_rename(c, "renameat", (int)g[0], g[1], (int)g[2], g[3], 0);
		break;
	case __NR_renameat2:
		fs_rename(c, "renameat2", (int)g[0], g[1], (int)g[2], g[3],
			  (unsigned)g[4]);
		break;
	case __NR_mkdir:
		fs_create(c, "mkdir", FS_MKDIR, AT_FDCWD, g[0],
			  (mode_t)(uint16_t)g[1], 0, 0);
		break;
	case __NR_mkdirat:
		fs_create(c, "mkdirat", FS_MKDIR, (int)g[0], g[1],
			  (mode_t)(uint16_t)g[2], 0, 0);
		break;
	case __NR_mknod:
		fs_create(c, "mknod", FS_MKNOD, AT_FDCWD, g[0],
			  (mode_t)(uint16_t)g[1], (unsigned)g[2], 0);
		break;
	case __NR_mknodat:
		fs_create(c, "mknodat", FS_MKNOD, (int)g[0], g[1],
			  (mode_t)(uint16_t)g[2], (unsigned)g[3], 0);
		break;
	case __NR_symlink:
		fs_create(c, "symlink", FS_SYMLINK, AT_FDCWD, g[1], 0, 0,
			  g[0]);
		break;
	case __NR_symlinkat:
		fs_create(c, "symlinkat", FS_SYMLINK, (int)g[1], g[2], 0, 0,
			  g[0]);
		break;
	case __NR_link:
		fs_link(c, "link", AT_FDCWD, g[0], AT_FDCWD, g[1], 0);
		break;
	case __NR_linkat:
		fs_link(c, "linkat", (int)g[0], g[1], (int)g[2], g[3],
			(int)g[4]);
		break;
	case __NR_truncate: case __NR_chmod: case __NR_fchmodat:
	case __NR_fchmodat2: case __NR_fchmod: case __NR_chown:
	case __NR_lchown: case __NR_fchownat: case __NR_fchown:
	case __NR_utime: case __NR_utimes: case __NR_futimesat:
	case __NR_utimensat: case __NR_setxattr: case __NR_lsetxattr:
	case __NR_fsetxattr: case __NR_removexattr: case __NR_lremovexattr:
	case __NR_fremovexattr:
		fs_attr_call(c);
		break;
	default:
		/* dispatch.c sends every number it does not know here */
		snprintf(what, sizeof(what), "syscall %d", (int)d->nr);
		decide_record(c, c->req.pid, "write", what, what, "unhandled",
			      "deny", ENOSYS, "no handler for this call");
		call_fail(c, ENOSYS);
		break;
	}
}
