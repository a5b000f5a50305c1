/*
 * test_audit_sign.c - key files and signed checkpoints: a session signed
 * every N events verifies against its public key, fails against another,
 * and a forged or removed signature is caught.
 */
#include "test_audit_util.h"

#include <sodium.h>
#include <sys/stat.h>

static unsigned char sk[64], pk[32], other_pk[32];

static int setup(void **state)
{
	unsigned char other_sk[64];

	(void)state;
	if (audit_keygen(tu_path("k.sec"), tu_path("k.pub")) < 0)
		return -1;
	if (audit_key_load_secret(tu_path("k.sec"), sk) < 0 ||
	    audit_key_load_public(tu_path("k.pub"), pk) < 0)
		return -1;
	crypto_sign_keypair(other_pk, other_sk);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_cleanup();
	return 0;
}

static void test_key_files(void **state)
{
	unsigned char sk2[64];
	struct stat st;

	(void)state;
	assert_int_equal(stat(tu_path("k.sec"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* never overwritten */
	assert_int_equal(audit_keygen(tu_path("k.sec"), tu_path("k2.pub")),
			 -EEXIST);
	/* a secret that others can read is refused */
	assert_int_equal(chmod(tu_path("k.sec"), 0644), 0);
	assert_int_equal(audit_key_load_secret(tu_path("k.sec"), sk2),
			 -EPERM);
	assert_int_equal(chmod(tu_path("k.sec"), 0600), 0);
	/* the public file is no secret key and vice versa */
	assert_int_equal(audit_key_load_secret(tu_path("k.pub"), sk2) < 0, 1);
	assert_int_equal(audit_key_load_public(tu_path("k.sec"), pk) < 0, 1);
	assert_int_equal(audit_key_load_public(tu_path("k.pub"), pk), 0);
	assert_int_equal(audit_key_load_public(tu_path("none"), pk), -ENOENT);
}

static void test_signed_session_verifies(void **state)
{
	struct audit_verify_result r;
	const char *db = tu_path("signed.db");
	int64_t id;

	(void)state;
	id = tu_write_session(db, 25, sk, 10);
	assert_int_equal(tu_verify(db, id, pk, &r), 0);
	if (!r.ok)
		fail_msg("%s at %lld: %s", r.kind, (long long)r.bad_seq,
			 r.detail);
	/* periodic at 10 and 20, plus the end */
	assert_int_equal(r.checkpoints, 3);
	assert_int_equal(r.signed_checkpoints, 3);
	/* without a trusted key it verifies against the stored one */
	assert_int_equal(tu_verify(db, id, NULL, &r), 0);
	assert_true(r.ok);
	assert_true(r.warning[0] != '\0');
}

static void test_wrong_key_fails(void **state)
{
	struct audit_verify_result r;
	const char *db = tu_path("signed.db");

	(void)state;
	assert_int_equal(tu_verify(db, 1, other_pk, &r), 0);
	assert_false(r.ok);
	assert_string_equal(r.kind, "bad-signature");
}

static void test_forged_signature(void **state)
{
	struct audit_verify_result r;
	const char *db = tu_path("forged.db");
	int64_t id;

	(void)state;
	id = tu_write_session(db, 25, sk, 10);
	/* flip one hex digit of the second checkpoint's signature */
	tu_sql(db, "UPDATE checkpoints SET signature = CASE substr(signature,"
	       " 1, 1) WHEN '0' THEN '1' ELSE '0' END || substr(signature, 2) "
	       "WHERE seq = 20 AND kind = 'periodic'");
	assert_int_equal(tu_verify(db, id, pk, &r), 0);
	assert_false(r.ok);
	assert_string_equal(r.kind, "bad-signature");
	assert_int_equal(r.bad_seq, 20);
}

static void test_removed_checkpoint(void **state)
{
	struct audit_verify_result r;
	const char *db = tu_path("removed.db");
	int64_t id;

	(void)state;
	id = tu_write_session(db, 25, sk, 10);
	tu_sql(db, "DELETE FROM checkpoints WHERE seq = 10");
	assert_int_equal(tu_verify(db, id, pk, &r), 0);
	assert_false(r.ok);
	assert_string_equal(r.kind, "bad-checkpoint");
	assert_int_equal(r.bad_seq, 10);
}

static void test_stripped_signatures(void **state)
{
	struct audit_verify_result r;
	const char *db = tu_path("stripped.db");
	int64_t id;

	(void)state;
	/* an unsigned session does not pass a check with --pubkey */
	id = tu_write_session(db, 5, NULL, 0);
	assert_int_equal(tu_verify(db, id, pk, &r), 0);
	assert_false(r.ok);
	assert_string_equal(r.kind, "unsigned");
	/* nor does a signed one whose end signature was removed */
	db = tu_path("stripped2.db");
	id = tu_write_session(db, 5, sk, 0);
	tu_sql(db, "UPDATE checkpoints SET signature = NULL, public_key = "
	       "NULL WHERE kind = 'end'");
	assert_int_equal(tu_verify(db, id, pk, &r), 0);
	assert_false(r.ok);
	assert_string_equal(r.kind, "bad-checkpoint");
}

static void test_key_set_during_session(void **state)
{
	struct audit *a;
	char err[256];
	int64_t id;

	(void)state;
	assert_int_equal(audit_open(&a, tu_path("busy.db"), AUDIT_OPEN_WRITE,
				    err, sizeof(err)), 0);
	assert_int_equal(audit_session_begin(a, &tu_session, &id), 0);
	assert_int_equal(audit_set_signing_key(a, sk, 5), -EBUSY);
	assert_int_equal(audit_session_end(a, 0, 0, "exited"), 0);
	audit_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_signed_session_verifies),
		cmocka_unit_test(test_wrong_key_fails),
		cmocka_unit_test(test_forged_signature),
		cmocka_unit_test(test_removed_checkpoint),
		cmocka_unit_test(test_stripped_signatures),
		cmocka_unit_test(test_key_set_during_session),
	};

	return cmocka_run_group_tests_name("audit_sign", tests, setup,
					   teardown);
}
