/*
 * audit_codec.h - byte buffers, the value encoding and checksums used by
 * the audit store (internal to audit/).
 *
 * A row is handled as an array of struct audit_value in a fixed column
 * order. The same encoding serves two purposes:
 *  - the payload of a journal record (audit_journal.c), and
 *  - the canonical encoding that the hash chain is computed over
 *    (audit_chain.c), which docs/audit.md specifies byte for byte.
 *
 * Encoding of one value (all integers big-endian):
 *   NULL  -> 0x00
 *   INT   -> 0x01, 8 bytes two's complement
 *   TEXT  -> 0x02, 4 bytes length, the bytes (no terminator)
 *
 * Invariant: decoding never reads outside the given bytes; text values
 * returned by audit_values_decode() point into the input (borrowed).
 */
#ifndef PROCTOR_AUDIT_CODEC_H
#define PROCTOR_AUDIT_CODEC_H

#include <stddef.h>
#include <stdint.h>

enum audit_vtype {
	AUDIT_V_NULL = 0,
	AUDIT_V_INT = 1,
	AUDIT_V_TEXT = 2,
};

/* One column value. Text is borrowed, need not be NUL-terminated. */
struct audit_value {
	enum audit_vtype type;
	int64_t i;
	const char *s;
	size_t len;
};

/* Largest text value the store accepts (longer text is cut). */
#define AUDIT_TEXT_MAX (1u << 20)

struct audit_value audit_v_null(void);
struct audit_value audit_v_int(int64_t i);
/* NULL pointer gives a NULL value; text longer than AUDIT_TEXT_MAX is cut. */
struct audit_value audit_v_text(const char *s);
struct audit_value audit_v_textn(const char *s, size_t len);

/* A growable byte buffer; the buffer owns p. */
struct audit_buf {
	unsigned char *p;
	size_t len;
	size_t cap;
};

void audit_buf_init(struct audit_buf *b);
void audit_buf_release(struct audit_buf *b);	/* idempotent */
int audit_buf_reserve(struct audit_buf *b, size_t more);
int audit_buf_put(struct audit_buf *b, const void *p, size_t n);

/* Exact encoded size of n values. */
size_t audit_values_size(const struct audit_value *v, size_t n);
/* Writes n values to out (which has audit_values_size() bytes); returns
 * the number of bytes written. */
size_t audit_values_write(unsigned char *out, const struct audit_value *v,
			  size_t n);
/* Appends n values to b. Returns 0 or -ENOMEM. */
int audit_values_encode(struct audit_buf *b, const struct audit_value *v,
			size_t n);
/* Decodes exactly n values that must fill len bytes. Returns 0 or
 * -EBADMSG. Text values point into p. */
int audit_values_decode(const unsigned char *p, size_t len,
			struct audit_value *v, size_t n);

/* CRC-32C (Castagnoli), for journal record framing; not a security
 * measure. */
uint32_t audit_crc32c(const void *p, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes with the NUL). */
void audit_hex(const unsigned char *in, size_t n, char *out);
/* Parses exactly 2n hex digits. Returns 0 or -EINVAL. */
int audit_unhex(const char *in, size_t inlen, unsigned char *out, size_t n);

/* Big-endian helpers. */
void audit_put_be32(unsigned char *p, uint32_t x);
void audit_put_be64(unsigned char *p, uint64_t x);
uint32_t audit_get_be32(const unsigned char *p);
uint64_t audit_get_be64(const unsigned char *p);

#endif
