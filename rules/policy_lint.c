/*
 * policy_lint.c - warnings about rules that can never decide anything,
 * emitted by policy_finish().
 *
 * A rule never decides when every (operation, pattern) it has is also
 * matched by a later rule, because the last matching rule wins. This file
 * finds the cases that can be decided exactly and cheaply:
 *  - a later rule has an identical pattern for the same operation (after
 *    expansion and brace splitting);
 *  - a later rule matches everything for that operation (read or write
 *    of the whole tree, exec of any program with any arguments, connect
 *    to any host and port, any unix socket path, any abstract name).
 * It never reports a rule that can decide something (no false alarms).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

enum lint_class {
	LINT_READ, LINT_WRITE, LINT_EXEC, LINT_INET, LINT_UNIX,
	LINT_ABSTRACT, LINT_COUNT
};

struct lint_key {
	uint32_t cls;
	uint32_t hash;
	const char *s;
	size_t len;
	bool universal;
};

struct lint_slot {
	const struct lint_key *k;	/* NULL: empty */
	const struct policy_rule *r;	/* the nearest later rule with it */
};

struct lint {
	struct policy_arena arena;	/* key strings */
	struct lint_key *keys;		/* the current rule's keys */
	size_t nkeys;
	size_t capkeys;
	struct lint_slot *slots;
	size_t mask;
	size_t used;
	const struct policy_rule *universal[LINT_COUNT];
};

