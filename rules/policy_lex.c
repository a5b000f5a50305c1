/*
 * policy_lex.c - the lexical layer of the policy language (policy_lex.h).
 *
 * Works on bytes: any byte other than NUL may appear in a word, so policy
 * files can name paths that are not UTF-8. Never reads past len.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_lex.h"

void policy_lex_init(struct policy_lex *lx)
{
	memset(lx, 0, sizeof(*lx));
}

void policy_lex_release(struct policy_lex *lx)
{
	free(lx->w);
	free(lx->buf);
	policy_lex_init(lx);
}

static int lex_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int lex_push(struct policy_lex *lx, const struct policy_word *w)
{
	if (lx->n == lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 16;
		struct policy_word *nw;

		nw = realloc(lx->w, cap * sizeof(*nw));
		if (!nw)
			return -ENOMEM;
		lx->w = nw;
		lx->cap = cap;
	}
	lx->w[lx->n++] = *w;
	return 0;
}

int policy_lex_line(struct policy_lex *lx, const char *line, size_t len,
		    struct policy_err *err)
{
	const char *nul;
	size_t i = 0, o = 0, need;
	int ret;

	lx->n = 0;
	lx->text_off = 0;
	lx->text_end = 0;
	nul = memchr(line, '\0', len);
	if (nul)
		return policy_err_at(err, (size_t)(nul - line),
				     "NUL byte in policy text");
	/* Unquoted words are never longer than their source; one NUL each. */
	if (len > SIZE_MAX / 2 - 2)
		return -ENOMEM;
	need = len * 2 + 2;
	if (need > lx->bufcap) {
		char *nb = realloc(lx->buf, need);

		if (!nb)
			return -ENOMEM;
		lx->buf = nb;
		lx->bufcap = need;
	}
	for (;;) {
		struct policy_word w;
		size_t quote_at = 0;
		int in_quote = 0;

		while (i < len && lex_blank((unsigned char)line[i]))
			i++;
		if (i >= len || line[i] == '#')
			break;
		w.off = i;
		w.exact = 1;
		w.s = lx->buf + o;
		while (i < len) {
			char c = line[i];

			if (!in_quote && lex_blank((unsigned char)c))
				break;
			if (c == '"') {
				in_quote = !in_quote;
				quote_at = i;
				w.exact = 0;
				i++;
				continue;
			}
			if (c == '\\' && in_quote) {
				char d = i + 1 < len ? line[i + 1] : 0;

				if (d == '"' || d == '\\') {
					lx->buf[o++] = line[i + 1];
					i += 2;
					continue;
				}
				lx->buf[o++] = c;
				i++;
				continue;
			}
			if (c == '\\') {
				if (i + 1 >= len)
					return policy_err_at(err, i,
						"backslash at the end of the "
						"line");
				lx->buf[o++] = c;
				lx->buf[o++] = line[i + 1];
				i += 2;
				continue;
			}
			lx->buf[o++] = c;
			i++;
		}
		if (in_quote)
			return policy_err_at(err, quote_at,
					     "unterminated quoted string");
		w.len = (size_t)(lx->buf + o - w.s);
		lx->buf[o++] = '\0';
		if (lx->n == 0)
			lx->text_off = w.off;
		lx->text_end = i;
		ret = lex_push(lx, &w);
		if (ret < 0)
			return ret;
	}
	return 0;
}
