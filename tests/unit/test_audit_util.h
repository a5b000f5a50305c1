/*
 * test_audit_util.h - helpers shared by the test_audit_* programs: a
 * scratch directory, a standard session writer, raw SQL for tampering and
 * a verify shortcut. Header-only (static functions) so that each test
 * program stays one file plus this.
 */
#ifndef PROCTOR_TEST_AUDIT_UTIL_H
#define PROCTOR_TEST_AUDIT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "audit_store.h"
#include "audit_verify.h"

static char tu_dir[256];

/* A fresh scratch directory per test program (removed by tu_cleanup). */
static inline const char *tu_path(const char *name)
{
	static char buf[4][PATH_MAX];
	static int turn;
	char *p;

	if (!tu_dir[0]) {
		snprintf(tu_dir, sizeof(tu_dir), "/tmp/proctor-audit-XXXXXX");
		if (!mkdtemp(tu_dir))
			abort();
	}
	p = buf[turn++ % 4];
	snprintf(p, PATH_MAX, "%s/%s", tu_dir, name);
	return p;
}

static inline int tu_rm(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void tu_cleanup(void)
{
	if (tu_dir[0])
		nftw(tu_dir, tu_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void tu_event(struct audit_event *e, long k, char *buf,
			    size_t n)
{
	memset(e, 0, sizeof(*e));
	snprintf(buf, n, "/home/u/file-%ld", k);
	e->time_ns = 1700000000000000000LL + k * 1000;
	e->pid = 100 + (int32_t)(k % 5);
	e->tid = e->pid;
	e->exe = "/usr/bin/cc";
	e->op = k % 4 == 3 ? "write" : "read";
	e->syscall = "openat";
	e->target = buf;
	e->resolved = buf;
	e->decision = k % 4 == 3 ? "deny" : "allow";
	e->final = e->decision;
	e->mode = "enforce";
	e->rule = "test.policy:3";
	e->rule_text = "allow read ~/**";
	e->approver_uid = -1;
	e->approver_pid = -1;
	e->errno_ret = k % 4 == 3 ? EACCES : 0;
	e->decision_ns = 900 + k;
}

static const struct audit_session_info tu_session = {
	.start_ns = 1700000000000000000LL, .host = "h", .uid = 1000,
	.user = "u", .cwd = "/home/u", .argv = NULL, .argc = 0,
	.proctor_argv = "proctor run -- cc", .version = "test",
	.policy_text = "allow read ~/**\n", .policy_len = 16,
	.mode = "enforce",
};

/* Writes one ended session of n events; returns its id. */
static inline int64_t tu_write_session(const char *db, long n,
				const unsigned char *sk, unsigned every)
{
	struct audit_event e;
	struct audit *a;
	char err[256], buf[64];
	int64_t id = 0;
	uint64_t seq;
	long k;

	assert_int_equal(audit_open(&a, db, AUDIT_OPEN_WRITE, err,
				    sizeof(err)), 0);
	if (sk)
		assert_int_equal(audit_set_signing_key(a, sk, every), 0);
	assert_int_equal(audit_session_begin(a, &tu_session, &id), 0);
	for (k = 0; k < n; k++) {
		tu_event(&e, k, buf, sizeof(buf));
		assert_int_equal(audit_append(a, &e, &seq), 0);
		assert_int_equal(seq, (uint64_t)k + 1);
	}
	assert_int_equal(audit_session_end(a, 1700000001000000000LL, 0,
					   "exited"), 0);
	audit_close(a);
	return id;
}

/* Runs SQL on the database with a plain read-write connection. */
static inline void tu_sql(const char *db, const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("sql failed: %s: %s", sql, msg);
	sqlite3_close(h);
}

static inline int tu_verify(const char *db, int64_t id,
			    const unsigned char *pk,
		     struct audit_verify_result *r)
{
	struct audit *a;
	char err[256];
	int rc;

	rc = audit_open(&a, db, AUDIT_OPEN_READ, err, sizeof(err));
	if (rc < 0)
		fail_msg("open %s: %s", db, err);
	rc = audit_verify_session(audit_sqlite(a), id, pk, r);
	audit_close(a);
	return rc;
}

#endif
