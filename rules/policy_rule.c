/*
 * policy_rule.c - compiles one `DECISION OPS PATTERN...` line into a
 * struct policy_rule (policy_internal.h).
 *
 * Each pattern word is expanded (`~`, `${...}`), checked as a glob, split
 * into its brace alternatives and compiled for every operation the rule
 * names. A rule is either compiled whole or refused with an error: no part
 * of a line is ever dropped silently.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_expand.h"
#include "policy_internal.h"

/* A growable array of compiled globs, copied into the arena at the end. */
struct rule_globs {
	struct policy_glob *g;
	size_t n;
	size_t cap;
};

static int globs_push(struct rule_globs *v, const struct policy_glob *g)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct policy_glob *ng = realloc(v->g, cap * sizeof(*ng));

		if (!ng)
			return -ENOMEM;
		v->g = ng;
		v->cap = cap;
	}
	v->g[v->n++] = *g;
	return 0;
}

static const struct policy_glob *globs_finish(struct policy_arena *a,
					      struct rule_globs *v)
{
	if (v->n == 0)
		return NULL;
	return policy_arena_memdup(a, v->g, v->n * sizeof(v->g[0]));
}

struct rule_word {
	const struct policy_word *w;	/* as lexed */
	const char *exp;		/* expanded, in the arena */
	size_t exp_len;
	int changed;			/* expansion changed the bytes */
};

/* Maps an error offset inside the expanded word to the line. */
static int rule_fix(const struct rule_word *rw, struct policy_err *err,
		    int ret)
{
	if (ret != -EINVAL)
		return ret;
	if (err->has_off && rw->w->exact && !rw->changed)
		err->off += rw->w->off;
	else
		err->off = rw->w->off;
	err->has_off = 1;
	return ret;
}

static int rule_ops(const struct policy_word *w, const struct policy_loc *loc,
		    uint32_t *ops, struct policy_err *err)
{
	char show[POLICY_ERR_SHOW * 4 + 8];
	size_t i = 0;

	*ops = 0;
	while (i <= w->len) {
		const char *comma = memchr(w->s + i, ',', w->len - i);
		size_t n = comma ? (size_t)(comma - w->s) - i : w->len - i;
		size_t at = w->off + (w->exact ? i : 0);
		enum policy_op op = POLICY_OP_READ;
		char name[16];
		int ret = -EINVAL;

		policy_err_show(w->s + i, n, show, sizeof(show));
		if (n == 0)
			return policy_err_at(err, at, "empty operation in the "
				"list (write read,write without spaces or "
				"empty items)");
		if (n < sizeof(name)) {
			memcpy(name, w->s + i, n);
			name[n] = '\0';
			ret = policy_op_parse(name, &op);
		}
		if (ret < 0)
			return policy_err_at(err, at, "unknown operation '%s' "
				"(expected read, write, exec or connect, or a "
				"comma list such as read,write)", show);
		if (*ops & op)
			policy_report(loc, POLICY_DIAG_WARNING, at,
				      "operation '%s' is listed twice", name);
		*ops |= op;
		i += n + 1;
	}
	return 0;
}

/* A path pattern after expansion: absolute, or starting with a "**"
 * component (any depth). */
static bool rule_anchored(const char *s, size_t n)
{
	return (n >= 1 && s[0] == '/') ||
	       (n >= 3 && s[0] == '*' && s[1] == '*' && s[2] == '/');
}

/* Compiles one brace alternative s[0..n) of a word into *g. */
typedef int (*rule_alt_fn)(struct policy *p, const char *s, size_t n,
			   struct policy_glob *g, struct policy_err *err);

/*
 * The alternatives of one word: the whole word checked in mode, its braces
 * expanded, each alternative compiled by fn and pushed to out. An error in
 * one of several alternatives has no offset into the word as written.
 */
