/*
 * decide.h - one decision: policy, protected paths, ask, audit, report.
 *
 * decide() is the single place where a trapped call is judged. It runs on
 * copies only (the handler resolved the target first), writes the audit
 * record before anything takes effect (write-ahead: the handler carries out
 * the call only when decide() allowed it, and only after the record is
 * written), and prints the one-line deny report.
 *
 * Fail closed: an audit failure, an unreadable target, an ask nobody
 * answers all end as deny.
 */
#ifndef PROCTOR_DECIDE_H
#define PROCTOR_DECIDE_H

#include <stdbool.h>
#include <sys/types.h>

#include "policy.h"
#include "sup.h"

struct decide_req {
	struct policy_query q;		/* op and target, for the policy */
	const char *syscall;		/* "openat" */
	const char *target;		/* as requested, for people */
	const char *resolved;		/* as resolved (may be NULL) */
	const char *hostname;		/* connect: confirmed name or NULL */
	/* protected-path check (write-like operations) */
	bool protect_check;
	const char *protect_path;	/* defaults to q.path */
	dev_t dev;
	ino_t ino;
	bool protect_tree;		/* also refuse ancestors */
	int deny_errno;			/* errno on deny (EACCES default) */
	int result_errno;		/* known outcome if allowed (0) */
};

struct decide_out {
	bool allow;			/* carry the call out? */
	int err;			/* errno to answer when !allow */
	enum policy_decision policy;	/* what the rules said */
};

/* A request for op on one path (path_len from strlen), everything else
 * zero: the common start of a decide_req. */
void decide_req_path(struct decide_req *r, enum policy_op op,
		     const char *path, const char *syscall,
		     const char *target);

void decide(struct call *c, struct decide_req *r, struct decide_out *out);

/* The rules' answer for q: the session's remembered answers first, then
 * the policy. No protected paths, no asking, no record: decide() adds
 * those. */
void decide_rules(const struct sup *s, const struct policy_query *q,
		  struct policy_result *res);

/*
 * A look-ahead, not a decision: would `q` be allowed outright - by the
 * rules without asking (or in permissive mode), and not a secret or another
 * process's /proc entry by name? Lets a handler pick a cheaper way to carry
 * the call out; the call is still judged by decide() on what it reaches.
 */
bool decide_foresee_allow(struct call *c, const struct policy_query *q);

/* Record-only: an event that is not a policy decision (an exec that failed
 * verification, a refused signal). final is "deny" or "kill". */
void decide_record(struct call *c, pid_t pid, const char *op,
		   const char *syscall, const char *target, const char *rule,
		   const char *final, int err, const char *detail);

/* The preload library reported the stack of the caller's last denied
 * call: record it, linked to that event. */
void decide_backtrace(struct call *c, const char *text);

#endif
