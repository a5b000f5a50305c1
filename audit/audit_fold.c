/*
 * audit_fold.c - turn journal records into rows, extend the hash chain,
 * write checkpoints.
 *
 * Purpose: the only code that inserts sessions, events, processes and
 * checkpoints. The chain is computed here, over the record's encoded
 * values: the canonical encoding of the very values bound to the INSERT,
 * so what verify reads back hashes the same.
 *
 * Cost: this runs once per decision on the fold thread, which competes
 * with the agent for CPU. Events are therefore chained at once but
 * inserted AUDIT_FOLD_ROWS per statement (the rest at audit_fold_save()),
 * every parameter of the INSERT is bound each time (no clearing per row),
 * and the connection has no mutex of its own (audit_store.c).
 *
 * Invariants:
 *  - events of a session are folded in seq order with no gap; a record
 *    that would leave a gap is refused (-EBADMSG), never skipped;
 *  - a record whose jseq is already folded is skipped (idempotent
 *    recovery); fold_state is saved in the same transaction as the rows;
 *  - value types are checked against the columns before binding, so
 *    SQLite's type affinity can never change what was hashed.
 *
 * Must never: commit or roll back (the caller owns the transaction).
 */
#include "audit_fold.h"

#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "audit_schema.h"

static const char sql_get_state[] =
	"SELECT jseq FROM fold_state WHERE session = ?";
static const char sql_set_state[] =
	"INSERT OR REPLACE INTO fold_state (session, jseq) VALUES (?, ?)";
static const char sql_last_event[] =
	"SELECT seq, hash FROM events WHERE session = ? "
	"ORDER BY seq DESC LIMIT 1";
static const char sql_ins_proc[] =
	"INSERT INTO processes (session, pid, ppid, exe, argv, cwd, "
	"start_ns, exec_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_upd_exec[] =
	"UPDATE processes SET exe = ?3, argv = ?4, cwd = coalesce(?5, cwd), "
	"exec_ns = ?6 WHERE id = (SELECT max(id) FROM processes WHERE "
	"session = ?1 AND pid = ?2 AND exit_ns IS NULL)";
static const char sql_upd_exit[] =
	"UPDATE processes SET exit_ns = ?3, exit_status = ?4 WHERE id = "
	"(SELECT max(id) FROM processes WHERE session = ?1 AND pid = ?2 "
	"AND exit_ns IS NULL)";
static const char sql_ins_ckpt[] =
	"INSERT INTO checkpoints (session, seq, kind, hash, time_ns, end_ns, "
	"exit_status, end_reason, seal, signature, public_key) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* Parameters of one row of the events INSERT: the columns, prev_hash,
 * hash. */
#define EVENT_NPARAMS (AUDIT_EVENT_NCOLS + 2)
_Static_assert(AUDIT_EVENT_NCOLS <= 32, "struct audit_fold.nulls is 32 bits");

/* Which event columns hold integers (the rest hold text). */
static int event_col_is_int(int c)
{
	switch (c) {
	case AE_SESSION: case AE_SEQ: case AE_TIME: case AE_PID: case AE_TID:
	case AE_APPR_UID: case AE_APPR_PID: case AE_WAIT: case AE_ERRNO:
	case AE_DECISION_NS:
		return 1;
	default:
		return 0;
	}
}

int64_t audit_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				    st, NULL);

	return rc == SQLITE_OK ? 0 : audit_sqlite_errno(rc);
}

/* "INSERT ... INTO events (...) VALUES (?, ...), ..." for nrows rows into
 * b (NUL-terminated). OR ROLLBACK: a conflict (which the seq check makes
 * impossible) ends the whole transaction, which the caller rolls back on
 * any error anyway; unlike the default ABORT it spares SQLite a statement
 * journal for the rows of one statement. */
