/*
 * policy_err.c - error messages of the policy compiler (policy_err.h).
 *
 * Messages quote user input only through policy_err_show(), so a policy file
 * full of escape sequences cannot write to the user's terminal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "policy_err.h"

int policy_err_at(struct policy_err *e, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->off = off;
	e->has_off = 1;
	return -EINVAL;
}

int policy_err_set(struct policy_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->off = 0;
	e->has_off = 0;
	return -EINVAL;
}

void policy_err_show(const char *s, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < len && i < POLICY_ERR_SHOW; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f) {
			if (o + 5 > outlen)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 2 > outlen)
				break;
			out[o++] = (char)c;
		}
	}
	if (i < len && o + 4 <= outlen) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = '\0';
}
