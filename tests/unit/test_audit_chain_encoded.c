/*
 * test_audit_chain_encoded.c - the fold's event hash over a journal
 * record's value bytes (audit_chain_event_encoded) equals the hash over
 * the decoded values that verify recomputes (audit_chain_event); and the
 * chain's digest is the one earlier versions wrote (a known answer,
 * computed when the chain used libsodium's SHA-256), so databases written
 * before keep verifying.
 */
#include "test_audit_util.h"

#include "audit_chain.h"
#include "audit_journal.h"

static void fill(unsigned char *p, size_t n, uint32_t seed)
{
	size_t k;

	for (k = 0; k < n; k++) {
		seed = seed * 1103515245u + 12345u;
		p[k] = (unsigned char)(seed >> 16);
	}
}

static void test_known_answer(void **state)
{
	static const char want[] =
		"57c103d36fdd2a435304dc0dbaa12bd5"
		"6bb4c4a8173a19b1686caf9a51fcfcb2";
	struct audit_value v[AUDIT_EVENT_NCOLS];
	unsigned char prev[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN];
	char hex[2 * AUDIT_HASH_LEN + 1];
	int k;

	(void)state;
	for (k = 0; k < AUDIT_HASH_LEN; k++)
		prev[k] = (unsigned char)k;
	for (k = 0; k < AUDIT_EVENT_NCOLS; k++)
		v[k] = audit_v_null();
	v[AE_SESSION] = audit_v_int(7);
	v[AE_SEQ] = audit_v_int(1);
	v[AE_TIME] = audit_v_int(-1);
	v[AE_EXE] = audit_v_text("/bin/cat");
	v[AE_TARGET] = audit_v_textn("a\0b", 3);
	v[AE_RULE] = audit_v_text("");
	v[AE_ERRNO] = audit_v_int(2);
	audit_chain_event(prev, v, h);
	for (k = 0; k < AUDIT_HASH_LEN; k++)
		snprintf(hex + 2 * k, 3, "%02x", h[k]);
	assert_string_equal(hex, want);
}

static void test_event_from_record_bytes(void **state)
{
	struct audit_value v[AUDIT_EVENT_NCOLS];
	unsigned char prev[AUDIT_HASH_LEN], h1[AUDIT_HASH_LEN];
	unsigned char h2[AUDIT_HASH_LEN];
	static char big[3000];
	struct audit_record r;
	struct audit_buf b;
	size_t used;
	int k, round;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	fill(prev, sizeof(prev), 3);
	audit_buf_init(&b);
	for (round = 0; round < 3; round++) {
		for (k = 0; k < AUDIT_EVENT_NCOLS; k++)
			v[k] = audit_v_null();
		v[AE_SESSION] = audit_v_int(7);
		v[AE_SEQ] = audit_v_int(round + 1);
		v[AE_TIME] = audit_v_int(-1);
		v[AE_EXE] = audit_v_text(round == 1 ? big : "/bin/cat");
		v[AE_TARGET] = audit_v_textn("a\0b", 3);
		v[AE_RULE] = audit_v_text("");
		v[AE_ERRNO] = audit_v_int(round);
		b.len = 0;
		assert_int_equal(audit_record_encode(&b, AUDIT_REC_EVENT, 9, v,
						     AUDIT_EVENT_NCOLS), 0);
		assert_int_equal(audit_record_parse(b.p, b.len, &r, &used), 0);
		audit_chain_event(prev, v, h1);
		audit_chain_event_encoded(prev, r.enc, r.enc_len, h2);
		assert_memory_equal(h1, h2, sizeof(h1));
		audit_chain_event(prev, r.v, h2);
		assert_memory_equal(h1, h2, sizeof(h1));
	}
	audit_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_event_from_record_bytes),
	};

	return cmocka_run_group_tests_name("audit_chain_encoded", tests, NULL,
					   NULL);
}
