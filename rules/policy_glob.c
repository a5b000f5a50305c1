/*
 * policy_glob.c - glob checking, brace expansion, compilation and matching
 * (policy_glob.h).
 *
 * The matcher is the classic single-backtrack-point algorithm, used twice:
 * within a component over tokens (each token but `*` consumes a fixed
 * number of bytes) and across components over segments (each segment but
 * `**` consumes exactly one component). In both cases remembering only the
 * latest star is enough, because whatever a star does not absorb, a later
 * star can: the first place where the fixed part after a star fits is
 * always as good as any later one.
 *
 * Never call anything that allocates from the match functions: they run on
 * every trapped system call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_glob.h"

#define GLOB_NONE ((size_t)-1)
#define GLOB_MAX_BYTES (1u << 20)	/* total bytes of all alternatives */

static unsigned char glob_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Index of the `]` closing the class opened at s[i], or GLOB_NONE. */
static size_t glob_class_end(const char *s, size_t n, size_t i)
{
	size_t j = i + 1;

	if (j < n && (s[j] == '!' || s[j] == '^'))
		j++;
	if (j < n && s[j] == ']')
		j++;
	while (j < n) {
		if (s[j] == '\\') {
			j += 2;
			continue;
		}
		if (s[j] == ']')
			return j;
		j++;
	}
	return GLOB_NONE;
}

static void glob_bit_set(unsigned char *bm, unsigned c)
{
	bm[c >> 3] |= (unsigned char)(1u << (c & 7));
}

static int glob_bit(const unsigned char *bm, unsigned c)
{
	return bm[c >> 3] & (1u << (c & 7));
}

/* Parses the class s[i..end] (s[i] == '[', s[end] == ']') into bm. */
static int glob_class(const char *s, size_t i, size_t end,
		      enum policy_glob_mode mode, unsigned char bm[32],
		      struct policy_err *err)
{
	size_t j = i + 1, k;
	int neg = 0;

	memset(bm, 0, 32);
	if (s[j] == '!' || s[j] == '^') {
		neg = 1;
		j++;
	}
	while (j < end) {
		size_t at = j;
		unsigned lo, hi;

		if (s[j] == '[' && j + 1 < end &&
		    (s[j + 1] == ':' || s[j + 1] == '=' || s[j + 1] == '.'))
			return policy_err_at(err, at,
				"POSIX classes such as [:alpha:] are not "
				"supported: use ranges such as [a-zA-Z] (or "
				"'\\[' for a literal '[')");
		if (s[j] == '\\') {
			lo = (unsigned char)s[j + 1];
			j += 2;
		} else {
			lo = (unsigned char)s[j];
			j++;
		}
		hi = lo;
		if (j + 1 < end && s[j] == '-') {
			j++;
			if (s[j] == '\\') {
				hi = (unsigned char)s[j + 1];
				j += 2;
			} else {
				hi = (unsigned char)s[j];
				j++;
			}
			if (hi < lo)
				return policy_err_at(err, at,
					"bad range in character class: the "
					"end is before the start");
		}
		if (mode == POLICY_GLOB_PATH && lo <= '/' && '/' <= hi)
			return policy_err_at(err, at,
				"'/' in a character class never matches in a "
				"path (components are matched one by one)");
		for (k = lo; k <= hi; k++)
			glob_bit_set(bm, (unsigned)k);
	}
	if (mode == POLICY_GLOB_HOST) {
		for (k = 'A'; k <= 'Z'; k++) {
			if (glob_bit(bm, (unsigned)k))
				glob_bit_set(bm, (unsigned)k + 32);
		}
	}
	if (neg) {
		for (k = 0; k < 32; k++)
			bm[k] = (unsigned char)~bm[k];
		if (mode == POLICY_GLOB_PATH || mode == POLICY_GLOB_NAME)
			bm['/' >> 3] &= (unsigned char)~(1u << ('/' & 7));
	}
	return 0;
}

