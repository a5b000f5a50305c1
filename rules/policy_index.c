/*
 * policy_index.c - the component trie behind policy_eval() (policy_index.h).
 *
 * Edges live in one open-addressing table keyed by (parent node, component
 * bytes); a lookup is one hash of the component and usually one probe.
 * Entries are stored once, sorted by (node, rule index descending), and a
 * node is a slice of that array. policy_index_build() files every compiled
 * pattern of a policy under the op it serves: tries for read, write, exec
 * paths, exec names and unix socket paths; flat lists (highest rule first)
 * for inet and abstract socket patterns.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "policy_index.h"
#include "policy_internal.h"

void policy_trie_init(struct policy_trie *t)
{
	memset(t, 0, sizeof(*t));
}

void policy_trie_release(struct policy_trie *t)
{
	free(t->entries);
	free(t->nodes);
	free(t->edges);
	policy_trie_init(t);
}

static uint32_t trie_hash(uint32_t parent, const unsigned char *s, size_t n)
{
	uint32_t h = 2166136261u ^ (parent * 0x9e3779b1u);
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static const struct policy_tedge *trie_find(const struct policy_trie *t,
					    uint32_t parent,
					    const unsigned char *s, size_t n)
{
	uint32_t h;
	size_t i;

	if (!t->edges)
		return NULL;
	h = trie_hash(parent, s, n);
	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		const struct policy_tedge *e = &t->edges[i];

		if (e->child == 0)
			return NULL;
		if (e->hash == h && e->parent == parent && e->len == n &&
		    memcmp(e->comp, s, n) == 0)
			return e;
	}
}

static int trie_grow(struct policy_trie *t)
{
	size_t cap = (t->mask + 1) * 2, i;
	struct policy_tedge *ne;

	if (!t->edges)
		cap = 64;
	ne = calloc(cap, sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	if (t->edges) {
		for (i = 0; i <= t->mask; i++) {
			size_t j;

			if (t->edges[i].child == 0)
				continue;
			for (j = t->edges[i].hash & (cap - 1); ne[j].child;
			     j = (j + 1) & (cap - 1))
				;
			ne[j] = t->edges[i];
		}
	}
	free(t->edges);
	t->edges = ne;
	t->mask = cap - 1;
	return 0;
}

static int trie_add_node(struct policy_trie *t, size_t *cap, uint32_t *id)
{
	if (t->nnodes == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct policy_tnode *nn = realloc(t->nodes, nc * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		t->nodes = nn;
		*cap = nc;
	}
	t->nodes[t->nnodes].first = 0;
	t->nodes[t->nnodes].count = 0;
	*id = (uint32_t)t->nnodes++;
	return 0;
}

/* Child of parent for component s, created when missing. */
static int trie_child(struct policy_trie *t, size_t *ncap, size_t *nedges,
		      uint32_t parent, const unsigned char *s, size_t n,
		      uint32_t *child)
{
	const struct policy_tedge *e = trie_find(t, parent, s, n);
	uint32_t h;
	size_t i;
	int ret;

	if (e) {
		*child = e->child;
		return 0;
	}
	if (!t->edges || (*nedges + 1) * 2 > t->mask + 1) {
		ret = trie_grow(t);
		if (ret < 0)
			return ret;
	}
	ret = trie_add_node(t, ncap, child);
	if (ret < 0)
		return ret;
	h = trie_hash(parent, s, n);
	for (i = h & t->mask; t->edges[i].child; i = (i + 1) & t->mask)
		;
	t->edges[i].parent = parent;
	t->edges[i].child = *child;
	t->edges[i].hash = h;
	t->edges[i].len = (uint32_t)n;
	t->edges[i].comp = s;
	(*nedges)++;
	return 0;
}

struct trie_sort {
	uint32_t node;
	struct policy_ientry e;
};

static int trie_sort_cmp(const void *a, const void *b)
{
	const struct trie_sort *x = a, *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->e.idx != y->e.idx)
		return x->e.idx > y->e.idx ? -1 : 1;
	return 0;
}

