/*
 * test_policy_util.h - helpers shared by the policy engine's unit tests
 * (tests/unit/test_policy_*.c): load policy text with fixed variables,
 * collect diagnostics as text, and run queries in one line.
 *
 * Fixed environment: home /home/u, cwd /work, environment FOO=bar,
 * EMPTY= (empty), GLOBBY=a*b[c] (glob characters), SPACE="x y".
 */
#ifndef TEST_POLICY_UTIL_H
#define TEST_POLICY_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"

static char *const tp_environ[] = {
	"FOO=bar", "EMPTY=", "GLOBBY=a*b[c]", "SPACE=x y", "PROJ=/srv/proj",
	NULL
};

static const struct policy_vars tp_vars = {
	.home = "/home/u", .cwd = "/work", .environ = tp_environ,
};

struct tp_diag {
	char text[16384];
	size_t len;
	unsigned errors;
	unsigned warnings;
};

static inline void tp_diag_fn(void *ctx, enum policy_diag_severity sev,
			      const char *file, unsigned line, unsigned col,
			      const char *msg)
{
	struct tp_diag *d = ctx;
	int n;

	if (sev == POLICY_DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (d->len >= sizeof(d->text))
		return;
	n = snprintf(d->text + d->len, sizeof(d->text) - d->len,
		     "%s:%u:%u: %s: %s\n", file, line, col,
		     sev == POLICY_DIAG_ERROR ? "error" : "warning", msg);
	if (n > 0)
		d->len += (size_t)n;
	if (d->len > sizeof(d->text))
		d->len = sizeof(d->text);
}

/* Loads text as source "t"; NULL when it does not load (d says why). */
static inline struct policy *tp_load_d(const char *text, struct tp_diag *d)
{
	struct policy *p = NULL;
	int ret;

	memset(d, 0, sizeof(*d));
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	ret = policy_add_text(p, "t", text, strlen(text), tp_diag_fn, d);
	if (ret == 0)
		ret = policy_finish(p, tp_diag_fn, d);
	if (ret < 0) {
		policy_free(p);
		return NULL;
	}
	return p;
}

/* Loads text that must be valid and free of warnings. */
static inline struct policy *tp_load(const char *text)
{
	struct tp_diag d;
	struct policy *p = tp_load_d(text, &d);

	if (!p || d.errors || d.warnings) {
		policy_free(p);
		fail_msg("policy did not load cleanly:\n%s\n--- text:\n%s",
			 d.text, text);
	}
	return p;
}

/* The diagnostics of text that must fail to load. */
static inline const char *tp_errors(const char *text)
{
	static struct tp_diag d;
	struct policy *p = tp_load_d(text, &d);

	if (p) {
		policy_free(p);
		fail_msg("policy loaded but should not have:\n%s", text);
	}
	d.text[sizeof(d.text) - 1] = '\0';
	return d.text;
}

#define tp_assert_contains(hay, needle) do {				\
	const char *h_ = (hay), *n_ = (needle);				\
	if (!strstr(h_, n_))						\
		fail_msg("expected to find \"%s\" in:\n%s", n_, h_);	\
} while (0)

/* Decision of a read/write query; *line gets the rule's line (0: the
 * default). */
static inline enum policy_decision tp_path(const struct policy *p,
					   enum policy_op op,
					   const char *path, unsigned *line)
{
	struct policy_query q;
	struct policy_result r;

	memset(&q, 0, sizeof(q));
	q.op = op;
	q.path = path;
	q.path_len = strlen(path);
	policy_eval(p, &q, &r);
	if (line)
		*line = r.rule ? policy_rule_line(r.rule) : 0;
	return r.decision;
}

/* Line of the deciding rule for a read (0: default); -1 never. */
static inline unsigned tp_read_line(const struct policy *p, const char *path)
{
	unsigned line;

	tp_path(p, POLICY_OP_READ, path, &line);
	return line;
}

/* exec: argv is NULL-terminated, argv[0] the program name. */
static inline unsigned tp_exec_line(const struct policy *p, const char *path,
				    const char *const *argv)
{
	struct policy_query q;
	struct policy_result r;
	size_t n = 0;

	while (argv && argv[n])
		n++;
	memset(&q, 0, sizeof(q));
	q.op = POLICY_OP_EXEC;
	q.path = path;
	q.path_len = strlen(path);
	q.argv = argv;
	q.argc = n;
	policy_eval(p, &q, &r);
	return r.rule ? policy_rule_line(r.rule) : 0;
}

#endif
