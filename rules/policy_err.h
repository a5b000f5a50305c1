/*
 * policy_err.h - one error message with its position, passed up from the
 * parts of the compiler (lexer, expander, globs, connect patterns) to the
 * loader, which adds FILE:LINE and reports it through the diag callback.
 *
 * off is a 0-based byte offset into the text the failing function was given
 * (a line for the lexer, a word for the others); has_off is 0 when the
 * position is unknown, and the caller then points at the word.
 */
#ifndef PROCTOR_POLICY_ERR_H
#define PROCTOR_POLICY_ERR_H

#include <stddef.h>

#define POLICY_ERR_MSG 512
#define POLICY_ERR_SHOW 64	/* bytes of a word quoted in a message */

struct policy_err {
	size_t off;
	int has_off;
	char msg[POLICY_ERR_MSG];
};

/* Sets the message (printf format) and the offset; always returns -EINVAL
 * so that callers can write `return policy_err_set(...)`. */
int policy_err_at(struct policy_err *e, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same without a position. */
int policy_err_set(struct policy_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Writes a printable rendering of the bytes s[0..len) into out (always
 * NUL-terminated): control and non-ASCII bytes as \xNN, at most
 * POLICY_ERR_SHOW bytes of input followed by "..." when longer.
 */
void policy_err_show(const char *s, size_t len, char *out, size_t outlen);

#endif
