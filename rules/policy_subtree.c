/*
 * policy_subtree.c - questions about whole directory trees rather than one
 * path: policy_subtree_restricted() and policy_move_restricted()
 * (policy.h).
 *
 * A rename of a directory changes the path of everything below it at
 * once; the supervisor judges only the two names it is given. These
 * functions tell it whether the policy restricts (deny or ask) anything
 * below the directory, and whether a move would carry such a path to a
 * place where the policy no longer restricts it.
 *
 * How: a PATH glob is run as a set-of-states automaton over the
 * components of the directory (state i: segments 0..i-1 have matched the
 * components so far; a `**` segment may stay). What the glob can still
 * match below the directory depends only on the state set reached, so
 *  - the glob can match some path strictly below DIR when a state before
 *    the end is reached ("reaches DIR");
 *  - it matches every path below DIR when a reached state is followed by
 *    `**` segments only ("covers DIR");
 *  - it matches DST/rest whenever it matches SRC/rest, for every rest,
 *    when each live state after SRC is also reached after DST - the same
 *    state of the same alternative, or any state of any alternative of
 *    the rule with the same remaining pattern text (so `/w/{a,b}/x`
 *    matches below /w/b what it matches below /w/a).
 * A rule matches when any of its alternatives does; the comparisons can
 * only err on the side of "restricted".
 *
 * Invariants: answers are conservative - when in doubt (a glob with more
 * segments than the automaton follows, an unfinished policy) the answer
 * is "restricted". Pure: no allocation, no file system.
 */
#include <string.h>

#include "policy_internal.h"

#define SUB_MAX_STATES 1024		/* segments + 1 followed exactly */
#define SUB_WORDS (SUB_MAX_STATES / 64)
#define SUB_MAX_CROSS 64		/* alternatives compared with each other */

struct sub_set {
	uint64_t w[SUB_WORDS];
};

static void sub_add(struct sub_set *s, uint32_t i)
{
	s->w[i >> 6] |= (uint64_t)1 << (i & 63);
}

static bool sub_has(const struct sub_set *s, uint32_t i)
{
	return (s->w[i >> 6] >> (i & 63)) & 1;
}

/* A `**` segment may match no component: its successor is reached too. */
static void sub_close(const struct policy_glob *g, struct sub_set *s)
{
	uint32_t i;

	for (i = 0; i < g->nseg; i++) {
		if (g->seg[i].globstar && sub_has(s, i))
			sub_add(s, i + 1);
	}
}

/* A live state (one that can still match a component) is reached. */
static bool sub_reaches(const struct policy_glob *g, const struct sub_set *s)
{
	uint32_t i;

	for (i = 0; i < g->nseg; i++) {
		if (sub_has(s, i))
			return true;
	}
	return false;
}

/*
 * The states of g after the components of dir (an absolute, resolved
 * path; "/" has none). False when g has too many segments to follow.
 */
static bool sub_walk(const struct policy_glob *g, const char *dir,
		     size_t len, struct sub_set *out)
{
	struct sub_set next;
	size_t pos = 1;
	uint32_t i;

	if (g->mode != POLICY_GLOB_PATH || g->nseg + 1 > SUB_MAX_STATES)
		return false;
	memset(out, 0, sizeof(*out));
	sub_add(out, 0);
	sub_close(g, out);
	if (len <= 1)
		return true;
	while (pos <= len) {
		const char *slash = memchr(dir + pos, '/', len - pos);
		size_t end = slash ? (size_t)(slash - dir) : len;

		memset(&next, 0, sizeof(next));
		for (i = 0; i < g->nseg; i++) {
			if (!sub_has(out, i))
				continue;
			if (g->seg[i].globstar)
				sub_add(&next, i);
			else if (policy_glob_seg_match(&g->seg[i],
					(const unsigned char *)dir + pos,
					end - pos))
				sub_add(&next, i + 1);
		}
		sub_close(g, &next);
		*out = next;
		if (!sub_reaches(g, out))
			break;		/* nothing more can match */
		pos = end + 1;
	}
	return true;
}