static int rule_alternatives(struct policy *p, const struct rule_word *rw,
			     enum policy_glob_mode mode, rule_alt_fn fn,
			     struct rule_globs *out, struct policy_err *err)
{
	struct policy_glob_alts alts;
	size_t i;
	int ret;

	ret = policy_glob_check(rw->exp, rw->exp_len, mode, err);
	if (ret < 0)
		return rule_fix(rw, err, ret);
	ret = policy_glob_braces(rw->exp, rw->exp_len, &alts, err);
	if (ret < 0)
		return rule_fix(rw, err, ret);
	for (i = 0; i < alts.n && ret == 0; i++) {
		struct policy_glob g;

		ret = fn(p, alts.s[i], alts.len[i], &g, err);
		if (ret == 0)
			ret = globs_push(out, &g);
		if (ret < 0 && alts.n > 1)
			err->has_off = 0;
	}
	policy_glob_alts_release(&alts);
	return rule_fix(rw, err, ret);
}

/* A PATH alternative for read/write/unix sockets: absolute. */
static int rule_path_alt(struct policy *p, const char *s, size_t n,
			 struct policy_glob *g, struct policy_err *err)
{
	char show[POLICY_ERR_SHOW * 4 + 8];

	if (n == 0)
		return policy_err_at(err, 0, "empty path pattern");
	if (!rule_anchored(s, n)) {
		policy_err_show(s, n, show, sizeof(show));
		return policy_err_at(err, 0,
			"path pattern '%s' must be absolute: start it "
			"with '/', '**/', '~/' or a variable holding "
			"an absolute path%s", show,
			s[0] == '~' ? " ('~user' is not supported)" :
			(n == 2 && s[0] == '*' && s[1] == '*') ?
			" (write '/**' for every path)" : "");
	}
	return policy_glob_compile(&p->arena, s, n, POLICY_GLOB_PATH, g, err);
}

/* PATH alternatives of one word for read/write/unix sockets. */
static int rule_paths(struct policy *p, const struct rule_word *rw,
		      struct rule_globs *out, struct policy_err *err)
{
	return rule_alternatives(p, rw, POLICY_GLOB_PATH, rule_path_alt, out,
				 err);
}

/* A program alternative: with a '/' a PATH glob, without a NAME glob. */
static int rule_program_alt(struct policy *p, const char *s, size_t n,
			    struct policy_glob *g, struct policy_err *err)
{
	if (n == 0)
		return policy_err_at(err, 0, "empty program name");
	if (!memchr(s, '/', n))
		return policy_glob_compile(&p->arena, s, n, POLICY_GLOB_NAME,
					   g, err);
	if (!rule_anchored(s, n))
		return policy_err_at(err, 0,
			"program pattern with '/' must be an absolute path "
			"(a name without '/' matches the last component)");
	return policy_glob_compile(&p->arena, s, n, POLICY_GLOB_PATH, g, err);
}

/* Program alternatives of one word. */
static int rule_program(struct policy *p, const struct rule_word *rw,
			struct rule_globs *out, struct policy_err *err)
{
	return rule_alternatives(p, rw, POLICY_GLOB_TEXT, rule_program_alt,
				 out, err);
}

static int rule_arg(struct policy *p, const struct rule_word *rw,
		    struct policy_exec_arg *arg, struct policy_err *err)
{
	struct policy_glob_alts alts;
	struct rule_globs v = { NULL, 0, 0 };
	size_t i;
	int ret;

	ret = policy_glob_check(rw->exp, rw->exp_len, POLICY_GLOB_TEXT, err);
	if (ret < 0)
		return rule_fix(rw, err, ret);
	ret = policy_glob_braces(rw->exp, rw->exp_len, &alts, err);
	if (ret < 0)
		return rule_fix(rw, err, ret);
	for (i = 0; i < alts.n && ret == 0; i++) {
		struct policy_glob g;

		ret = policy_glob_compile(&p->arena, alts.s[i], alts.len[i],
					  POLICY_GLOB_TEXT, &g, err);
		if (ret == 0)
			ret = globs_push(&v, &g);
	}
	policy_glob_alts_release(&alts);
	if (ret == 0) {
		arg->nalt = v.n;
		arg->alt = globs_finish(&p->arena, &v);
		if (!arg->alt)
			ret = -ENOMEM;
	}
	free(v.g);
	return rule_fix(rw, err, ret);
}

