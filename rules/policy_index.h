/*
 * policy_index.h - lookup structures that let policy_eval() look at only
 * the rules that can match a query.
 *
 * A trie keyed by path components holds every PATH glob under the node of
 * its literal leading components (a glob for everything below /home/u/.ssh
 * sits under home, u, .ssh); walking the query path down the trie
 * gathers, at each node passed, the entries whose literal part the path
 * has. Program names of exec rules
 * use a one-level trie keyed by the literal name (wildcard names sit at the
 * root). Entries of a node are sorted by rule index, highest first, so that
 * the evaluator can merge the few lists it gathered and test rules from the
 * last one to the first, stopping at the first match (last match wins).
 *
 * Invariants: built once by policy_finish(), then read-only (safe for
 * concurrent lookups); lookups never allocate.
 *
 * Ownership: struct policy_trie owns its node, edge and entry arrays.
 */
#ifndef PROCTOR_POLICY_INDEX_H
#define PROCTOR_POLICY_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy_glob.h"
#include "policy_net.h"

#define POLICY_TRIE_MAX_DEPTH 32	/* literal components indexed */

struct policy_rule;

struct policy_ientry {
	uint32_t idx;			/* rule index: the higher wins */
	uint32_t nlit;			/* PATH: segments the walk consumed */
	const struct policy_glob *g;
	const struct policy_rule *r;
	const struct policy_netpat *np;
	uint32_t nkeys;			/* KEYS: how many keys lead to it */
	uint32_t keylen[2];
	const unsigned char *key[2];
};

struct policy_tnode {
	uint32_t first;			/* into entries */
	uint32_t count;
};

struct policy_tedge {
	uint32_t parent;
	uint32_t child;			/* 0: empty slot (root: no child) */
	uint32_t hash;
	uint32_t len;
	const unsigned char *comp;
};

/*
 * PATH tries are keyed by the literal leading components of each entry's
 * glob; KEYS tries by up to two explicit keys per entry (exec: program
 * name, then first argument; connect: address bucket or host name).
 */
enum policy_trie_mode {
	POLICY_TRIE_PATH,
	POLICY_TRIE_KEYS,
};

struct policy_trie {
	struct policy_ientry *entries;
	size_t nentries;
	struct policy_tnode *nodes;
	size_t nnodes;
	struct policy_tedge *edges;
	size_t mask;			/* edges has mask + 1 slots */
};

/* A sorted run of entries and the path position its walk reached. */
struct policy_cand {
	const struct policy_ientry *p;
	const struct policy_ientry *end;
	size_t pos;
};

void policy_trie_init(struct policy_trie *t);
void policy_trie_release(struct policy_trie *t);	/* idempotent */

/*
 * Builds the trie from n entries (takes ownership of the malloc'd array
 * entries, also on failure). Returns 0 or -ENOMEM.
 */
int policy_trie_build(struct policy_trie *t, struct policy_ientry *entries,
		      size_t n, enum policy_trie_mode mode);

/*
 * PATH walk over an absolute path: fills up to max candidate runs (root
 * first) and returns how many.
 */
size_t policy_trie_walk(const struct policy_trie *t, const char *path,
			size_t len, struct policy_cand *out, size_t max);

/*
 * KEYS walk: the root's run when with_root, then the runs of the nodes
 * reached by keys[0], keys[0]/keys[1]... Returns how many runs it filled.
 */
size_t policy_trie_keys(const struct policy_trie *t,
			const char *const *keys, const size_t *lens,
			size_t nkeys, bool with_root, struct policy_cand *out,
			size_t max);

/* Sorts n entries by rule index, highest first (for the flat lists). */
void policy_ientry_sort(struct policy_ientry *e, size_t n);

/* Pops the entry with the highest rule index among the runs; NULL when
 * all are exhausted. *pos receives the run's position. */
static inline const struct policy_ientry *
policy_cand_next(struct policy_cand *c, size_t n, size_t *pos)
{
	const struct policy_ientry *best = NULL;
	size_t i, bi = 0;

	for (i = 0; i < n; i++) {
		if (c[i].p != c[i].end &&
		    (!best || c[i].p->idx > best->idx)) {
			best = c[i].p;
			bi = i;
		}
	}
	if (best) {
		*pos = c[bi].pos;
		c[bi].p++;
	}
	return best;
}

#endif
