/*
 * proctab.c - the agent's task table (proctab.h).
 *
 * Open addressing keyed by tid, with tombstones. Sized for the largest
 * agent trees (builds with many jobs); when full, new tasks are simply not
 * cached and every lookup falls back to /proc (slower, never wrong).
 *
 * Must never: return cached credentials from an older generation.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "proctab.h"

#define PROCTAB_SLOTS 16384

struct proctab_entry {
	pid_t tid;		/* 0 free, -1 deleted */
	pid_t tgid;
	char *exe;		/* owned; meaningful when tid == tgid */
	struct creds *cr;	/* owned; cached credentials */
	unsigned cr_gen;
	int preload_sig;	/* meaningful when tid == tgid */
	unsigned traces;	/* stack traces taken (tid == tgid) */
	unsigned long long last_deny;
	bool stack_wanted;
	char *stack;		/* owned */
	mode_t umask;		/* tid == tgid: the process's umask ... */
	bool umask_known;	/* ... when known */
	unsigned umask_gen;	/* bumped by every umask() */
};

static pthread_mutex_t proctab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct proctab_entry proctab[PROCTAB_SLOTS];
static size_t proctab_n;
static atomic_uint proctab_gen = 1;

static size_t proctab_hash(pid_t pid)
{
	return ((size_t)(unsigned)pid * 2654435761u) % PROCTAB_SLOTS;
}

/* Find tid's slot (lock held); NULL when absent. */
static struct proctab_entry *proctab_find(pid_t tid)
{
	size_t i, h = proctab_hash(tid);

	for (i = 0; i < PROCTAB_SLOTS; i++) {
		struct proctab_entry *e = &proctab[(h + i) % PROCTAB_SLOTS];

		if (e->tid == tid)
			return e;
		if (e->tid == 0)
			return NULL;
	}
	return NULL;
}

static struct proctab_entry *proctab_insert(pid_t tid)
{
	struct proctab_entry *e = proctab_find(tid);
	size_t i, h = proctab_hash(tid);

	if (e)
		return e;
	for (i = 0; i < PROCTAB_SLOTS; i++) {
		e = &proctab[(h + i) % PROCTAB_SLOTS];
		if (e->tid <= 0) {
			memset(e, 0, sizeof(*e));
			e->tid = tid;
			proctab_n++;
			return e;
		}
	}
	return NULL;
}

void proctab_add(pid_t tid, pid_t tgid, pid_t ppid, const char *exe)
{
	struct proctab_entry *e, *src;
	char *copy = NULL;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_insert(tid);
	if (!e)
		goto out;
	e->tgid = tgid;
	free(e->cr);
	e->cr = NULL;
	if (tid != tgid)
		goto out;
	if (exe) {
		copy = strdup(exe);
	} else if (!e->exe && ppid > 0) {
		src = proctab_find(ppid);
		if (src && src->tgid > 0)
			src = proctab_find(src->tgid);
		if (src && src->exe)
			copy = strdup(src->exe);
		if (src)	/* fork keeps signal handlers */
			e->preload_sig = src->preload_sig;
	}
	if (copy) {
		free(e->exe);
		e->exe = copy;
	}
out:
	pthread_mutex_unlock(&proctab_lock);
}

void proctab_del(pid_t tid)
{
	struct proctab_entry *e;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e) {
		free(e->exe);
		free(e->cr);
		free(e->stack);
		memset(e, 0, sizeof(*e));
		e->tid = -1;
		proctab_n--;
	}
	pthread_mutex_unlock(&proctab_lock);
}

bool proctab_has(pid_t tid)
{
	bool r;

	if (tid <= 0)
		return false;
	pthread_mutex_lock(&proctab_lock);
	r = proctab_find(tid) != NULL;
	pthread_mutex_unlock(&proctab_lock);
	return r;
}

pid_t proctab_tgid(pid_t tid)
{
	struct proctab_entry *e;
	pid_t r = 0;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e)
		r = e->tgid;
	pthread_mutex_unlock(&proctab_lock);
	return r;
}

int proctab_exe(pid_t tgid, char *buf, size_t n)
{
	struct proctab_entry *e;
	int r = -ENOENT;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tgid);
	if (e && e->exe && n) {
		size_t len = strlen(e->exe);

		if (len >= n)
			len = n - 1;
		memcpy(buf, e->exe, len);
		buf[len] = '\0';
		r = 0;
	}
	pthread_mutex_unlock(&proctab_lock);
	return r;
}

void proctab_set_exe(pid_t tgid, const char *exe)
{
	struct proctab_entry *e;
	char *copy = strdup(exe);

	pthread_mutex_lock(&proctab_lock);
	e = proctab_insert(tgid);
	if (e && copy) {
		free(e->exe);
		e->exe = copy;
		e->tgid = tgid;
		e->preload_sig = 0;	/* exec resets signal handlers */
		copy = NULL;
	}
	pthread_mutex_unlock(&proctab_lock);
	free(copy);
}

