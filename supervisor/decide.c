/*
 * decide.c - the decision pipeline (decide.h). Part of the privileged core:
 * keep it short and free of UI.
 *
 * Order: protected paths (cannot be overridden) -> remembered session
 * answers -> policy -> mode (permissive allows) -> ask -> audit record ->
 * deny report on stderr.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ask.h"
#include "block.h"
#include "creds.h"
#include "emulate.h"
#include "audit.h"
#include "decide.h"
#include "explain.h"
#include "notify.h"
#include "proctab.h"
#include "target.h"

/*
 * /proc/PID/ENTRY of a process outside the agent's tree, where ENTRY gives
 * what ptrace, process_vm_readv or pidfd_getfd would (memory, environment,
 * descriptors, mappings): refused like those calls are.
 */
static bool decide_foreign_proc(const char *path)
{
	static const char *const entries[] = {
		"mem", "environ", "pagemap", "auxv", "stack", "syscall",
		"maps", "smaps", "smaps_rollup", "numa_maps", "fd", "fdinfo",
		"map_files", "cwd", "root", "exe", "ns", "clear_refs",
		"personality", "timers", "io", "attr", "task",
	};
	const char *p, *e;
	char *end;
	long pid;
	size_t i, n;

	if (strncmp(path, "/proc/", 6) != 0)
		return false;
	pid = strtol(path + 6, &end, 10);
	if (end == path + 6 || *end != '/' || pid <= 0)
		return false;
	if (proctab_has((pid_t)pid))
		return false;
	p = end + 1;
	e = strchr(p, '/');
	n = e ? (size_t)(e - p) : strlen(p);
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (strlen(entries[i]) == n && !strncmp(p, entries[i], n))
			return true;
	return false;
}

/* Does the task block signal sig (then it would not reach the preload's
 * handler before the restart)? */
static bool decide_sig_blocked(pid_t tid, int sig)
{
	char buf[4096];
	const char *p;

	if (target_proc_read(tid, "status", buf, sizeof(buf)) <= 0)
		return true;
	p = strstr(buf, "\nSigBlk:");
	return !p || (strtoull(p + 8, NULL, 16) >> (sig - 1)) & 1;
}

static void decide_report(const struct sup *s, const struct call *c,
			  const struct decide_req *r, const char *exe,
			  const char *rule)
{
	const char *base = strrchr(exe, '/');

	if (s->quiet)
		return;
	fprintf(stderr, "proctor: deny %s %s (pid %d %s) by rule %s\n",
		policy_op_name(r->q.op),
		r->resolved ? r->resolved : r->target, (int)c->req.pid,
		base ? base + 1 : exe, rule);
}

static int decide_audit(struct call *c, const struct decide_req *r,
			const char *exe, const char *decision,
			const char *final, const char *rule,
			const char *rule_text, const struct ask_answer *ans,
			int err, const char *stack, uint64_t *seq)
{
	struct sup *s = c->sup;
	struct audit_event e;

	memset(&e, 0, sizeof(e));
	e.time_ns = sup_real_ns();
	e.pid = c->tgid ? c->tgid : (int32_t)c->req.pid;
	e.tid = (int32_t)c->req.pid;
	e.exe = exe;
	e.op = policy_op_name(r->q.op);
	e.syscall = r->syscall;
	e.target = r->target;
	e.resolved = r->resolved;
	e.hostname = r->hostname;
	e.decision = decision;
	e.final = final;
	e.mode = s->mode == SUP_PERMISSIVE ? "permissive" : "enforce";
	e.rule = rule;
	e.rule_text = rule_text;
	e.approver_uid = -1;
	e.approver_pid = -1;
	if (ans) {
		e.approver_channel = ans->channel;
		e.approver_user = ans->user;
		e.approver_uid = ans->uid;
		e.approver_pid = ans->pid;
		e.wait_ns = ans->wait_ns;
		e.remember = ans->remember;
	}
	e.errno_ret = err;
	e.backtrace = stack;
	e.decision_ns = sup_mono_ns() - c->t_start;
	return audit_append(s->audit, &e, seq);
}

void decide_rules(const struct sup *s, const struct policy_query *q,
		  struct policy_result *res)
{
	const struct policy *session = ask_session_rules(s->ask);

	res->rule = NULL;
	if (session) {
		policy_eval(session, q, res);
		if (!res->rule)
			policy_eval(s->policy, q, res);
	} else {
		policy_eval(s->policy, q, res);
	}
}

