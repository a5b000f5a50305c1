/*
 * test_audit_crash.c - crash recovery: a proctor that dies without
 * audit_close() (by _exit or SIGKILL) loses no acknowledged record; the
 * next writer folds its journal, ends its session as "supervisor-killed"
 * and the chain verifies. A live writer's journal is left alone; a
 * corrupt journal is reported, a torn tail dropped.
 */
#include "test_audit_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "audit_codec.h"
#include "audit_journal.h"

static int teardown(void **state)
{
	(void)state;
	tu_cleanup();
	return 0;
}

static int64_t count_events(const char *db, int64_t id, char *reason,
			    size_t n)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t c = -1;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT (SELECT count(*) FROM "
		"events WHERE session = ?1), (SELECT max(seq) FROM events "
		"WHERE session = ?1), (SELECT end_reason FROM sessions WHERE "
		"id = ?1)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	c = sqlite3_column_int64(st, 0);
	if (c)
		assert_int_equal(sqlite3_column_int64(st, 1), c);
	if (reason)
		snprintf(reason, n, "%s", sqlite3_column_text(st, 2) ?
			 (const char *)sqlite3_column_text(st, 2) : "");
	sqlite3_finalize(st);
	sqlite3_close(h);
	return c;
}

/* Reopening for writing recovers; then a read-only verify. */
static void recover_and_verify(const char *db, int64_t id)
{
	struct audit_verify_result r;
	struct audit *a;
	char err[256];

	if (audit_open(&a, db, AUDIT_OPEN_WRITE, err, sizeof(err)) < 0)
		fail_msg("recovery failed: %s", err);
	audit_close(a);
	assert_int_equal(tu_verify(db, id, NULL, &r), 0);
	if (!r.ok)
		fail_msg("%s at %lld: %s", r.kind, (long long)r.bad_seq,
			 r.detail);
	assert_true(r.ended);
}

static void child_append(const char *db, long n, int report_fd)
{
	struct audit_event e;
	struct audit *a;
	char err[256], buf[64];
	int64_t id;
	uint64_t seq;
	long k;

	if (audit_open(&a, db, AUDIT_OPEN_WRITE, err, sizeof(err)) < 0 ||
	    audit_session_begin(a, &tu_session, &id) < 0)
		_exit(1);
	for (k = 0; n < 0 || k < n; k++) {
		tu_event(&e, k, buf, sizeof(buf));
		if (audit_append(a, &e, &seq) < 0)
			_exit(2);
		if (report_fd >= 0 && write(report_fd, &seq, sizeof(seq)) !=
		    sizeof(seq))
			_exit(3);
	}
	_exit(0);	/* no audit_close, no session end */
}

static void test_exit_without_close(void **state)
{
	const char *db = tu_path("exit.db");
	char reason[64];
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_append(db, 5000, -1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	recover_and_verify(db, 1);
	assert_int_equal(count_events(db, 1, reason, sizeof(reason)), 5000);
	assert_string_equal(reason, "supervisor-killed");
}

static void test_sigkill_mid_stream(void **state)
{
	const char *db = tu_path("kill.db");
	uint64_t seq, acked = 0;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_append(db, -1, p[1]);
	}
	close(p[1]);
	while (acked < 20000) {
		n = read(p[0], &seq, sizeof(seq));
		assert_int_equal(n, sizeof(seq));
		acked = seq;
	}
	kill(pid, SIGKILL);
	while ((n = read(p[0], &seq, sizeof(seq))) == sizeof(seq))
		acked = seq;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	recover_and_verify(db, 1);
	/* every acknowledged append is there (the append under way when
	 * the signal came may be too) */
	assert_true((uint64_t)count_events(db, 1, NULL, 0) >= acked);
	/* recovering twice changes nothing */
	recover_and_verify(db, 1);
}