int policy_trie_build(struct policy_trie *t, struct policy_ientry *entries,
		      size_t n, enum policy_trie_mode mode)
{
	struct trie_sort *s = NULL;
	size_t ncap = 0, nedges = 0, i;
	uint32_t root;
	int ret;

	policy_trie_release(t);
	ret = trie_add_node(t, &ncap, &root);
	if (ret < 0)
		goto out;
	s = calloc(n ? n : 1, sizeof(*s));
	if (!s) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct policy_ientry *e = &entries[i];
		uint32_t node = root, d, depth;

		depth = mode == POLICY_TRIE_PATH ? e->g->nlit : e->nkeys;
		if (depth > POLICY_TRIE_MAX_DEPTH)
			depth = POLICY_TRIE_MAX_DEPTH;
		for (d = 0; d < depth; d++) {
			if (mode == POLICY_TRIE_PATH)
				ret = trie_child(t, &ncap, &nedges, node,
						 e->g->seg[d].lit,
						 e->g->seg[d].litlen, &node);
			else
				ret = trie_child(t, &ncap, &nedges, node,
						 e->key[d], e->keylen[d],
						 &node);
			if (ret < 0)
				goto out;
		}
		s[i].node = node;
		s[i].e = entries[i];
		if (mode == POLICY_TRIE_PATH)
			s[i].e.nlit = depth;
	}
	qsort(s, n, sizeof(*s), trie_sort_cmp);
	for (i = 0; i < n; i++) {
		entries[i] = s[i].e;
		if (t->nodes[s[i].node].count++ == 0)
			t->nodes[s[i].node].first = (uint32_t)i;
	}
	t->entries = entries;
	t->nentries = n;
	entries = NULL;
	ret = 0;
out:
	free(s);
	free(entries);
	if (ret < 0)
		policy_trie_release(t);
	return ret;
}

static size_t trie_push(const struct policy_trie *t, uint32_t node,
			size_t pos, struct policy_cand *out, size_t k)
{
	const struct policy_tnode *nd = &t->nodes[node];

	if (nd->count == 0)
		return k;
	out[k].p = t->entries + nd->first;
	out[k].end = out[k].p + nd->count;
	out[k].pos = pos;
	return k + 1;
}

size_t policy_trie_walk(const struct policy_trie *t, const char *path,
			size_t len, struct policy_cand *out, size_t max)
{
	const size_t end = len + 1;
	size_t pos = policy_glob_path_start(len), k = 0;
	uint32_t node = 0;

	if (!t->nodes || max == 0)
		return 0;
	k = trie_push(t, node, pos, out, k);
	while (pos != end && k < max) {
		const char *slash = memchr(path + pos, '/', len - pos);
		size_t e = slash ? (size_t)(slash - path) : len;
		const struct policy_tedge *edge;

		edge = trie_find(t, node, (const unsigned char *)path + pos,
				 e - pos);
		if (!edge)
			break;
		node = edge->child;
		pos = e < len ? e + 1 : end;
		k = trie_push(t, node, pos, out, k);
	}
	return k;
}

size_t policy_trie_keys(const struct policy_trie *t,
			const char *const *keys, const size_t *lens,
			size_t nkeys, bool with_root, struct policy_cand *out,
			size_t max)
{
	const struct policy_tedge *edge;
	uint32_t node = 0;
	size_t k = 0, d;

	if (!t->nodes || max == 0)
		return 0;
	if (with_root)
		k = trie_push(t, 0, 0, out, k);
	for (d = 0; d < nkeys && k < max; d++) {
		edge = trie_find(t, node, (const unsigned char *)keys[d],
				 lens[d]);
		if (!edge)
			break;
		node = edge->child;
		k = trie_push(t, node, 0, out, k);
	}
	return k;
}

static int ientry_cmp(const void *a, const void *b)
{
	const struct policy_ientry *x = a, *y = b;

	if (x->idx != y->idx)
		return x->idx > y->idx ? -1 : 1;
	return 0;
}

void policy_ientry_sort(struct policy_ientry *e, size_t n)
{
	if (n > 1)
		qsort(e, n, sizeof(*e), ientry_cmp);
}