static uint32_t lint_hash(uint32_t cls, const char *s, size_t n)
{
	uint32_t h = 2166136261u ^ cls;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int lint_key_add(struct lint *l, uint32_t cls, const char *s,
			size_t n, bool universal)
{
	struct lint_key *k;

	if (l->nkeys == l->capkeys) {
		size_t cap = l->capkeys ? l->capkeys * 2 : 16;
		struct lint_key *nk = realloc(l->keys, cap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		l->keys = nk;
		l->capkeys = cap;
	}
	k = &l->keys[l->nkeys++];
	k->cls = cls;
	k->s = s;
	k->len = n;
	k->hash = lint_hash(cls, s, n);
	k->universal = universal;
	return 0;
}

static int lint_exec_keys(struct lint *l, const struct policy_rule *r)
{
	struct policy_buf b;
	size_t i, k;
	int ret = 0;

	policy_buf_init(&b);
	for (i = 0; i < r->nprog && ret == 0; i++) {
		const struct policy_glob *g = &r->prog[i];
		bool any_prog = (g->mode == POLICY_GLOB_PATH &&
				 strcmp(g->text, "/**") == 0) ||
				(g->mode == POLICY_GLOB_NAME &&
				 strcmp(g->text, "*") == 0);
		char *s;

		policy_buf_reset(&b);
		ret = policy_buf_add(&b, g->text, g->text_len);
		for (k = 1; k < r->nwords && ret == 0; k++) {
			ret = policy_buf_addc(&b, '\001');
			if (ret == 0)
				ret = policy_buf_add(&b, r->words[k].exp,
						     r->words[k].exp_len);
		}
		if (ret < 0)
			break;
		s = policy_arena_memdup(&l->arena, b.p, b.len);
		if (!s) {
			ret = -ENOMEM;
			break;
		}
		ret = lint_key_add(l, LINT_EXEC, s, b.len,
				   any_prog && r->nargs == 0 && r->tail);
	}
	policy_buf_release(&b);
	return ret;
}

static int lint_rule_keys(struct lint *l, const struct policy_rule *r)
{
	size_t i, k;
	int ret = 0;

	l->nkeys = 0;
	for (i = 0; i < r->npath && ret == 0; i++) {
		const struct policy_glob *g = &r->path[i];
		bool all = strcmp(g->text, "/**") == 0;

		if (r->ops & POLICY_OP_READ)
			ret = lint_key_add(l, LINT_READ, g->text, g->text_len,
					   all);
		if (ret == 0 && (r->ops & POLICY_OP_WRITE))
			ret = lint_key_add(l, LINT_WRITE, g->text,
					   g->text_len, all);
	}
	if (ret == 0 && (r->ops & POLICY_OP_EXEC))
		ret = lint_exec_keys(l, r);
	for (i = 0; i < r->nnet && ret == 0; i++) {
		const struct policy_netpat *np = &r->net[i];

		switch (np->kind) {
		case POLICY_NETPAT_UNIX:
		case POLICY_NETPAT_ABSTRACT:
			for (k = 0; k < np->nglob && ret == 0; k++) {
				const struct policy_glob *g = &np->glob[k];
				bool unix_path = np->kind == POLICY_NETPAT_UNIX;

				ret = lint_key_add(l, unix_path ? LINT_UNIX :
						   LINT_ABSTRACT, g->text,
						   g->text_len,
						   strcmp(g->text, unix_path ?
							  "/**" : "*") == 0);
			}
			break;
		default:
			ret = lint_key_add(l, LINT_INET, np->text,
					   strlen(np->text),
					   np->kind == POLICY_NETPAT_ANY &&
					   np->port_lo == 0 &&
					   np->port_hi == 65535);
			break;
		}
	}
	return ret;
}

static struct lint_slot *lint_find(struct lint *l, const struct lint_key *k)
{
	size_t i;

	for (i = k->hash & l->mask;; i = (i + 1) & l->mask) {
		struct lint_slot *s = &l->slots[i];

		if (!s->k)
			return s;
		if (s->k->hash == k->hash && s->k->cls == k->cls &&
		    s->k->len == k->len && memcmp(s->k->s, k->s, k->len) == 0)
			return s;
	}
}

static int lint_grow(struct lint *l)
{
	size_t cap = l->slots ? (l->mask + 1) * 2 : 256, i;
	struct lint_slot *old = l->slots;
	size_t oldn = l->slots ? l->mask + 1 : 0;

	l->slots = calloc(cap, sizeof(*l->slots));
	if (!l->slots) {
		l->slots = old;
		return -ENOMEM;
	}
	l->mask = cap - 1;
	for (i = 0; i < oldn; i++) {
		if (old[i].k)
			*lint_find(l, old[i].k) = old[i];
	}
	free(old);
	return 0;
}

/* Key by key: which later rule covers it (NULL: none). */
static const struct policy_rule *lint_cover(struct lint *l,
					    const struct lint_key *k)
{
	struct lint_slot *s;

	if (l->universal[k->cls])
		return l->universal[k->cls];
	s = lint_find(l, k);
	return s->k ? s->r : NULL;
}

static int lint_remember(struct lint *l, const struct policy_rule *r)
{
	size_t i;
	int ret;

	for (i = 0; i < l->nkeys; i++) {
		const struct lint_key *k = &l->keys[i];
		struct lint_key *copy;
		struct lint_slot *s;

		if (k->universal)
			l->universal[k->cls] = r;
		if ((l->used + 1) * 2 > l->mask + 1) {
			ret = lint_grow(l);
			if (ret < 0)
				return ret;
		}
		s = lint_find(l, k);
		if (!s->k) {
			copy = policy_arena_memdup(&l->arena, k, sizeof(*k));
			if (!copy)
				return -ENOMEM;
			s->k = copy;
			l->used++;
		}
		s->r = r;
	}
	return 0;
}

int policy_lint(const struct policy *p, policy_diag_fn diag, void *ctx)
{
	struct lint l;
	size_t i, k;
	int ret = 0;

	memset(&l, 0, sizeof(l));
	policy_arena_init(&l.arena);
	ret = lint_grow(&l);
	for (i = p->nrules; i-- > 0 && ret == 0;) {
		const struct policy_rule *r = p->rules[i], *by = NULL;
		bool covered = true, many = false;

		ret = lint_rule_keys(&l, r);
		if (ret < 0)
			break;
		for (k = 0; k < l.nkeys && covered; k++) {
			const struct policy_rule *c;

			c = lint_cover(&l, &l.keys[k]);

			if (!c)
				covered = false;
			else if (by && c != by)
				many = true;
			else
				by = c;
		}
		if (covered && by && diag) {
			struct policy_loc loc = { diag, ctx, r->file, r->line };

			policy_report(&loc, POLICY_DIAG_WARNING, r->col - 1,
				      "this rule never decides: everything it "
				      "matches is also matched by %s %s:%u, "
				      "which comes later and wins",
				      many ? "later rules, e.g." :
					     "the rule at",
				      by->file, by->line);
		}
		ret = lint_remember(&l, r);
	}
	free(l.keys);
	free(l.slots);
	policy_arena_release(&l.arena);
	return ret;
}
