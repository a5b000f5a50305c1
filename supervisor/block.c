/*
 * block.c - the watchdog for blocking operations (block.h).
 *
 * Must never: interrupt a thread that has left block_end() (entries are
 * removed under the lock before the thread goes on); keep a thread waiting
 * for a caller that is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "block.h"
#include "notify.h"
#include "sup.h"
#include "target.h"

#define BLOCK_MAX 256

struct block_entry {
	struct call *c;		/* NULL: free */
	pthread_t thread;
	bool gone;		/* the caller died */
	bool signalled;		/* a caught signal is pending for it */
};

static pthread_mutex_t block_lock = PTHREAD_MUTEX_INITIALIZER;
static struct block_entry block_list[BLOCK_MAX];
static pthread_once_t block_once = PTHREAD_ONCE_INIT;

/* Pending, unblocked signals the caller has a handler for. */
static bool block_signal_pending(pid_t tid)
{
	unsigned long long pnd = 0, shd = 0, blk = 0, cgt = 0;
	char buf[4096];
	const char *p;

	if (target_proc_read(tid, "status", buf, sizeof(buf)) <= 0)
		return false;
	if ((p = strstr(buf, "\nSigPnd:")))
		pnd = strtoull(p + 8, NULL, 16);
	if ((p = strstr(buf, "\nShdPnd:")))
		shd = strtoull(p + 8, NULL, 16);
	if ((p = strstr(buf, "\nSigBlk:")))
		blk = strtoull(p + 8, NULL, 16);
	if ((p = strstr(buf, "\nSigCgt:")))
		cgt = strtoull(p + 8, NULL, 16);
	return ((pnd | shd) & ~blk & cgt) != 0;
}

static void *block_watchdog(void *arg)
{
	struct timespec tick = { 0, BLOCK_TICK_MS * 1000000L };
	sigset_t all;
	size_t i;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&block_lock);
		for (i = 0; i < BLOCK_MAX; i++) {
			struct block_entry *e = &block_list[i];

			if (!e->c)
				continue;
			if (!e->gone && !call_valid(e->c))
				e->gone = true;
			if (!e->gone && !e->signalled &&
			    block_signal_pending(e->c->req.pid))
				e->signalled = true;
			/* again at every tick: the thread may not have
			 * entered its system call when the first came */
			if (e->gone || e->signalled)
				pthread_kill(e->thread, SIGURG);
		}
		pthread_mutex_unlock(&block_lock);
	}
	return NULL;
}

static void block_start(void)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, block_watchdog, NULL) != 0)
		fprintf(stderr, "proctor: warning: no watchdog for blocking "
			"calls; they cannot be interrupted\n");
	pthread_attr_destroy(&attr);
}

void block_begin(struct call *c)
{
	size_t i;

	notify_may_block(c->sup);
	pthread_once(&block_once, block_start);
	pthread_mutex_lock(&block_lock);
	for (i = 0; i < BLOCK_MAX; i++) {
		if (!block_list[i].c) {
			block_list[i].c = c;
			block_list[i].thread = pthread_self();
			block_list[i].gone = false;
			block_list[i].signalled = false;
			break;
		}
	}
	pthread_mutex_unlock(&block_lock);
}

long block_end(struct call *c, long r)
{
	bool gone = false, signalled = false;
	size_t i;

	pthread_mutex_lock(&block_lock);
	for (i = 0; i < BLOCK_MAX; i++) {
		if (block_list[i].c == c &&
		    pthread_equal(block_list[i].thread, pthread_self())) {
			gone = block_list[i].gone;
			signalled = block_list[i].signalled;
			block_list[i].c = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&block_lock);
	if (gone)
		return -ENOENT;
	if (signalled && r == -EINTR)
		return -BLOCK_ERESTARTSYS;
	return r;
}
