/*
 * test_audit_codec.c - the value encoding, CRC-32C and journal framing:
 * deterministic bytes, exact round trips, and damaged input that is
 * refused without reading out of bounds.
 */
#include "test_audit_util.h"

#include "audit_codec.h"
#include "audit_journal.h"

static void test_crc32c_vector(void **state)
{
	(void)state;
	/* the standard check value of CRC-32C */
	assert_int_equal(audit_crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(audit_crc32c("", 0), 0);
}

static void test_values_roundtrip(void **state)
{
	struct audit_value in[5], out[5];
	struct audit_buf b, b2;

	(void)state;
	in[0] = audit_v_int(-1);
	in[1] = audit_v_text("hello");
	in[2] = audit_v_null();
	in[3] = audit_v_textn("a\0b", 3);
	in[4] = audit_v_int(INT64_MAX);
	audit_buf_init(&b);
	audit_buf_init(&b2);
	assert_int_equal(audit_values_encode(&b, in, 5), 0);
	assert_int_equal(b.len, audit_values_size(in, 5));
	assert_int_equal(b.len, 9 + 10 + 1 + 8 + 9);
	assert_int_equal(audit_values_decode(b.p, b.len, out, 5), 0);
	assert_int_equal(out[0].i, -1);
	assert_int_equal(out[1].len, 5);
	assert_memory_equal(out[1].s, "hello", 5);
	assert_int_equal(out[2].type, AUDIT_V_NULL);
	assert_int_equal(out[3].len, 3);
	assert_int_equal(out[4].i, INT64_MAX);
	/* same values, same bytes */
	assert_int_equal(audit_values_encode(&b2, out, 5), 0);
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.p, b2.p, b.len);
	/* every truncation is refused */
	for (size_t k = 0; k < b.len; k++)
		assert_int_equal(audit_values_decode(b.p, k, out, 5),
				 -EBADMSG);
	/* trailing bytes are refused */
	assert_int_equal(audit_buf_put(&b, "x", 1), 0);
	assert_int_equal(audit_values_decode(b.p, b.len, out, 5), -EBADMSG);
	audit_buf_release(&b);
	audit_buf_release(&b2);
}

struct count {
	int n;
	uint64_t last;
};

static int count_cb(void *ctx, const struct audit_record *r)
{
	struct count *c = ctx;

	c->n++;
	c->last = r->jseq;
	return 0;
}

static void test_journal_scan(void **state)
{
	struct audit_value v[3] = { audit_v_int(1), audit_v_int(2),
				    audit_v_text("payload") };
	struct audit_buf b;
	struct count c = { 0, 0 };
	size_t dropped, bad, one;
	int k;

	(void)state;
	audit_buf_init(&b);
	for (k = 1; k <= 3; k++)
		assert_int_equal(audit_record_encode(&b, AUDIT_REC_PROC_EXIT,
						     (uint64_t)k, v, 3), 0);
	one = b.len / 3;
	assert_int_equal(audit_journal_scan(b.p, b.len, count_cb, &c,
					    &dropped, &bad), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(dropped, 0);
	/* a torn tail (power loss mid-record) is dropped quietly */
	for (size_t cut = 2 * one + 1; cut < b.len; cut++) {
		c.n = 0;
		assert_int_equal(audit_journal_scan(b.p, cut, count_cb, &c,
						    &dropped, &bad), 0);
		assert_int_equal(c.n, 2);
		assert_int_equal(dropped, cut - 2 * one);
	}
	/* zeros at the tail, as an extended but unwritten file shows */
	c.n = 0;
	memset(b.p + 2 * one, 0, one);
	assert_int_equal(audit_journal_scan(b.p, b.len, count_cb, &c,
					    &dropped, &bad), 0);
	assert_int_equal(c.n, 2);
	/* damage followed by a valid record is corruption */
	audit_buf_release(&b);
	for (k = 1; k <= 3; k++)
		assert_int_equal(audit_record_encode(&b, AUDIT_REC_PROC_EXIT,
						     (uint64_t)k, v, 3), 0);
	b.p[one + 20] ^= 0x40;
	c.n = 0;
	assert_int_equal(audit_journal_scan(b.p, b.len, count_cb, &c,
					    &dropped, &bad), -EBADMSG);
	assert_int_equal(bad, one);
	assert_int_equal(c.n, 1);
	audit_buf_release(&b);
}

static void test_journal_garbage(void **state)
{
	unsigned char junk[4096];
	struct count c = { 0, 0 };
	size_t dropped, bad;
	unsigned seed = 1;
	int round;

	(void)state;
	/* random bytes never crash the scanner */
	for (round = 0; round < 200; round++) {
		for (size_t k = 0; k < sizeof(junk); k++)
			junk[k] = (unsigned char)(rand_r(&seed) >> 7);
		if (round % 2)
			memcpy(junk + 100, "PJR1", 4);
		audit_journal_scan(junk, sizeof(junk), count_cb, &c, &dropped,
				   &bad);
	}
	assert_int_equal(c.n, 0);
}

static void test_hex(void **state)
{
	unsigned char in[3] = { 0x00, 0xab, 0xff }, out[3];
	char hex[7];

	(void)state;
	audit_hex(in, 3, hex);
	assert_string_equal(hex, "00abff");
	assert_int_equal(audit_unhex("00ABff", 6, out, 3), 0);
	assert_memory_equal(in, out, 3);
	assert_int_equal(audit_unhex("00abfg", 6, out, 3), -EINVAL);
	assert_int_equal(audit_unhex("00ab", 4, out, 3), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vector),
		cmocka_unit_test(test_values_roundtrip),
		cmocka_unit_test(test_journal_scan),
		cmocka_unit_test(test_journal_garbage),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests_name("audit_codec", tests, NULL, NULL);
}
