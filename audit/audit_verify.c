/*
 * audit_verify.c - recompute a session's chain and check its checkpoints.
 *
 * Purpose: tell an auditor whether a session's record is intact and, if
 * not, the first sequence number that is wrong and how. Classification
 * rests on two facts about each row: whether its hash matches its own
 * content (self-consistency), and whether it links to the row before.
 * A row whose content hashes correctly under seq-1 or seq+1 is a genuine
 * row that was renumbered; whether its neighbour moved the other way
 * tells a swap from a deletion or insertion.
 *
 * Invariants: reads only (the connection may be read-only); never stops
 * at the first row without saying why.
 *
 * Must never: trust a stored hash, a stored link or a stored public key
 * when a trusted key was given.
 */
#include "audit_verify.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_chain.h"
#include "audit_schema.h"

struct vrow {
	int64_t seq;
	unsigned char prev[AUDIT_HASH_LEN];
	unsigned char hash[AUDIT_HASH_LEN];
	unsigned selfok : 1;		/* hash matches content */
	unsigned minus : 1;		/* ...would match with seq - 1 */
	unsigned plus : 1;		/* ...would match with seq + 1 */
};

static int col_hash(sqlite3_stmt *st, int i, unsigned char out[32])
{
	if (sqlite3_column_type(st, i) != SQLITE_TEXT)
		return -EINVAL;
	return audit_unhex((const char *)sqlite3_column_text(st, i),
			   (size_t)sqlite3_column_bytes(st, i), out,
			   AUDIT_HASH_LEN);
}

static int fail(struct audit_verify_result *r, const char *kind,
		int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct audit_verify_result *r, const char *kind,
		int64_t seq, const char *fmt, ...)
{
	va_list ap;

	r->ok = 0;
	r->kind = kind;
	r->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	return 0;
}

static int prepare(sqlite3 *db, const char *const *cols, const char *pre,
		   const char *post, sqlite3_stmt **st)
{
	struct audit_buf b;
	int rc;

	audit_buf_init(&b);
	rc = audit_buf_put(&b, pre, strlen(pre));
	if (rc == 0)
		rc = audit_chain_collist(&b, cols, NULL);
	if (rc == 0)
		rc = audit_buf_put(&b, post, strlen(post) + 1);
	if (rc == 0)
		rc = audit_sqlite_errno(sqlite3_prepare_v2(db,
				(const char *)b.p, -1, st, NULL));
	audit_buf_release(&b);
	return rc;
}

struct session_info {
	unsigned char root[AUDIT_HASH_LEN];
	int has_key;
	unsigned char key[32];
	int64_t every;
	int ended;
	struct audit_value end[3];	/* end_ns, exit_status, end_reason */
	char reason[64];
	int policy_ok;
};

