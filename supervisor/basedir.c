/*
 * basedir.c - the cache of the callers' base directories (basedir.h).
 *
 * A direct-mapped table: one slot per hash of (process, dirfd); a miss
 * takes the directory anew and replaces the slot. An entry replaced while
 * a handler still holds it is marked dead and freed by the last put.
 *
 * Must never: serve an entry it cannot show to be right (see basedir.h),
 * or block: every wait here is on the table's mutex only.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basedir.h"
#include "emulate.h"
#include "resolve.h"
#include "sup.h"
#include "target.h"

#define BASEDIR_SLOTS 128	/* descriptors proctor keeps at most */
#define BASEDIR_MARKS 1024	/* processes that changed directory */

struct basedir_entry {
	pid_t tgid;
	int dirfd;		/* the caller's number, or AT_FDCWD */
	int fd;			/* proctor's descriptor */
	char *path;		/* real path when taken */
	unsigned gen;		/* basedir_gen when taken */
	unsigned refs;		/* the slot's and the holders' */
	bool dead;		/* out of its slot */
};

static pthread_mutex_t basedir_lock = PTHREAD_MUTEX_INITIALIZER;
static struct basedir_entry *basedir_slot[BASEDIR_SLOTS];
static pid_t basedir_moved[BASEDIR_MARKS];	/* chdir seen; 0 free */
static atomic_uint basedir_gen;
static atomic_bool basedir_off;

static unsigned basedir_hash(pid_t tgid, int dirfd)
{
	unsigned h = (unsigned)tgid * 2654435761u ^ (unsigned)dirfd * 40503u;

	return (h ^ h >> 15) % BASEDIR_SLOTS;
}

/* Drop one reference; the lock is held. */
static void basedir_unref(struct basedir_entry *e)
{
	if (--e->refs)
		return;
	close(e->fd);
	free(e->path);
	free(e);
}

/* Take e out of its slot; the lock is held. */
static void basedir_evict(unsigned i)
{
	struct basedir_entry *e = basedir_slot[i];

	if (!e)
		return;
	basedir_slot[i] = NULL;
	e->dead = true;
	basedir_unref(e);
}

/* Is tgid marked as having changed directory? The lock is held. */
static bool basedir_is_moved(pid_t tgid)
{
	unsigned i, h = (unsigned)tgid % BASEDIR_MARKS;

	for (i = 0; i < BASEDIR_MARKS; i++) {
		pid_t p = basedir_moved[(h + i) % BASEDIR_MARKS];

		if (p == tgid)
			return true;
		if (p == 0)
			return false;
	}
	return false;
}

/* The caller's dirfd still the file proctor holds? */
static bool basedir_same_file(const struct call *c, int dirfd, int fd)
{
	return syscall(SYS_kcmp, (pid_t)c->req.pid, getpid(), KCMP_FILE,
		       dirfd, fd) == 0;
}

/* Take the directory anew: a new entry holding one reference for the
 * caller, or -errno. */
static int basedir_take(struct call *c, pid_t tgid, int dirfd,
			struct basedir_entry **out)
{
	struct basedir_entry *e;
	char path[PATH_MAX];
	struct stat st;
	bool no_path;
	int fd, r;

	if (dirfd == AT_FDCWD)
		fd = target_open_proc(c, "cwd", O_PATH | O_DIRECTORY);
	else
		fd = target_getfd(c, dirfd);
	if (fd < 0)
		return fd;
	r = -ENOENT;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    resolve_fd_path(fd, path, sizeof(path), &no_path) < 0 ||
	    no_path)
		goto out;	/* not a directory with a path: slow way */
	r = -ENOMEM;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto out;
	e->path = strdup(path);
	if (!e->path) {
		free(e);
		goto out;
	}
	e->tgid = tgid;
	e->dirfd = dirfd;
	e->fd = fd;
	e->refs = 1;
	*out = e;
	return 0;
out:
	close(fd);
	return r;
}

/* The entry of (tgid, dirfd) in slot i, held, if it is current and (a
 * dirfd) still the caller's open file; else NULL. */
static struct basedir_entry *basedir_lookup(struct call *c, pid_t tgid,
					    int dirfd, unsigned i,
					    unsigned gen)
{
	struct basedir_entry *e;

	pthread_mutex_lock(&basedir_lock);
	e = basedir_slot[i];
	if (e && e->tgid == tgid && e->dirfd == dirfd && e->gen == gen)
		e->refs++;
	else
		e = NULL;
	pthread_mutex_unlock(&basedir_lock);
	if (e && dirfd != AT_FDCWD && !basedir_same_file(c, dirfd, e->fd)) {
		pthread_mutex_lock(&basedir_lock);
		basedir_unref(e);
		pthread_mutex_unlock(&basedir_lock);
		e = NULL;
	}
	return e;
}

