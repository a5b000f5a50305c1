/*
 * audit_schema.c - create, recognise and migrate the audit database.
 *
 * Purpose: decide whether a file is a proctor audit database (the SQLite
 * header's application_id plus a `meta` table with the magic and
 * schema_version) and bring a writable one to AUDIT_SCHEMA_VERSION through
 * the migration list below, in one transaction.
 *
 * Invariants: a database with foreign tables, another application_id or a
 * newer schema_version is never modified. Migrations run in order and are
 * all-or-nothing.
 *
 * Must never: drop or rewrite existing rows (the chain covers them).
 */
#include "audit_schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ISO-8601 UTC text with nanoseconds from an integer-ns column. */
#define ISO(x) "(strftime('%Y-%m-%dT%H:%M:%S', " x " / 1000000000, " \
	"'unixepoch') || printf('.%09dZ', " x " % 1000000000))"

static const char schema_v1[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
	"CREATE TABLE sessions (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  start_ns INTEGER NOT NULL,\n"
	"  end_ns INTEGER,\n"
	"  host TEXT, uid INTEGER, user TEXT, cwd TEXT,\n"
	"  argv TEXT,\n"
	"  proctor_argv TEXT, proctor_version TEXT,\n"
	"  policy_text TEXT, policy_sha256 TEXT,\n"
	"  mode TEXT,\n"
	"  signing_pubkey TEXT, checkpoint_every INTEGER,\n"
	"  exit_status INTEGER, end_reason TEXT,\n"
	"  journal_slot INTEGER);\n"
	"CREATE TABLE processes (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  session INTEGER NOT NULL REFERENCES sessions(id),\n"
	"  pid INTEGER NOT NULL, ppid INTEGER,\n"
	"  exe TEXT, argv TEXT, cwd TEXT,\n"
	"  start_ns INTEGER, exec_ns INTEGER,\n"
	"  exit_ns INTEGER, exit_status INTEGER);\n"
	"CREATE INDEX processes_pid ON processes(session, pid);\n"
	"CREATE TABLE events (\n"
	"  session INTEGER NOT NULL REFERENCES sessions(id),\n"
	"  seq INTEGER NOT NULL,\n"
	"  time_ns INTEGER NOT NULL,\n"
	"  pid INTEGER, tid INTEGER, exe TEXT,\n"
	"  op TEXT, syscall TEXT, target TEXT, resolved TEXT, hostname TEXT,\n"
	"  decision TEXT, final TEXT, mode TEXT, rule TEXT, rule_text TEXT,\n"
	"  approver_channel TEXT, approver_user TEXT,\n"
	"  approver_uid INTEGER, approver_pid INTEGER,\n"
	"  wait_ns INTEGER, remember TEXT,\n"
	"  errno INTEGER, decision_ns INTEGER,\n"
	"  backtrace TEXT, detail TEXT,\n"
	"  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);\n"
	"CREATE UNIQUE INDEX events_seq ON events(session, seq);\n"
	"CREATE TABLE checkpoints (\n"
	"  session INTEGER NOT NULL REFERENCES sessions(id),\n"
	"  seq INTEGER NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  hash TEXT NOT NULL,\n"
	"  time_ns INTEGER NOT NULL,\n"
	"  end_ns INTEGER, exit_status INTEGER, end_reason TEXT,\n"
	"  seal TEXT NOT NULL, signature TEXT, public_key TEXT);\n"
	"CREATE INDEX checkpoints_session ON checkpoints(session, seq);\n"
	"CREATE TABLE fold_state (\n"
	"  session INTEGER PRIMARY KEY, jseq INTEGER NOT NULL);\n"
	"CREATE TABLE errno_names (num INTEGER PRIMARY KEY, name TEXT);\n"
	"CREATE VIEW v_sessions AS SELECT id,\n"
	"  " ISO("start_ns") " AS start,\n"
	"  " ISO("end_ns") " AS end,\n"
	"  round((end_ns - start_ns) / 1e9, 3) AS duration_s,\n"
	"  host, uid, user, cwd, argv, proctor_argv, proctor_version,\n"
	"  policy_sha256, mode, exit_status, end_reason,\n"
	"  signing_pubkey IS NOT NULL AS signed,\n"
	"  (SELECT count(*) FROM events e WHERE e.session = s.id) AS events\n"
	"  FROM sessions s;\n"
	"CREATE VIEW v_events AS SELECT e.session, e.seq,\n"
	"  " ISO("e.time_ns") " AS time,\n"
	"  e.pid, e.tid, e.exe, e.op, e.syscall, e.target, e.resolved,\n"
	"  e.hostname, e.decision, e.final, e.mode, e.rule, e.rule_text,\n"
	"  e.approver_channel, e.approver_user, e.approver_uid,\n"
	"  e.approver_pid, round(e.wait_ns / 1e6, 3) AS wait_ms,\n"
	"  e.remember, e.errno,\n"
	"  CASE WHEN e.errno IS NULL OR e.errno = 0 THEN NULL\n"
	"       ELSE coalesce(n.name, CAST(e.errno AS TEXT)) END\n"
	"       AS errno_name,\n"
	"  round(e.decision_ns / 1e3, 3) AS decision_us,\n"
	"  e.backtrace, e.detail, e.time_ns, e.prev_hash, e.hash\n"
	"  FROM events e LEFT JOIN errno_names n ON n.num = e.errno;\n"
	"CREATE VIEW v_denied AS SELECT * FROM v_events WHERE final = 'deny';\n"
	"CREATE VIEW v_asked AS SELECT * FROM v_events\n"
	"  WHERE decision = 'ask';\n"
	"CREATE VIEW v_network AS SELECT session,\n"
	"  coalesce(hostname, '') AS hostname, target, final,\n"
	"  count(*) AS count, min(time) AS first, max(time) AS last\n"
	"  FROM v_events WHERE op = 'connect'\n"
	"  GROUP BY session, hostname, target, final;\n"
	"CREATE VIEW v_processes AS SELECT id, session, pid, ppid, exe,\n"
	"  argv, cwd,\n"
	"  " ISO("start_ns") " AS start,\n"
	"  " ISO("exit_ns") " AS exit, exit_status\n"
	"  FROM processes;\n"
	"CREATE VIEW v_programs AS SELECT session,\n"
	"  coalesce(exe, json_extract(argv, '$[0]')) AS program,\n"
	"  count(*) AS runs, min(" ISO("start_ns") ") AS first\n"
	"  FROM processes GROUP BY session, program;\n"
	"CREATE VIEW v_session_summary AS SELECT s.id AS session,\n"
	"  " ISO("s.start_ns") " AS start,\n"
	"  " ISO("s.end_ns") " AS end,\n"
	"  s.user, s.argv, s.mode, s.exit_status, s.end_reason,\n"
	"  count(e.seq) AS events,\n"
	"  coalesce(sum(e.final = 'allow'), 0) AS allowed,\n"
	"  coalesce(sum(e.final = 'deny'), 0) AS denied,\n"
	"  coalesce(sum(e.decision = 'ask'), 0) AS asked,\n"
	"  (SELECT count(*) FROM processes p WHERE p.session = s.id)\n"
	"    AS processes\n"
	"  FROM sessions s LEFT JOIN events e ON e.session = s.id\n"
	"  GROUP BY s.id;\n"
	"CREATE VIEW v_checkpoints AS SELECT session, seq, kind,\n"
	"  " ISO("time_ns") " AS time, hash,\n"
	"  signature IS NOT NULL AS signed, public_key\n"
	"  FROM checkpoints;\n";

struct migration {
	int to;
	const char *sql;
	int (*fill)(sqlite3 *db);
};

/* errno numbers to names, as the running C library knows them. */
static int fill_errno_names(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	const char *name;
	int rc, e;

	rc = sqlite3_prepare_v2(db, "INSERT INTO errno_names VALUES (?, ?)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	for (e = 1; e < 256; e++) {
		name = strerrorname_np(e);
		if (!name)
			continue;
		sqlite3_bind_int(st, 1, e);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static const struct migration migrations[] = {
	{ 1, schema_v1, fill_errno_names },
};

int audit_sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EINVAL;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	default:
		return -EIO;
	}
}

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* One integer from a one-row query; *found is 0 when there was no row. */
static int query_int(sqlite3 *db, const char *sql, long long *out,
		     int *found)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*found = 0;
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		*found = 1;
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Brings the schema to AUDIT_SCHEMA_VERSION. The version is read again
 * inside the write transaction: another proctor may have created or
 * migrated the database since we looked.
 */
static int migrate(sqlite3 *db, char *err, size_t errlen)
{
	long long from = 0;
	char sql[160];
	size_t k;
	int rc, found;

	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto out;
	rc = query_int(db, "SELECT count(*) FROM sqlite_master WHERE "
		       "name = 'meta'", &from, &found);
	if (rc == SQLITE_OK && from > 0)
		rc = query_int(db, "SELECT CAST(value AS INTEGER) FROM meta "
			       "WHERE key = 'schema_version'", &from, &found);
	if (rc != SQLITE_OK)
		goto out;
	if (from >= AUDIT_SCHEMA_VERSION) {
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		goto out;
	}
	for (k = 0; k < sizeof(migrations) / sizeof(migrations[0]); k++) {
		if (migrations[k].to <= from)
			continue;
		rc = sqlite3_exec(db, migrations[k].sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK && migrations[k].fill)
			rc = migrations[k].fill(db);
		if (rc != SQLITE_OK)
			goto out;
	}
	snprintf(sql, sizeof(sql),
		 "INSERT OR REPLACE INTO meta VALUES ('magic', '%s'), "
		 "('schema_version', '%d');"
		 "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 AUDIT_MAGIC, AUDIT_SCHEMA_VERSION, AUDIT_APPLICATION_ID,
		 AUDIT_SCHEMA_VERSION);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto out;
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
out:
	if (rc != SQLITE_OK) {
		fail(err, errlen, 0, "cannot initialise the audit database: %s",
		     sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return audit_sqlite_errno(rc);
	}
	return 0;
}

int audit_schema_check(sqlite3 *db, int writable, char *err, size_t errlen)
{
	long long appid = 0, ntables = 0, version = 0;
	sqlite3_stmt *st = NULL;
	const unsigned char *magic;
	int rc, found, ret;

	rc = query_int(db, "PRAGMA application_id", &appid, &found);
	if (rc == SQLITE_OK)
		rc = query_int(db, "SELECT count(*) FROM sqlite_master",
			       &ntables, &found);
	if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
		return fail(err, errlen, -EINVAL,
			    "not an SQLite database (corrupt or another kind "
			    "of file)");
	if (rc != SQLITE_OK)
		return fail(err, errlen, audit_sqlite_errno(rc),
			    "cannot read the database: %s",
			    sqlite3_errmsg(db));
	if (appid == 0 && ntables == 0) {
		if (!writable)
			return fail(err, errlen, -EINVAL,
				    "not a proctor audit database (it is "
				    "empty)");
		return migrate(db, err, errlen);
	}
	if (appid != AUDIT_APPLICATION_ID)
		return fail(err, errlen, -EINVAL,
			    "not a proctor audit database");

	rc = sqlite3_prepare_v2(db, "SELECT (SELECT value FROM meta WHERE "
				"key = 'magic'), (SELECT value FROM meta "
				"WHERE key = 'schema_version')", -1, &st,
				NULL);
	if (rc != SQLITE_OK) {
		ret = fail(err, errlen, -EINVAL, "not a proctor audit database "
			   "(no meta table)");
		goto out;
	}
	rc = sqlite3_step(st);
	magic = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (!magic || strcmp((const char *)magic, AUDIT_MAGIC) != 0 ||
	    sqlite3_column_type(st, 1) == SQLITE_NULL) {
		ret = fail(err, errlen, -EINVAL, "not a proctor audit database "
			   "(bad meta table)");
		goto out;
	}
	version = sqlite3_column_int64(st, 1);
	if (version > AUDIT_SCHEMA_VERSION) {
		ret = fail(err, errlen, -ENOTSUP, "schema version %lld is "
			   "newer than this proctor (%d)", version,
			   AUDIT_SCHEMA_VERSION);
		goto out;
	}
	if (version < 1) {
		ret = fail(err, errlen, -EINVAL, "not a proctor audit database "
			   "(schema version %lld)", version);
		goto out;
	}
	ret = 0;
	if (version < AUDIT_SCHEMA_VERSION) {
		if (!writable) {
			ret = fail(err, errlen, -ENOTSUP, "schema version %lld "
				   "is older than this proctor (%d); open it "
				   "for writing once to migrate", version,
				   AUDIT_SCHEMA_VERSION);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
		ret = migrate(db, err, errlen);
	}
out:
	sqlite3_finalize(st);
	return ret;
}

struct audit_value audit_column_value(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return audit_v_int(sqlite3_column_int64(st, i));
	case SQLITE_NULL:
		return audit_v_null();
	default:
		return audit_v_textn((const char *)sqlite3_column_text(st, i),
				     (size_t)sqlite3_column_bytes(st, i));
	}
}
