/*
 * policy_lex.h - splits one line of a policy (or cases) file into words.
 *
 * The rules of the language's lexical layer:
 *  - words are separated by blanks (space, tab, CR, VT, FF);
 *  - `#` at the start of a word starts a comment that runs to the end of the
 *    line (`a#b` is one word);
 *  - double quotes group bytes with blanks into a word and may appear inside
 *    a word (`/a/"b c"/d`); inside quotes `\"` stands for `"` and `\\` for
 *    `\`, any other backslash is kept as it is;
 *  - outside quotes a backslash is kept together with the byte after it
 *    (the glob layer reads it as an escape), so `a\ b` is one word `a\ b`;
 *  - NUL bytes are an error, anywhere in the line.
 *
 * Ownership: the words point into storage owned by struct policy_lex, valid
 * until the next policy_lex_line() or policy_lex_release().
 */
#ifndef PROCTOR_POLICY_LEX_H
#define PROCTOR_POLICY_LEX_H

#include <stddef.h>

#include "policy_err.h"

struct policy_word {
	const char *s;		/* bytes without quoting, NUL-terminated */
	size_t len;
	size_t off;		/* 0-based offset of the word in the line */
	int exact;		/* no quote removed: s[i] is line[off + i] */
};

struct policy_lex {
	struct policy_word *w;
	size_t n;
	size_t cap;
	char *buf;
	size_t bufcap;
	size_t text_off;	/* where the first word starts */
	size_t text_end;	/* where the last word ends */
};

void policy_lex_init(struct policy_lex *lx);
void policy_lex_release(struct policy_lex *lx);	/* idempotent */

/*
 * Lex line[0..len) (without its newline). Returns 0 (lx->n may be 0 for a
 * blank or comment line), -EINVAL with err->off set to the offset of the
 * problem in the line, or -ENOMEM.
 */
int policy_lex_line(struct policy_lex *lx, const char *line, size_t len,
		    struct policy_err *err);

#endif