/* A reached live state is followed by `**` segments only. */
static bool sub_covers(const struct policy_glob *g, const struct sub_set *s)
{
	uint32_t i = g->nseg;

	while (i > 0 && g->seg[i - 1].globstar) {
		i--;
		if (sub_has(s, i))
			return true;
	}
	return false;
}

/* What one rule can do below SRC (and DST, for a move). */
struct sub_rule {
	bool reach;		/* may match a path strictly below SRC */
	bool cover;		/* matches every path below SRC */
	bool stays;		/* matches DST/rest whenever SRC/rest */
	bool gains;		/* may match DST/rest but not SRC/rest */
};

struct sub_query {
	const char *src;
	size_t slen;
	const char *dst;	/* NULL: no move, only SRC */
	size_t dlen;
};

/*
 * The pattern that remains to match from state i (< nseg) of g: the text
 * after its (i + 1)-th '/'. Every '/' of a compiled PATH alternative
 * separates components ('\/' and '/' in classes are refused, braces are
 * expanded), so equal remaining texts match the same rests.
 */
static const char *sub_rest(const struct policy_glob *g, uint32_t i,
			    size_t *len)
{
	const char *t = g->text, *e = g->text + g->text_len;
	uint32_t k;

	for (k = 0; k <= i && t < e; k++) {
		const char *slash = memchr(t, '/', (size_t)(e - t));

		if (!slash)
			break;
		t = slash + 1;
	}
	*len = (size_t)(e - t);
	return t;
}

/*
 * Some alternative of r, walked over path, can go on with the remaining
 * pattern rest: r matches path/REST whenever that pattern matches REST.
 */
static bool sub_rest_reached(const struct policy_rule *r, const char *path,
			     size_t plen, const char *rest, size_t rlen)
{
	struct sub_set s;
	size_t k, n;
	uint32_t i;

	if (r->npath > SUB_MAX_CROSS)
		return false;
	for (k = 0; k < r->npath; k++) {
		const struct policy_glob *g = &r->path[k];

		if (!sub_walk(g, path, plen, &s))
			continue;
		for (i = 0; i < g->nseg; i++) {
			const char *t;

			if (!sub_has(&s, i))
				continue;
			t = sub_rest(g, i, &n);
			if (n == rlen && memcmp(t, rest, n) == 0)
				return true;
		}
	}
	return false;
}

/* Every live state of a is in b, or its remaining pattern is reached by
 * some alternative of r over path b_path. */
static bool sub_within(const struct policy_rule *r,
		       const struct policy_glob *g, const struct sub_set *a,
		       const struct sub_set *b, const char *b_path,
		       size_t b_len)
{
	const char *rest;
	size_t rlen;
	uint32_t i;

	for (i = 0; i < g->nseg; i++) {
		if (!sub_has(a, i) || sub_has(b, i))
			continue;
		rest = sub_rest(g, i, &rlen);
		if (!sub_rest_reached(r, b_path, b_len, rest, rlen))
			return false;
	}
	return true;
}

static void sub_rule_info(const struct policy_rule *r,
			  const struct sub_query *q, struct sub_rule *out)
{
	struct sub_set s, d;
	size_t k;

	memset(out, 0, sizeof(*out));
	out->stays = true;
	for (k = 0; k < r->npath; k++) {
		const struct policy_glob *g = &r->path[k];

		if (!sub_walk(g, q->src, q->slen, &s) ||
		    (q->dst && !sub_walk(g, q->dst, q->dlen, &d))) {
			/* too long to follow: assume the worst */
			out->reach = true;
			out->stays = false;
			out->gains = true;
			continue;
		}
		if (sub_reaches(g, &s))
			out->reach = true;
		if (sub_covers(g, &s))
			out->cover = true;
		if (!q->dst)
			continue;
		if (out->stays &&
		    !sub_within(r, g, &s, &d, q->dst, q->dlen))
			out->stays = false;
		if (!out->gains &&
		    !sub_within(r, g, &d, &s, q->src, q->slen))
			out->gains = true;
	}
}

