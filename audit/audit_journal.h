/*
 * audit_journal.h - the write-ahead journal beside the database
 * (internal to audit/).
 *
 * File: <db>.pjournal (slot 0) or <db>.pjournal.N (slots 1..3, used when
 * another live proctor holds slot 0 of the same database). The owner holds
 * an exclusive flock(2) on it for as long as it writes; a journal nobody
 * holds was left by a proctor that died, and the next writer folds it.
 *
 * Record framing (integers big-endian):
 *   "PJR1"  u32 payload length  u32 CRC-32C of the payload  payload
 *   payload = u8 type, u8 value count, u64 jseq, values (audit_codec.h)
 * value 0 of every record is the session id. jseq counts the records of a
 * session from 1; the fold skips jseqs already folded (fold_state), so
 * folding the same journal twice is harmless.
 */
#ifndef PROCTOR_AUDIT_JOURNAL_H
#define PROCTOR_AUDIT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "audit_codec.h"

#define AUDIT_JOURNAL_SLOTS 4
#define AUDIT_RECORD_HDR 12
#define AUDIT_RECORD_MAXV 32
#define AUDIT_RECORD_MAX (AUDIT_RECORD_MAXV * (AUDIT_TEXT_MAX + 16))

enum audit_record_type {
	AUDIT_REC_EVENT = 1,		/* values: audit_event_col order */
	AUDIT_REC_PROC_START = 2,	/* session time pid ppid exe argv cwd */
	AUDIT_REC_PROC_EXEC = 3,	/* same values as PROC_START */
	AUDIT_REC_PROC_EXIT = 4,	/* session time pid status */
};

/* A parsed record; values borrow the bytes it was parsed from. */
struct audit_record {
	uint8_t type;
	uint64_t jseq;
	size_t n;
	struct audit_value v[AUDIT_RECORD_MAXV];
	/* the payload's value bytes, which decode to exactly v[0..n): the
	 * canonical encoding of those values (audit_codec.h) */
	const unsigned char *enc;
	size_t enc_len;
};

/* Appends one framed record to b. Returns 0 or -ENOMEM/-EINVAL. */
int audit_record_encode(struct audit_buf *b, uint8_t type, uint64_t jseq,
			const struct audit_value *v, size_t n);

/* Parses the record at p. Returns 0 and sets *used; -EAGAIN when avail
 * ends inside the record; -EBADMSG when the bytes are not a record. */
int audit_record_parse(const unsigned char *p, size_t avail,
		       struct audit_record *r, size_t *used);

typedef int (*audit_record_fn)(void *ctx, const struct audit_record *r);

/*
 * Calls fn for each record in p[0..len). A damaged tail (a record cut
 * short, or bytes after which no valid record follows, as a power loss
 * leaves) ends the scan quietly: *dropped gets its size. Damage followed by
 * valid records is corruption: -EBADMSG, with *bad_off set. fn's non-zero
 * return stops the scan and is returned.
 */
int audit_journal_scan(const unsigned char *p, size_t len, audit_record_fn fn,
		       void *ctx, size_t *dropped, size_t *bad_off);

/* "<db>.pjournal" or "<db>.pjournal.N" into buf. -ENAMETOOLONG. */
int audit_journal_path(char *buf, size_t n, const char *db, int slot);

/*
 * Opens (creating, 0600) and exclusively locks the journal at path.
 * Returns 0 with *fd (O_APPEND, O_CLOEXEC; the caller owns it), -EAGAIN
 * when a live proctor holds it, or another -errno.
 */
int audit_journal_lock(const char *path, int *fd);

/* Reads the whole file behind fd into b (replacing its contents). */
int audit_journal_read(int fd, struct audit_buf *b);

/*
 * Replaces the journal at path by one holding exactly data[0..len):
 * writes and locks "<path>.tmp", renames it over path. On success closes
 * *fd and stores the new locked descriptor in it.
 */
int audit_journal_replace(const char *path, int *fd, const void *data,
			  size_t len);

#endif
