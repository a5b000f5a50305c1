/*
 * audit_fold.h - writing rows into SQLite: sessions, folded journal
 * records, checkpoints (internal to audit/).
 *
 * Used by the writer thread (audit_store.c) and by crash recovery
 * (audit_recover.c). Every function runs inside a transaction the caller
 * opened, on a connection only the caller uses meanwhile.
 *
 * The fold keeps the chain head of one session in memory and reloads it
 * from the database when a record of another session comes along, so the
 * chain is always continued from what is actually stored.
 */
#ifndef PROCTOR_AUDIT_FOLD_H
#define PROCTOR_AUDIT_FOLD_H

#include <sqlite3.h>
#include <stdint.h>

#include "audit_chain.h"
#include "audit_journal.h"

/* Events inserted by one statement (AUDIT_FOLD_ROWS rows per step). */
#define AUDIT_FOLD_ROWS 16

struct audit_fold {
	sqlite3 *db;
	sqlite3_stmt *ins_event, *ins_events, *ins_proc, *upd_exec, *upd_exit;
	sqlite3_stmt *get_state, *set_state, *last_event, *get_session;
	sqlite3_stmt *ins_ckpt;
	int64_t session;		/* whose head is loaded; 0: none */
	uint64_t seq;			/* last folded event seq */
	uint64_t jseq;			/* last folded journal record */
	int dirty;			/* jseq changed since last save */
	unsigned char head[AUDIT_HASH_LEN];
	/* signing key for checkpoints of session sign_session */
	int64_t sign_session;
	const unsigned char *sk;	/* borrowed, 64 bytes; NULL: none */
	unsigned every;
	struct audit_buf tmp;
	/* events hashed but not yet inserted (values borrow the record) */
	size_t nrows;
	struct audit_value rows[AUDIT_FOLD_ROWS][AUDIT_EVENT_NCOLS];
	/* hex of the chain head before each waiting row, and after the
	 * last: rows[k] has prev_hash hex[k] and hash hex[k + 1] */
	char hex[AUDIT_FOLD_ROWS + 1][2 * AUDIT_HASH_LEN + 1];
	/* bit c set: column c of row slot j of ins_events (slot
	 * AUDIT_FOLD_ROWS: of ins_event) is bound to NULL already */
	uint32_t nulls[AUDIT_FOLD_ROWS + 1];
};

int audit_fold_init(struct audit_fold *f, sqlite3 *db);
void audit_fold_release(struct audit_fold *f);	/* idempotent */

/*
 * Folds one journal record (skipping one already folded). An event is
 * checked and chained at once but inserted later, AUDIT_FOLD_ROWS at a
 * time: the bytes r's values point into must stay valid until the next
 * audit_fold_save() (the caller's batch buffer does).
 */
int audit_fold_record(struct audit_fold *f, const struct audit_record *r);

/* Inserts the events still waiting and saves the folded jseq of the
 * loaded session; call before COMMIT. */
int audit_fold_save(struct audit_fold *f);

/* Forgets the cached head (after a rollback). */
void audit_fold_reset(struct audit_fold *f);

struct audit_session_row {
	int64_t start_ns;
	const char *host;
	int64_t uid;
	const char *user;
	const char *cwd;
	const char *argv_json;
	const char *proctor_argv;
	const char *version;
	const char *policy_text;
	size_t policy_len;
	const char *policy_sha256;	/* hex */
	const char *mode;
	const char *pubkey;		/* hex or NULL */
	int64_t every;
	int slot;
};

/* Inserts a session row; *id gets its id. */
int audit_fold_session_begin(struct audit_fold *f,
			     const struct audit_session_row *s, int64_t *id);

/*
 * Ends a session that has no end yet: sets end_ns, exit status (has_status
 * 0: NULL) and reason, and writes the "end" checkpoint, signed when f has
 * the key for that session. end_ns < 0: the time of the last event (or the
 * start when there is none).
 */
int audit_fold_session_end(struct audit_fold *f, int64_t session,
			   int64_t end_ns, int has_status, int status,
			   const char *reason);

/* Realtime clock in ns. */
int64_t audit_now_ns(void);

#endif
