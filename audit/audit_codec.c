/*
 * audit_codec.c - byte buffers, the value encoding and CRC-32C.
 *
 * Purpose: the one place that turns rows into bytes and back, so that the
 * journal, the fold and the verifier can never disagree on an encoding.
 *
 * Invariants: encoding is deterministic (same values, same bytes); decoding
 * checks every length against the input before reading.
 *
 * Must never: allocate on the decode path, or trust a length from input.
 */
#include "audit_codec.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct audit_value audit_v_null(void)
{
	struct audit_value v = { .type = AUDIT_V_NULL };
	return v;
}

struct audit_value audit_v_int(int64_t i)
{
	struct audit_value v = { .type = AUDIT_V_INT, .i = i };
	return v;
}

struct audit_value audit_v_textn(const char *s, size_t len)
{
	struct audit_value v = { .type = AUDIT_V_NULL };

	if (!s)
		return v;
	v.type = AUDIT_V_TEXT;
	v.s = s;
	v.len = len > AUDIT_TEXT_MAX ? AUDIT_TEXT_MAX : len;
	return v;
}

struct audit_value audit_v_text(const char *s)
{
	if (!s)
		return audit_v_null();
	return audit_v_textn(s, strnlen(s, AUDIT_TEXT_MAX));
}

void audit_buf_init(struct audit_buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void audit_buf_release(struct audit_buf *b)
{
	free(b->p);
	audit_buf_init(b);
}

int audit_buf_reserve(struct audit_buf *b, size_t more)
{
	size_t want, cap;
	unsigned char *p;

	if (more > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	want = b->len + more;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int audit_buf_put(struct audit_buf *b, const void *p, size_t n)
{
	int rc = audit_buf_reserve(b, n);

	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void audit_put_be32(unsigned char *p, uint32_t x)
{
	p[0] = (unsigned char)(x >> 24);
	p[1] = (unsigned char)(x >> 16);
	p[2] = (unsigned char)(x >> 8);
	p[3] = (unsigned char)x;
}

void audit_put_be64(unsigned char *p, uint64_t x)
{
	audit_put_be32(p, (uint32_t)(x >> 32));
	audit_put_be32(p + 4, (uint32_t)x);
}

uint32_t audit_get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

uint64_t audit_get_be64(const unsigned char *p)
{
	return (uint64_t)audit_get_be32(p) << 32 | audit_get_be32(p + 4);
}

size_t audit_values_size(const struct audit_value *v, size_t n)
{
	size_t sz = 0, k;

	for (k = 0; k < n; k++) {
		if (v[k].type == AUDIT_V_INT)
			sz += 9;
		else if (v[k].type == AUDIT_V_TEXT)
			sz += 5 + v[k].len;
		else
			sz += 1;
	}
	return sz;
}

size_t audit_values_write(unsigned char *out, const struct audit_value *v,
			  size_t n)
{
	unsigned char *p = out;
	size_t k;

	for (k = 0; k < n; k++) {
		if (v[k].type == AUDIT_V_INT) {
			*p++ = AUDIT_V_INT;
			audit_put_be64(p, (uint64_t)v[k].i);
			p += 8;
		} else if (v[k].type == AUDIT_V_TEXT) {
			*p++ = AUDIT_V_TEXT;
			audit_put_be32(p, (uint32_t)v[k].len);
			p += 4;
			if (v[k].len)
				memcpy(p, v[k].s, v[k].len);
			p += v[k].len;
		} else {
			*p++ = AUDIT_V_NULL;
		}
	}
	return (size_t)(p - out);
}

int audit_values_encode(struct audit_buf *b, const struct audit_value *v,
			size_t n)
{
	size_t sz = audit_values_size(v, n);
	int rc = audit_buf_reserve(b, sz);

	if (rc < 0)
		return rc;
	b->len += audit_values_write(b->p + b->len, v, n);
	return 0;
}

int audit_values_decode(const unsigned char *p, size_t len,
			struct audit_value *v, size_t n)
{
	size_t off = 0, k;
	uint32_t tl;

	for (k = 0; k < n; k++) {
		if (off >= len)
			return -EBADMSG;
		switch (p[off]) {
		case AUDIT_V_NULL:
			v[k] = audit_v_null();
			off += 1;
			break;
		case AUDIT_V_INT:
			if (len - off < 9)
				return -EBADMSG;
			v[k] = audit_v_int(
				(int64_t)audit_get_be64(p + off + 1));
			off += 9;
			break;
		case AUDIT_V_TEXT:
			if (len - off < 5)
				return -EBADMSG;
			tl = audit_get_be32(p + off + 1);
			if (tl > AUDIT_TEXT_MAX || len - off - 5 < tl)
				return -EBADMSG;
			v[k].type = AUDIT_V_TEXT;
			v[k].i = 0;
			v[k].s = (const char *)p + off + 5;
			v[k].len = tl;
			off += 5 + (size_t)tl;
			break;
		default:
			return -EBADMSG;
		}
	}
	return off == len ? 0 : -EBADMSG;
}

/* ---- CRC-32C: SSE4.2 instruction when present, else a table ---------- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static int crc_hw;

static void crc_init(void)
{
	uint32_t c, k, i;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
#if defined(__x86_64__)
	__builtin_cpu_init();
	crc_hw = __builtin_cpu_supports("sse4.2");
#endif
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc_hw_run(uint32_t c, const unsigned char *p, size_t n)
{
	uint64_t c64 = c, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		c64 = __builtin_ia32_crc32di(c64, w);
		p += 8;
		n -= 8;
	}
	c = (uint32_t)c64;
	while (n--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}
#endif

uint32_t audit_crc32c(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint32_t c = 0xffffffffu;

	pthread_once(&crc_once, crc_init);
#if defined(__x86_64__)
	if (crc_hw)
		return crc_hw_run(c, p, n) ^ 0xffffffffu;
#endif
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

void audit_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t k;

	for (k = 0; k < n; k++) {
		out[2 * k] = digits[in[k] >> 4];
		out[2 * k + 1] = digits[in[k] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int audit_unhex(const char *in, size_t inlen, unsigned char *out, size_t n)
{
	size_t k;
	int hi, lo;

	if (!in || inlen != 2 * n)
		return -EINVAL;
	for (k = 0; k < n; k++) {
		hi = hexval(in[2 * k]);
		lo = hexval(in[2 * k + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[k] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