void decide_req_path(struct decide_req *r, enum policy_op op,
		     const char *path, const char *syscall,
		     const char *target)
{
	memset(r, 0, sizeof(*r));
	r->q.op = op;
	r->q.path = path;
	r->q.path_len = strlen(path);
	r->syscall = syscall;
	r->target = target;
}

bool decide_foresee_allow(struct call *c, const struct policy_query *q)
{
	struct sup *s = c->sup;
	struct policy_result res = { POLICY_DENY, NULL, -1 };

	if (protect_hit_secret(&s->protect, q->path, 0, 0) ||
	    decide_foreign_proc(q->path))
		return false;
	if (s->mode == SUP_PERMISSIVE)
		return true;
	decide_rules(s, q, &res);
	return res.decision == POLICY_ALLOW;
}

void decide(struct call *c, struct decide_req *r, struct decide_out *out)
{
	struct sup *s = c->sup;
	struct policy_result res = { POLICY_DENY, NULL, -1 };
	struct ask_answer ans, *ansp = NULL;
	char rule[PATH_MAX + 32];
	const char *rule_text = NULL;
	char exe[PATH_MAX];
	uint64_t seq = 0;
	char *stack = NULL;		/* a pending ask's stack, owned */
	bool allow;
	int err = r->deny_errno ? r->deny_errno : EACCES;
	int ret;

	emulate_exe(c, exe, sizeof(exe));
	if ((r->protect_check &&
	     protect_hit(&s->protect,
			 r->protect_path ? r->protect_path : r->q.path,
			 r->dev, r->ino, r->protect_tree)) ||
	    (r->q.path && r->q.op != POLICY_OP_CONNECT &&
	     protect_hit_secret(&s->protect, r->q.path, r->dev, r->ino))) {
		snprintf(rule, sizeof(rule), "protected");
		rule_text = "proctor's own files are protected";
		res.decision = POLICY_DENY;
		allow = false;
		goto record;
	}
	if ((r->q.op == POLICY_OP_READ || r->q.op == POLICY_OP_WRITE) &&
	    r->q.path && decide_foreign_proc(r->q.path)) {
		snprintf(rule, sizeof(rule), "outside-tree");
		rule_text = "another process's memory, environment or "
			    "descriptors";
		res.decision = POLICY_DENY;
		allow = false;
		goto record;
	}
	/* the preload library is proctor's: programs may always load it */
	if (r->q.op == POLICY_OP_READ && s->preload_path && r->q.path &&
	    strcmp(r->q.path, s->preload_path) == 0) {
		snprintf(rule, sizeof(rule), "preload");
		rule_text = "proctor's preload library";
		res.decision = POLICY_ALLOW;
		allow = true;
		goto record;
	}
	decide_rules(s, &r->q, &res);
	policy_rule_location(res.rule, rule, sizeof(rule));
	/* the name the rule matched, else the first confirmed one */
	if (!r->hostname && r->q.op == POLICY_OP_CONNECT &&
	    r->q.net.n_hostnames)
		r->hostname = r->q.net.hostnames[res.hostname_index >= 0 ?
			(size_t)res.hostname_index : 0];
	rule_text = res.rule ? policy_rule_text(res.rule) : NULL;
	allow = res.decision == POLICY_ALLOW;
	if (res.decision == POLICY_ASK && s->mode == SUP_ENFORCE) {
		struct ask_request rq = {
			.pid = c->req.pid, .tgid = c->tgid, .exe = exe,
			.op = policy_op_name(r->q.op), .syscall = r->syscall,
			.target = r->target, .resolved = r->resolved,
			.rule = rule, .rule_text = rule_text,
			.notif_id = c->req.id, .listener = s->listener,
			.query = &r->q, .hostname = r->hostname,
		};

		bool switched = creds_is_switched();
		int sig = proctab_preload_sig(emulate_tgid(c));

		/*
		 * A person may want the caller's stack ("details"). The
		 * caller sleeps in the seccomp wait, where its signals stay
		 * pending; so proctor sends the preload library its signal
		 * and answers ERESTARTSYS: the handler reports the stack,
		 * the kernel restarts the call, and the restarted call -
		 * trapped again, judged again from scratch - is asked with
		 * the stack in hand. Nothing took effect and nothing is
		 * recorded for the first pass. Only once per ask.
		 */
		if (ask_is_interactive(s->ask) && sig &&
		    !decide_sig_blocked(c->req.pid, sig) &&
		    proctab_want_stack(c->req.pid)) {
			syscall(SYS_tgkill, emulate_tgid(c), c->req.pid, sig);
			out->allow = false;
			out->err = BLOCK_ERESTARTSYS;
			out->policy = POLICY_ASK;
			return;
		}
		stack = proctab_take_stack(c->req.pid);
		rq.backtrace = stack;
		if (ask_is_interactive(s->ask))
			notify_may_block(s);
		/* the answer channels work with proctor's own credentials */
		if (switched)
			creds_leave();
		ask_wait(s->ask, &rq, &ans);
		if (switched && emulate_enter_creds(c) < 0)
			ans.decision = POLICY_DENY;
		ansp = &ans;
		allow = ans.decision == POLICY_ALLOW;
	}
	if (s->mode == SUP_PERMISSIVE)
		allow = true;
record:
	ret = decide_audit(c, r, exe, policy_decision_name(res.decision),
			   allow ? "allow" : "deny", rule, rule_text, ansp,
			   allow ? r->result_errno : err, stack, &seq);
	free(stack);
	if (ret < 0) {
		sup_fail(s, -ret, "cannot write the audit log");
		allow = false;
	}
	out->allow = allow;
	out->err = allow ? 0 : err;
	out->policy = res.decision;
	if (!allow) {
		bool told;

		int sig = proctab_preload_sig(emulate_tgid(c));

		/* nothing more is done for the caller: proctor's own
		 * credentials reach its stderr */
		creds_leave();
		proctab_set_last_deny(c->req.pid, seq);
		/* ask its preload library for the stack: the signal is
		 * delivered as the denied call returns */
		if (sig && seq && proctab_take_trace(emulate_tgid(c), 64))
			syscall(SYS_tgkill, emulate_tgid(c), c->req.pid, sig);
		told = s->explain &&
			    explain_deny(c, policy_op_name(r->q.op),
					 r->resolved ? r->resolved : r->target,
					 rule);

		if (!told)
			decide_report(s, c, r, exe, rule);
	}
}

