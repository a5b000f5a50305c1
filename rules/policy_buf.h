/*
 * policy_buf.h - growable byte buffer used by the policy loader and tools.
 *
 * The buffer is always NUL-terminated after a successful append (the NUL is
 * not counted in len), so p can be handed to functions expecting C strings
 * when the content has no NUL of its own.
 *
 * Ownership: struct policy_buf owns p; policy_buf_release() frees it, and
 * policy_buf_detach() hands it to the caller, who then frees it with free().
 */
#ifndef PROCTOR_POLICY_BUF_H
#define PROCTOR_POLICY_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct policy_buf {
	char *p;
	size_t len;
	size_t cap;
};

void policy_buf_init(struct policy_buf *b);
void policy_buf_release(struct policy_buf *b);	/* idempotent */
char *policy_buf_detach(struct policy_buf *b);	/* caller frees */
void policy_buf_reset(struct policy_buf *b);	/* len = 0, keeps memory */

/* Each returns 0 or -ENOMEM. */
int policy_buf_reserve(struct policy_buf *b, size_t extra);
int policy_buf_add(struct policy_buf *b, const void *p, size_t n);
int policy_buf_addc(struct policy_buf *b, char c);
int policy_buf_adds(struct policy_buf *b, const char *s);
int policy_buf_addf(struct policy_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int policy_buf_vaddf(struct policy_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Appends bytes with control, non-ASCII, '\\' and '"' bytes shown as
 * \xNN / \\ / \" so that the result is one printable line. */
int policy_buf_add_escaped(struct policy_buf *b, const char *p, size_t n);

#endif
