/*
 * test_audit_faults.c - the store fails closed: the first write error
 * (journal EFBIG/ENOSPC, SQLITE_FULL in the fold, a full tmpfs) is
 * returned by that append or by audit_sync, by every later append and by
 * audit_error(); nothing acknowledged is lost; no silent gap.
 *
 * Fault injection: RLIMIT_FSIZE with SIGXFSZ ignored (unprivileged),
 * PRAGMA max_page_count on the store's own connection (SQLITE_FULL), and
 * a 512 KiB tmpfs when mount(2) is allowed (skipped otherwise).
 */
#include "test_audit_util.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int teardown(void **state)
{
	(void)state;
	tu_cleanup();
	return 0;
}

static int64_t count_events(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t c;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_prepare_v2(h, "SELECT count(*) FROM events", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	c = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return c;
}

static void recover_verify(const char *db, int64_t want)
{
	struct audit_verify_result r;
	struct audit *a;
	char err[256];

	if (audit_open(&a, db, AUDIT_OPEN_WRITE, err, sizeof(err)) < 0)
		fail_msg("reopen: %s", err);
	audit_close(a);
	assert_int_equal(tu_verify(db, 1, NULL, &r), 0);
	if (!r.ok)
		fail_msg("%s at %lld: %s", r.kind, (long long)r.bad_seq,
			 r.detail);
	assert_int_equal(count_events(db), want);
}

/* Child: appends until the file size limit bites; exit code 0 when the
 * error was sticky and consistent; writes the acknowledged count. */
static void fsize_child(const char *db, int fd)
{
	static char big[300000];
	struct audit_event e;
	struct rlimit rl;
	struct audit *a;
	char err[256], buf[64];
	int64_t id, acked = 0;
	int rc, k;

	signal(SIGXFSZ, SIG_IGN);
	if (audit_open(&a, db, AUDIT_OPEN_WRITE, err, sizeof(err)) < 0 ||
	    audit_session_begin(a, &tu_session, &id) < 0)
		_exit(10);
	for (k = 0; k < 10; k++) {
		tu_event(&e, k, buf, sizeof(buf));
		if (audit_append(a, &e, NULL) < 0)
			_exit(11);
		acked++;
	}
	if (audit_sync(a) < 0)
		_exit(12);
	rl.rlim_cur = rl.rlim_max = 256 * 1024;
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		_exit(13);
	memset(big, 'x', sizeof(big) - 1);
	tu_event(&e, 10, buf, sizeof(buf));
	e.detail = big;
	rc = audit_append(a, &e, NULL);
	if (rc != -EFBIG && rc != -ENOSPC)
		_exit(14);
	/* sticky: a small record fails the same way, and so does sync */
	e.detail = NULL;
	if (audit_append(a, &e, NULL) != rc || audit_error(a) != rc ||
	    audit_sync(a) != rc)
		_exit(15);
	if (write(fd, &acked, sizeof(acked)) != sizeof(acked))
		_exit(16);
	_exit(0);
}

static void test_journal_file_too_big(void **state)
{
	const char *db = tu_path("fsize.db");
	int64_t acked = -1;
	int p[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0)
		fsize_child(db, p[1]);
	close(p[1]);
	assert_int_equal(read(p[0], &acked, sizeof(acked)), sizeof(acked));
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	recover_verify(db, acked);
}

static void test_sqlite_full(void **state)
{
	const char *db = tu_path("full.db");
	struct audit_event e;
	struct audit *a;
	char err[256], buf[64], sql[96];
	sqlite3_stmt *st;
	int64_t id, pages;
	int k, rc;

	(void)state;
	assert_int_equal(audit_open(&a, db, AUDIT_OPEN_WRITE, err,
				    sizeof(err)), 0);
	assert_int_equal(audit_session_begin(a, &tu_session, &id), 0);
	for (k = 0; k < 10; k++) {
		tu_event(&e, k, buf, sizeof(buf));
		assert_int_equal(audit_append(a, &e, NULL), 0);
	}
	assert_int_equal(audit_sync(a), 0);
	/* no room for one more page */
	sqlite3_prepare_v2(audit_sqlite(a), "PRAGMA page_count", -1, &st,
			   NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	pages = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
		 (long long)pages);
	assert_int_equal(sqlite3_exec(audit_sqlite(a), sql, NULL, NULL, NULL),
			 SQLITE_OK);
	for (k = 10; k < 2000; k++) {
		tu_event(&e, k, buf, sizeof(buf));
		e.detail = "padding padding padding padding padding padding";
		rc = audit_append(a, &e, NULL);
		if (rc < 0)
			break;
	}
	/* the fold failed: sync reports it, appends fail from then on */
	rc = audit_sync(a);
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(audit_error(a), -ENOSPC);
	assert_int_equal(audit_append(a, &e, NULL), -ENOSPC);
	assert_int_equal(audit_session_end(a, 0, 0, "exited"), -ENOSPC);
	audit_close(a);
	/* everything acknowledged is still in the journal: recovered */
	recover_verify(db, k);
}

static void test_tmpfs_full(void **state)
{
	const char *dir = tu_path("tmpfs");
	char db[512], err[256], buf[64], pad[4096];
	struct audit_event e;
	struct audit *a;
	int64_t id;
	int k, rc = 0;

	(void)state;
	mkdir(dir, 0700);
	if (mount("tmpfs", dir, "tmpfs", 0, "size=512k") < 0) {
		skip();
		return;
	}
	snprintf(db, sizeof(db), "%s/a.db", dir);
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	assert_int_equal(audit_open(&a, db, AUDIT_OPEN_WRITE, err,
				    sizeof(err)), 0);
	assert_int_equal(audit_session_begin(a, &tu_session, &id), 0);
	for (k = 0; k < 100000 && rc == 0; k++) {
		tu_event(&e, k, buf, sizeof(buf));
		e.detail = pad;
		rc = audit_append(a, &e, NULL);
		if (rc == 0 && k % 64 == 0)
			rc = audit_sync(a);
	}
	assert_true(rc == -ENOSPC || rc == -EIO);
	assert_int_equal(audit_error(a), rc);
	assert_int_equal(audit_append(a, &e, NULL), rc);
	audit_close(a);
	umount2(dir, MNT_DETACH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_file_too_big),
		cmocka_unit_test(test_sqlite_full),
		cmocka_unit_test(test_tmpfs_full),
	};

	return cmocka_run_group_tests_name("audit_faults", tests, NULL,
					   teardown);
}