int policy_glob_check(const char *s, size_t len, enum policy_glob_mode mode,
		      struct policy_err *err)
{
	size_t open_at[POLICY_GLOB_MAX_DEPTH];
	size_t i = 0, depth = 0, groups = 0;
	unsigned char bm[32];
	int ret;

	while (i < len) {
		char c = s[i];

		if (c == '\\') {
			if (i + 1 >= len)
				return policy_err_at(err, i,
					"backslash at the end of a pattern "
					"escapes nothing");
			i += 2;
			continue;
		}
		if (c == '[') {
			size_t end = glob_class_end(s, len, i);

			if (end == GLOB_NONE)
				return policy_err_at(err, i,
					"unclosed '[' (write '\\[' for a "
					"literal '[')");
			ret = glob_class(s, i, end, mode, bm, err);
			if (ret < 0)
				return ret;
			i = end + 1;
			continue;
		}
		if (c == '{') {
			if (depth == POLICY_GLOB_MAX_DEPTH)
				return policy_err_at(err, i,
					"braces nested too deeply (at most "
					"%d levels)", POLICY_GLOB_MAX_DEPTH);
			if (++groups > POLICY_GLOB_MAX_BRACES)
				return policy_err_at(err, i,
					"too many '{' groups in one pattern "
					"(at most %d)", POLICY_GLOB_MAX_BRACES);
			open_at[depth++] = i;
		} else if (c == '}') {
			if (depth == 0)
				return policy_err_at(err, i,
					"unmatched '}' (write '\\}' for a "
					"literal '}')");
			depth--;
		}
		i++;
	}
	if (depth > 0)
		return policy_err_at(err, open_at[0],
				     "unclosed '{' (write '\\{' for a literal "
				     "'{')");
	return 0;
}

/* ---- brace expansion ---------------------------------------------- */

static int alts_push(struct policy_glob_alts *a, char *s, size_t len)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		char **ns;
		size_t *nl;

		ns = realloc(a->s, cap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		a->s = ns;
		nl = realloc(a->len, cap * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		a->len = nl;
		a->cap = cap;
	}
	a->s[a->n] = s;
	a->len[a->n] = len;
	a->n++;
	return 0;
}

void policy_glob_alts_release(struct policy_glob_alts *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->s[i]);
	free(a->s);
	free(a->len);
	memset(a, 0, sizeof(*a));
}

/*
 * Scanning a pattern for its structure: when s[i] starts an escape or a
 * bracket class, the index just after it (unterminated when the class has
 * no end); else i itself.
 */
static size_t glob_skip_quoted(const char *s, size_t n, size_t i,
			       size_t unterminated)
{
	size_t end;

	if (s[i] == '\\')
		return i + 2;
	if (s[i] != '[')
		return i;
	end = glob_class_end(s, n, i);
	return end == GLOB_NONE ? unterminated : end + 1;
}

/* Finds the first top-level brace group: *open, *close. 0 when none. */
static int glob_find_group(const char *s, size_t n, size_t *open,
			   size_t *close)
{
	size_t i = 0, depth = 0;

	while (i < n) {
		size_t next = glob_skip_quoted(s, n, i, n);

		if (next != i) {
			i = next;
			continue;
		}
		if (s[i] == '{') {
			if (depth++ == 0)
				*open = i;
		} else if (s[i] == '}' && depth > 0) {
			if (--depth == 0) {
				*close = i;
				return 1;
			}
		}
		i++;
	}
	return 0;
}

/* Pushes prefix + s[a..b) + suffix onto work. */
static int glob_push_alt(struct policy_glob_alts *work, const char *s,
			 size_t n, size_t open, size_t close, size_t a,
			 size_t b, size_t *total, struct policy_err *err)
{
	size_t len = open + (b - a) + (n - close - 1);
	char *p;
	int ret;

	*total += len;
	if (*total > GLOB_MAX_BYTES)
		return policy_err_set(err, "braces expand to too much text");
	p = malloc(len + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, s, open);
	memcpy(p + open, s + a, b - a);
	memcpy(p + open + (b - a), s + close + 1, n - close - 1);
	p[len] = '\0';
	ret = alts_push(work, p, len);
	if (ret < 0)
		free(p);
	return ret;
}