/* ---- building the index of a policy ------------------------------- */

struct ientry_vec {
	struct policy_ientry *e;
	size_t n;
	size_t cap;
};

static struct policy_ientry *ivec_push(struct ientry_vec *v,
				       const struct policy_rule *r,
				       const struct policy_glob *g,
				       const struct policy_netpat *np)
{
	struct policy_ientry *e;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct policy_ientry *ne = realloc(v->e, cap * sizeof(*ne));

		if (!ne)
			return NULL;
		v->e = ne;
		v->cap = cap;
	}
	e = &v->e[v->n++];
	memset(e, 0, sizeof(*e));
	e->idx = r->index;
	e->g = g;
	e->r = r;
	e->np = np;
	return e;
}

enum { IX_READ, IX_WRITE, IX_EXEC_PATH, IX_EXEC_NAME, IX_UNIX, IX_ADDR,
       IX_HOST, IX_INET, IX_ABSTRACT, IX_COUNT };

static void ientry_key(struct policy_ientry *e, const unsigned char *key,
		       size_t len)
{
	e->key[e->nkeys] = key;
	e->keylen[e->nkeys] = (uint32_t)len;
	e->nkeys++;
}

/* Exec by name: keyed by the literal name, then the literal first
 * argument, as far as they are literal. */
static int index_exec_name(struct ientry_vec *v, const struct policy_rule *r,
			   const struct policy_glob *g)
{
	struct policy_ientry *e = ivec_push(v, r, g, NULL);
	const struct policy_glob *a0;

	if (!e)
		return -ENOMEM;
	if (!g->seg[0].literal)
		return 0;
	ientry_key(e, g->seg[0].lit, g->seg[0].litlen);
	if (r->nargs == 0 || r->args[0].nalt != 1)
		return 0;
	a0 = &r->args[0].alt[0];
	if (a0->seg[0].literal)
		ientry_key(e, a0->seg[0].lit, a0->seg[0].litlen);
	return 0;
}

/*
 * Address patterns are bucketed by their first byte when every address
 * they match has it: IPv4 (mapped) /8 and longer under the two bytes
 * ff, a (from ::ffff:a.b.c.d); IPv6 /8 and longer whose first byte is not
 * 0 (so that they cannot match a mapped address) under that byte.
 */
static void index_addr_key(struct policy_ientry *e,
			   const struct policy_netpat *np)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };

	if (np->prefix >= 104 && memcmp(np->addr, mapped, 12) == 0)
		ientry_key(e, np->addr + 11, 2);
	else if (np->prefix >= 8 && np->addr[0] != 0)
		ientry_key(e, np->addr, 1);
}

