/*
 * protect.h - paths no supervised process may change, whatever the policy.
 *
 * The audit database and its side files, and proctor's control sockets, are
 * protected: no open for writing, no unlink, rename, truncate, chmod, chown,
 * link or xattr change of them, and no rename or removal of a directory
 * that contains one. Hard links are caught by inode as well as by name.
 *
 * The set is filled before the agent starts and is read-only afterwards,
 * so lookups need no lock.
 */
#ifndef PROCTOR_PROTECT_H
#define PROCTOR_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PROTECT_MAX 32

struct protect {
	char *paths[PROTECT_MAX];	/* absolute, normalised; owned */
	size_t len[PROTECT_MAX];
	bool is_dir[PROTECT_MAX];	/* protects everything below too */
	bool secret[PROTECT_MAX];	/* not even readable (signing key) */
	dev_t secret_dev[PROTECT_MAX];	/* inode of a secret file, or 0 */
	ino_t secret_ino[PROTECT_MAX];
	size_t n;
	dev_t dev[PROTECT_MAX];		/* inodes of existing protected files */
	ino_t ino[PROTECT_MAX];
	size_t n_ino;
};

void protect_init(struct protect *p);
void protect_release(struct protect *p);

/* Add a file path (or a directory whose whole tree is protected). The
 * path's directory must exist; the file need not (WAL files come and go).
 * Returns 0 or -errno. */
int protect_add(struct protect *p, const char *path, bool is_dir);

/* Add a file (or a whole directory) nobody supervised may even read: the
 * audit signing key, proctor's own /proc/PID, /dev/userfaultfd. */
int protect_add_secret(struct protect *p, const char *path, bool is_dir);

/* Is the object at path (or dev/ino) a secret? */
bool protect_hit_secret(const struct protect *p, const char *path,
			dev_t dev, ino_t ino);

/* Does changing the object at path (dev/ino when known, else 0) touch a
 * protected file? `tree` asks whether path is also an ancestor directory of
 * one (for rename, rmdir, unlink of directories). */
bool protect_hit(const struct protect *p, const char *path, dev_t dev,
		 ino_t ino, bool tree);

#endif
