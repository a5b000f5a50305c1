/*
 * policy_buf.c - growable byte buffer (policy_buf.h).
 *
 * Growth doubles the capacity; every size computation is checked for
 * overflow. The buffer is kept NUL-terminated.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_buf.h"

void policy_buf_init(struct policy_buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void policy_buf_release(struct policy_buf *b)
{
	free(b->p);
	policy_buf_init(b);
}

char *policy_buf_detach(struct policy_buf *b)
{
	char *p = b->p;

	if (!p)
		p = calloc(1, 1);
	policy_buf_init(b);
	return p;
}

void policy_buf_reset(struct policy_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

int policy_buf_reserve(struct policy_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return -ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	b->p[b->len] = '\0';
	return 0;
}

int policy_buf_add(struct policy_buf *b, const void *p, size_t n)
{
	int ret = policy_buf_reserve(b, n);

	if (ret < 0)
		return ret;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int policy_buf_addc(struct policy_buf *b, char c)
{
	return policy_buf_add(b, &c, 1);
}

int policy_buf_adds(struct policy_buf *b, const char *s)
{
	return policy_buf_add(b, s, strlen(s));
}

int policy_buf_vaddf(struct policy_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, ret;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	ret = policy_buf_reserve(b, (size_t)n);
	if (ret < 0)
		return ret;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int policy_buf_addf(struct policy_buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = policy_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return ret;
}

int policy_buf_add_escaped(struct policy_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++) {
		unsigned char c = (unsigned char)p[i];
		char esc[4];

		if (c == '\\' || c == '"') {
			esc[0] = '\\';
			esc[1] = (char)c;
			ret = policy_buf_add(b, esc, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			ret = policy_buf_add(b, esc, 4);
		} else {
			ret = policy_buf_addc(b, (char)c);
		}
	}
	return ret;
}