static int load_session(sqlite3 *db, int64_t id, struct session_info *si)
{
	struct audit_value v[AUDIT_SESSION_NCOLS];
	unsigned char h[AUDIT_HASH_LEN], sh[AUDIT_HASH_LEN];
	sqlite3_stmt *st = NULL;
	int rc, k, n = AUDIT_SESSION_NCOLS;

	memset(si, 0, sizeof(*si));
	rc = prepare(db, audit_session_cols, "SELECT ",
		     ", policy_text, end_ns, exit_status, end_reason "
		     "FROM sessions WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = rc == SQLITE_DONE ? -ENOENT : audit_sqlite_errno(rc);
		goto out;
	}
	for (k = 0; k < n; k++)
		v[k] = audit_column_value(st, k);
	audit_chain_root(v, si->root);
	si->policy_ok = 1;
	if (sqlite3_column_type(st, n) != SQLITE_NULL) {
		crypto_hash_sha256(h, sqlite3_column_blob(st, n),
				   (unsigned long long)
				   sqlite3_column_bytes(st, n));
		si->policy_ok = col_hash(st, AS_POLICY_SHA, sh) == 0 &&
			memcmp(h, sh, sizeof(h)) == 0;
	}
	if (sqlite3_column_type(st, AS_PUBKEY) != SQLITE_NULL) {
		si->has_key = 1;
		if (audit_unhex((const char *)sqlite3_column_text(st,
				AS_PUBKEY),
				(size_t)sqlite3_column_bytes(st, AS_PUBKEY),
				si->key, sizeof(si->key)) < 0)
			si->has_key = -1;
		si->every = sqlite3_column_int64(st, AS_EVERY);
	}
	si->ended = sqlite3_column_type(st, n + 1) != SQLITE_NULL;
	si->end[0] = audit_v_null();
	si->end[1] = audit_v_null();
	si->end[2] = audit_v_null();
	if (sqlite3_column_type(st, n + 1) != SQLITE_NULL)
		si->end[0] = audit_v_int(sqlite3_column_int64(st, n + 1));
	if (sqlite3_column_type(st, n + 2) != SQLITE_NULL)
		si->end[1] = audit_v_int(sqlite3_column_int64(st, n + 2));
	if (sqlite3_column_type(st, n + 3) != SQLITE_NULL) {
		snprintf(si->reason, sizeof(si->reason), "%s",
			 sqlite3_column_text(st, n + 3));
		si->end[2] = audit_v_text(si->reason);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int load_rows(sqlite3 *db, int64_t id, struct vrow **out, size_t *nout)
{
	struct audit_value v[AUDIT_EVENT_NCOLS];
	unsigned char h[AUDIT_HASH_LEN];
	sqlite3_stmt *st = NULL;
	struct vrow *rows = NULL, *grown, *r;
	size_t n = 0, cap = 0;
	int rc, k, okp, okh;

	rc = prepare(db, audit_event_cols, "SELECT ",
		     ", prev_hash, hash FROM events WHERE session = ? "
		     "ORDER BY seq, rowid", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			grown = realloc(rows, cap * sizeof(*rows));
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			rows = grown;
		}
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		for (k = 0; k < AUDIT_EVENT_NCOLS; k++)
			v[k] = audit_column_value(st, k);
		r->seq = sqlite3_column_int64(st, AE_SEQ);
		okp = col_hash(st, AUDIT_EVENT_NCOLS, r->prev) == 0;
		okh = col_hash(st, AUDIT_EVENT_NCOLS + 1, r->hash) == 0;
		if (!okp || !okh)
			continue;
		audit_chain_event(r->prev, v, h);
		r->selfok = memcmp(h, r->hash, sizeof(h)) == 0;
		if (r->selfok)
			continue;
		v[AE_SEQ] = audit_v_int(r->seq - 1);
		audit_chain_event(r->prev, v, h);
		r->minus = memcmp(h, r->hash, sizeof(h)) == 0;
		v[AE_SEQ] = audit_v_int(r->seq + 1);
		audit_chain_event(r->prev, v, h);
		r->plus = memcmp(h, r->hash, sizeof(h)) == 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(rows);
		return audit_sqlite_errno(rc);
	}
	*out = rows;
	*nout = n;
	return 0;
}

/* Walks the rows in seq order; returns the index of the first bad row or
 * n when the chain is intact. */
static size_t walk(const struct vrow *rows, size_t n,
		   const unsigned char root[AUDIT_HASH_LEN], int64_t end_seq,
		   struct audit_verify_result *r)
{
	const unsigned char *prev = root;
	const struct vrow *w, *next;
	int64_t expected = 1;
	size_t i;

	for (i = 0; i < n; i++, expected++) {
		w = &rows[i];
		next = i + 1 < n ? &rows[i + 1] : NULL;
		if (end_seq >= 0 && w->seq > end_seq) {
			fail(r, "inserted", w->seq, "row %lld follows the end "
			     "checkpoint at seq %lld", (long long)w->seq,
			     (long long)end_seq);
			return i;
		}
		if (w->seq < expected) {
			fail(r, "inserted", w->seq, "sequence number %lld "
			     "appears more than once", (long long)w->seq);
			return i;
		}
		if (w->seq > expected) {
			fail(r, "deleted", expected, "sequence numbers jump "
			     "from %lld to %lld", (long long)expected - 1,
			     (long long)w->seq);
			return i;
		}
		if (w->selfok && memcmp(w->prev, prev, AUDIT_HASH_LEN) == 0) {
			prev = w->hash;
			continue;
		}
		if (w->plus) {
			if (next && next->seq == w->seq + 1 && next->minus)
				fail(r, "reordered", w->seq, "rows %lld and "
				     "%lld carry each other's sequence "
				     "numbers", (long long)w->seq,
				     (long long)w->seq + 1);
			else
				fail(r, "deleted", w->seq, "row %lld is "
				     "missing; the rows after it were "
				     "renumbered", (long long)w->seq);
		} else if (w->minus) {
			fail(r, "inserted", w->seq - 1, "row %lld was "
			     "inserted; the genuine rows after it were "
			     "renumbered", (long long)w->seq - 1);
		} else if (!w->selfok) {
			if (next && next->minus)
				fail(r, "inserted", w->seq, "row %lld was "
				     "inserted; the genuine rows after it "
				     "were renumbered", (long long)w->seq);
			else
				fail(r, "edited", w->seq, "row %lld does not "
				     "match its hash", (long long)w->seq);
		} else if (w->seq == 1) {
			fail(r, "edited", 0, "the session record does not "
			     "match the chain's first link");
		} else {
			fail(r, "edited", w->seq - 1, "row %lld was changed "
			     "and rehashed; row %lld no longer links to it",
			     (long long)w->seq - 1, (long long)w->seq);
		}
		return i;
	}
	return n;
}

static int check_checkpoints(sqlite3 *db, int64_t id,
			     const struct session_info *si,
			     const struct vrow *rows, size_t nrows,
			     const unsigned char *pk,
			     struct audit_verify_result *r)
{
	struct audit_value v[AUDIT_CHECKPOINT_NCOLS];
	unsigned char seal[AUDIT_HASH_LEN], sseal[AUDIT_HASH_LEN];
	unsigned char h[AUDIT_HASH_LEN], sig[crypto_sign_BYTES], key[32];
	const unsigned char *want;
	sqlite3_stmt *st = NULL;
	int64_t seq, good = 0, ends = 0, end_seq = -1, next_periodic;
	int rc, k, has_sig;
	const char *kind;

	rc = prepare(db, audit_checkpoint_cols, "SELECT ",
		     ", seal, signature, public_key FROM checkpoints "
		     "WHERE session = ? ORDER BY seq, rowid", &st);
	if (rc < 0)
		return rc;
	next_periodic = si->has_key == 1 && si->every > 0 ? si->every : -1;
	sqlite3_bind_int64(st, 1, id);
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		for (k = 0; k < AUDIT_CHECKPOINT_NCOLS; k++)
			v[k] = audit_column_value(st, k);
		seq = sqlite3_column_int64(st, AC_SEQ);
		kind = (const char *)sqlite3_column_text(st, AC_KIND);
		kind = kind ? kind : "";
		r->checkpoints++;
		audit_chain_seal(v, seal);
		if (col_hash(st, AUDIT_CHECKPOINT_NCOLS, sseal) < 0 ||
		    memcmp(seal, sseal, sizeof(seal)) != 0 ||
		    v[AC_SESSION].type != AUDIT_V_INT ||
		    v[AC_SESSION].i != id) {
			fail(r, "bad-checkpoint", seq, "the checkpoint at seq "
			     "%lld was edited", (long long)seq);
			goto out;
		}
		if (seq < 0 || (uint64_t)seq > nrows) {
			fail(r, "truncated", (int64_t)nrows + 1, "the chain "
			     "ends at seq %zu but a checkpoint covers seq "
			     "%lld", nrows, (long long)seq);
			goto out;
		}
		if (col_hash(st, AC_HASH, h) < 0 ||
		    memcmp(h, seq ? rows[seq - 1].hash : si->root,
			   sizeof(h)) != 0) {
			fail(r, "rewritten", good + 1, "the events up to seq "
			     "%lld differ from what the checkpoint at seq "
			     "%lld recorded", (long long)seq, (long long)seq);
			goto out;
		}
		has_sig = sqlite3_column_type(st, AUDIT_CHECKPOINT_NCOLS + 1) !=
			SQLITE_NULL;
		if (has_sig) {
			want = pk ? pk : si->has_key == 1 ? si->key : NULL;
			if (!want || col_hash(st, AUDIT_CHECKPOINT_NCOLS + 2,
					      key) < 0 ||
			    memcmp(key, want, sizeof(key)) != 0) {
				fail(r, "bad-signature", seq, "the checkpoint "
				     "at seq %lld was signed by another key",
				     (long long)seq);
				goto out;
			}
			if (audit_unhex((const char *)sqlite3_column_text(st,
					AUDIT_CHECKPOINT_NCOLS + 1),
					(size_t)sqlite3_column_bytes(st,
					AUDIT_CHECKPOINT_NCOLS + 1), sig,
					sizeof(sig)) < 0 ||
			    crypto_sign_verify_detached(sig, seal,
					sizeof(seal), want) != 0) {
				fail(r, "bad-signature", seq, "the signature "
				     "of the checkpoint at seq %lld does not "
				     "verify", (long long)seq);
				goto out;
			}
			r->signed_checkpoints++;
		}
		if (strcmp(kind, "end") == 0) {
			ends++;
			end_seq = seq;
			if (v[AC_END].type != si->end[0].type ||
			    v[AC_END].i != si->end[0].i ||
			    v[AC_STATUS].type != si->end[1].type ||
			    v[AC_STATUS].i != si->end[1].i ||
			    v[AC_REASON].type != si->end[2].type ||
			    (v[AC_REASON].type == AUDIT_V_TEXT &&
			     strcmp(si->reason, (const char *)
				    sqlite3_column_text(st, AC_REASON)))) {
				fail(r, "edited", 0, "the session's end (time, "
				     "status or reason) differs from its end "
				     "checkpoint");
				goto out;
			}
			if (si->has_key == 1 && !has_sig &&
			    strcmp(si->reason, "supervisor-killed") != 0) {
				fail(r, "bad-checkpoint", seq, "the end "
				     "checkpoint of a signing session is not "
				     "signed");
				goto out;
			}
			if (!has_sig && si->has_key == 1)
				snprintf(r->warning, sizeof(r->warning),
					 "proctor was killed: events after "
					 "seq %lld are not covered by a "
					 "signature", (long long)good);
		} else if (strcmp(kind, "periodic") == 0 && has_sig) {
			if (seq == next_periodic)
				next_periodic += si->every;
		}
		if (next_periodic > 0 && seq > next_periodic) {
			fail(r, "bad-checkpoint", next_periodic, "the signed "
			     "checkpoint at seq %lld is missing",
			     (long long)next_periodic);
			goto out;
		}
		if (has_sig || strcmp(kind, "end") == 0)
			good = seq;
	}
	if (rc != SQLITE_DONE) {
		rc = audit_sqlite_errno(rc);
		goto out;
	}
	rc = 0;
	if (next_periodic > 0 && (uint64_t)next_periodic <= nrows &&
	    (ends == 0 || next_periodic <= end_seq)) {
		fail(r, "bad-checkpoint", next_periodic, "the signed "
		     "checkpoint at seq %lld is missing",
		     (long long)next_periodic);
		goto out;
	}
	if (si->ended && ends == 0) {
		fail(r, "truncated", (int64_t)nrows + 1, "the session ended "
		     "but its end checkpoint is missing");
		goto out;
	}
	if (ends > 1) {
		fail(r, "bad-checkpoint", end_seq, "the session has %lld end "
		     "checkpoints", (long long)ends);
		goto out;
	}
	if (ends && (uint64_t)end_seq < nrows) {
		fail(r, "inserted", end_seq + 1, "events follow the end "
		     "checkpoint at seq %lld", (long long)end_seq);
		goto out;
	}
	if (!si->ended && !ends)
		snprintf(r->warning, sizeof(r->warning), "the session has "
			 "not ended (running, or killed and not yet "
			 "recovered): rows after seq %lld could be missing "
			 "unnoticed", (long long)good);
out:
	sqlite3_finalize(st);
	return rc > 0 ? 0 : rc;	/* SQLITE_ROW: stopped at a finding */
}