void decide_record(struct call *c, pid_t pid, const char *op,
		   const char *syscall, const char *target, const char *rule,
		   const char *final, int err, const char *detail)
{
	struct sup *s = c->sup;
	struct audit_event e;
	char exe[PATH_MAX];
	int ret;

	if (target_exe(pid, exe, sizeof(exe)) < 0)
		snprintf(exe, sizeof(exe), "?");
	memset(&e, 0, sizeof(e));
	e.time_ns = sup_real_ns();
	e.pid = pid;
	e.tid = pid;
	e.exe = exe;
	e.op = op;
	e.syscall = syscall;
	e.target = target;
	e.decision = "deny";
	e.final = final;
	e.mode = s->mode == SUP_PERMISSIVE ? "permissive" : "enforce";
	e.rule = rule;
	e.approver_uid = -1;
	e.approver_pid = -1;
	e.errno_ret = err;
	e.detail = detail;
	e.decision_ns = c->t_start ? sup_mono_ns() - c->t_start : 0;
	ret = audit_append(s->audit, &e, NULL);
	if (ret < 0)
		sup_fail(s, -ret, "cannot write the audit log");
	if (!s->quiet)
		fprintf(stderr, "proctor: %s %s %s (pid %d) by %s\n", final,
			op, target, (int)pid, rule);
}

void decide_backtrace(struct call *c, const char *text)
{
	struct sup *s = c->sup;
	unsigned long long seq = proctab_last_deny(c->req.pid);
	struct audit_event e;
	char exe[PATH_MAX], what[64];
	int ret;

	if (!seq)
		return;		/* only for calls proctor denied */
	proctab_set_last_deny(c->req.pid, 0);
	emulate_exe(c, exe, sizeof(exe));
	snprintf(what, sizeof(what), "event %llu", seq);
	memset(&e, 0, sizeof(e));
	e.time_ns = sup_real_ns();
	e.pid = emulate_tgid(c);
	e.tid = (int32_t)c->req.pid;
	e.exe = exe;
	e.op = "backtrace";
	e.syscall = "-";
	e.target = what;
	e.decision = "info";
	e.final = "info";
	e.mode = s->mode == SUP_PERMISSIVE ? "permissive" : "enforce";
	e.rule = "preload";
	e.approver_uid = -1;
	e.approver_pid = -1;
	e.backtrace = text;
	e.detail = "stack of the denied call, from the preload library";
	ret = audit_append(s->audit, &e, NULL);
	if (ret < 0)
		sup_fail(s, -ret, "cannot write the audit log");
}