static int rule_expand(struct policy *p, const struct policy_word *w,
		       uint32_t ops, struct rule_word *rw,
		       struct policy_err *err)
{
	struct policy_buf b;
	size_t skip = 0;
	int tilde = 1, ret;

	rw->w = w;
	rw->changed = 0;
	policy_buf_init(&b);
	if (ops & POLICY_OP_CONNECT) {
		/* `~` only right after unix: (unix:~/sock). */
		tilde = 0;
		if (w->len >= 5 && memcmp(w->s, "unix:", 5) == 0) {
			skip = 5;
			tilde = 1;
			ret = policy_buf_add(&b, w->s, 5);
			if (ret < 0)
				goto out;
		}
	}
	ret = policy_expand(&p->vars, w->s + skip, w->len - skip,
			    POLICY_EXPAND_GLOB, tilde, &b, &rw->changed, err);
	if (ret == -EINVAL) {
		/* Offsets from the expander are into the word as written. */
		err->off = w->off + (w->exact && err->has_off ?
				     skip + err->off : 0);
		err->has_off = 1;
	}
	if (ret < 0)
		goto out;
	rw->exp = policy_arena_strndup(&p->arena, b.p ? b.p : "", b.len);
	rw->exp_len = b.len;
	if (!rw->exp)
		ret = -ENOMEM;
out:
	policy_buf_release(&b);
	return ret;
}

static int rule_exec(struct policy *p, struct policy_rule *r,
		     const struct rule_word *rw, size_t n,
		     struct policy_err *err)
{
	struct rule_globs prog = { NULL, 0, 0 };
	struct policy_exec_arg *args = NULL;
	size_t i, nargs = n - 1;
	int ret;

	ret = rule_program(p, &rw[0], &prog, err);
	if (ret < 0)
		goto out;
	if (nargs > 0 && rw[n - 1].w->len == 1 && rw[n - 1].w->s[0] == '*') {
		r->tail = true;
		nargs--;
	}
	if (nargs > 0) {
		args = policy_arena_alloc(&p->arena, nargs * sizeof(*args));
		if (!args) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < nargs; i++) {
		ret = rule_arg(p, &rw[1 + i], &args[i], err);
		if (ret < 0)
			goto out;
	}
	r->nprog = prog.n;
	r->prog = globs_finish(&p->arena, &prog);
	r->nargs = nargs;
	r->args = args;
	if (!r->prog)
		ret = -ENOMEM;
out:
	free(prog.g);
	return ret;
}

static int rule_connect(struct policy *p, struct policy_rule *r,
			const struct rule_word *rw, size_t n,
			struct policy_err *err)
{
	struct policy_netpat *np;
	size_t i;
	int ret;

	np = policy_arena_alloc(&p->arena, n * sizeof(*np));
	if (!np)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ret = policy_netpat_compile(&p->arena, rw[i].exp,
					    rw[i].exp_len, &np[i], err);
		if (ret < 0)
			return rule_fix(&rw[i], err, ret);
	}
	r->nnet = n;
	r->net = np;
	return 0;
}

static int rule_check_ops(const struct policy_lex *lx, uint32_t ops,
			  struct policy_err *err)
{
	const struct policy_word *w = lx->w;