static int events_sql(struct audit_buf *b, int nrows)
{
	int rc, j, k;

	rc = audit_buf_put(b, "INSERT OR ROLLBACK INTO events (", 32);
	if (rc == 0)
		rc = audit_chain_collist(b, audit_event_cols, NULL);
	if (rc == 0)
		rc = audit_buf_put(b, ", prev_hash, hash) VALUES ", 26);
	for (j = 0; rc == 0 && j < nrows; j++) {
		rc = audit_buf_put(b, j ? ", (?" : "(?", j ? 4 : 2);
		for (k = 1; rc == 0 && k < EVENT_NPARAMS; k++)
			rc = audit_buf_put(b, ", ?", 3);
		if (rc == 0)
			rc = audit_buf_put(b, ")", 1);
	}
	if (rc == 0)
		rc = audit_buf_put(b, "", 1);
	return rc;
}

int audit_fold_init(struct audit_fold *f, sqlite3 *db)
{
	struct audit_buf b;
	int rc;

	memset(f, 0, sizeof(*f));
	f->db = db;
	audit_buf_init(&f->tmp);
	audit_buf_init(&b);
	rc = events_sql(&b, 1);
	if (rc == 0)
		rc = prep(db, (const char *)b.p, &f->ins_event);
	b.len = 0;
	if (rc == 0)
		rc = events_sql(&b, AUDIT_FOLD_ROWS);
	if (rc == 0)
		rc = prep(db, (const char *)b.p, &f->ins_events);
	memset(f->nulls, 0xff, sizeof(f->nulls));	/* nothing bound yet */
	b.len = 0;
	if (rc == 0)
		rc = audit_buf_put(&b, "SELECT ", 7);
	if (rc == 0)
		rc = audit_chain_collist(&b, audit_session_cols, NULL);
	if (rc == 0)
		rc = audit_buf_put(&b, " FROM sessions WHERE id = ?", 28);
	if (rc == 0)
		rc = prep(db, (const char *)b.p, &f->get_session);
	if (rc == 0)
		rc = prep(db, sql_get_state, &f->get_state);
	if (rc == 0)
		rc = prep(db, sql_set_state, &f->set_state);
	if (rc == 0)
		rc = prep(db, sql_last_event, &f->last_event);
	if (rc == 0)
		rc = prep(db, sql_ins_proc, &f->ins_proc);
	if (rc == 0)
		rc = prep(db, sql_upd_exec, &f->upd_exec);
	if (rc == 0)
		rc = prep(db, sql_upd_exit, &f->upd_exit);
	if (rc == 0)
		rc = prep(db, sql_ins_ckpt, &f->ins_ckpt);
	audit_buf_release(&b);
	if (rc < 0)
		audit_fold_release(f);
	return rc;
}

void audit_fold_release(struct audit_fold *f)
{
	sqlite3_finalize(f->ins_event);
	sqlite3_finalize(f->ins_events);
	sqlite3_finalize(f->ins_proc);
	sqlite3_finalize(f->upd_exec);
	sqlite3_finalize(f->upd_exit);
	sqlite3_finalize(f->get_state);
	sqlite3_finalize(f->set_state);
	sqlite3_finalize(f->last_event);
	sqlite3_finalize(f->get_session);
	sqlite3_finalize(f->ins_ckpt);
	f->ins_event = f->ins_events = NULL;
	f->ins_proc = f->upd_exec = f->upd_exit = NULL;
	f->get_state = f->set_state = f->last_event = NULL;
	f->get_session = f->ins_ckpt = NULL;
	audit_buf_release(&f->tmp);
	f->session = 0;
	f->nrows = 0;
}

/* Clears the bindings of the events INSERTs: every parameter NULL. */
static void clear_rows(struct audit_fold *f)
{
	size_t j;

	sqlite3_clear_bindings(f->ins_events);
	sqlite3_clear_bindings(f->ins_event);
	for (j = 0; j <= AUDIT_FOLD_ROWS; j++)
		f->nulls[j] = ~(uint32_t)0;
}

void audit_fold_reset(struct audit_fold *f)
{
	f->session = 0;
	f->dirty = 0;
	f->nrows = 0;
	clear_rows(f);
}

