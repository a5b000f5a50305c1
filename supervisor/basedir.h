/*
 * basedir.h - the callers' working directories and directory descriptors,
 * kept open by proctor so that a relative name resolves without opening
 * /proc/PID/cwd or /proc/PID/fd/N and reading the directory's path again
 * on every call.
 *
 * An entry is (process, dirfd or AT_FDCWD) -> proctor's descriptor of the
 * same directory and the directory's real path when it was taken. It is
 * used only while it is provably still right:
 *  - a directory descriptor: kcmp(KCMP_FILE) shows the caller's dirfd is
 *    still the very open file proctor holds (proctor's copy comes from
 *    pidfd_getfd, so it is the same struct file, kept alive by the copy);
 *  - the working directory: chdir and fchdir are trapped. A process with
 *    one thread cannot make another call before its chdir has taken
 *    effect, so its entry is simply dropped; a process with more threads
 *    is not served from here again until it execs (another thread could
 *    take the old directory while the change is under way). Nothing is
 *    served at all once an fs_struct is not exactly one process's (clone
 *    with CLONE_FS but not CLONE_THREAD, or with CLONE_THREAD but not
 *    CLONE_FS; both trapped);
 *  - the path: every rename and directory removal done through proctor
 *    moves a generation on before and after it, and an entry of another
 *    generation is read anew.
 * A process's entries go when it exits or execs. Renames done outside the
 * agent's tree are not seen (docs/security.md).
 *
 * Ownership: basedir_get hands out a held reference (fd and path valid
 * until basedir_put); the cache owns the descriptors. Thread-safe.
 */
#ifndef PROCTOR_BASEDIR_H
#define PROCTOR_BASEDIR_H

#include <stdbool.h>
#include <sys/types.h>

struct call;
struct basedir_entry;

struct basedir_ref {
	struct basedir_entry *e;	/* NULL: nothing held */
	int fd;				/* proctor's descriptor */
	const char *path;		/* its real absolute path */
};

/*
 * The caller's directory dirfd (AT_FDCWD: its working directory), from
 * the cache or taken now. Returns 0 with *ref held, or -errno: -ENOENT
 * when the cache cannot serve this call (the caller then resolves the
 * slow way, through /proc).
 */
int basedir_get(struct call *c, int dirfd, struct basedir_ref *ref);
void basedir_put(struct basedir_ref *ref);

/* The caller changes its working directory (chdir, fchdir); alone: the
 * process has a single thread (that one, stopped in the call). */
void basedir_chdir(pid_t tgid, bool alone);

/* A process exited or exec'd: its entries and its chdir mark go. */
void basedir_forget(pid_t tgid);

/* A rename or a directory removal is about to happen or just happened. */
void basedir_tree_changed(void);

/* A process shares its fs_struct with another: serve nothing more. */
void basedir_disable(void);

/* Close every descriptor (at the end of the session). */
void basedir_release_all(void);

#endif
