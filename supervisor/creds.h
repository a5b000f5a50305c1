/*
 * creds.h - act with the trapped process's credentials.
 *
 * An emulated call must succeed or fail exactly as the agent's own would:
 * same fsuid/fsgid and groups for permission checks and file ownership,
 * same effective capabilities, same umask. Each emulating thread has its
 * own fs_struct (unshare(CLONE_FS), see creds_thread_init) so its umask is
 * its own, and switches its own credentials with raw system calls (glibc's
 * wrappers would change every thread of proctor).
 *
 * When proctor is not root the agent cannot hold other credentials than
 * proctor's (no_new_privs, no capabilities), so only the umask is switched.
 */
#ifndef PROCTOR_CREDS_H
#define PROCTOR_CREDS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CREDS_MAX_GROUPS 256

struct creds {
	uid_t ruid, euid, suid, fsuid;
	gid_t rgid, egid, sgid, fsgid;
	int ngroups;
	gid_t groups[CREDS_MAX_GROUPS];
	uint64_t cap_eff;
	mode_t umask;
};

/* Once per emulating thread, before any other creds_* call. */
int creds_thread_init(bool same_creds);

/* Read the credentials of task tid from /proc/TID/status. */
int creds_read(pid_t tid, struct creds *c);

/* Become c (this thread only), umask aside. A no-op when the thread
 * already holds c. */
int creds_enter(const struct creds *c);

/* Set this thread's umask (creating calls only). */
void creds_set_umask(mode_t m);

/* Does this thread hold a caller's credentials now? */
bool creds_is_switched(void);

/* Does the thread hold exactly c (umask aside)? */
bool creds_holds(const struct creds *c);

/* May the thread keep them for the next call? Only when they are root's
 * (euid 0, fewer capabilities): reading a root caller's memory and /proc
 * needs no more than that, so nothing proctor does between calls is
 * weakened or strengthened by keeping them. */
bool creds_can_stay(void);

/* For a moment of proctor's own privileges inside a call (opening the
 * caller's /proc entries): creds_suspend returns 1 and saves the
 * caller's credentials when the thread held them (0 otherwise, -errno on
 * failure); creds_resume(saved) takes them back after. */
int creds_suspend(struct creds *saved);
int creds_resume(const struct creds *saved);

/* Back to proctor's own credentials (this thread only), for work that
 * needs proctor's own privileges. */
int creds_leave(void);

#endif