/* The seq of the session's end checkpoint, or -1. */
static int end_checkpoint_seq(sqlite3 *db, int64_t id, int64_t *seq)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*seq = -1;
	rc = sqlite3_prepare_v2(db, "SELECT max(seq) FROM checkpoints WHERE "
				"session = ? AND kind = 'end'", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return audit_sqlite_errno(rc);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : audit_sqlite_errno(rc);
}

int audit_verify_session(sqlite3 *db, int64_t session,
			 const unsigned char *pk,
			 struct audit_verify_result *r)
{
	struct session_info si;
	struct vrow *rows = NULL;
	size_t n = 0, bad;
	int64_t end_seq;
	int rc;

	memset(r, 0, sizeof(*r));
	r->session = session;
	r->ok = 1;
	r->bad_seq = -1;
	if (sodium_init() < 0)
		return -EIO;
	rc = load_session(db, session, &si);
	if (rc < 0)
		return rc;
	r->ended = si.ended;
	rc = load_rows(db, session, &rows, &n);
	if (rc < 0)
		return rc;
	r->events = n;
	if (!si.policy_ok) {
		fail(r, "edited", 0, "the policy text does not match its "
		     "SHA-256");
		goto out;
	}
	if (si.has_key < 0) {
		fail(r, "edited", 0, "the session's public key is malformed");
		goto out;
	}
	if (pk && si.has_key != 1) {
		fail(r, "unsigned", 0, "the session carries no signatures");
		goto out;
	}
	if (pk && memcmp(pk, si.key, sizeof(si.key)) != 0) {
		fail(r, "bad-signature", 0, "the session was signed with "
		     "another key");
		goto out;
	}
	rc = end_checkpoint_seq(db, session, &end_seq);
	if (rc < 0)
		goto out;
	bad = walk(rows, n, si.root, end_seq, r);
	r->last_seq = bad;
	if (bad < n)
		goto out;
	rc = check_checkpoints(db, session, &si, rows, n, pk, r);
	if (rc == 0 && r->ok && !pk && si.has_key == 1 && !r->warning[0])
		snprintf(r->warning, sizeof(r->warning), "signatures were "
			 "checked against the key stored in the database; "
			 "pass --pubkey to check against a trusted key");
out:
	free(rows);
	return rc;
}
