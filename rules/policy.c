/*
 * policy.c - the life cycle of a struct policy and its small accessors:
 * policy_new(), policy_finish(), policy_free(), names of decisions and
 * operations, rule accessors, the source text and the host name walk.
 *
 * Loading is in policy_load.c, evaluation in policy_eval.c, the index in
 * policy_index.c, the warnings of policy_finish() in policy_lint.c.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy_internal.h"

extern char **environ;

int policy_new(struct policy **out, const struct policy_vars *vars)
{
	struct policy *p;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	policy_arena_init(&p->arena);
	policy_buf_init(&p->sources);
	p->def = POLICY_DENY;
	if (vars) {
		if (vars->home)
			p->vars.home = policy_arena_strndup(&p->arena,
					vars->home, strlen(vars->home));
		if (vars->cwd)
			p->vars.cwd = policy_arena_strndup(&p->arena,
					vars->cwd, strlen(vars->cwd));
		if ((vars->home && !p->vars.home) ||
		    (vars->cwd && !p->vars.cwd)) {
			policy_free(p);
			return -ENOMEM;
		}
		p->vars.environ = vars->environ;
	}
	*out = p;
	return 0;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	policy_index_release(&p->index);
	free(p->rules);
	free(p->items);
	policy_buf_release(&p->sources);
	policy_arena_release(&p->arena);
	free(p);
}

int policy_finish(struct policy *p, policy_diag_fn diag, void *ctx)
{
	int ret;

	if (!p)
		return -EINVAL;
	if (p->finished)
		return 0;
	if (p->failed)
		return -EINVAL;
	p->vars.environ = NULL;		/* borrowed only while loading */
	ret = policy_lint(p, diag, ctx);
	if (ret < 0)
		return ret;
	ret = policy_index_build(p);
	if (ret < 0)
		return ret;
	p->finished = true;
	return 0;
}

enum policy_decision policy_default(const struct policy *p)
{
	return p ? p->def : POLICY_DENY;
}

const char *policy_rule_file(const struct policy_rule *r)
{
	return r ? r->file : "default";
}

unsigned policy_rule_line(const struct policy_rule *r)
{
	return r ? r->line : 0;
}

const char *policy_rule_text(const struct policy_rule *r)
{
	return r ? r->text : "";
}

enum policy_decision policy_rule_decision(const struct policy_rule *r)
{
	return r ? r->decision : POLICY_DENY;
}

int policy_rule_location(const struct policy_rule *r, char *buf, size_t n)
{
	if (!r)
		return snprintf(buf, n, "default");
	return snprintf(buf, n, "%s:%u", r->file, r->line);
}

size_t policy_rule_count(const struct policy *p)
{
	return p ? p->nrules : 0;
}

const struct policy_rule *policy_rule_at(const struct policy *p, size_t i)
{
	return p && i < p->nrules ? p->rules[i] : NULL;
}

const char *policy_source_text(const struct policy *p, size_t *len)
{
	if (len)
		*len = p && p->sources.p ? p->sources.len : 0;
	return p && p->sources.p ? p->sources.p : "";
}

int policy_foreach_hostname(const struct policy *p,
			    int (*fn)(void *ctx, const char *host), void *ctx)
{
	size_t i, k, g;
	int ret;

	if (!p)
		return 0;
	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = p->rules[i];

		for (k = 0; k < r->nnet; k++) {
			const struct policy_netpat *np = &r->net[k];

			if (np->kind != POLICY_NETPAT_HOST)
				continue;
			for (g = 0; g < np->nglob; g++) {
				const struct policy_glob *gl = &np->glob[g];

				if (!policy_glob_is_literal(gl))
					continue;
				/* Compiled in lower case: the literal bytes
				 * are the name. */
				ret = fn(ctx, (const char *)gl->seg[0].lit);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

static const char *const policy_decision_names[] = {
	[POLICY_DENY] = "deny",
	[POLICY_ALLOW] = "allow",
	[POLICY_ASK] = "ask",
};

const char *policy_decision_name(enum policy_decision d)
{
	if ((unsigned)d < sizeof(policy_decision_names) /
			  sizeof(policy_decision_names[0]))
		return policy_decision_names[d];
	return "?";
}

int policy_decision_parse(const char *s, enum policy_decision *out)
{
	if (strcmp(s, "allow") == 0)
		*out = POLICY_ALLOW;
	else if (strcmp(s, "deny") == 0)
		*out = POLICY_DENY;
	else if (strcmp(s, "ask") == 0)
		*out = POLICY_ASK;
	else
		return -EINVAL;
	return 0;
}

const char *policy_op_name(enum policy_op op)
{
	switch (op) {
	case POLICY_OP_READ:
		return "read";
	case POLICY_OP_WRITE:
		return "write";
	case POLICY_OP_EXEC:
		return "exec";
	case POLICY_OP_CONNECT:
		return "connect";
	}
	return "?";
}

int policy_op_parse(const char *s, enum policy_op *out)
{
	if (strcmp(s, "read") == 0)
		*out = POLICY_OP_READ;
	else if (strcmp(s, "write") == 0)
		*out = POLICY_OP_WRITE;
	else if (strcmp(s, "exec") == 0)
		*out = POLICY_OP_EXEC;
	else if (strcmp(s, "connect") == 0)
		*out = POLICY_OP_CONNECT;
	else
		return -EINVAL;
	return 0;
}

int policy_vars_from_process(struct policy_vars *vars, char *cwd_buf,
			     size_t cwd_len)
{
	const char *home = getenv("HOME");

	memset(vars, 0, sizeof(*vars));
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());

		home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ?
		       pw->pw_dir : NULL;
	}
	vars->home = home;
	if (!getcwd(cwd_buf, cwd_len))
		return -errno;
	vars->cwd = cwd_buf;
	vars->environ = environ;
	return 0;
}
