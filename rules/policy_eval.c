/*
 * policy_eval.c - deciding one operation: policy_eval().
 *
 * Runs on every trapped system call, so it never allocates, never fails
 * and never touches the file system. For each operation it gathers from
 * the index the sorted runs of entries that can match, then tests entries
 * from the highest rule index down; the first match is the last matching
 * rule in reading order, which is the one that decides. When nothing
 * matches the default decides.
 *
 * Before the full glob match, an entry is checked cheaply against the last
 * component of the path (the pattern's last segment must match it: its
 * literal prefix and suffix, or the whole literal).
 *
 * Defensive: a NULL or unfinished policy, or a query naming no single
 * known operation, is denied (rule NULL).
 */
#include <string.h>

#include "policy_internal.h"

#define EVAL_MAX_CANDS (POLICY_TRIE_MAX_DEPTH + 4)
#define EVAL_MAX_NAMES 8		/* host names looked up in the index */
#define EVAL_NAME_MAX 254
#define EVAL_MAX_ARGS 64		/* argument lengths computed once */

struct eval_exec {
	const struct policy_query *q;
	size_t nargs;
	size_t len[EVAL_MAX_ARGS];	/* of argv[1..] */
};

static bool eval_args(const struct policy_rule *r, const struct eval_exec *x)
{
	size_t n = x->nargs, i, k;

	if (r->tail ? n < r->nargs : n != r->nargs)
		return false;
	for (i = 0; i < r->nargs; i++) {
		const char *a = x->q->argv[1 + i];
		size_t len;
		bool ok = false;

		if (!a)
			a = "";
		len = i < EVAL_MAX_ARGS ? x->len[i] : strlen(a);
		for (k = 0; k < r->args[i].nalt && !ok; k++)
			ok = policy_glob_seg_match(&r->args[i].alt[k].seg[0],
						   (const unsigned char *)a,
						   len);
		if (!ok)
			return false;
	}
	return true;
}

static void eval_hit(const struct policy_rule *r, struct policy_result *res)
{
	res->decision = r->decision;
	res->rule = r;
}

/* The last component of an absolute path ("" for "/" and "/a/"). */
static const unsigned char *eval_base(const char *path, size_t len,
				      size_t *blen)
{
	const char *slash = memrchr(path, '/', len);

	*blen = len - (size_t)(slash - path) - 1;
	return (const unsigned char *)slash + 1;
}

static bool eval_glob(const struct policy_ientry *e, const char *path,
		      size_t len, size_t pos, const unsigned char *base,
		      size_t blen)
{
	const struct policy_glob *g = e->g;

	if (g->last && !policy_glob_seg_quick(g->last, base, blen))
		return false;
	return policy_glob_match_path(g, e->nlit, path, len, pos);
}

static void eval_path(const struct policy_trie *t, const char *path,
		      size_t len, struct policy_result *res)
{
	struct policy_cand c[EVAL_MAX_CANDS];
	const struct policy_ientry *e;
	const unsigned char *base;
	size_t n, pos, blen;

	if (!path || len == 0 || path[0] != '/')
		return;
	base = eval_base(path, len, &blen);
	n = policy_trie_walk(t, path, len, c, EVAL_MAX_CANDS);
	while ((e = policy_cand_next(c, n, &pos)) != NULL) {
		if (eval_glob(e, path, len, pos, base, blen)) {
			eval_hit(e->r, res);
			return;
		}
	}
}

static void eval_exec(const struct policy_index *ix,
		      const struct policy_query *q, struct policy_result *res)
{
	struct policy_cand c[EVAL_MAX_CANDS];
	const struct policy_ientry *e;
	struct eval_exec x;
	const char *path = q->path, *keys[2];
	const unsigned char *base;
	size_t len = q->path_len, n, pos, blen, lens[2], i;

	/* No path on disk (memfd, deleted file): no program pattern. */
	if (!path || len == 0 || path[0] != '/')
		return;
	x.q = q;
	x.nargs = q->argc > 0 && q->argv ? q->argc - 1 : 0;
	for (i = 0; i < x.nargs && i < EVAL_MAX_ARGS; i++)
		x.len[i] = q->argv[1 + i] ? strlen(q->argv[1 + i]) : 0;
	base = eval_base(path, len, &blen);
	n = policy_trie_walk(&ix->exec_path, path, len, c, EVAL_MAX_CANDS - 3);
	if (blen > 0) {
		keys[0] = (const char *)base;
		lens[0] = blen;
		keys[1] = x.nargs > 0 && q->argv[1] ? q->argv[1] : "";
		lens[1] = x.nargs > 0 ? x.len[0] : 0;
		n += policy_trie_keys(&ix->exec_name, keys, lens,
				      x.nargs > 0 ? 2 : 1, true, c + n, 3);
	}
	while ((e = policy_cand_next(c, n, &pos)) != NULL) {
		bool ok;

		if (e->g->mode == POLICY_GLOB_NAME)
			ok = e->nkeys > 0 ||
			     policy_glob_seg_match(&e->g->seg[0], base, blen);
		else
			ok = eval_glob(e, path, len, pos, base, blen);
		if (ok && eval_args(e->r, &x)) {
			eval_hit(e->r, res);
			return;
		}
	}
}

/* Lower-cased candidate names, without a trailing dot. */
struct eval_names {
	char buf[EVAL_MAX_NAMES][EVAL_NAME_MAX + 1];
	const char *name[EVAL_MAX_NAMES];
	size_t len[EVAL_MAX_NAMES];
	size_t n;
};