static int bind_value(sqlite3_stmt *st, int idx, const struct audit_value *v)
{
	if (v->type == AUDIT_V_INT)
		return sqlite3_bind_int64(st, idx, v->i);
	if (v->type == AUDIT_V_TEXT)
		return sqlite3_bind_text(st, idx, v->len ? v->s : "",
					 (int)v->len, SQLITE_STATIC);
	return sqlite3_bind_null(st, idx);
}

/* Runs a bound statement that returns no rows, then resets it. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : audit_sqlite_errno(rc);
}

/* Binds waiting row k to the parameters of row slot j of st (slot
 * AUDIT_FOLD_ROWS: ins_event). A NULL column whose parameter holds NULL
 * already is not bound again: about a third of an event's columns are
 * NULL, and each bind call costs. */
static int bind_row(struct audit_fold *f, sqlite3_stmt *st, size_t j,
		    size_t k)
{
	int base = (j == AUDIT_FOLD_ROWS ? 0 : (int)j) * EVENT_NPARAMS;
	int c, rc = SQLITE_OK;
	uint32_t bit;

	for (c = 0; c < AUDIT_EVENT_NCOLS && rc == SQLITE_OK; c++) {
		bit = (uint32_t)1 << c;
		if (f->rows[k][c].type == AUDIT_V_NULL &&
		    (f->nulls[j] & bit))
			continue;
		rc = bind_value(st, base + c + 1, &f->rows[k][c]);
		if (f->rows[k][c].type == AUDIT_V_NULL)
			f->nulls[j] |= bit;
		else
			f->nulls[j] &= ~bit;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, base + AUDIT_EVENT_NCOLS + 1,
				       f->hex[k], 2 * AUDIT_HASH_LEN,
				       SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, base + AUDIT_EVENT_NCOLS + 2,
				       f->hex[k + 1], 2 * AUDIT_HASH_LEN,
				       SQLITE_STATIC);
	return audit_sqlite_errno(rc);
}

/* Runs st and resets it. Nothing is cleared per row: the next row binds
 * every parameter again, except NULLs already in place (bind_row());
 * audit_fold_save() clears once per batch. */
static int step_bound(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : audit_sqlite_errno(rc);
}

/* Inserts the waiting events: a full set with one statement, fewer one
 * by one. */
static int flush_rows(struct audit_fold *f)
{
	size_t k;
	int rc = 0;

	if (f->nrows == AUDIT_FOLD_ROWS) {
		for (k = 0; rc == 0 && k < f->nrows; k++)
			rc = bind_row(f, f->ins_events, k, k);
		if (rc == 0)
			rc = step_bound(f->ins_events);
	} else {
		for (k = 0; rc == 0 && k < f->nrows; k++) {
			rc = bind_row(f, f->ins_event, AUDIT_FOLD_ROWS, k);
			if (rc == 0)
				rc = step_bound(f->ins_event);
		}
	}
	if (rc < 0)
		return rc;
	memcpy(f->hex[0], f->hex[f->nrows], sizeof(f->hex[0]));
	f->nrows = 0;
	return 0;
}

int audit_fold_save(struct audit_fold *f)
{
	int rc = flush_rows(f);

	/* drop the pointers into the caller's batch (still valid here) */
	clear_rows(f);
	if (rc < 0 || !f->session || !f->dirty)
		return rc;
	sqlite3_bind_int64(f->set_state, 1, f->session);
	sqlite3_bind_int64(f->set_state, 2, (int64_t)f->jseq);
	f->dirty = 0;
	return step_done(f->set_state);
}

