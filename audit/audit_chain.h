/*
 * audit_chain.h - the hash chain: column orders and canonical hashing
 * (internal to audit/).
 *
 * Each session's chain starts at root = SHA-256(canonical(session row));
 * event n has hash(n) = SHA-256(hash(n-1) || canonical(event n)), with
 * hash(0) = root. A checkpoint's seal is SHA-256(canonical(checkpoint)); a
 * signed checkpoint carries an Ed25519 signature of the 32-byte seal.
 *
 * canonical(row) = encode(TEXT tag) followed by encode(each column in the
 * order of the tables below), with the value encoding of audit_codec.h.
 * The tags are "proctor-session/1", "proctor-event/1" and
 * "proctor-checkpoint/1". Changing any order here is a schema change.
 */
#ifndef PROCTOR_AUDIT_CHAIN_H
#define PROCTOR_AUDIT_CHAIN_H

#include <stddef.h>

#include "audit_codec.h"

#define AUDIT_HASH_LEN 32

enum audit_event_col {
	AE_SESSION, AE_SEQ, AE_TIME, AE_PID, AE_TID, AE_EXE, AE_OP,
	AE_SYSCALL, AE_TARGET, AE_RESOLVED, AE_HOSTNAME, AE_DECISION,
	AE_FINAL, AE_MODE, AE_RULE, AE_RULE_TEXT, AE_APPR_CHANNEL,
	AE_APPR_USER, AE_APPR_UID, AE_APPR_PID, AE_WAIT, AE_REMEMBER,
	AE_ERRNO, AE_DECISION_NS, AE_BACKTRACE, AE_DETAIL,
	AUDIT_EVENT_NCOLS
};

enum audit_session_col {
	AS_ID, AS_START, AS_HOST, AS_UID, AS_USER, AS_CWD, AS_ARGV,
	AS_PROCTOR_ARGV, AS_VERSION, AS_POLICY_SHA, AS_MODE, AS_PUBKEY,
	AS_EVERY,
	AUDIT_SESSION_NCOLS
};

enum audit_checkpoint_col {
	AC_SESSION, AC_SEQ, AC_KIND, AC_HASH, AC_TIME, AC_END, AC_STATUS,
	AC_REASON,
	AUDIT_CHECKPOINT_NCOLS
};

/* SQL column names, in canonical order (NULL-terminated lists). */
extern const char *const audit_event_cols[AUDIT_EVENT_NCOLS + 1];
extern const char *const audit_session_cols[AUDIT_SESSION_NCOLS + 1];
extern const char *const audit_checkpoint_cols[AUDIT_CHECKPOINT_NCOLS + 1];

void audit_chain_root(const struct audit_value *v,
		      unsigned char out[AUDIT_HASH_LEN]);
void audit_chain_event(const unsigned char prev[AUDIT_HASH_LEN],
		       const struct audit_value *v,
		       unsigned char out[AUDIT_HASH_LEN]);
/* The same as audit_chain_event() from the canonical encoding of the
 * event's values (enc, len bytes), as a journal record carries it: the
 * fold hashes those bytes instead of encoding the values again. */
void audit_chain_event_encoded(const unsigned char prev[AUDIT_HASH_LEN],
			       const unsigned char *enc, size_t len,
			       unsigned char out[AUDIT_HASH_LEN]);
void audit_chain_seal(const struct audit_value *v,
		      unsigned char out[AUDIT_HASH_LEN]);

/* Builds "a, b, c" from a column list into b (NUL-terminated). */
int audit_chain_collist(struct audit_buf *b, const char *const *cols,
			const char *prefix);

#endif