bool proctab_creds_get(pid_t tid, struct creds *out)
{
	struct proctab_entry *e;
	bool r = false;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e && e->cr && e->cr_gen == atomic_load(&proctab_gen)) {
		*out = *e->cr;
		r = true;
	}
	pthread_mutex_unlock(&proctab_lock);
	return r;
}

unsigned proctab_creds_gen(void)
{
	return atomic_load(&proctab_gen);
}

void proctab_creds_put(pid_t tid, const struct creds *c, unsigned gen)
{
	struct proctab_entry *e;
	struct creds *copy = malloc(sizeof(*copy));

	if (!copy)
		return;
	*copy = *c;
	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e) {
		free(e->cr);
		e->cr = copy;
		e->cr_gen = gen;
		copy = NULL;
	}
	pthread_mutex_unlock(&proctab_lock);
	free(copy);
}

void proctab_creds_invalidate(void)
{
	atomic_fetch_add(&proctab_gen, 1);
}

void proctab_creds_forget(pid_t tid)
{
	struct proctab_entry *e;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e) {
		free(e->cr);
		e->cr = NULL;
	}
	pthread_mutex_unlock(&proctab_lock);
}

static atomic_bool proctab_umask_disabled;

bool proctab_umask_get(pid_t tgid, mode_t *mask, unsigned *gen)
{
	struct proctab_entry *e;
	bool r = false;

	*gen = 0;
	if (atomic_load(&proctab_umask_disabled))
		return false;
	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tgid);
	if (e) {
		*gen = e->umask_gen;
		if (e->umask_known) {
			*mask = e->umask;
			r = true;
		}
	}
	pthread_mutex_unlock(&proctab_lock);
	return r;
}

void proctab_umask_fill(pid_t tgid, mode_t mask, unsigned gen)
{
	struct proctab_entry *e;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tgid);
	if (e && e->umask_gen == gen) {
		e->umask = mask;
		e->umask_known = true;
	}
	pthread_mutex_unlock(&proctab_lock);
}

void proctab_umask_set(pid_t tgid, mode_t mask)
{
	struct proctab_entry *e;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tgid);
	if (e) {
		e->umask = mask;
		e->umask_known = true;
		e->umask_gen++;
	}
	pthread_mutex_unlock(&proctab_lock);
}

void proctab_umask_off(void)
{
	atomic_store(&proctab_umask_disabled, true);
}

void proctab_set_preload_sig(pid_t tgid, int sig)
{
	struct proctab_entry *e;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tgid);
	if (e)
		e->preload_sig = sig;
	pthread_mutex_unlock(&proctab_lock);
}

int proctab_preload_sig(pid_t tgid)
{
	struct proctab_entry *e;
	int sig = 0;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tgid);
	if (e)
		sig = e->preload_sig;
	pthread_mutex_unlock(&proctab_lock);
	return sig;
}

void proctab_set_last_deny(pid_t tid, unsigned long long seq)
{
	struct proctab_entry *e;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e)
		e->last_deny = seq;
	pthread_mutex_unlock(&proctab_lock);
}

bool proctab_take_trace(pid_t tgid, unsigned max)
{
	struct proctab_entry *e;
	bool ok = false;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tgid);
	if (e && e->traces < max) {
		e->traces++;
		ok = true;
	}
	pthread_mutex_unlock(&proctab_lock);
	return ok;
}

bool proctab_want_stack(pid_t tid)
{
	struct proctab_entry *e;
	bool first = false;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e && !e->stack_wanted) {
		e->stack_wanted = true;
		first = true;
	}
	pthread_mutex_unlock(&proctab_lock);
	return first;
}

bool proctab_put_stack(pid_t tid, const char *text)
{
	struct proctab_entry *e;
	bool taken = false;
	char *copy = strdup(text);

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e && e->stack_wanted && !e->stack && copy) {
		e->stack = copy;
		copy = NULL;
		taken = true;
	}
	pthread_mutex_unlock(&proctab_lock);
	free(copy);
	return taken;
}

char *proctab_take_stack(pid_t tid)
{
	struct proctab_entry *e;
	char *text = NULL;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e) {
		text = e->stack;
		e->stack = NULL;
		e->stack_wanted = false;
	}
	pthread_mutex_unlock(&proctab_lock);
	return text;
}

unsigned long long proctab_last_deny(pid_t tid)
{
	struct proctab_entry *e;
	unsigned long long seq = 0;

	pthread_mutex_lock(&proctab_lock);
	e = proctab_find(tid);
	if (e)
		seq = e->last_deny;
	pthread_mutex_unlock(&proctab_lock);
	return seq;
}

void proctab_kill_all(int sig)
{
	size_t i;

	pthread_mutex_lock(&proctab_lock);
	for (i = 0; i < PROCTAB_SLOTS; i++)
		if (proctab[i].tid > 0)
			kill(proctab[i].tid, sig);
	pthread_mutex_unlock(&proctab_lock);
}

size_t proctab_count(void)
{
	size_t n;

	pthread_mutex_lock(&proctab_lock);
	n = proctab_n;
	pthread_mutex_unlock(&proctab_lock);
	return n;
}
