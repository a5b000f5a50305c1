/*
 * audit_recover.c - fold journals left behind by a proctor that died.
 *
 * Purpose: when a writer opens the database, every journal slot that no
 * live proctor holds (no flock) belongs to a dead one. Its records are
 * folded (those already in SQLite are skipped by jseq), the sessions that
 * wrote through that slot and never ended are ended as
 * "supervisor-killed" with an unsigned end checkpoint, and the journal is
 * emptied only after the transaction has committed.
 *
 * Invariants: recovery of one slot is one transaction; a failure leaves
 * both the database and the journal as they were.
 *
 * Must never: touch a journal that a live proctor holds, or drop records
 * that are followed by valid ones (that is corruption: report it).
 */
#include "audit_recover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_schema.h"

static int fold_cb(void *ctx, const struct audit_record *r)
{
	return audit_fold_record(ctx, r);
}

/* Ends the sessions of a slot that have no end. */
static int end_orphans(struct audit_fold *f, int slot)
{
	static const char sql[] = "SELECT id FROM sessions WHERE "
		"journal_slot = ? AND end_ns IS NULL ORDER BY id";
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL, *grown;
	size_t n = 0, cap = 0, k;
	int rc;

	rc = sqlite3_prepare_v2(f->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return audit_sqlite_errno(rc);
	sqlite3_bind_int(st, 1, slot);
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			grown = realloc(ids, cap * sizeof(*ids));
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			ids = grown;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	rc = rc == SQLITE_DONE ? 0 : audit_sqlite_errno(rc);
	for (k = 0; rc == 0 && k < n; k++)
		rc = audit_fold_session_end(f, ids[k], -1, 0, 0,
					    "supervisor-killed");
	free(ids);
	return rc;
}

static int recover_slot(struct audit_fold *f, int slot, int fd,
			const char *jpath, char *err, size_t errlen)
{
	struct audit_buf b;
	size_t dropped = 0, bad = 0;
	int rc;

	audit_buf_init(&b);
	rc = audit_journal_read(fd, &b);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read journal %s: %s", jpath,
			 strerror(-rc));
		goto out;
	}
	rc = audit_sqlite_errno(sqlite3_exec(f->db, "BEGIN IMMEDIATE", NULL,
					     NULL, NULL));
	if (rc < 0) {
		snprintf(err, errlen, "cannot recover journal %s: %s", jpath,
			 sqlite3_errmsg(f->db));
		goto out;
	}
	rc = audit_journal_scan(b.p, b.len, fold_cb, f, &dropped, &bad);
	if (rc == -EBADMSG && bad)
		snprintf(err, errlen, "journal %s is corrupt at byte %zu; "
			 "move it aside to continue", jpath, bad);
	else if (rc == -EBADMSG)
		snprintf(err, errlen, "journal %s does not belong to this "
			 "database (a record was refused); move it aside to "
			 "continue", jpath);
	else if (rc < 0)
		snprintf(err, errlen, "cannot fold journal %s: %s", jpath,
			 strerror(-rc));
	if (rc == 0)
		rc = audit_fold_save(f);
	if (rc == 0)
		rc = end_orphans(f, slot);
	if (rc == 0)
		rc = audit_fold_save(f);
	if (rc == 0)
		rc = audit_sqlite_errno(sqlite3_exec(f->db, "COMMIT", NULL,
						     NULL, NULL));
	if (rc < 0) {
		if (!err[0])
			snprintf(err, errlen, "cannot recover journal %s: %s",
				 jpath, strerror(-rc));
		sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
		audit_fold_reset(f);
	}
out:
	audit_buf_release(&b);
	return rc;
}

int audit_recover(struct audit_fold *f, const char *db_path, int *slot,
		  int *fd, char *jpath, size_t jpathlen, char *err,
		  size_t errlen)
{
	char path[4096];
	int k, jfd, rc;

	*fd = -1;
	*slot = -1;
	err[0] = '\0';
	for (k = 0; k < AUDIT_JOURNAL_SLOTS; k++) {
		rc = audit_journal_path(path, sizeof(path), db_path, k);
		if (rc < 0)
			goto fail;
		rc = audit_journal_lock(path, &jfd);
		if (rc == -EAGAIN)
			continue;	/* a live proctor writes there */
		if (rc < 0) {
			snprintf(err, errlen, "cannot open journal %s: %s",
				 path, strerror(-rc));
			goto fail;
		}
		rc = recover_slot(f, k, jfd, path, err, errlen);
		if (rc == 0 && *fd < 0 && ftruncate(jfd, 0) < 0)
			rc = -errno;
		if (rc < 0) {
			close(jfd);
			goto fail;
		}
		if (*fd < 0) {
			*fd = jfd;
			*slot = k;
			snprintf(jpath, jpathlen, "%s", path);
		} else {
			unlink(path);
			close(jfd);
		}
	}
	if (*fd >= 0)
		return 0;
	snprintf(err, errlen, "all %d journal slots of %s are held by live "
		 "proctor processes", AUDIT_JOURNAL_SLOTS, db_path);
	return -EAGAIN;
fail:
	if (!err[0])
		snprintf(err, errlen, "cannot recover journals of %s: %s",
			 db_path, strerror(-rc));
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return rc;
}
