/*
 * test_audit_store.c - the store's API contract: contiguous sequence
 * numbers under concurrent appends, process records, sessions one after
 * another on one handle, misuse refused, protected paths, the default
 * path, and a clean close that leaves no journal behind.
 */
#include "test_audit_util.h"

#include <pthread.h>

static int teardown(void **state)
{
	(void)state;
	tu_cleanup();
	return 0;
}

static int64_t scalar(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

struct worker {
	struct audit *a;
	int n;
	uint64_t last;
	int bad;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct audit_event e;
	char buf[64];
	uint64_t seq;
	int k;

	for (k = 0; k < w->n; k++) {
		tu_event(&e, k, buf, sizeof(buf));
		if (audit_append(w->a, &e, &seq) < 0 || seq <= w->last)
			w->bad++;
		w->last = seq;
	}
	return NULL;
}

static void test_concurrent_appends(void **state)
{
	const char *db = tu_path("threads.db");
	struct audit_verify_result r;
	struct worker w[4];
	pthread_t t[4];
	struct audit *a;
	char err[256];
	int64_t id;
	int k;

	(void)state;
	assert_int_equal(audit_open(&a, db, AUDIT_OPEN_WRITE, err,
				    sizeof(err)), 0);
	assert_int_equal(audit_session_begin(a, &tu_session, &id), 0);
	for (k = 0; k < 4; k++) {
		memset(&w[k], 0, sizeof(w[k]));
		w[k].a = a;
		w[k].n = 5000;
		pthread_create(&t[k], NULL, worker_main, &w[k]);
	}
	for (k = 0; k < 4; k++) {
		pthread_join(t[k], NULL);
		assert_int_equal(w[k].bad, 0);
	}
	assert_int_equal(audit_session_end(a, 0, 0, "exited"), 0);
	audit_close(a);
	assert_int_equal(scalar(db, "SELECT count(*) FROM events"), 20000);
	assert_int_equal(scalar(db, "SELECT max(seq) FROM events"), 20000);
	assert_int_equal(tu_verify(db, id, NULL, &r), 0);
	assert_true(r.ok);
}

static void test_processes_and_sessions(void **state)
{
	const char *db = tu_path("procs.db");
	struct audit_process p = { 0 };
	struct audit_event e;
	struct audit *a;
	char err[256], buf[64];
	int64_t id1, id2;
	uint64_t seq;

	(void)state;
	assert_int_equal(audit_open(&a, db, AUDIT_OPEN_WRITE, err,
				    sizeof(err)), 0);
	/* nothing to append to before a session */
	tu_event(&e, 0, buf, sizeof(buf));
	assert_int_equal(audit_append(a, &e, NULL), -EINVAL);
	assert_int_equal(audit_session_end(a, 0, 0, "exited"), -EINVAL);
	assert_int_equal(audit_session_begin(a, &tu_session, &id1), 0);
	assert_int_equal(audit_session_id(a), id1);
	assert_int_equal(audit_session_begin(a, &tu_session, &id2), -EBUSY);
	p.pid = 10;
	p.ppid = 1;
	p.exe = "/bin/sh";
	p.argv = "sh\0-c\0echo \"hi\"";
	p.argv_len = 16;
	assert_int_equal(audit_process_start(a, &p), 0);
	p.exe = "/bin/echo";
	p.argv = "echo\0hi";
	p.argv_len = 7;
	assert_int_equal(audit_process_exec(a, &p), 0);
	assert_int_equal(audit_process_exit(a, 10, 0, 256), 0);
	assert_int_equal(audit_append(a, &e, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(audit_session_end(a, 0, 1, "exited"), 0);
	assert_int_equal(audit_session_id(a), 0);
	/* a second session on the same handle starts again at seq 1 */
	assert_int_equal(audit_session_begin(a, &tu_session, &id2), 0);
	assert_true(id2 > id1);
	assert_int_equal(audit_append(a, &e, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(audit_session_end(a, 0, 0, "exited"), 0);
	audit_close(a);
	assert_int_equal(scalar(db, "SELECT count(*) FROM processes"), 1);
	assert_int_equal(scalar(db, "SELECT exit_status FROM processes"),
			 256);
	assert_int_equal(scalar(db, "SELECT argv = '[\"echo\",\"hi\"]' AND "
				"exe = '/bin/echo' FROM processes"), 1);
	/* a clean close leaves no journal */
	char j[512];
	snprintf(j, sizeof(j), "%s.pjournal", db);
	assert_int_equal(access(j, F_OK), -1);
}

static void test_protected_paths(void **state)
{
	const char *db = tu_path("prot.db");
	const char *paths[32];
	struct audit *a;
	char err[256], want[600];
	size_t n, k;
	int found[5] = { 0 };

	(void)state;
	assert_int_equal(audit_open(&a, db, AUDIT_OPEN_WRITE, err,
				    sizeof(err)), 0);
	n = audit_protected_paths(a, paths, 32);
	assert_true(n >= 5);
	for (k = 0; k < n; k++) {
		assert_int_equal(paths[k][0], '/');
		found[0] += strcmp(paths[k], db) == 0;
		snprintf(want, sizeof(want), "%s-wal", db);
		found[1] += strcmp(paths[k], want) == 0;
		snprintf(want, sizeof(want), "%s-shm", db);
		found[2] += strcmp(paths[k], want) == 0;
		snprintf(want, sizeof(want), "%s-journal", db);
		found[3] += strcmp(paths[k], want) == 0;
		snprintf(want, sizeof(want), "%s.pjournal", db);
		found[4] += strcmp(paths[k], want) == 0;
	}
	for (k = 0; k < 5; k++)
		assert_int_equal(found[k], 1);
	assert_int_equal(audit_protected_paths(a, paths, 2), 2);
	audit_close(a);
}

static void test_default_path(void **state)
{
	char buf[512];

	(void)state;
	setenv("XDG_STATE_HOME", "/x/state", 1);
	assert_int_equal(audit_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/state/proctor/audit.db");
	setenv("XDG_STATE_HOME", "relative", 1);
	setenv("HOME", "/home/q", 1);
	assert_int_equal(audit_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/q/.local/state/proctor/audit.db");
	unsetenv("XDG_STATE_HOME");
	assert_int_equal(audit_default_path(buf, 8), -ENAMETOOLONG);
}

static void test_creates_directories(void **state)
{
	char db[512], err[256];
	struct audit *a;

	(void)state;
	snprintf(db, sizeof(db), "%s/deep/er/audit.db", tu_path(""));
	assert_int_equal(audit_open(&a, db, AUDIT_OPEN_WRITE, err,
				    sizeof(err)), 0);
	audit_close(a);
	assert_int_equal(access(db, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_appends),
		cmocka_unit_test(test_processes_and_sessions),
		cmocka_unit_test(test_protected_paths),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_creates_directories),
	};

	return cmocka_run_group_tests_name("audit_store", tests, NULL,
					   teardown);
}
