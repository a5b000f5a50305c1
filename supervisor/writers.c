/*
 * writers.c - proctor's copies of descriptors open for writing, between
 * the answer and their close (writers.h).
 *
 * A small table under one mutex; a condition variable wakes the execs that
 * wait. Entries live for microseconds, so the table stays almost empty.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "writers.h"

#define WRITERS_MAX 64
#define WRITERS_WAIT_NS 100000000L	/* 100 ms */

static pthread_mutex_t writers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t writers_cond;
static pthread_once_t writers_once = PTHREAD_ONCE_INIT;
static struct {
	dev_t dev;
	ino_t ino;
	unsigned n;		/* copies held; 0: free */
} writers[WRITERS_MAX];

static void writers_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&writers_cond, &a);
	pthread_condattr_destroy(&a);
}

/* The slot of (dev, ino), or -1; the lock is held. */
static int writers_find(dev_t dev, ino_t ino)
{
	int i;

	for (i = 0; i < WRITERS_MAX; i++)
		if (writers[i].n && writers[i].dev == dev &&
		    writers[i].ino == ino)
			return i;
	return -1;
}

bool writers_begin(dev_t dev, ino_t ino)
{
	int i;

	pthread_once(&writers_once, writers_init);
	pthread_mutex_lock(&writers_lock);
	i = writers_find(dev, ino);
	if (i < 0) {
		for (i = 0; i < WRITERS_MAX && writers[i].n; i++)
			;
		if (i < WRITERS_MAX) {
			writers[i].dev = dev;
			writers[i].ino = ino;
		}
	}
	if (i < WRITERS_MAX)
		writers[i].n++;
	pthread_mutex_unlock(&writers_lock);
	return i < WRITERS_MAX;
}

void writers_end(dev_t dev, ino_t ino)
{
	int i;

	pthread_mutex_lock(&writers_lock);
	i = writers_find(dev, ino);
	if (i >= 0 && --writers[i].n == 0)
		pthread_cond_broadcast(&writers_cond);
	pthread_mutex_unlock(&writers_lock);
}

void writers_wait(dev_t dev, ino_t ino)
{
	struct timespec until;

	pthread_once(&writers_once, writers_init);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += WRITERS_WAIT_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_nsec -= 1000000000L;
		until.tv_sec++;
	}
	pthread_mutex_lock(&writers_lock);
	while (writers_find(dev, ino) >= 0 &&
	       pthread_cond_timedwait(&writers_cond, &writers_lock,
				      &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&writers_lock);
}
