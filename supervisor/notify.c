/*
 * notify.c - receives seccomp notifications and sends the answers.
 *
 * Invariants: every received notification gets exactly one answer (or the
 * caller is gone); a descriptor to inject is installed and answered in one
 * step (SECCOMP_ADDFD_FLAG_SEND) so the caller never sees a half-done call;
 * a failed answer never leaks the descriptor.
 *
 * Must never: block on anything but RECV; abort on a bad notification.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "notify.h"
#include "proctab.h"
#include "target.h"
#include "writers.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* receiving threads kept idle: with fewer, a call often waits for a thread
 * still finishing the previous one (ADDFD waits for the caller); measured
 * with `micro open`: 2 threads 11-13 us, 3 threads 9 us per open */
#define NOTIFY_THREADS 3
#define NOTIFY_MAX_THREADS 256		/* threads blocked on humans, FIFOs */

static pthread_mutex_t notify_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t notify_threads[NOTIFY_MAX_THREADS];
enum { NT_FREE, NT_RUNNING, NT_DONE };
static int notify_state[NOTIFY_MAX_THREADS];
static int notify_nthreads;
static atomic_int notify_idle;
static __thread int notify_self = -1;	/* index in notify_threads */

int64_t sup_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t sup_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sup_fail(struct sup *s, int err, const char *why)
{
	int zero = 0;

	if (atomic_compare_exchange_strong(&s->failed, &zero, err)) {
		fprintf(stderr, "proctor: %s: %s; denying every further call "
			"and stopping the agent\n", why, strerror(err));
		/* interrupt the tracer's waitpid so it ends the agent now */
		pthread_kill(s->main_thread, SIGURG);
	}
}

