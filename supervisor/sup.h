/*
 * sup.h - the supervisor's shared state and one trapped call.
 *
 * struct sup is created by run.c before the agent starts and lives until
 * proctor exits. Notification threads, worker threads and the tracer read it;
 * only the fields marked (atomic) change after start.
 *
 * struct call is one seccomp notification in flight. It lives on the stack
 * of the thread that received it and handles it to the end. Exactly one
 * response is sent per call.
 */
#ifndef PROCTOR_SUP_H
#define PROCTOR_SUP_H

#include <linux/seccomp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "protect.h"

struct audit;
struct ask;
struct dns_cache;

enum sup_mode { SUP_ENFORCE = 0, SUP_PERMISSIVE = 1 };
enum sup_on_audit_error { SUP_AUDIT_ERR_DENY = 0, SUP_AUDIT_ERR_KILL = 1 };

struct sup {
	int listener;			/* seccomp notification fd */
	pid_t agent;			/* the agent's main process */
	pid_t self;			/* proctor's pid */
	int64_t session_id;		/* audit session */
	pthread_t main_thread;		/* the tracer; woken on failure */
	enum sup_mode mode;
	enum sup_on_audit_error on_audit_error;
	bool quiet;
	bool explain;
	bool same_creds;		/* proctor is not root: agent creds = ours */
	const struct policy *policy;
	struct audit *audit;
	struct ask *ask;
	struct protect protect;
	const char *preload_path;	/* real path of the library, or NULL */
	atomic_int failed;		/* (atomic) -errno of a fatal failure */
	atomic_int stopping;		/* (atomic) shutting down */
};

/* What a handler decided to answer. */
enum call_answer {
	CALL_ERROR,		/* fail with -val (val is a positive errno) */
	CALL_VALUE,		/* succeed with val */
	CALL_FD,		/* install fd (owned) and return its number */
	CALL_CONTINUE,		/* let the kernel run it (register decisions) */
};

struct call {
	struct sup *sup;
	struct seccomp_notif req;
	int64_t t_start;		/* CLOCK_MONOTONIC ns at receipt */
	pid_t tgid;			/* process of req.pid, 0 if unknown */
	enum call_answer answer;
	int64_t val;
	int fd;				/* CALL_FD: the descriptor to install */
	bool unreadable;		/* its memory could not be read */
	bool fd_cloexec;
	bool fd_writable;		/* CALL_FD opened for writing */
};

/* Send the answer held in c and release c->fd. Returns 0 or -errno
 * (-ENOENT: the caller went away). */
int call_respond(struct call *c);

/* Helpers that set the answer. */
static inline void call_fail(struct call *c, int err)
{
	c->answer = CALL_ERROR;
	c->val = err;
}

static inline void call_value(struct call *c, int64_t v)
{
	c->answer = CALL_VALUE;
	c->val = v;
}

/* Is the notification still pending (the caller alive and waiting)? */
bool call_valid(const struct call *c);

/* Monotonic and realtime clocks in ns. */
int64_t sup_mono_ns(void);
int64_t sup_real_ns(void);

/* Record a fatal supervisor failure (first one wins) and start stopping. */
void sup_fail(struct sup *s, int err, const char *why);

#endif
