/*
 * test_audit_chain.c - the hash chain detects each kind of tampering and
 * names the exact first bad sequence number.
 *
 * Each case writes a fresh 20-event session through the real store, then
 * changes the database with plain SQL the way an intruder with write access
 * would (without recomputing hashes unless the case says so), then runs the
 * verifier. The table reads as the specification.
 */
#include "test_audit_util.h"

#include "audit_chain.h"
#include "audit_codec.h"

struct tamper_case {
	const char *name;
	const char *sql;	/* %lld = session id not needed: one session */
	const char *kind;	/* NULL: intact */
	int64_t bad_seq;
};

static const struct tamper_case cases[] = {
	{ "untouched", "SELECT 1", NULL, -1 },
	{ "edit a target",
	  "UPDATE events SET target = '/tmp/innocent' WHERE seq = 7",
	  "edited", 7 },
	{ "edit a decision",
	  "UPDATE events SET final = 'allow' WHERE seq = 4", "edited", 4 },
	{ "edit the last row",
	  "UPDATE events SET detail = 'x' WHERE seq = 20", "edited", 20 },
	{ "edit a hash",
	  "UPDATE events SET hash = replace(hash, substr(hash, 1, 1), "
	  "CASE substr(hash, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END) "
	  "WHERE seq = 12", "edited", 12 },
	{ "delete a row",
	  "DELETE FROM events WHERE seq = 9", "deleted", 9 },
	{ "delete the first row",
	  "DELETE FROM events WHERE seq = 1", "deleted", 1 },
	{ "delete a row and renumber the rest",
	  "DROP INDEX events_seq; DELETE FROM events WHERE seq = 9; "
	  "UPDATE events SET seq = seq - 1 WHERE seq > 9; "
	  "UPDATE checkpoints SET seq = seq - 1", "deleted", 9 },
	{ "insert a duplicate row",
	  "DROP INDEX events_seq; INSERT INTO events SELECT * FROM events "
	  "WHERE seq = 5", "inserted", 5 },
	{ "insert a forged row and renumber",
	  "DROP INDEX events_seq; UPDATE events SET seq = seq + 1 WHERE "
	  "seq >= 6; INSERT INTO events SELECT session, 6, time_ns, pid, "
	  "tid, exe, op, syscall, '/forged', resolved, hostname, decision, "
	  "final, mode, rule, rule_text, approver_channel, approver_user, "
	  "approver_uid, approver_pid, wait_ns, remember, errno, "
	  "decision_ns, backtrace, detail, prev_hash, hash FROM events "
	  "WHERE seq = 5; UPDATE checkpoints SET seq = seq + 1",
	  "inserted", 6 },
	{ "swap two rows",
	  "DROP INDEX events_seq; UPDATE events SET seq = CASE seq WHEN 10 "
	  "THEN 11 ELSE 10 END WHERE seq IN (10, 11)", "reordered", 10 },
	{ "truncate the tail",
	  "DELETE FROM events WHERE seq > 15", "truncated", 16 },
	{ "truncate the tail and its checkpoint",
	  "DELETE FROM events WHERE seq > 15; DELETE FROM checkpoints",
	  "truncated", 16 },
	{ "edit the session's user",
	  "UPDATE sessions SET user = 'root'", "edited", 0 },
	{ "edit the policy text",
	  "UPDATE sessions SET policy_text = 'allow write /**'",
	  "edited", 0 },
	{ "edit the end reason",
	  "UPDATE sessions SET end_reason = 'signaled'", "edited", 0 },
	{ "edit the checkpoint",
	  "UPDATE checkpoints SET exit_status = 1", "bad-checkpoint", 20 },
	{ "append a row after the end",
	  "INSERT INTO events SELECT session, 21, time_ns, pid, tid, exe, "
	  "op, syscall, target, resolved, hostname, decision, final, mode, "
	  "rule, rule_text, approver_channel, approver_user, approver_uid, "
	  "approver_pid, wait_ns, remember, errno, decision_ns, backtrace, "
	  "detail, hash, hash FROM events WHERE seq = 20",
	  "inserted", 21 },
};

static void test_tamper_table(void **state)
{
	struct audit_verify_result r;
	char name[64];
	size_t k;
	int64_t id;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		snprintf(name, sizeof(name), "tamper-%zu.db", k);
		id = tu_write_session(tu_path(name), 20, NULL, 0);
		tu_sql(tu_path(name), cases[k].sql);
		assert_int_equal(tu_verify(tu_path(name), id, NULL, &r), 0);
		if (!cases[k].kind) {
			if (!r.ok)
				fail_msg("%s: unexpected %s at %lld: %s",
					 cases[k].name, r.kind,
					 (long long)r.bad_seq, r.detail);
			continue;
		}
		if (r.ok)
			fail_msg("%s: not detected", cases[k].name);
		if (strcmp(r.kind, cases[k].kind) != 0 ||
		    r.bad_seq != cases[k].bad_seq)
			fail_msg("%s: got %s at %lld (%s), want %s at %lld",
				 cases[k].name, r.kind, (long long)r.bad_seq,
				 r.detail, cases[k].kind,
				 (long long)cases[k].bad_seq);
	}
}

/* An intruder who recomputes every hash after an edit fools the chain
 * alone, but not the end checkpoint recorded before. */