static bool sub_path_ok(const char *path, size_t len)
{
	return path && len > 0 && path[0] == '/';
}

/*
 * One operation. The rules of p, then those of over (which take
 * precedence, as if written after p's), are walked from the last one:
 * a non-allow rule R restricts below SRC when it reaches SRC and no later
 * rule covers SRC (else R never decides there). For a move, R is harmless
 * when it also matches every corresponding path below DST and no weaker
 * rule later than R (allow; for a deny R also ask) can match a path below
 * DST that it does not match below SRC: then at DST/rest the deciding
 * rule is R or a later one at least as strict. The default is a rule
 * before all others that matches everything.
 */
static bool sub_op(const struct policy *p, const struct policy *over,
		   enum policy_op op, const struct sub_query *q,
		   const struct policy_rule **rule)
{
	const struct policy *pv[2] = { over, p };
	bool covered = false, gain_allow = false, gain_ask = false;
	struct sub_rule info;
	size_t k, i;

	for (k = 0; k < 2 && !covered; k++) {
		const struct policy *cur = pv[k];

		if (!cur)
			continue;
		for (i = cur->nrules; i-- > 0 && !covered;) {
			const struct policy_rule *r = cur->rules[i];
			bool weaker;

			if (!(r->ops & op))
				continue;
			sub_rule_info(r, q, &info);
			weaker = gain_allow ||
				 (r->decision == POLICY_DENY && gain_ask);
			if (r->decision != POLICY_ALLOW && info.reach &&
			    (!q->dst || !info.stays || weaker)) {
				*rule = r;
				return true;
			}
			if (r->decision == POLICY_ALLOW && info.gains)
				gain_allow = true;
			if (r->decision == POLICY_ASK && info.gains)
				gain_ask = true;
			if (info.cover)
				covered = true;
		}
	}
	if (covered || p->def == POLICY_ALLOW)
		return false;
	if (q->dst && !gain_allow &&
	    !(p->def == POLICY_DENY && gain_ask))
		return false;
	*rule = NULL;
	return true;
}

static bool sub_check(const struct policy *p, const struct policy *over,
		      unsigned op_mask, const struct sub_query *q,
		      const struct policy_rule **rule, enum policy_op *op)
{
	static const enum policy_op ops[] = {
		POLICY_OP_READ, POLICY_OP_WRITE,
	};
	const struct policy_rule *r = NULL;
	size_t i;

	if (rule)
		*rule = NULL;
	if (op)
		*op = op_mask & POLICY_OP_WRITE ? POLICY_OP_WRITE :
						  POLICY_OP_READ;
	if (!p || !p->finished || (over && !over->finished) ||
	    !sub_path_ok(q->src, q->slen) ||
	    (q->dst && !sub_path_ok(q->dst, q->dlen)))
		return true;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!(op_mask & ops[i]))
			continue;
		if (sub_op(p, over, ops[i], q, &r)) {
			if (rule)
				*rule = r;
			if (op)
				*op = ops[i];
			return true;
		}
	}
	return false;
}

bool policy_subtree_restricted(const struct policy *p, unsigned op_mask,
			       const char *dir, size_t len,
			       const struct policy_rule **rule)
{
	struct sub_query q = { dir, len, NULL, 0 };

	return sub_check(p, NULL, op_mask, &q, rule, NULL);
}

bool policy_move_restricted(const struct policy *p,
			    const struct policy *over, unsigned op_mask,
			    const char *src, size_t slen, const char *dst,
			    size_t dlen, const struct policy_rule **rule,
			    enum policy_op *op)
{
	struct sub_query q = { src, slen, dst, dlen };

	if (!dst)
		return true;
	return sub_check(p, over, op_mask, &q, rule, op);
}
