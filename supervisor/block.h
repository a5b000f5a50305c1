/*
 * block.h - blocking operations done on a caller's behalf stay
 * interruptible.
 *
 * A FIFO open, a blocking connect or a send into a full buffer can wait for
 * long inside proctor. Natively a caught signal would interrupt the call
 * (EINTR) and SIGKILL would end it; but the caller sleeps in the seccomp
 * wait, where (with WAIT_KILLABLE_RECV) signals stay pending. So between
 * block_begin() and block_end() a watchdog checks, every BLOCK_TICK_MS,
 * whether the notification is still valid and whether the caller has a
 * caught, unblocked signal pending; either way it interrupts proctor's
 * blocked system call (SIGURG, no SA_RESTART), and block_end() says what
 * to answer.
 */
#ifndef PROCTOR_BLOCK_H
#define PROCTOR_BLOCK_H

struct call;

#define BLOCK_TICK_MS 20

/* Before the blocking system call (also calls notify_may_block). */
void block_begin(struct call *c);

/* After it, with its result r (0, a count, or -errno). Returns r, or
 * -BLOCK_ERESTARTSYS when a signal of the caller interrupted it, or -ENOENT
 * when the caller went away (the answer no longer matters).
 *
 * ERESTARTSYS (the kernel's internal "restart me") is a valid answer to a
 * notification: the caller's signal code then does what it would have done
 * natively - restarts the call under SA_RESTART (it is trapped again),
 * fails it with EINTR without, restarts it if no signal is left. */
#define BLOCK_ERESTARTSYS 512
long block_end(struct call *c, long r);

#endif
