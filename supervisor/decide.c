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
#include <string.h>
#include <unistd.h>

#include "ask.h"
#include "creds.h"
#include "emulate.h"
#include "audit.h"
#include "decide.h"
#include "explain.h"
#include "notify.h"
#include "target.h"

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
			int err)
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
	e.decision_ns = sup_mono_ns() - c->t_start;
	return audit_append(s->audit, &e, NULL);
}

void decide(struct call *c, struct decide_req *r, struct decide_out *out)
{
	struct sup *s = c->sup;
	struct policy_result res = { POLICY_DENY, NULL, -1 };
	struct ask_answer ans, *ansp = NULL;
	const struct policy *session;
	char rule[PATH_MAX + 32];
	const char *rule_text = NULL;
	char exe[PATH_MAX];
	bool allow;
	int err = r->deny_errno ? r->deny_errno : EACCES;
	int ret;

	emulate_exe(c, exe, sizeof(exe));
	if ((r->protect_check &&
	     protect_hit(&s->protect,
			 r->protect_path ? r->protect_path : r->q.path,
			 r->dev, r->ino, r->protect_tree)) ||
	    (r->q.op == POLICY_OP_READ && r->q.path &&
	     protect_hit_secret(&s->protect, r->q.path, r->dev, r->ino))) {
		snprintf(rule, sizeof(rule), "protected");
		rule_text = "proctor's own files are protected";
		res.decision = POLICY_DENY;
		allow = false;
		goto record;
	}
	res.rule = NULL;
	session = ask_session_rules(s->ask);
	if (session) {
		policy_eval(session, &r->q, &res);
		if (!res.rule)
			policy_eval(s->policy, &r->q, &res);
	} else {
		policy_eval(s->policy, &r->q, &res);
	}
	policy_rule_location(res.rule, rule, sizeof(rule));
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
			   allow ? r->result_errno : err);
	if (ret < 0) {
		sup_fail(s, -ret, "cannot write the audit log");
		allow = false;
	}
	out->allow = allow;
	out->err = allow ? 0 : err;
	out->policy = res.decision;
	if (!allow) {
		bool told;

		/* nothing more is done for the caller: proctor's own
		 * credentials reach its stderr */
		creds_leave();
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