	if ((ops & POLICY_OP_CONNECT) && (ops & ~(uint32_t)POLICY_OP_CONNECT))
		return policy_err_at(err, w[1].off,
			"connect cannot be combined with other operations "
			"(its patterns are HOST:PORT or unix:PATH); write "
			"separate rules");
	if ((ops & POLICY_OP_EXEC) &&
	    (ops & (POLICY_OP_READ | POLICY_OP_WRITE)) && lx->n > 3)
		return policy_err_at(err, w[3].off,
			"ambiguous rule: for exec the words after the "
			"program are its arguments, for read/write they "
			"would be more paths; write separate rules");
	return 0;
}

int policy_rule_compile(struct policy *p, const struct policy_lex *lx,
			const char *line, enum policy_decision d,
			const struct policy_loc *loc, struct policy_rule **out,
			struct policy_err *err)
{
	const struct policy_word *w = lx->w;
	struct rule_globs paths = { NULL, 0, 0 };
	struct rule_word *rw = NULL;
	struct policy_pword *pw;
	struct policy_rule *r;
	size_t i, n;
	uint32_t ops;
	int ret;

	if (lx->n < 2)
		return policy_err_at(err, lx->text_end, "missing operation "
				     "after '%s' (read, write, exec or "
				     "connect)", w[0].s);
	ret = rule_ops(&w[1], loc, &ops, err);
	if (ret < 0)
		return ret;
	if (lx->n < 3)
		return policy_err_at(err, lx->text_end, "missing pattern "
				     "after '%s'", w[1].s);
	ret = rule_check_ops(lx, ops, err);
	if (ret < 0)
		return ret;
	n = lx->n - 2;
	r = policy_arena_alloc(&p->arena, sizeof(*r));
	pw = policy_arena_alloc(&p->arena, n * sizeof(*pw));
	rw = calloc(n, sizeof(*rw));
	if (!r || !pw || !rw) {
		ret = -ENOMEM;
		goto out;
	}
	r->decision = d;
	r->ops = ops;
	r->file = loc->file;
	r->line = loc->line;
	r->col = (unsigned)lx->text_off + 1;
	r->text = policy_arena_strndup(&p->arena, line + lx->text_off,
				       lx->text_end - lx->text_off);
	if (!r->text) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct policy_word *wi = &w[2 + i];

		/* An empty argument is a real argv entry; other empty
		 * patterns are mistakes. */
		if (wi->len == 0 && !(i > 0 && (ops & POLICY_OP_EXEC))) {
			ret = policy_err_at(err, wi->off, "empty pattern");
			goto out;
		}
		ret = rule_expand(p, wi, ops, &rw[i], err);
		if (ret < 0)
			goto out;
		pw[i].raw = policy_arena_strndup(&p->arena, wi->s, wi->len);
		if (!pw[i].raw) {
			ret = -ENOMEM;
			goto out;
		}
		pw[i].raw_len = wi->len;
		pw[i].exp = rw[i].exp;
		pw[i].exp_len = rw[i].exp_len;
	}
	r->words = pw;
	r->nwords = n;
	if (ops & (POLICY_OP_READ | POLICY_OP_WRITE)) {
		for (i = 0; i < n; i++) {
			ret = rule_paths(p, &rw[i], &paths, err);
			if (ret < 0)
				goto out;
		}
		r->npath = paths.n;
		r->path = globs_finish(&p->arena, &paths);
		if (!r->path) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (ops & POLICY_OP_EXEC) {
		ret = rule_exec(p, r, rw, n, err);
		if (ret < 0)
			goto out;
		if (d != POLICY_ALLOW && r->nargs == 0 && !r->tail)
			policy_report(loc, POLICY_DIAG_WARNING, w[2].off,
				"this %s rule matches the program only when it "
				"is run without arguments; add '*' to match "
				"any arguments", policy_decision_name(d));
	}
	if (ops & POLICY_OP_CONNECT) {
		ret = rule_connect(p, r, rw, n, err);
		if (ret < 0)
			goto out;
	}
	*out = r;
	ret = 0;
out:
	free(paths.g);
	free(rw);
	return ret;
}