static void test_rewritten_chain(void **state)
{
	struct audit_verify_result r;
	struct audit_value v[AUDIT_EVENT_NCOLS];
	unsigned char prev[32], h[32];
	char hex[65], phex[65], sql[512];
	const char *db = tu_path("rewrite.db");
	sqlite3_stmt *st;
	sqlite3 *s;
	int64_t id;
	int k, seq;

	(void)state;
	id = tu_write_session(db, 10, NULL, 0);
	assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
	sqlite3_exec(s, "UPDATE events SET target = '/x' WHERE seq = 4",
		     NULL, NULL, NULL);
	assert_int_equal(sqlite3_prepare_v2(s, "SELECT session, seq, "
		"time_ns, pid, tid, exe, op, syscall, target, resolved, "
		"hostname, decision, final, mode, rule, rule_text, "
		"approver_channel, approver_user, approver_uid, approver_pid, "
		"wait_ns, remember, errno, decision_ns, backtrace, detail, "
		"prev_hash FROM events WHERE seq >= 4 ORDER BY seq", -1, &st,
		NULL), SQLITE_OK);
	for (seq = 4; sqlite3_step(st) == SQLITE_ROW; seq++) {
		for (k = 0; k < AUDIT_EVENT_NCOLS; k++) {
			int t = sqlite3_column_type(st, k);

			if (t == SQLITE_INTEGER)
				v[k] = audit_v_int(sqlite3_column_int64(st, k));
			else if (t == SQLITE_NULL)
				v[k] = audit_v_null();
			else
				v[k] = audit_v_text((const char *)
					sqlite3_column_text(st, k));
		}
		if (seq == 4)
			assert_int_equal(audit_unhex((const char *)
				sqlite3_column_text(st, AUDIT_EVENT_NCOLS), 64,
				prev, 32), 0);
		audit_chain_event(prev, v, h);
		audit_hex(prev, 32, phex);
		audit_hex(h, 32, hex);
		snprintf(sql, sizeof(sql), "UPDATE events SET prev_hash = "
			 "'%s', hash = '%s' WHERE seq = %d", phex, hex, seq);
		assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL),
				 SQLITE_OK);
		memcpy(prev, h, 32);
	}
	sqlite3_finalize(st);
	sqlite3_close(s);
	assert_int_equal(tu_verify(db, id, NULL, &r), 0);
	assert_false(r.ok);
	assert_string_equal(r.kind, "rewritten");
	assert_int_equal(r.bad_seq, 1);
}

/* Hashing is a pure function of the values: same input, same output;
 * any changed field, including the session id and seq, changes it. */
static void test_hash_determinism(void **state)
{
	struct audit_value v[AUDIT_EVENT_NCOLS];
	unsigned char prev[32] = { 1 }, h1[32], h2[32], h3[32];
	int k;

	(void)state;
	for (k = 0; k < AUDIT_EVENT_NCOLS; k++)
		v[k] = k % 2 ? audit_v_int(k) : audit_v_text("x");
	audit_chain_event(prev, v, h1);
	audit_chain_event(prev, v, h2);
	assert_memory_equal(h1, h2, 32);
	for (k = 0; k < AUDIT_EVENT_NCOLS; k++) {
		struct audit_value save = v[k];

		v[k] = audit_v_null();
		audit_chain_event(prev, v, h3);
		assert_memory_not_equal(h1, h3, 32);
		v[k] = save;
	}
	/* text "" and NULL differ; "ab","c" and "a","bc" differ */
	v[5] = audit_v_text("");
	audit_chain_event(prev, v, h2);
	v[5] = audit_v_null();
	audit_chain_event(prev, v, h3);
	assert_memory_not_equal(h2, h3, 32);
	v[5] = audit_v_text("ab");
	v[6] = audit_v_text("c");
	audit_chain_event(prev, v, h2);
	v[5] = audit_v_text("a");
	v[6] = audit_v_text("bc");
	audit_chain_event(prev, v, h3);
	assert_memory_not_equal(h2, h3, 32);
}

/* Two stores fed the same session produce the same chain. */
static void test_same_input_same_chain(void **state)
{
	const char *a = tu_path("same-a.db"), *b = tu_path("same-b.db");
	sqlite3 *s;
	sqlite3_stmt *st;
	char ha[65] = "", hb[65] = "";

	(void)state;
	tu_write_session(a, 30, NULL, 0);
	tu_write_session(b, 30, NULL, 0);
	assert_int_equal(sqlite3_open(a, &s), SQLITE_OK);
	sqlite3_prepare_v2(s, "SELECT hash FROM events WHERE seq = 30", -1,
			   &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(ha, sizeof(ha), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
	assert_int_equal(sqlite3_open(b, &s), SQLITE_OK);
	sqlite3_prepare_v2(s, "SELECT hash FROM events WHERE seq = 30", -1,
			   &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(hb, sizeof(hb), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
	assert_string_equal(ha, hb);
}

static int teardown(void **state)
{
	(void)state;
	tu_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_determinism),
		cmocka_unit_test(test_same_input_same_chain),
		cmocka_unit_test(test_tamper_table),
		cmocka_unit_test(test_rewritten_chain),
	};

	return cmocka_run_group_tests_name("audit_chain", tests, NULL,
					   teardown);
}
