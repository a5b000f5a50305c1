/*
 * proctab.h - the table of the agent's tasks (processes and threads).
 *
 * Filled by the tracer from ptrace events (fork, clone, exec, exit) and
 * read by the notification threads, so the hot path does not read /proc
 * for what the tracer already knows: a task's process (tgid), a process's
 * executable, and a task's credentials (cached against a generation that
 * every credential-changing event bumps).
 *
 * All functions are thread-safe (one mutex; held only for table work).
 * Strings returned are copied into the caller's buffer.
 */
#ifndef PROCTOR_PROCTAB_H
#define PROCTOR_PROCTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct creds;

/* Add (or update) a task. exe may be NULL: then the process's existing
 * executable, or its parent's (ppid), is kept. */
void proctab_add(pid_t tid, pid_t tgid, pid_t ppid, const char *exe);
void proctab_del(pid_t tid);
bool proctab_has(pid_t tid);

/* The task's process, 0 when unknown. */
pid_t proctab_tgid(pid_t tid);

/* The process's executable into buf; -ENOENT when unknown. */
int proctab_exe(pid_t tgid, char *buf, size_t n);
void proctab_set_exe(pid_t tgid, const char *exe);

/* Credentials cache. proctab_creds_get copies the cached credentials of
 * tid if they are of the current generation (returns true). A caller that
 * reads credentials from /proc takes the generation first and stores with
 * it, so a change that races the read is never cached as current. */
bool proctab_creds_get(pid_t tid, struct creds *out);
unsigned proctab_creds_gen(void);
void proctab_creds_put(pid_t tid, const struct creds *c, unsigned gen);
/* Something may have changed some task's credentials. */
void proctab_creds_invalidate(void);
/* The task exec'd: its credentials are read anew. (Its process's other
 * threads are gone: exec kills them, and their exits remove them.) */
void proctab_creds_forget(pid_t tid);

/*
 * The process's umask, which proctor applies when it creates files for it.
 * umask() is trapped and sets it (proctab_umask_set, before the call runs:
 * the call cannot fail); otherwise it is read from /proc once and stored
 * with proctab_umask_fill, which does nothing when a umask() came between
 * proctab_umask_get (that gave *gen) and the fill. Once an fs_struct is not
 * exactly one process's (clone with CLONE_FS but not CLONE_THREAD, or the
 * reverse), proctab_umask_off() makes every get fail: /proc is read every
 * time.
 */
bool proctab_umask_get(pid_t tgid, mode_t *mask, unsigned *gen);
void proctab_umask_fill(pid_t tgid, mode_t mask, unsigned gen);
void proctab_umask_set(pid_t tgid, mode_t mask);
void proctab_umask_off(void);

/* The preload library's stack-trace signal of a process (0: none); reset
 * by exec, inherited by fork. */
void proctab_set_preload_sig(pid_t tgid, int sig);
int proctab_preload_sig(pid_t tgid);

/* Count one more stack trace for the process; false past max (a program
 * that loops on denied calls does not double the log forever). */
bool proctab_take_trace(pid_t tgid, unsigned max);

/* The stack of a task's pending ask (decide.c asks the preload for it,
 * then restarts the call): proctab_want_stack returns true the first
 * time for a task (the stack is to be fetched), false once asked;
 * proctab_put_stack stores what arrives (false when none was wanted);
 * proctab_take_stack returns it (caller frees; NULL when none came) and
 * forgets the request. */
bool proctab_want_stack(pid_t tid);
bool proctab_put_stack(pid_t tid, const char *text);
char *proctab_take_stack(pid_t tid);

/* The audit sequence number of the task's last denied call (0: none). */
void proctab_set_last_deny(pid_t tid, unsigned long long seq);
unsigned long long proctab_last_deny(pid_t tid);

/* Send sig to every task in the table. */
void proctab_kill_all(int sig);
size_t proctab_count(void);

#endif