static void eval_lower(struct eval_names *en, size_t i, const char *s)
{
	size_t len = s ? strlen(s) : 0, k;

	en->name[i] = NULL;
	en->len[i] = 0;
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > EVAL_NAME_MAX)
		return;
	for (k = 0; k < len; k++) {
		char ch = s[k];

		en->buf[i][k] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
	}
	en->buf[i][len] = '\0';
	en->name[i] = en->buf[i];
	en->len[i] = len;
}

/* Many candidate names: every inet pattern, one name at a time. */
static void eval_inet_scan(const struct policy_index *ix,
			   const struct policy_net_target *t, bool no_addr,
			   struct policy_result *res)
{
	struct eval_names en;
	size_t i, k;
	int hidx;

	for (i = 0; i < ix->ninet; i++) {
		const struct policy_ientry *e = &ix->inet[i];

		if (e->np->kind != POLICY_NETPAT_HOST) {
			if (policy_netpat_match_inet(e->np, t, no_addr, NULL,
						     NULL, 0, &hidx))
				goto hit;
			continue;
		}
		for (k = 0; k < t->n_hostnames; k++) {
			eval_lower(&en, 0, t->hostnames[k]);
			if (policy_netpat_match_inet(e->np, t, no_addr,
						     en.name, en.len, 1,
						     &hidx)) {
				hidx = (int)k;
				goto hit;
			}
		}
	}
	return;
hit:
	eval_hit(ix->inet[i].r, res);
	res->hostname_index = hidx;
}

static void eval_inet(const struct policy_index *ix,
		      const struct policy_net_target *t,
		      struct policy_result *res)
{
	static const uint8_t zero[16], mapped[12] = { 0, 0, 0, 0, 0, 0, 0,
						      0, 0, 0, 0xff, 0xff };
	struct policy_cand c[EVAL_MAX_NAMES + 2];
	struct eval_names en;
	const struct policy_ientry *e;
	bool no_addr = memcmp(t->addr, zero, 16) == 0;
	const char *key;
	size_t n = 0, i, pos, klen = 0;
	int hidx;

	en.n = t->hostnames ? t->n_hostnames : 0;
	if (en.n > EVAL_MAX_NAMES) {
		eval_inet_scan(ix, t, no_addr, res);
		return;
	}
	key = (const char *)t->addr;
	if (memcmp(t->addr, mapped, 12) == 0) {
		key = (const char *)t->addr + 11;
		klen = 2;
	} else if (t->addr[0] != 0) {
		klen = 1;
	}
	n = policy_trie_keys(&ix->inet_addr, &key, &klen, klen ? 1 : 0, true,
			     c, 2);
	for (i = 0; i < en.n; i++) {
		eval_lower(&en, i, t->hostnames[i]);
		if (en.name[i])
			n += policy_trie_keys(&ix->inet_host, &en.name[i],
					      &en.len[i], 1, false, c + n, 1);
	}
	while ((e = policy_cand_next(c, n, &pos)) != NULL) {
		if (policy_netpat_match_inet(e->np, t, no_addr, en.name,
					     en.len, en.n, &hidx)) {
			eval_hit(e->r, res);
			res->hostname_index = hidx;
			return;
		}
	}
}

static void eval_abstract(const struct policy_index *ix,
			  const struct policy_net_target *t,
			  struct policy_result *res)
{
	const char *name = t->unix_name ? t->unix_name : "";
	size_t i, k;

	if (!t->unix_name && t->unix_len)
		return;
	for (i = 0; i < ix->nabstract; i++) {
		const struct policy_netpat *np = ix->abstract[i].np;

		for (k = 0; k < np->nglob; k++) {
			if (policy_glob_match(&np->glob[k], name,
					      t->unix_len)) {
				eval_hit(ix->abstract[i].r, res);
				return;
			}
		}
	}
}

static void eval_connect(const struct policy_index *ix,
			 const struct policy_net_target *t,
			 struct policy_result *res)
{
	switch (t->kind) {
	case POLICY_NET_INET:
		eval_inet(ix, t, res);
		break;
	case POLICY_NET_UNIX_PATH:
		/* A pathname socket's name ends at its first NUL. */
		if (t->unix_name)
			eval_path(&ix->unix_path, t->unix_name,
				  strnlen(t->unix_name, t->unix_len), res);
		break;
	case POLICY_NET_UNIX_ABSTRACT:
		eval_abstract(ix, t, res);
		break;
	default:
		res->decision = POLICY_DENY;
		break;
	}
}

void policy_eval(const struct policy *p, const struct policy_query *q,
		 struct policy_result *res)
{
	res->decision = POLICY_DENY;
	res->rule = NULL;
	res->hostname_index = -1;
	if (!p || !q || !p->finished)
		return;
	res->decision = p->def;
	switch (q->op) {
	case POLICY_OP_READ:
		eval_path(&p->index.read, q->path, q->path_len, res);
		break;
	case POLICY_OP_WRITE:
		eval_path(&p->index.write, q->path, q->path_len, res);
		break;
	case POLICY_OP_EXEC:
		eval_exec(&p->index, q, res);
		break;
	case POLICY_OP_CONNECT:
		eval_connect(&p->index, &q->net, res);
		break;
	default:
		res->decision = POLICY_DENY;
		break;
	}
}