static int glob_split_group(struct policy_glob_alts *work, const char *s,
			    size_t n, size_t open, size_t close,
			    size_t *total, struct policy_err *err)
{
	size_t cuts[POLICY_GLOB_MAX_ALTS + 1];
	size_t ncut = 0, i = open + 1, depth = 0, k;
	int ret;

	cuts[ncut++] = open + 1;
	while (i < close) {
		size_t next = glob_skip_quoted(s, n, i, close);

		if (next != i) {
			i = next;
			continue;
		}
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}')
			depth--;
		else if (s[i] == ',' && depth == 0) {
			if (ncut == POLICY_GLOB_MAX_ALTS)
				return policy_err_at(err, i,
					"too many alternatives in braces");
			cuts[ncut++] = i + 1;
		}
		i++;
	}
	/* Pushed in reverse so that they come out in the written order. */
	for (k = ncut; k-- > 0;) {
		size_t end = k + 1 < ncut ? cuts[k + 1] - 1 : close;

		ret = glob_push_alt(work, s, n, open, close, cuts[k], end,
				    total, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int policy_glob_braces(const char *s, size_t len, struct policy_glob_alts *out,
		       struct policy_err *err)
{
	struct policy_glob_alts work;
	size_t total = len, open = 0, close = 0;
	char *p;
	int ret;

	memset(&work, 0, sizeof(work));
	memset(out, 0, sizeof(*out));
	p = malloc(len + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, s, len);
	p[len] = '\0';
	ret = alts_push(&work, p, len);
	if (ret < 0) {
		free(p);
		goto out;
	}
	while (work.n > 0) {
		char *cur = work.s[--work.n];
		size_t n = work.len[work.n];

		if (!glob_find_group(cur, n, &open, &close)) {
			if (out->n >= POLICY_GLOB_MAX_ALTS) {
				free(cur);
				ret = policy_err_set(err,
					"braces expand to more than %d "
					"alternatives", POLICY_GLOB_MAX_ALTS);
				goto out;
			}
			ret = alts_push(out, cur, n);
			if (ret < 0) {
				free(cur);
				goto out;
			}
			continue;
		}
		ret = glob_split_group(&work, cur, n, open, close, &total, err);
		free(cur);
		if (ret < 0)
			goto out;
		if (work.n + out->n > 4 * POLICY_GLOB_MAX_ALTS) {
			ret = policy_err_set(err,
				"braces expand to more than %d alternatives",
				POLICY_GLOB_MAX_ALTS);
			goto out;
		}
	}
	ret = 0;
out:
	policy_glob_alts_release(&work);
	if (ret < 0)
		policy_glob_alts_release(out);
	return ret;
}

/* ---- compilation -------------------------------------------------- */

struct glob_tokbuf {
	struct policy_glob_tok tok[64];
	struct policy_glob_tok *t;	/* tok or a heap array */
	size_t n;
	size_t cap;
};

static int tokbuf_push(struct glob_tokbuf *tb, const struct policy_glob_tok *t)
{
	if (tb->n == tb->cap) {
		size_t cap = tb->cap * 2;
		struct policy_glob_tok *nt;

		if (tb->t == tb->tok) {
			nt = malloc(cap * sizeof(*nt));
			if (nt)
				memcpy(nt, tb->tok, sizeof(tb->tok));
		} else {
			nt = realloc(tb->t, cap * sizeof(*nt));
		}
		if (!nt)
			return -ENOMEM;
		tb->t = nt;
		tb->cap = cap;
	}
	tb->t[tb->n++] = *t;
	return 0;
}

/*
 * Compiles s[0..n) (one component for PATH) into sg. base is the offset of
 * s in the alternative, for error positions. Literal bytes are gathered in
 * lit (arena, n bytes) as they are unescaped.
 */
static int glob_compile_seg(struct policy_arena *a, const char *s, size_t n,
			    size_t base, enum policy_glob_mode mode,
			    struct policy_glob_seg *sg, struct policy_err *err)
{
	struct glob_tokbuf tb;
	unsigned char *lit;
	size_t i = 0, o = 0, k;
	int ret = 0;

	memset(sg, 0, sizeof(*sg));
	tb.t = tb.tok;
	tb.n = 0;
	tb.cap = sizeof(tb.tok) / sizeof(tb.tok[0]);
	lit = policy_arena_alloc(a, n + 1);
	if (!lit)
		return -ENOMEM;
	while (i < n) {
		struct policy_glob_tok t = { POLICY_GT_LIT, 0, NULL };
		unsigned char c = (unsigned char)s[i];

		if (c == '*') {
			if (mode == POLICY_GLOB_PATH && i + 1 < n &&
			    s[i + 1] == '*') {
				ret = policy_err_at(err, base + i,
					"'**' must be a whole path component "
					"(use '*' within a name)");
				goto out;
			}
			i++;
			if (tb.n && tb.t[tb.n - 1].kind == POLICY_GT_STAR)
				continue;
			t.kind = POLICY_GT_STAR;
			sg->has_star = 1;
		} else if (c == '?') {
			t.kind = POLICY_GT_ANY;
			sg->minlen++;
			i++;
		} else if (c == '[') {
			size_t end = glob_class_end(s, n, i);
			unsigned char *bm = policy_arena_alloc(a, 32);

			if (!bm) {
				ret = -ENOMEM;
				goto out;
			}
			if (end == GLOB_NONE) {
				ret = policy_err_at(err, base + i,
						    "unclosed '['");
				goto out;
			}
			ret = glob_class(s, i, end, mode, bm, err);
			if (ret < 0) {
				err->off += base;
				goto out;
			}
			t.kind = POLICY_GT_CLASS;
			t.p = bm;
			sg->minlen++;
			i = end + 1;
		} else {
			if (c == '\\') {
				if (i + 1 >= n) {
					ret = policy_err_at(err, base + i,
						"backslash at the end of a "
						"pattern escapes nothing");
					goto out;
				}
				c = (unsigned char)s[i + 1];
				i += 2;
			} else {
				i++;
			}
			if (mode == POLICY_GLOB_HOST)
				c = glob_lower(c);
			sg->minlen++;
			if (tb.n && tb.t[tb.n - 1].kind == POLICY_GT_LIT &&
			    tb.t[tb.n - 1].p + tb.t[tb.n - 1].len == lit + o) {
				lit[o++] = c;
				tb.t[tb.n - 1].len++;
				continue;
			}
			t.p = lit + o;
			t.len = 1;
			lit[o++] = c;
		}
		ret = tokbuf_push(&tb, &t);
		if (ret < 0)
			goto out;
	}
	sg->ntok = (uint32_t)tb.n;
	sg->literal = 1;
	for (k = 0; k < tb.n; k++) {
		if (tb.t[k].kind != POLICY_GT_LIT)
			sg->literal = 0;
	}
	if (sg->literal) {
		sg->lit = lit;
		sg->litlen = (uint32_t)o;
	} else {
		if (tb.t[0].kind == POLICY_GT_LIT) {
			sg->pre = tb.t[0].p;
			sg->prelen = tb.t[0].len;
		}
		if (tb.t[tb.n - 1].kind == POLICY_GT_LIT) {
			sg->suf = tb.t[tb.n - 1].p;
			sg->suflen = tb.t[tb.n - 1].len;
		}
	}
	sg->tok = policy_arena_memdup(a, tb.t, tb.n * sizeof(tb.t[0]));
	if (!sg->tok)
		ret = -ENOMEM;
out:
	if (tb.t != tb.tok)
		free(tb.t);
	return ret;
}

/* Splits a PATH alternative at its separators; counts or fills. */
static size_t glob_next_sep(const char *s, size_t n, size_t i)
{
	while (i < n) {
		size_t next = glob_skip_quoted(s, n, i, i);

		if (next != i) {
			i = next;
			continue;
		}
		if (s[i] == '/')
			return i;
		i++;
	}
	return n;
}

static int glob_compile_path(struct policy_arena *a, const char *s, size_t n,
			     struct policy_glob *g, struct policy_err *err)
{
	struct policy_glob_seg *seg;
	size_t i, j, count = 0, k = 0;
	int ret;

	for (i = 1; i <= n; i = glob_next_sep(s, n, i) + 1)
		count++;
	seg = policy_arena_alloc(a, count * sizeof(*seg));
	if (!seg)
		return -ENOMEM;
	for (i = 1; i <= n; k++) {
		size_t e = glob_next_sep(s, n, i);
		size_t clen = e - i;

		if (clen == 0 && n == 1) {
			/* "/": the root, one empty component. */
			ret = glob_compile_seg(a, s + i, 0, i,
					       POLICY_GLOB_PATH, &seg[k], err);
			if (ret < 0)
				return ret;
			i = e + 1;
			continue;
		}
		if (clen == 0) {
			if (e == n)
				return policy_err_at(err, i - 1,
					"pattern ends with '/': write DIR for "
					"the directory or DIR/** for it and "
					"everything below");
			return policy_err_at(err, i,
					     "empty path component ('//')");
		}
		for (j = i; j + 1 < e; j++) {
			if (s[j] != '\\')
				continue;
			if (s[j + 1] == '/')
				return policy_err_at(err, j, "'\\/' is not "
					"allowed: '/' always separates "
					"components");
			j++;
		}
		if (clen == 2 && s[i] == '*' && s[i + 1] == '*') {
			seg[k].globstar = 1;
		} else {
			ret = glob_compile_seg(a, s + i, clen, i,
					       POLICY_GLOB_PATH, &seg[k], err);
			if (ret < 0)
				return ret;
			if (seg[k].literal &&
			    ((seg[k].litlen == 1 && seg[k].lit[0] == '.') ||
			     (seg[k].litlen == 2 && seg[k].lit[0] == '.' &&
			      seg[k].lit[1] == '.')))
				return policy_err_at(err, i,
					"'.' and '..' components are not "
					"allowed: patterns match resolved "
					"absolute paths");
		}
		i = e + 1;
	}
	g->seg = seg;
	g->nseg = (uint32_t)count;
	if (!seg[count - 1].globstar)
		g->last = &seg[count - 1];
	for (k = 0; k < count && seg[k].literal && !seg[k].globstar; k++)
		;
	g->nlit = (uint32_t)k;
	return 0;
}

int policy_glob_compile(struct policy_arena *a, const char *s, size_t len,
			enum policy_glob_mode mode, struct policy_glob *g,
			struct policy_err *err)
{
	struct policy_glob_seg *seg;
	char *text;
	int ret;

	memset(g, 0, sizeof(*g));
	g->mode = mode;
	if (mode == POLICY_GLOB_PATH) {
		int rel = len >= 3 && s[0] == '*' && s[1] == '*' && s[2] == '/';

		if (!rel && (len == 0 || s[0] != '/'))
			return policy_err_at(err, 0,
					     "path pattern must be absolute");
		text = policy_arena_alloc(a, len + 2);
		if (!text)
			return -ENOMEM;
		if (rel)
			text[0] = '/';
		memcpy(text + rel, s, len);
		g->text = text;
		g->text_len = len + (size_t)rel;
		ret = glob_compile_path(a, text, g->text_len, g, err);
		if (ret < 0 && err->has_off && rel && err->off > 0)
			err->off--;
		return ret;
	}
	g->text = policy_arena_strndup(a, s, len);
	if (!g->text)
		return -ENOMEM;
	g->text_len = len;
	seg = policy_arena_alloc(a, sizeof(*seg));
	if (!seg)
		return -ENOMEM;
	ret = glob_compile_seg(a, s, len, 0, mode, seg, err);
	if (ret < 0)
		return ret;
	g->seg = seg;
	g->nseg = 1;
	g->nlit = mode == POLICY_GLOB_NAME && seg->literal;
	g->last = seg;
	return 0;
}

bool policy_glob_is_literal(const struct policy_glob *g)
{
	uint32_t i;

	for (i = 0; i < g->nseg; i++) {
		if (g->seg[i].globstar || !g->seg[i].literal)
			return false;
	}
	return true;
}

/* ---- matching ----------------------------------------------------- */

bool policy_glob_seg_match(const struct policy_glob_seg *sg,
			   const unsigned char *s, size_t n)
{
	const struct policy_glob_tok *t, *te, *star = NULL;
	size_t i = 0, star_i = 0;

	if (!policy_glob_seg_quick(sg, s, n))
		return false;
	if (sg->literal)
		return true;
	if (!sg->has_star && n != sg->minlen)
		return false;
	t = sg->tok;
	te = t + sg->ntok;
	for (;;) {
		if (t < te) {
			switch (t->kind) {
			case POLICY_GT_STAR:
				if (t + 1 == te)
					return true;
				star = t++;
				star_i = i;
				continue;
			case POLICY_GT_LIT:
				if (t->len <= n - i &&
				    memcmp(s + i, t->p, t->len) == 0) {
					i += t->len;
					t++;
					continue;
				}
				break;
			case POLICY_GT_ANY:
				if (i < n) {
					i++;
					t++;
					continue;
				}
				break;
			default:
				if (i < n && glob_bit(t->p, s[i])) {
					i++;
					t++;
					continue;
				}
				break;
			}
		} else if (i == n) {
			return true;
		}
		if (!star || star_i >= n)
			return false;
		i = ++star_i;
		t = star + 1;
	}
}

/* Offset just after the component starting at pos (its '/' or len). */
static size_t glob_comp_end(const char *p, size_t len, size_t pos)
{
	const char *e = memchr(p + pos, '/', len - pos);

	return e ? (size_t)(e - p) : len;
}

bool policy_glob_match_path(const struct policy_glob *g, uint32_t seg0,
			    const char *path, size_t len, size_t pos)
{
	const struct policy_glob_seg *seg = g->seg;
	const size_t end = len + 1;
	uint32_t si = seg0, nseg = g->nseg, star_si = UINT32_MAX;
	size_t star_pos = 0;

	for (;;) {
		size_t e;

		if (si < nseg && seg[si].globstar) {
			star_si = si++;
			star_pos = pos;
			continue;
		}
		if (pos == end)
			return si == nseg;
		if (si < nseg) {
			e = glob_comp_end(path, len, pos);
			if (policy_glob_seg_match(&seg[si],
					(const unsigned char *)path + pos,
					e - pos)) {
				si++;
				pos = e < len ? e + 1 : end;
				continue;
			}
		}
		/* Mismatch: let the latest `**` absorb one more component. */
		if (star_si == UINT32_MAX || star_pos == end)
			return false;
		e = glob_comp_end(path, len, star_pos);
		star_pos = e < len ? e + 1 : end;
		si = star_si + 1;
		pos = star_pos;
	}
}

bool policy_glob_match(const struct policy_glob *g, const char *s,
		       size_t len)
{
	if (g->mode == POLICY_GLOB_PATH) {
		if (len == 0 || s[0] != '/')
			return false;
		return policy_glob_match_path(g, 0, s, len,
					      policy_glob_path_start(len));
	}
	return policy_glob_seg_match(&g->seg[0], (const unsigned char *)s,
				     len);
}