/* Loads the chain head, last seq and folded jseq of a session. */
static int load(struct audit_fold *f, int64_t session)
{
	struct audit_value v[AUDIT_SESSION_NCOLS];
	const unsigned char *h;
	int rc, k;

	if (f->session == session)
		return 0;
	rc = audit_fold_save(f);
	if (rc < 0)
		return rc;
	f->session = 0;
	sqlite3_bind_int64(f->get_session, 1, session);
	rc = sqlite3_step(f->get_session);
	if (rc == SQLITE_ROW) {
		for (k = 0; k < AUDIT_SESSION_NCOLS; k++)
			v[k] = audit_column_value(f->get_session, k);
		audit_chain_root(v, f->head);
	}
	sqlite3_reset(f->get_session);
	if (rc == SQLITE_DONE)
		return -EBADMSG;	/* a record for no known session */
	if (rc != SQLITE_ROW)
		return audit_sqlite_errno(rc);
	f->seq = 0;
	sqlite3_bind_int64(f->last_event, 1, session);
	rc = sqlite3_step(f->last_event);
	if (rc == SQLITE_ROW) {
		f->seq = (uint64_t)sqlite3_column_int64(f->last_event, 0);
		h = sqlite3_column_text(f->last_event, 1);
		if (audit_unhex((const char *)h,
				(size_t)sqlite3_column_bytes(f->last_event, 1),
				f->head, AUDIT_HASH_LEN) < 0)
			rc = SQLITE_CORRUPT;
	}
	sqlite3_reset(f->last_event);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return audit_sqlite_errno(rc);
	audit_hex(f->head, AUDIT_HASH_LEN, f->hex[0]);
	f->jseq = 0;
	sqlite3_bind_int64(f->get_state, 1, session);
	rc = sqlite3_step(f->get_state);
	if (rc == SQLITE_ROW)
		f->jseq = (uint64_t)sqlite3_column_int64(f->get_state, 0);
	sqlite3_reset(f->get_state);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return audit_sqlite_errno(rc);
	f->session = session;
	f->dirty = 0;
	return 0;
}