bool call_valid(const struct call *c)
{
	__u64 id = c->req.id;

	return ioctl(c->sup->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int call_respond(struct call *c)
{
	struct seccomp_notif_resp resp;
	int r = 0;

	if (c->answer == CALL_FD) {
		/*
		 * A descriptor open for writing is registered (writers.h)
		 * while proctor holds its copy after the answer, so that an
		 * exec of the file waits for proctor's close instead of
		 * failing with ETXTBSY. When it cannot be registered, it is
		 * installed first and answered after proctor's copy is
		 * closed (two steps).
		 */
		struct stat st;
		bool reg = c->fd_writable && fstat(c->fd, &st) == 0 &&
			   writers_begin(st.st_dev, st.st_ino);
		bool two = c->fd_writable && !reg;
		struct seccomp_notif_addfd add = {
			.id = c->req.id,
			.flags = two ? 0 : SECCOMP_ADDFD_FLAG_SEND,
			.srcfd = (__u32)c->fd,
			.newfd = 0,
			.newfd_flags = c->fd_cloexec ? O_CLOEXEC : 0,
		};
		long ok = ioctl(c->sup->listener, SECCOMP_IOCTL_NOTIF_ADDFD,
				&add);

		r = ok < 0 ? -errno : 0;
		close(c->fd);
		c->fd = -1;
		if (reg)
			writers_end(st.st_dev, st.st_ino);
		c->fd_writable = two;
		if (r == 0 && c->fd_writable) {
			c->answer = CALL_VALUE;
			c->val = ok;	/* the number it got in the caller */
		} else if (r == 0 || r == -ENOENT || r == -EINPROGRESS) {
			return r;
		}
		if (r < 0) {
			/* the descriptor could not be installed (EMFILE...):
			 * the call must still be answered, never left
			 * waiting */
			c->answer = CALL_ERROR;
			c->val = r == -EBADF ? EIO : -r;
		}
	}
	memset(&resp, 0, sizeof(resp));
	resp.id = c->req.id;
	switch (c->answer) {
	case CALL_ERROR:
		resp.error = -(int32_t)c->val;
		break;
	case CALL_VALUE:
		resp.val = c->val;
		break;
	case CALL_CONTINUE:
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		break;
	case CALL_FD:
		break;
	}
	if (ioctl(c->sup->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		r = -errno;
	return r;
}

static void notify_handle(struct sup *s, struct call *c)
{
	/* a thread starts each call as proctor - reading the caller's
	 * memory needs proctor's own privileges - unless it holds a root
	 * caller's reduced credentials and this caller has exactly those
	 * (creds_can_stay, proctab.h) */
	if (creds_is_switched()) {
		struct creds cr;

		if (!(creds_can_stay() &&
		      proctab_creds_get(c->req.pid, &cr) &&
		      creds_holds(&cr)) && creds_leave() < 0)
			sup_fail(s, EPERM,
				 "cannot restore proctor's credentials");
	}
	c->sup = s;
	c->t_start = sup_mono_ns();
	c->fd = -1;
	c->fd_cloexec = false;
	c->fd_writable = false;
	c->unreadable = false;
	c->answer = CALL_ERROR;
	c->val = EACCES;	/* fail closed unless a handler says more */
	c->tgid = 0;
	dispatch_call(c);
}

struct notify_start_arg {
	struct sup *s;
	int index;
};

static void *notify_thread(void *arg)
{
	struct notify_start_arg *a = arg;
	struct sup *s = a->s;
	struct call c;
	sigset_t all;
	int r;

	/* all signals go to the main thread, but SIGURG, which notify_stop
	 * uses to interrupt a blocked RECV */
	notify_self = a->index;
	free(a);
	sigfillset(&all);
	sigdelset(&all, SIGURG);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	r = creds_thread_init(s->same_creds);
	if (r < 0) {
		sup_fail(s, -r, "cannot prepare a notification thread");
		return NULL;
	}
	for (;;) {
		memset(&c.req, 0, sizeof(c.req));
		if (atomic_load(&s->stopping))
			break;
		atomic_fetch_add(&notify_idle, 1);
		r = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, &c.req);
		atomic_fetch_sub(&notify_idle, 1);
		if (r < 0) {
			struct pollfd pfd = { .fd = s->listener,
					      .events = POLLIN };

			if (errno == EINTR)
				continue;
			if (errno != ENOENT)
				break;	/* the listener is unusable */
			/* ENOENT: the caller went away before we received;
			 * when every task of the filter is gone, RECV keeps
			 * failing so: wait for a call or the hang-up */
			if (poll(&pfd, 1, 100) == 1 &&
			    (pfd.revents & (POLLHUP | POLLERR)) &&
			    !(pfd.revents & POLLIN))
				break;	/* no task left: no call will come */
			continue;
		}
		notify_handle(s, &c);
		/* an extra thread started for a blocking call retires */
		if (atomic_load(&notify_idle) >= NOTIFY_THREADS &&
		    notify_self >= NOTIFY_THREADS)
			break;
	}
	pthread_mutex_lock(&notify_lock);
	if (notify_self >= 0)
		notify_state[notify_self] = NT_DONE;
	pthread_mutex_unlock(&notify_lock);
	return NULL;
}

/* Start one more receiving thread. Returns 0 or -errno. */
static int notify_spawn(struct sup *s)
{
	struct notify_start_arg *a;
	int r = -EAGAIN;

	int i;

	pthread_mutex_lock(&notify_lock);
	for (i = 0; i < notify_nthreads; i++) {
		if (notify_state[i] == NT_DONE) {
			pthread_join(notify_threads[i], NULL);
			notify_state[i] = NT_FREE;
		}
		if (notify_state[i] == NT_FREE)
			break;
	}
	if (i == NOTIFY_MAX_THREADS)
		goto out;
	a = malloc(sizeof(*a));
	r = -ENOMEM;
	if (!a)
		goto out;
	a->s = s;
	a->index = i;
	r = -pthread_create(&notify_threads[i], NULL, notify_thread, a);
	if (r < 0) {
		free(a);
		goto out;
	}
	notify_state[i] = NT_RUNNING;
	if (i == notify_nthreads)
		notify_nthreads++;
out:
	pthread_mutex_unlock(&notify_lock);
	return r;
}

static void notify_wake(int sig)
{
	(void)sig;
}

int notify_start(struct sup *s)
{
	__u64 flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
	struct sigaction sa;
	int i, r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = notify_wake;	/* no SA_RESTART: RECV gets EINTR */
	sigaction(SIGURG, &sa, NULL);

	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) < 0)
		return -errno;
	for (i = 0; i < NOTIFY_THREADS; i++) {
		r = notify_spawn(s);
		if (r < 0)
			return r;
	}
	return 0;
}

void notify_may_block(struct sup *s)
{
	if (atomic_load(&notify_idle) > 0)
		return;
	if (notify_spawn(s) < 0)
		fprintf(stderr, "proctor: warning: no spare notification "
			"thread; other calls wait\n");
}

void notify_stop(struct sup *s)
{
	int i;

	struct timespec ts = { 0, 200000 };
	int alive;

	atomic_store(&s->stopping, 1);
	/* a blocked RECV wakes only on a signal: repeat until all left */
	do {
		alive = 0;
		pthread_mutex_lock(&notify_lock);
		for (i = 0; i < notify_nthreads; i++) {
			if (notify_state[i] == NT_FREE)
				continue;
			if (notify_state[i] == NT_RUNNING)
				pthread_kill(notify_threads[i], SIGURG);
			if (pthread_tryjoin_np(notify_threads[i], NULL) == 0)
				notify_state[i] = NT_FREE;
			else
				alive++;
		}
		pthread_mutex_unlock(&notify_lock);
		if (alive)
			nanosleep(&ts, NULL);
	} while (alive);
	notify_nthreads = 0;
}
