/*
 * policy_internal.h - the structures shared by the files of rules/ (not by
 * anything outside it: the rest of proctor uses policy.h only).
 *
 * A struct policy is built in two phases. Loading (policy_load.c) lexes each
 * line, compiles rules (policy_rule.c) into the arena and appends them in
 * reading order; policy_finish() (policy.c) lints (policy_lint.c) and builds
 * the lookup index (policy_index.c). After that the policy is read-only and
 * policy_eval() (policy_eval.c) may run on any number of threads.
 */
#ifndef PROCTOR_POLICY_INTERNAL_H
#define PROCTOR_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "policy_arena.h"
#include "policy_buf.h"
#include "policy_err.h"
#include "policy_glob.h"
#include "policy_index.h"
#include "policy_lex.h"
#include "policy_net.h"

#define POLICY_MAX_LINE 65536		/* bytes in one line */
#define POLICY_MAX_FILE (16u << 20)	/* bytes in one source */
#define POLICY_MAX_INCLUDE_DEPTH 16
#define POLICY_MAX_ERRORS 50		/* per source, then give up */

/* A pattern word of a rule, as written (unquoted) and as expanded. */
struct policy_pword {
	const char *raw;
	size_t raw_len;
	const char *exp;
	size_t exp_len;
};

/* One ARG position of an exec rule: any of its alternatives may match. */
struct policy_exec_arg {
	size_t nalt;
	const struct policy_glob *alt;
};

struct policy_rule {
	uint32_t index;			/* reading order, 0-based */
	uint32_t ops;			/* POLICY_OP_* bits */
	enum policy_decision decision;
	unsigned line;
	unsigned col;			/* where the rule text starts */
	const char *file;
	const char *text;		/* without comment and outer blanks */
	size_t nwords;			/* pattern words */
	const struct policy_pword *words;
	/* READ / WRITE: PATH globs, every alternative of every word. */
	size_t npath;
	const struct policy_glob *path;
	/* EXEC: program alternatives (PATH or NAME globs) and arguments. */
	size_t nprog;
	const struct policy_glob *prog;
	size_t nargs;
	const struct policy_exec_arg *args;
	bool tail;			/* last word `*`: any further args */
	/* CONNECT */
	size_t nnet;
	const struct policy_netpat *net;
};

/* What `policy show` needs to rebuild the reading order. */
enum policy_item_kind {
	POLICY_ITEM_BEGIN,		/* a source starts */
	POLICY_ITEM_END,		/* it ends */
	POLICY_ITEM_RULE,
	POLICY_ITEM_DEFAULT,
};

struct policy_item {
	enum policy_item_kind kind;
	const struct policy_rule *rule;	/* RULE */
	const char *name;		/* BEGIN: source name; DEFAULT: file */
	const char *from;		/* BEGIN: including file, or NULL */
	unsigned line;			/* BEGIN: include line; DEFAULT: line */
	enum policy_decision decision;	/* DEFAULT */
};

struct policy_incl {
	dev_t dev;
	ino_t ino;
	int builtin;
	const char *name;
};

struct policy_index {
	struct policy_trie read;	/* PATH */
	struct policy_trie write;	/* PATH */
	struct policy_trie exec_path;	/* PATH: programs with a '/' */
	struct policy_trie exec_name;	/* KEYS: name, first argument */
	struct policy_trie unix_path;	/* PATH */
	struct policy_trie inet_addr;	/* KEYS: address bucket; root: rest */
	struct policy_trie inet_host;	/* KEYS: literal host names */
	struct policy_ientry *inet;	/* every inet pattern, for many names */
	size_t ninet;
	struct policy_ientry *abstract;
	size_t nabstract;
};

struct policy {
	struct policy_arena arena;
	struct policy_vars vars;	/* home, cwd copied; environ borrowed */
	enum policy_decision def;
	const char *def_file;		/* NULL: no default line */
	unsigned def_line;
	struct policy_rule **rules;
	size_t nrules;
	size_t caprules;
	struct policy_item *items;
	size_t nitems;
	size_t capitems;
	struct policy_buf sources;
	bool failed;			/* a source had errors */
	bool finished;
	struct policy_index index;
	struct policy_incl stack[POLICY_MAX_INCLUDE_DEPTH + 1];
	size_t depth;
};

/* Where a line came from, for diagnostics. */
struct policy_loc {
	policy_diag_fn diag;
	void *ctx;
	const char *file;
	unsigned line;
};

void policy_report(const struct policy_loc *loc,
		   enum policy_diag_severity sev, size_t off,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

int policy_add_item(struct policy *p, const struct policy_item *it);

/*
 * Compiles the rule on a lexed line whose first word is a decision.
 * Returns 0 with *out in the arena, -EINVAL with err->off into the line
 * (warnings already reported through loc), or -ENOMEM.
 */
int policy_rule_compile(struct policy *p, const struct policy_lex *lx,
			const char *line, enum policy_decision d,
			const struct policy_loc *loc, struct policy_rule **out,
			struct policy_err *err);

/* Warnings about rules that can never decide (policy_finish). */
int policy_lint(const struct policy *p, policy_diag_fn diag, void *ctx);

int policy_index_build(struct policy *p);
void policy_index_release(struct policy_index *ix);

#endif