int basedir_get(struct call *c, int dirfd, struct basedir_ref *ref)
{
	pid_t tgid = emulate_tgid(c);
	struct basedir_entry *e;
	unsigned i, gen;
	bool moved;
	int r;

	ref->e = NULL;
	if (!tgid || atomic_load(&basedir_off) || (dirfd < 0 &&
						   dirfd != AT_FDCWD))
		return -ENOENT;
	i = basedir_hash(tgid, dirfd);
	pthread_mutex_lock(&basedir_lock);
	moved = dirfd == AT_FDCWD && basedir_is_moved(tgid);
	pthread_mutex_unlock(&basedir_lock);
	if (moved)
		return -ENOENT;
	gen = atomic_load(&basedir_gen);
	e = basedir_lookup(c, tgid, dirfd, i, gen);
	if (!e) {
		r = basedir_take(c, tgid, dirfd, &e);
		if (r < 0)
			return r;
		e->gen = gen;
		pthread_mutex_lock(&basedir_lock);
		/* kept only if nothing was renamed meanwhile and the caller
		 * did not change directory; served to this call either way,
		 * like a path read the slow way */
		if (atomic_load(&basedir_gen) == gen &&
		    !(dirfd == AT_FDCWD && basedir_is_moved(tgid)) &&
		    !atomic_load(&basedir_off)) {
			basedir_evict(i);
			basedir_slot[i] = e;
			e->refs++;
		} else {
			e->dead = true;
		}
		pthread_mutex_unlock(&basedir_lock);
	}
	ref->e = e;
	ref->fd = e->fd;
	ref->path = e->path;
	return 0;
}

void basedir_put(struct basedir_ref *ref)
{
	if (!ref->e)
		return;
	pthread_mutex_lock(&basedir_lock);
	basedir_unref(ref->e);
	pthread_mutex_unlock(&basedir_lock);
	ref->e = NULL;
}

void basedir_chdir(pid_t tgid, bool alone)
{
	unsigned i, h = (unsigned)tgid % BASEDIR_MARKS;

	pthread_mutex_lock(&basedir_lock);
	for (i = 0; !alone && i < BASEDIR_MARKS; i++) {
		pid_t *p = &basedir_moved[(h + i) % BASEDIR_MARKS];

		if (*p == tgid)
			break;
		if (*p == 0) {
			*p = tgid;
			break;
		}
	}
	if (!alone && i == BASEDIR_MARKS)
		atomic_store(&basedir_off, true);	/* full: fail safe */
	i = basedir_hash(tgid, AT_FDCWD);
	if (basedir_slot[i] && basedir_slot[i]->tgid == tgid &&
	    basedir_slot[i]->dirfd == AT_FDCWD)
		basedir_evict(i);
	pthread_mutex_unlock(&basedir_lock);
}

void basedir_forget(pid_t tgid)
{
	unsigned i, h = (unsigned)tgid % BASEDIR_MARKS;

	pthread_mutex_lock(&basedir_lock);
	for (i = 0; i < BASEDIR_SLOTS; i++)
		if (basedir_slot[i] && basedir_slot[i]->tgid == tgid)
			basedir_evict(i);
	/* remove the mark, keeping the probe chains of the others whole */
	for (i = 0; i < BASEDIR_MARKS; i++) {
		unsigned k = (h + i) % BASEDIR_MARKS, j;

		if (basedir_moved[k] == 0)
			break;
		if (basedir_moved[k] != tgid)
			continue;
		basedir_moved[k] = 0;
		/* re-insert the rest of the chain */
		for (j = (k + 1) % BASEDIR_MARKS; basedir_moved[j];
		     j = (j + 1) % BASEDIR_MARKS) {
			pid_t p = basedir_moved[j];
			unsigned q = (unsigned)p % BASEDIR_MARKS;

			basedir_moved[j] = 0;
			while (basedir_moved[q])
				q = (q + 1) % BASEDIR_MARKS;
			basedir_moved[q] = p;
		}
		break;
	}
	pthread_mutex_unlock(&basedir_lock);
}

void basedir_tree_changed(void)
{
	atomic_fetch_add(&basedir_gen, 1);
}

void basedir_disable(void)
{
	atomic_store(&basedir_off, true);
}

void basedir_release_all(void)
{
	unsigned i;

	pthread_mutex_lock(&basedir_lock);
	for (i = 0; i < BASEDIR_SLOTS; i++)
		basedir_evict(i);
	pthread_mutex_unlock(&basedir_lock);
}
