/*
 * audit.h - the public interface of the audit store (audit/).
 *
 * One SQLite database holds sessions, processes and decision events. Each
 * session's events form a hash chain (SHA-256 over the previous hash and a
 * canonical length-prefixed encoding of the row), with Ed25519-signed
 * checkpoints when a signing key is configured.
 *
 * Write path (the only part inside proctor's privileged core):
 *   audit_append() assigns the next sequence number and writes the encoded
 *   event to an append-only journal file beside the database with one
 *   write(2) before it returns. From then on the record survives a kill -9
 *   of proctor. A background thread folds journal records into SQLite in
 *   batches (group commit) and computes the chain. A journal left behind by
 *   a killed proctor is folded in by the next audit_open() of the database.
 *
 * Invariants:
 *  - audit_append() returns only after the record is in the kernel's hands
 *    (page cache); it never returns success for a record that was lost.
 *  - After the first failure (disk full, I/O error, lock held elsewhere) the
 *    store is "broken": every later append fails with the same -errno, so
 *    the caller can fail closed. No silent gap.
 *  - All functions are thread-safe unless noted.
 *
 * Ownership: strings in the structs below are borrowed for the duration of
 * the call; the store copies what it keeps.
 */
#ifndef PROCTOR_AUDIT_H
#define PROCTOR_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct audit;

enum audit_open_mode {
	AUDIT_OPEN_READ = 0,	/* queries and verify; never blocks a writer */
	AUDIT_OPEN_WRITE = 1,	/* a live session; creates the file (0600) */
};

/*
 * Open (and in WRITE mode create, migrate, and recover a leftover journal
 * of) the database at path. On failure returns -errno and writes one
 * human-readable line to err (no newline), e.g. "not a proctor audit
 * database" or "schema version 9 is newer than this proctor (3)".
 */
int audit_open(struct audit **out, const char *path,
	       enum audit_open_mode mode, char *err, size_t errlen);

/* Flushes and folds everything, stops the writer thread, closes. NULL ok. */
void audit_close(struct audit *a);

/* Configure signing (Ed25519 secret key as libsodium crypto_sign makes it,
 * 64 bytes) and a checkpoint every `every` events (0: only at the end).
 * Takes effect for the next audit_session_begin() (the session row records
 * the public key); -EBUSY while a session is open. sk is copied; NULL
 * turns signing off. */
int audit_set_signing_key(struct audit *a, const unsigned char sk[64],
			  unsigned every);

/* Files to protect from the agent: the database, its -wal/-shm/-journal
 * and the proctor journal. Fills up to n paths (owned by the store),
 * returns how many. */
size_t audit_protected_paths(const struct audit *a, const char **paths,
			     size_t n);

struct audit_session_info {
	int64_t start_ns;		/* UTC, nanoseconds since the epoch */
	const char *host;
	uint32_t uid;
	const char *user;
	const char *cwd;
	const char *const *argv;	/* the agent's command line */
	size_t argc;
	const char *proctor_argv;	/* proctor's own command line, joined */
	const char *version;
	const char *policy_text;	/* exact text; SHA-256 computed here */
	size_t policy_len;
	const char *mode;		/* "enforce" or "permissive" */
};

/* Start a session; returns its id through *id. */
int audit_session_begin(struct audit *a, const struct audit_session_info *s,
			int64_t *id);

/* End the current session: exit status as proctor reports it, reason
 * ("exited", "signaled", "supervisor-error"...). Writes the final signed
 * checkpoint and folds the journal. */
int audit_session_end(struct audit *a, int64_t end_ns, int exit_status,
		      const char *reason);

struct audit_process {
	int64_t time_ns;
	int32_t pid;
	int32_t ppid;
	const char *exe;		/* may be NULL */
	const char *argv;		/* NUL-separated words, argv_len bytes */
	size_t argv_len;
	const char *cwd;		/* may be NULL */
};

/* Process lifecycle (from the tracer). exec replaces exe/argv. */
int audit_process_start(struct audit *a, const struct audit_process *p);
int audit_process_exec(struct audit *a, const struct audit_process *p);
int audit_process_exit(struct audit *a, int32_t pid, int64_t time_ns,
		       int status);

struct audit_event {
	int64_t time_ns;
	int32_t pid, tid;
	const char *exe;		/* the calling program, may be NULL */
	const char *op;			/* "read" "write" "exec" "connect" */
	const char *syscall;		/* "openat", "unlinkat", ... */
	const char *target;		/* as requested (path, argv, address) */
	const char *resolved;		/* as resolved; may be NULL */
	const char *hostname;		/* connect: confirmed name; may be NULL */
	const char *decision;		/* "allow" "deny" "ask" */
	const char *final;		/* what was done: "allow" or "deny" */
	const char *mode;		/* "enforce" / "permissive" */
	const char *rule;		/* "FILE:LINE" or "default" or "protected" */
	const char *rule_text;		/* may be NULL */
	/* asks only (NULL/0 otherwise) */
	const char *approver_channel;	/* "tty" "console" "timeout" ... */
	const char *approver_user;
	int64_t approver_uid;		/* -1 when none */
	int64_t approver_pid;		/* -1 when none */
	int64_t wait_ns;
	const char *remember;		/* "session" "policy" or NULL */
	int32_t errno_ret;		/* errno given to the caller, 0 if ok */
	int64_t decision_ns;		/* how long deciding took */
	const char *backtrace;		/* from the preload; may be NULL */
	const char *detail;		/* free text, may be NULL */
};

/* Append one decision. On return the record is write-ahead durable (see
 * above); *seq receives its sequence number (may be NULL). */
int audit_append(struct audit *a, const struct audit_event *e,
		 uint64_t *seq);

/* Block until everything appended so far is folded into SQLite. */
int audit_sync(struct audit *a);

/* The sticky error (0 when healthy). */
int audit_error(const struct audit *a);

/* `proctor audit ...` entry point (UI code, outside the core). */
int audit_cli_main(int argc, char **argv);

/* ---- additions (audit/ module) ------------------------------------- */

/*
 * The default database path into buf: $XDG_STATE_HOME/proctor/audit.db
 * when XDG_STATE_HOME is absolute, else ~/.local/state/proctor/audit.db.
 * Creates nothing. Returns 0, -ENAMETOOLONG or -ENOENT (no home).
 */
int audit_default_path(char *buf, size_t n);

/*
 * Key files for signed checkpoints (format in docs/audit.md): one line,
 * "ed25519-secret:" + 128 hex digits (mode 0600) and "ed25519-public:" +
 * 64 hex digits (mode 0644). audit_keygen() never overwrites a file
 * (-EEXIST). audit_key_load_secret() refuses a secret file that group or
 * others can read (-EPERM) and one whose halves do not match (-EINVAL).
 * The caller owns the buffers and should wipe the secret after use.
 */
int audit_keygen(const char *secret_path, const char *public_path);
int audit_key_load_secret(const char *path, unsigned char sk[64]);
int audit_key_load_public(const char *path, unsigned char pk[32]);

/* The id of the session begun on this handle and not yet ended, or 0. */
int64_t audit_session_id(const struct audit *a);

#endif
