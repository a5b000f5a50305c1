/*
 * notify.h - the notification loop: receive, dispatch, answer.
 *
 * NOTIFY_THREADS threads read the listener concurrently. Each notification
 * is handled to the end on the thread that received it (keeping the work of
 * one call on one CPU, which SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP arranges).
 * A handler about to wait for long (a human answer, a FIFO open, a slow
 * connect) calls notify_may_block(), which starts another receiving thread
 * if none is idle, so one waiting call never stalls the others.
 */
#ifndef PROCTOR_NOTIFY_H
#define PROCTOR_NOTIFY_H

#include "sup.h"

/* Start the notification threads. Returns 0 or -errno. */
int notify_start(struct sup *s);

/* Stop them (after the agent tree is gone) and join. */
void notify_stop(struct sup *s);

/* The current thread is about to wait for long (a human, a FIFO): make sure
 * another thread is receiving meanwhile. */
void notify_may_block(struct sup *s);

/* The handler of one call (dispatch.c): sets c's answer. */
void dispatch_call(struct call *c);

#endif