static int index_inet(struct ientry_vec *v, const struct policy_rule *r,
		      const struct policy_netpat *np)
{
	struct policy_ientry *e;
	size_t k;

	if (!ivec_push(&v[IX_INET], r, NULL, np))
		return -ENOMEM;
	if (np->kind != POLICY_NETPAT_HOST) {
		e = ivec_push(&v[IX_ADDR], r, NULL, np);
		if (!e)
			return -ENOMEM;
		if (np->kind == POLICY_NETPAT_ADDR)
			index_addr_key(e, np);
		return 0;
	}
	for (k = 0; k < np->nglob; k++) {
		const struct policy_glob *g = &np->glob[k];

		if (g->seg[0].literal) {
			e = ivec_push(&v[IX_HOST], r, g, np);
			if (!e)
				return -ENOMEM;
			ientry_key(e, g->seg[0].lit, g->seg[0].litlen);
		} else if (!ivec_push(&v[IX_ADDR], r, g, np)) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int index_rule(struct ientry_vec *v, const struct policy_rule *r)
{
	size_t i, k;
	int ret = 0;

	for (i = 0; i < r->npath && ret == 0; i++) {
		if ((r->ops & POLICY_OP_READ) &&
		    !ivec_push(&v[IX_READ], r, &r->path[i], NULL))
			ret = -ENOMEM;
		if ((r->ops & POLICY_OP_WRITE) &&
		    !ivec_push(&v[IX_WRITE], r, &r->path[i], NULL))
			ret = -ENOMEM;
	}
	for (i = 0; i < r->nprog && ret == 0; i++) {
		const struct policy_glob *g = &r->prog[i];

		if (g->mode == POLICY_GLOB_NAME)
			ret = index_exec_name(&v[IX_EXEC_NAME], r, g);
		else if (!ivec_push(&v[IX_EXEC_PATH], r, g, NULL))
			ret = -ENOMEM;
	}
	for (i = 0; i < r->nnet && ret == 0; i++) {
		const struct policy_netpat *np = &r->net[i];

		switch (np->kind) {
		case POLICY_NETPAT_UNIX:
			for (k = 0; k < np->nglob && ret == 0; k++) {
				if (!ivec_push(&v[IX_UNIX], r, &np->glob[k],
					       np))
					ret = -ENOMEM;
			}
			break;
		case POLICY_NETPAT_ABSTRACT:
			if (!ivec_push(&v[IX_ABSTRACT], r, NULL, np))
				ret = -ENOMEM;
			break;
		default:
			ret = index_inet(v, r, np);
			break;
		}
	}
	return ret;
}

static const struct {
	size_t off;
	int vec;
	enum policy_trie_mode mode;
} index_tries[] = {
	{ offsetof(struct policy_index, read), IX_READ, POLICY_TRIE_PATH },
	{ offsetof(struct policy_index, write), IX_WRITE, POLICY_TRIE_PATH },
	{ offsetof(struct policy_index, exec_path), IX_EXEC_PATH,
	  POLICY_TRIE_PATH },
	{ offsetof(struct policy_index, exec_name), IX_EXEC_NAME,
	  POLICY_TRIE_KEYS },
	{ offsetof(struct policy_index, unix_path), IX_UNIX, POLICY_TRIE_PATH },
	{ offsetof(struct policy_index, inet_addr), IX_ADDR, POLICY_TRIE_KEYS },
	{ offsetof(struct policy_index, inet_host), IX_HOST, POLICY_TRIE_KEYS },
};

int policy_index_build(struct policy *p)
{
	struct policy_index *ix = &p->index;
	struct ientry_vec v[IX_COUNT];
	size_t i;
	int ret = 0;

	memset(v, 0, sizeof(v));
	policy_index_release(ix);
	for (i = 0; i < p->nrules && ret == 0; i++)
		ret = index_rule(v, p->rules[i]);
	for (i = 0; i < sizeof(index_tries) / sizeof(index_tries[0]); i++) {
		struct policy_trie *t = (struct policy_trie *)
					((char *)ix + index_tries[i].off);
		int vec = index_tries[i].vec;

		/* Each build takes its vector, also on failure. */
		if (ret == 0)
			ret = policy_trie_build(t, v[vec].e, v[vec].n,
						index_tries[i].mode);
		else
			free(v[vec].e);
		v[vec].e = NULL;
	}
	if (ret < 0)
		goto out;
	policy_ientry_sort(v[IX_INET].e, v[IX_INET].n);
	policy_ientry_sort(v[IX_ABSTRACT].e, v[IX_ABSTRACT].n);
	ix->inet = v[IX_INET].e;
	ix->ninet = v[IX_INET].n;
	ix->abstract = v[IX_ABSTRACT].e;
	ix->nabstract = v[IX_ABSTRACT].n;
	v[IX_INET].e = NULL;
	v[IX_ABSTRACT].e = NULL;
out:
	for (i = 0; i < IX_COUNT; i++)
		free(v[i].e);
	if (ret < 0)
		policy_index_release(ix);
	return ret;
}

void policy_index_release(struct policy_index *ix)
{
	size_t i;

	for (i = 0; i < sizeof(index_tries) / sizeof(index_tries[0]); i++)
		policy_trie_release((struct policy_trie *)
				    ((char *)ix + index_tries[i].off));
	free(ix->inet);
	free(ix->abstract);
	ix->inet = NULL;
	ix->abstract = NULL;
	ix->ninet = 0;
	ix->nabstract = 0;
}
