/*
 * policy_glob.h - compiled glob patterns of the policy language.
 *
 * Syntax (all modes): `*` any run of bytes, `?` one byte, `[abc]`, `[a-z]`,
 * `[!abc]` (or `[^abc]`) classes, `{a,b,c}` alternatives (nested allowed),
 * `\` makes the next byte literal. Modes differ in what `*`, `?` and classes
 * may cross:
 *  - PATH: an absolute path, compared component by component. `*`, `?` and
 *    classes never match `/`; `**` as a whole component matches zero or
 *    more components; a leading `**` component makes the pattern match
 *    at any depth (as if it started with a slash); a trailing `**`
 *    component matches the directory itself and everything below it.
 *  - NAME: one path component (the last component of an executed file).
 *  - TEXT: any bytes; `*` matches `/` too (exec arguments, abstract socket
 *    names).
 *  - HOST: a host name; compiled in lower case and matched against a
 *    lower-cased name; `*` matches dots, so `*.a.com` is any subdomain.
 * Braces are expanded when compiling, giving several brace-free
 * alternatives; a rule matches when any alternative does.
 *
 * Matching is on bytes (paths need not be UTF-8), never allocates and never
 * fails; it is safe to call from many threads on the same compiled glob.
 * Backtracking is bounded: a component match is O(len * tokens), a path
 * match O(components * segments) component matches.
 *
 * Ownership: compiled globs live in the arena passed to the compiler.
 */
#ifndef PROCTOR_POLICY_GLOB_H
#define PROCTOR_POLICY_GLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy_arena.h"
#include "policy_err.h"

#define POLICY_GLOB_MAX_ALTS 1024	/* alternatives of one word */
#define POLICY_GLOB_MAX_BRACES 64	/* brace groups in one word */
#define POLICY_GLOB_MAX_DEPTH 16	/* nesting of brace groups */

enum policy_glob_mode {
	POLICY_GLOB_PATH,
	POLICY_GLOB_NAME,
	POLICY_GLOB_TEXT,
	POLICY_GLOB_HOST,
};

enum policy_glob_tok_kind {
	POLICY_GT_LIT,
	POLICY_GT_ANY,
	POLICY_GT_CLASS,
	POLICY_GT_STAR,
};

struct policy_glob_tok {
	uint32_t kind;
	uint32_t len;			/* LIT: number of bytes */
	const unsigned char *p;		/* LIT: bytes; CLASS: 256-bit map */
};

/* One path component of a PATH glob, or the whole of any other glob. */
struct policy_glob_seg {
	uint8_t globstar;		/* `**`: zero or more components */
	uint8_t literal;		/* no wildcard: compare lit bytes */
	uint8_t has_star;
	uint32_t ntok;
	uint32_t minlen;		/* fewest bytes it can match */
	uint32_t litlen;
	const unsigned char *lit;
	const struct policy_glob_tok *tok;
	/* Literal bytes a match must start and end with (prefilter). */
	uint32_t prelen;
	uint32_t suflen;
	const unsigned char *pre;
	const unsigned char *suf;
};

struct policy_glob {
	uint32_t mode;
	uint32_t nseg;
	uint32_t nlit;			/* leading literal segments */
	const struct policy_glob_seg *seg;
	/* The segment that must match the last component (PATH: the last
	 * segment unless it is `**`; NAME: the name), or NULL. */
	const struct policy_glob_seg *last;
	const char *text;		/* this alternative (`**` first: a
					 * slash is put before it) */
	size_t text_len;
};

/* Brace-free alternatives of a word; s[i] are malloc'd, NUL-terminated. */
struct policy_glob_alts {
	char **s;
	size_t *len;
	size_t n;
	size_t cap;
};

/* Checks escapes, classes and braces of a whole word; err->off points into
 * s. Returns 0 or -EINVAL. */
int policy_glob_check(const char *s, size_t len, enum policy_glob_mode mode,
		      struct policy_err *err);

/* Expands braces of a checked word. Returns 0, -EINVAL (too many
 * alternatives) or -ENOMEM; release out with policy_glob_alts_release(). */
int policy_glob_braces(const char *s, size_t len, struct policy_glob_alts *out,
		       struct policy_err *err);
void policy_glob_alts_release(struct policy_glob_alts *alts);

/* Compiles one brace-free alternative (already checked). PATH mode needs an
 * absolute pattern (or one starting with `**` + `/`). Returns 0, -EINVAL
 * (err->off into s) or -ENOMEM. */
int policy_glob_compile(struct policy_arena *a, const char *s, size_t len,
			enum policy_glob_mode mode, struct policy_glob *g,
			struct policy_err *err);

/* True when the pattern has any wildcard (after escapes are removed). */
bool policy_glob_is_literal(const struct policy_glob *g);

/* Whole-string match. PATH: s must be an absolute path. HOST: s must be in
 * lower case already. */
bool policy_glob_match(const struct policy_glob *g, const char *s,
		       size_t len);

/*
 * PATH matching from segment seg0 at component position pos of path, where
 * pos is the offset where a component starts or len + 1 when no component
 * is left (see policy_glob_path_start/next).
 */
bool policy_glob_match_path(const struct policy_glob *g, uint32_t seg0,
			    const char *path, size_t len, size_t pos);
bool policy_glob_seg_match(const struct policy_glob_seg *sg,
			   const unsigned char *s, size_t n);

/* Cheap test: false when sg certainly does not match s[0..n). */
static inline bool policy_glob_seg_quick(const struct policy_glob_seg *sg,
					 const unsigned char *s, size_t n)
{
	if (sg->literal)
		return n == sg->litlen && (n == 0 || (s[0] == sg->lit[0] &&
			__builtin_memcmp(s, sg->lit, n) == 0));
	if (n < sg->minlen)
		return false;
	if (sg->prelen && __builtin_memcmp(s, sg->pre, sg->prelen) != 0)
		return false;
	if (sg->suflen && __builtin_memcmp(s + n - sg->suflen, sg->suf,
					   sg->suflen) != 0)
		return false;
	return true;
}

/*
 * First component of an absolute path (len >= 1): always 1. Components are
 * what lies between slashes, as with fnmatch(3) and FNM_PATHNAME: "/" is
 * one empty component, "/a/" is "a" and an empty one.
 */
static inline size_t policy_glob_path_start(size_t len)
{
	(void)len;
	return 1;
}

#endif