static void test_live_writer_untouched(void **state)
{
	const char *db = tu_path("live.db");
	const char *paths[32];
	struct audit *a, *b;
	struct audit_event e;
	char err[256], buf[64];
	int64_t ia, ib;
	size_t n, k;
	int found = 0;

	(void)state;
	assert_int_equal(audit_open(&a, db, AUDIT_OPEN_WRITE, err,
				    sizeof(err)), 0);
	assert_int_equal(audit_session_begin(a, &tu_session, &ia), 0);
	tu_event(&e, 0, buf, sizeof(buf));
	assert_int_equal(audit_append(a, &e, NULL), 0);
	/* a second proctor on the same database takes the next slot and
	 * must not end the first one's session */
	assert_int_equal(audit_open(&b, db, AUDIT_OPEN_WRITE, err,
				    sizeof(err)), 0);
	assert_int_equal(audit_session_begin(b, &tu_session, &ib), 0);
	assert_int_equal(audit_append(b, &e, NULL), 0);
	assert_int_equal(audit_append(a, &e, NULL), 0);
	n = audit_protected_paths(b, paths, 32);
	for (k = 0; k < n; k++)
		found += strstr(paths[k], "live.db.pjournal.1") != NULL;
	assert_true(found >= 1);
	assert_int_equal(audit_session_end(b, 0, 0, "exited"), 0);
	audit_close(b);
	assert_int_equal(audit_session_end(a, 0, 0, "exited"), 0);
	audit_close(a);
	assert_int_equal(count_events(db, ia, NULL, 0), 2);
	assert_int_equal(count_events(db, ib, NULL, 0), 1);
	recover_and_verify(db, ia);
	recover_and_verify(db, ib);
}

/* A session begun by a proctor that died at once; returns its journal
 * path, to be filled by hand. */
static const char *dead_session(const char *db)
{
	static char jpath[512];
	struct audit *a;
	char err[256];
	int64_t id;
	pid_t pid;
	int status;

	pid = fork();
	if (pid == 0) {
		if (audit_open(&a, db, AUDIT_OPEN_WRITE, err, sizeof(err)) < 0
		    || audit_session_begin(a, &tu_session, &id) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(jpath, sizeof(jpath), "%s.pjournal", db);
	return jpath;
}

/* Three event records for session 1 (seq 1..3), as audit_append makes
 * them. */
static void journal_records(struct audit_buf *b, size_t *one)
{
	struct audit_value v[26];
	int k, s;

	for (s = 1; s <= 3; s++) {
		for (k = 0; k < 26; k++)
			v[k] = audit_v_null();
		v[0] = audit_v_int(1);
		v[1] = audit_v_int(s);
		v[2] = audit_v_int(1700000000000000000LL + s);
		v[6] = audit_v_text("read");
		v[11] = audit_v_text("allow");
		assert_int_equal(audit_record_encode(b, AUDIT_REC_EVENT,
						     (uint64_t)s, v, 26), 0);
		if (s == 1)
			*one = b->len;
	}
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void test_torn_tail_dropped(void **state)
{
	const char *db = tu_path("torn.db");
	const char *j = dead_session(db);
	struct audit_buf b;
	size_t one;

	(void)state;
	audit_buf_init(&b);
	journal_records(&b, &one);
	write_file(j, b.p, b.len - 7);	/* the third record is cut short */
	recover_and_verify(db, 1);
	assert_int_equal(count_events(db, 1, NULL, 0), 2);
	audit_buf_release(&b);
}

static void test_corrupt_journal_reported(void **state)
{
	const char *db = tu_path("corrupt.db");
	const char *j = dead_session(db);
	struct audit_buf b;
	struct audit *a;
	char err[256];
	size_t one;
	int rc;

	(void)state;
	audit_buf_init(&b);
	journal_records(&b, &one);
	b.p[one + 30] ^= 0x55;		/* damage the second record */
	write_file(j, b.p, b.len);
	rc = audit_open(&a, db, AUDIT_OPEN_WRITE, err, sizeof(err));
	assert_int_equal(rc, -EBADMSG);
	assert_non_null(strstr(err, "corrupt"));
	/* nothing was folded from it, and it is still there */
	assert_int_equal(count_events(db, 1, NULL, 0), 0);
	assert_int_equal(access(j, F_OK), 0);
	/* random bytes as a journal: reported, no crash */
	write_file(j, "PJR1\xff\xff\xff\x00garbagePJR1\0\0\0\x0a", 24);
	rc = audit_open(&a, db, AUDIT_OPEN_WRITE, err, sizeof(err));
	if (rc == 0)
		audit_close(a);
	audit_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_without_close),
		cmocka_unit_test(test_sigkill_mid_stream),
		cmocka_unit_test(test_live_writer_untouched),
		cmocka_unit_test(test_torn_tail_dropped),
		cmocka_unit_test(test_corrupt_journal_reported),
	};

	return cmocka_run_group_tests_name("audit_crash", tests, NULL,
					   teardown);
}