/* Writes a checkpoint of the loaded session at its current head. */
static int checkpoint(struct audit_fold *f, const char *kind, int has_end,
		      int64_t end_ns, int has_status, int status,
		      const char *reason)
{
	struct audit_value v[AUDIT_CHECKPOINT_NCOLS];
	unsigned char seal[AUDIT_HASH_LEN], sig[crypto_sign_BYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char hhex[2 * AUDIT_HASH_LEN + 1], shex[2 * AUDIT_HASH_LEN + 1];
	char sighex[2 * crypto_sign_BYTES + 1];
	char pkhex[2 * crypto_sign_PUBLICKEYBYTES + 1];
	int k, sign = f->sk && f->sign_session == f->session;

	audit_hex(f->head, AUDIT_HASH_LEN, hhex);
	v[AC_SESSION] = audit_v_int(f->session);
	v[AC_SEQ] = audit_v_int((int64_t)f->seq);
	v[AC_KIND] = audit_v_text(kind);
	v[AC_HASH] = audit_v_text(hhex);
	v[AC_TIME] = audit_v_int(audit_now_ns());
	v[AC_END] = has_end ? audit_v_int(end_ns) : audit_v_null();
	v[AC_STATUS] = has_status ? audit_v_int(status) : audit_v_null();
	v[AC_REASON] = audit_v_text(reason);
	audit_chain_seal(v, seal);
	audit_hex(seal, AUDIT_HASH_LEN, shex);
	for (k = 0; k < AUDIT_CHECKPOINT_NCOLS; k++)
		bind_value(f->ins_ckpt, k + 1, &v[k]);
	sqlite3_bind_text(f->ins_ckpt, 9, shex, -1, SQLITE_TRANSIENT);
	if (sign) {
		crypto_sign_detached(sig, NULL, seal, sizeof(seal), f->sk);
		crypto_sign_ed25519_sk_to_pk(pk, f->sk);
		audit_hex(sig, sizeof(sig), sighex);
		audit_hex(pk, sizeof(pk), pkhex);
		sqlite3_bind_text(f->ins_ckpt, 10, sighex, -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(f->ins_ckpt, 11, pkhex, -1,
				  SQLITE_TRANSIENT);
	}
	return step_done(f->ins_ckpt);
}

static int fold_event(struct audit_fold *f, const struct audit_record *r)
{
	unsigned char h[AUDIT_HASH_LEN];
	int k, rc = 0;

	if (r->n != AUDIT_EVENT_NCOLS)
		return -EBADMSG;
	for (k = 0; k < AUDIT_EVENT_NCOLS; k++) {
		if (r->v[k].type == AUDIT_V_NULL)
			continue;
		if ((r->v[k].type == AUDIT_V_INT) != event_col_is_int(k))
			return -EBADMSG;
	}
	if (r->v[AE_SEQ].type != AUDIT_V_INT ||
	    r->v[AE_TIME].type != AUDIT_V_INT)
		return -EBADMSG;
	if ((uint64_t)r->v[AE_SEQ].i != f->seq + 1)
		return -EBADMSG;
	/* chain now, insert with the next full set (or at save) */
	audit_chain_event_encoded(f->head, r->enc, r->enc_len, h);
	memcpy(f->head, h, AUDIT_HASH_LEN);
	audit_hex(f->head, AUDIT_HASH_LEN, f->hex[f->nrows + 1]);
	memcpy(f->rows[f->nrows], r->v, sizeof(f->rows[0]));
	f->nrows++;
	f->seq++;
	if (f->nrows == AUDIT_FOLD_ROWS)
		rc = flush_rows(f);
	if (rc == 0 && f->sk && f->sign_session == f->session && f->every &&
	    f->seq % f->every == 0)
		rc = checkpoint(f, "periodic", 0, 0, 0, 0, NULL);
	return rc;
}

/* NUL-separated words to a JSON array text in f->tmp (NUL-terminated). */
static int argv_json(struct audit_fold *f, const struct audit_value *v)
{
	struct json_object *arr;
	const char *s, *end, *z, *out;
	int rc = 0;

	arr = json_object_new_array();
	if (!arr)
		return -ENOMEM;
	s = v->s;
	end = v->s + v->len;
	while (s < end) {
		z = memchr(s, '\0', (size_t)(end - s));
		if (!z)
			z = end;
		json_object_array_add(arr, json_object_new_string_len(s,
				      (int)(z - s)));
		s = z + 1;
	}
	out = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE);
	f->tmp.len = 0;
	if (!out)
		rc = -ENOMEM;
	else
		rc = audit_buf_put(&f->tmp, out, strlen(out) + 1);
	json_object_put(arr);
	return rc;
}

static int fold_process(struct audit_fold *f, const struct audit_record *r)
{
	const struct audit_value *v = r->v;
	sqlite3_stmt *st;
	int rc;

	if (r->type == AUDIT_REC_PROC_EXIT) {
		if (r->n != 4)
			return -EBADMSG;
		sqlite3_bind_int64(f->upd_exit, 1, f->session);
		bind_value(f->upd_exit, 2, &v[2]);
		bind_value(f->upd_exit, 3, &v[1]);
		bind_value(f->upd_exit, 4, &v[3]);
		return step_done(f->upd_exit);
	}
	if (r->n != 7)
		return -EBADMSG;
	if (v[5].type == AUDIT_V_TEXT) {
		rc = argv_json(f, &v[5]);
		if (rc < 0)
			return rc;
	}
	if (r->type == AUDIT_REC_PROC_EXEC) {
		st = f->upd_exec;
		sqlite3_bind_int64(st, 1, f->session);
		bind_value(st, 2, &v[2]);
		bind_value(st, 3, &v[4]);
		if (v[5].type == AUDIT_V_TEXT)
			sqlite3_bind_text(st, 4, (const char *)f->tmp.p, -1,
					  SQLITE_STATIC);
		bind_value(st, 5, &v[6]);
		bind_value(st, 6, &v[1]);
		rc = step_done(st);
		if (rc < 0 || sqlite3_changes(f->db) > 0)
			return rc;
	}
	/* a start, or an exec of a process we never saw start */
	st = f->ins_proc;
	sqlite3_bind_int64(st, 1, f->session);
	bind_value(st, 2, &v[2]);
	bind_value(st, 3, &v[3]);
	bind_value(st, 4, &v[4]);
	if (v[5].type == AUDIT_V_TEXT)
		sqlite3_bind_text(st, 5, (const char *)f->tmp.p, -1,
				  SQLITE_STATIC);
	bind_value(st, 6, &v[6]);
	bind_value(st, r->type == AUDIT_REC_PROC_EXEC ? 8 : 7, &v[1]);
	return step_done(st);
}

int audit_fold_record(struct audit_fold *f, const struct audit_record *r)
{
	int rc;

	if (r->n < 2 || r->v[0].type != AUDIT_V_INT ||
	    r->v[1].type != AUDIT_V_INT)
		return -EBADMSG;
	rc = load(f, r->v[0].i);
	if (rc < 0)
		return rc;
	if (r->jseq <= f->jseq)
		return 0;		/* folded before a crash */
	switch (r->type) {
	case AUDIT_REC_EVENT:
		rc = fold_event(f, r);
		break;
	case AUDIT_REC_PROC_START:
	case AUDIT_REC_PROC_EXEC:
	case AUDIT_REC_PROC_EXIT:
		rc = fold_process(f, r);
		break;
	default:
		rc = -EBADMSG;
	}
	if (rc == 0) {
		f->jseq = r->jseq;
		f->dirty = 1;
	}
	return rc;
}

int audit_fold_session_begin(struct audit_fold *f,
			     const struct audit_session_row *s, int64_t *id)
{
	static const char sql[] =
		"INSERT INTO sessions (start_ns, host, uid, user, cwd, argv, "
		"proctor_argv, proctor_version, policy_text, policy_sha256, "
		"mode, signing_pubkey, checkpoint_every, journal_slot) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prep(f->db, sql, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, s->start_ns);
	sqlite3_bind_text(st, 2, s->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, s->uid);
	sqlite3_bind_text(st, 4, s->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->cwd, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, s->argv_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, s->proctor_argv, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, s->version, -1, SQLITE_STATIC);
	if (s->policy_text)
		sqlite3_bind_text(st, 9, s->policy_text, (int)s->policy_len,
				  SQLITE_STATIC);
	sqlite3_bind_text(st, 10, s->policy_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, s->mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, s->pubkey, -1, SQLITE_STATIC);
	if (s->pubkey)
		sqlite3_bind_int64(st, 13, s->every);
	sqlite3_bind_int(st, 14, s->slot);
	rc = step_done(st);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(f->db);
	sqlite3_finalize(st);
	return rc;
}

int audit_fold_session_end(struct audit_fold *f, int64_t session,
			   int64_t end_ns, int has_status, int status,
			   const char *reason)
{
	static const char sql_last[] =
		"SELECT coalesce((SELECT max(time_ns) FROM events WHERE "
		"session = ?1), (SELECT start_ns FROM sessions WHERE id = ?1))";
	static const char sql_end[] =
		"UPDATE sessions SET end_ns = ?, exit_status = ?, "
		"end_reason = ? WHERE id = ? AND end_ns IS NULL";
	sqlite3_stmt *st = NULL;
	int rc;

	rc = audit_fold_save(f);	/* events still waiting first */
	if (rc == 0)
		rc = load(f, session);
	if (rc < 0)
		return rc;
	if (end_ns < 0) {
		rc = prep(f->db, sql_last, &st);
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(st, 1, session);
		rc = sqlite3_step(st);
		end_ns = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		rc = rc == SQLITE_ROW ? 0 : audit_sqlite_errno(rc);
		sqlite3_finalize(st);
		st = NULL;
		if (rc < 0)
			return rc;
	}
	rc = prep(f->db, sql_end, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, end_ns);
	if (has_status)
		sqlite3_bind_int(st, 2, status);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, session);
	rc = step_done(st);
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	if (sqlite3_changes(f->db) == 0)
		return -EALREADY;
	return checkpoint(f, "end", 1, end_ns, has_status, status, reason);
}
