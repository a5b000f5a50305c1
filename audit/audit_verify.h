/*
 * audit_verify.h - checking a session's hash chain and checkpoints
 * (internal to audit/; used by `proctor audit verify` and the tests).
 *
 * Kinds of damage reported (first one found, in seq order):
 *   "edited"       a row's content no longer matches its hash (bad_seq is
 *                  that row; 0 means the session record itself)
 *   "deleted"      a seq is missing, or rows after it were renumbered
 *   "inserted"     a seq appears twice, or a row was slipped in and the
 *                  genuine rows after it renumbered
 *   "reordered"    genuine rows carry each other's sequence numbers
 *   "truncated"    the chain ends before a checkpoint's seq, or an ended
 *                  session lost its end checkpoint
 *   "rewritten"    the chain is self-consistent but differs from what a
 *                  checkpoint recorded (recomputed hashes)
 *   "bad-checkpoint" a checkpoint row was edited or is missing
 *   "bad-signature"  a signature does not verify, or another key signed
 *   "unsigned"     --pubkey given but the session carries no signatures
 */
#ifndef PROCTOR_AUDIT_VERIFY_H
#define PROCTOR_AUDIT_VERIFY_H

#include <sqlite3.h>
#include <stdint.h>

struct audit_verify_result {
	int64_t session;
	int ok;				/* 1: intact */
	const char *kind;		/* NULL when ok (static string) */
	int64_t bad_seq;		/* first bad seq; -1 when ok */
	char detail[256];
	uint64_t events;		/* rows of the session */
	uint64_t last_seq;		/* last seq of the intact chain */
	uint64_t checkpoints;
	uint64_t signed_checkpoints;
	int ended;
	char warning[256];		/* "" or a caveat that is no failure */
};

/*
 * Verifies one session. pk (32 bytes) is the trusted public key or NULL.
 * Returns 0 with *r filled (intact or not), -ENOENT for an unknown
 * session, or another -errno when the database cannot be read.
 */
int audit_verify_session(sqlite3 *db, int64_t session,
			 const unsigned char *pk,
			 struct audit_verify_result *r);

#endif
