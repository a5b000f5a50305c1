/*
 * emulate.h - the handlers: one per family of trapped system calls.
 *
 * Each handler reads its arguments once (target.h), resolves the target
 * (resolve.h), asks decide(), and when allowed carries the call out itself
 * with the caller's credentials (creds.h), setting c's answer. A handler
 * never lets the kernel re-read the caller's memory (no CONTINUE) unless
 * its decision rests on register values alone.
 */
#ifndef PROCTOR_EMULATE_H
#define PROCTOR_EMULATE_H

#include "sup.h"

void emulate_open(struct call *c);	/* open openat openat2 creat */
void emulate_fs(struct call *c);	/* unlink rename mkdir chmod ... */
void emulate_net(struct call *c);	/* connect bind sendto sendmsg */
void emulate_exec(struct call *c);	/* execve execveat: decide only */
void emulate_reach(struct call *c);	/* signals, process_vm, pidfd */

/* Shared by handlers: take the caller's credentials for the current call
 * (cached per task, see proctab.h) - after copying its memory (which
 * needs proctor's own privileges) and BEFORE resolving any path, so that
 * every permission check of the walk is the caller's. Pair with
 * emulate_leave_creds(). Free when the caller is proctor's own identity.
 * Returns 0 or -errno. */
int emulate_enter_creds(struct call *c);
void emulate_leave_creds(struct call *c);

/* Before a call that creates a file: take the caller's current umask
 * (read fresh: umask changes are not trapped). Returns 0 or -errno. */
int emulate_umask(struct call *c);

/* The caller's process id (cached), and its executable into buf. */
pid_t emulate_tgid(struct call *c);

/* Has the caller's process a single thread (the caller)? false when it
 * cannot be told. */
bool emulate_single_thread(struct call *c);
void emulate_exe(struct call *c, char *buf, size_t n);

#endif
