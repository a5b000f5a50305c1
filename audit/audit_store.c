/*
 * audit_store.c - the audit store: open, append, fold thread, sessions.
 *
 * Purpose: the part of the audit module inside proctor's privileged core.
 * audit_append() encodes a decision as a journal record and write(2)s it
 * to the journal before it returns (write-ahead: the supervisor acts only
 * after that). A writer thread folds the records into SQLite in batches,
 * one transaction per batch (WAL, synchronous=FULL), and empties the
 * journal once the batch has committed.
 *
 * Locking: `mu` guards the append state (sequence numbers, the pending
 * buffer, the journal descriptor); appends hold it across one write(2).
 * `dbmu` serialises use of the SQLite connection between the writer
 * thread and session begin/end. Never take mu while holding dbmu. The
 * write connection is opened SQLITE_OPEN_NOMUTEX, so dbmu is its only
 * lock: every use holds dbmu, or happens before the writer thread starts
 * or after it has been joined (SQLite's own mutex around every bind and
 * step cost the fold thread several percent of its CPU).
 *
 * Invariants:
 *  - sequence numbers are assigned under mu in journal order, so the
 *    journal holds each session's events in seq order with no gap;
 *  - the first error is sticky (a->err): later appends return it;
 *  - the journal is truncated only when every record in it has been
 *    folded and committed; otherwise it is kept for recovery.
 *
 * Must never: return 0 from an append whose record did not reach the
 * kernel; wake the writer per record (a cross-CPU wake-up costs far more
 * than the append itself). When the fold falls MAX_PENDING records
 * behind, appends wait for it (backpressure) instead of growing memory.
 */
#include "audit.h"
#include "audit_store.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_chain.h"
#include "audit_fold.h"
#include "audit_journal.h"
#include "audit_recover.h"
#include "audit_schema.h"

#define FOLD_INTERVAL_NS 5000000	/* batch window: 5 ms */
#define FOLD_KICK 4096			/* pending records that wake early */
#define ROTATE_BYTES (16u << 20)	/* rewrite a busy journal past this */
#define MAX_PENDING 16384		/* appends wait beyond this backlog */
#define WRITE_BUSY_MS 5000
#define READ_BUSY_MS 2000
#define NPROTECT (4 + 2 * AUDIT_JOURNAL_SLOTS)

struct audit {
	enum audit_open_mode mode;
	char *path;
	char *protect[NPROTECT];
	size_t nprotect;
	sqlite3 *db;

	pthread_mutex_t dbmu;
	struct audit_fold fold;		/* under dbmu */

	pthread_mutex_t mu;
	pthread_cond_t wake;		/* the writer waits here */
	pthread_cond_t done;		/* audit_sync waits here */
	int jfd;
	int jslot;
	char jpath[4096];
	size_t jsize;
	struct audit_buf pending;	/* written, not yet folded */
	struct audit_buf batch;		/* being folded (writer only) */
	size_t npending;
	uint64_t nwritten, nfolded, want;
	int64_t session;
	uint64_t next_seq, next_jseq;
	int idle, stop, thread_ok;
	pthread_t thread;
	int err;			/* sticky; read atomically */

	unsigned char sk[64];
	int have_sk;
	unsigned every;
};

static void set_err(struct audit *a, int rc)
{
	int zero = 0;

	if (rc < 0)
		__atomic_compare_exchange_n(&a->err, &zero, rc, 0,
					    __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
}

int audit_error(const struct audit *a)
{
	return a ? __atomic_load_n(&a->err, __ATOMIC_SEQ_CST) : -EINVAL;
}

sqlite3 *audit_sqlite(struct audit *a)
{
	return a->db;
}

const char *audit_db_path(const struct audit *a)
{
	return a->path;
}

int64_t audit_session_id(const struct audit *a)
{
	int64_t id;

	pthread_mutex_lock((pthread_mutex_t *)&a->mu);
	id = a->session;
	pthread_mutex_unlock((pthread_mutex_t *)&a->mu);
	return id;
}

size_t audit_protected_paths(const struct audit *a, const char **paths,
			     size_t n)
{
	size_t k;

	if (!a)
		return 0;
	for (k = 0; k < a->nprotect && k < n; k++)
		paths[k] = a->protect[k];
	return k;
}

/* ---- paths ------------------------------------------------------------ */

static int mkdir_p(char *dir, mode_t mode)
{
	char *s;

	for (s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, mode) < 0 && errno != EEXIST) {
			*s = '/';
			return -errno;
		}
		*s = '/';
	}
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Absolute path of `path` with its directory resolved (the file itself
 * need not exist). Creates the directory when create is set. */
static int abs_path(const char *path, int create, char **out)
{
	char *copy, *slash, *dir, *base, *rdir = NULL;
	int rc = 0;

	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	slash = strrchr(copy, '/');
	if (!slash) {
		dir = ".";
		base = copy;
	} else {
		*slash = '\0';
		dir = slash == copy ? "/" : copy;
		base = slash + 1;
	}
	if (!*base) {
		rc = -EISDIR;
		goto out;
	}
	if (create && dir[0] == '/' && dir[1]) {
		rc = mkdir_p(dir, 0700);
		if (rc < 0)
			goto out;
	}
	rdir = realpath(dir, NULL);
	if (!rdir) {
		rc = -errno;
		goto out;
	}
	if (asprintf(out, "%s/%s", strcmp(rdir, "/") ? rdir : "", base) < 0)
		rc = -ENOMEM;
out:
	free(rdir);
	free(copy);
	return rc;
}

char *audit_ro_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct audit_buf b;
	const unsigned char *p;
	char esc[3];
	int rc;

	audit_buf_init(&b);
	rc = audit_buf_put(&b, "file:", 5);
	for (p = (const unsigned char *)path; rc == 0 && *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-~", *p)) {
			rc = audit_buf_put(&b, p, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		rc = audit_buf_put(&b, esc, 3);
	}
	if (rc == 0)
		rc = audit_buf_put(&b, "?mode=ro", 9);
	if (rc < 0) {
		audit_buf_release(&b);
		return NULL;
	}
	return (char *)b.p;
}

static int add_protect(struct audit *a, const char *suffix)
{
	if (a->nprotect >= NPROTECT)
		return -ENOSPC;
	if (asprintf(&a->protect[a->nprotect], "%s%s", a->path, suffix) < 0)
		return -ENOMEM;
	a->nprotect++;
	return 0;
}

static int fill_protect(struct audit *a)
{
	static const char *const sfx[] = {
		"", "-wal", "-shm", "-journal", ".pjournal", ".pjournal.tmp"
	};
	char s[32];
	size_t k;
	int rc = 0, slot;

	for (k = 0; rc == 0 && k < sizeof(sfx) / sizeof(sfx[0]); k++)
		rc = add_protect(a, sfx[k]);
	for (slot = 1; rc == 0 && slot < AUDIT_JOURNAL_SLOTS; slot++) {
		snprintf(s, sizeof(s), ".pjournal.%d", slot);
		rc = add_protect(a, s);
		snprintf(s, sizeof(s), ".pjournal.%d.tmp", slot);
		if (rc == 0)
			rc = add_protect(a, s);
	}
	return rc;
}

/* ---- the writer thread --------------------------------------------------- */

static int fold_cb(void *ctx, const struct audit_record *r)
{
	return audit_fold_record(ctx, r);
}

static int sql_exec(sqlite3 *db, const char *sql)
{
	return audit_sqlite_errno(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* Runs fn inside one write transaction on the store's connection. */
static int in_transaction(struct audit *a, int (*fn)(struct audit *, void *),
			  void *arg)
{
	int rc;

	pthread_mutex_lock(&a->dbmu);
	rc = sql_exec(a->db, "BEGIN IMMEDIATE");
	if (rc == 0)
		rc = fn(a, arg);
	if (rc == 0)
		rc = audit_fold_save(&a->fold);
	if (rc == 0)
		rc = sql_exec(a->db, "COMMIT");
	if (rc < 0) {
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		audit_fold_reset(&a->fold);
	}
	pthread_mutex_unlock(&a->dbmu);
	return rc;
}

/* Folds the records of one batch (a struct audit_buf). */
static int fold_scan(struct audit *a, void *arg)
{
	const struct audit_buf *b = arg;
	size_t dropped = 0, bad = 0;
	int rc = audit_journal_scan(b->p, b->len, fold_cb, &a->fold,
				    &dropped, &bad);

	if (rc == 0 && dropped)
		rc = -EIO;	/* our own records cannot be damaged */
	return rc;
}

/* One transaction for a batch of records (writer thread, no mu held). */
static int fold_batch(struct audit *a, struct audit_buf *b)
{
	return in_transaction(a, fold_scan, b);
}

/* After a commit (mu held): empty the journal if everything in it is
 * folded, or rewrite it with just the pending records when it grew big. */
static int journal_trim(struct audit *a)
{
	int rc;

	if (a->npending == 0) {
		if (ftruncate(a->jfd, 0) < 0)
			return -errno;
		a->jsize = 0;
		return 0;
	}
	if (a->jsize < ROTATE_BYTES)
		return 0;
	rc = audit_journal_replace(a->jpath, &a->jfd, a->pending.p,
				   a->pending.len);
	if (rc == 0)
		a->jsize = a->pending.len;
	return rc;
}

static void deadline(struct timespec *ts, long ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += ns;
	while (ts->tv_nsec >= 1000000000) {
		ts->tv_nsec -= 1000000000;
		ts->tv_sec++;
	}
}

static void *writer_main(void *arg)
{
	struct audit *a = arg;
	struct audit_buf swap;
	struct timespec dl;
	size_t n;
	int rc;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->stop && a->npending == 0) {
			a->idle = 1;
			pthread_cond_wait(&a->wake, &a->mu);
			a->idle = 0;
		}
		if (a->npending == 0)
			break;		/* stopping, nothing left */
		if (!a->stop && a->npending < FOLD_KICK &&
		    a->want <= a->nfolded) {
			deadline(&dl, FOLD_INTERVAL_NS);
			pthread_cond_timedwait(&a->wake, &a->mu, &dl);
		}
		swap = a->batch;
		a->batch = a->pending;
		a->pending = swap;
		n = a->npending;
		a->npending = 0;
		pthread_mutex_unlock(&a->mu);

		rc = fold_batch(a, &a->batch);

		pthread_mutex_lock(&a->mu);
		a->batch.len = 0;
		if (rc == 0) {
			a->nfolded += n;
			rc = journal_trim(a);
		}
		set_err(a, rc);
		pthread_cond_broadcast(&a->done);
		if (rc < 0)
			break;	/* broken: records stay in the journal */
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* ---- open / close -------------------------------------------------------- */

static void free_store(struct audit *a)
{
	size_t k;

	audit_fold_release(&a->fold);
	if (a->db)
		sqlite3_close_v2(a->db);
	if (a->jfd >= 0)
		close(a->jfd);
	for (k = 0; k < a->nprotect; k++)
		free(a->protect[k]);
	audit_buf_release(&a->pending);
	audit_buf_release(&a->batch);
	sodium_memzero(a->sk, sizeof(a->sk));
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->dbmu);
	pthread_cond_destroy(&a->wake);
	pthread_cond_destroy(&a->done);
	free(a->path);
	free(a);
}

static int open_read(struct audit *a, char *err, size_t errlen)
{
	struct stat st;
	char *uri;
	int rc;

	if (stat(a->path, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the audit database: %s",
			 strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a proctor audit database (not a "
			 "regular file)");
		return -EINVAL;
	}
	uri = audit_ro_uri(a->path);
	if (!uri)
		return -ENOMEM;
	rc = sqlite3_open_v2(uri, &a->db, SQLITE_OPEN_READONLY |
			     SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open the audit database: %s",
			 a->db ? sqlite3_errmsg(a->db) : "out of memory");
		return audit_sqlite_errno(rc);
	}
	sqlite3_busy_timeout(a->db, READ_BUSY_MS);
	return audit_schema_check(a->db, 0, err, errlen);
}

static int open_write(struct audit *a, char *err, size_t errlen)
{
	int fd, rc;

	/* create it 0600 ourselves; SQLite gives -wal/-shm the same mode */
	fd = open(a->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the audit database: %s",
			 strerror(errno));
		return rc;
	}
	close(fd);
	/* no connection mutex: dbmu serialises every use (see the top) */
	rc = sqlite3_open_v2(a->path, &a->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open the audit database: %s",
			 a->db ? sqlite3_errmsg(a->db) : "out of memory");
		return audit_sqlite_errno(rc);
	}
	sqlite3_busy_timeout(a->db, WRITE_BUSY_MS);
	rc = audit_schema_check(a->db, 1, err, errlen);
	if (rc < 0)
		return rc;
	rc = sql_exec(a->db, "PRAGMA journal_mode = WAL");
	if (rc == 0)
		rc = sql_exec(a->db, "PRAGMA synchronous = FULL");
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up the audit database: %s",
			 sqlite3_errmsg(a->db));
		return rc;
	}
	rc = audit_fold_init(&a->fold, a->db);
	if (rc < 0) {
		snprintf(err, errlen, "cannot prepare the audit database: %s",
			 sqlite3_errmsg(a->db));
		return rc;
	}
	rc = audit_recover(&a->fold, a->path, &a->jslot, &a->jfd, a->jpath,
			   sizeof(a->jpath), err, errlen);
	if (rc < 0)
		return rc;
	rc = -pthread_create(&a->thread, NULL, writer_main, a);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the audit writer: %s",
			 strerror(-rc));
		return rc;
	}
	a->thread_ok = 1;
	return 0;
}

int audit_open(struct audit **out, const char *path,
	       enum audit_open_mode mode, char *err, size_t errlen)
{
	pthread_condattr_t ca;
	struct audit *a;
	char dummy[8];
	int rc;

	*out = NULL;
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (!path || !*path) {
		snprintf(err, errlen, "no database path");
		return -EINVAL;
	}
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -EIO;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->mode = mode;
	a->jfd = -1;
	a->jslot = -1;
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->dbmu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&a->done, NULL);
	audit_buf_init(&a->pending);
	audit_buf_init(&a->batch);

	rc = abs_path(path, mode == AUDIT_OPEN_WRITE, &a->path);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open the audit database: %s",
			 strerror(-rc));
		goto out;
	}
	rc = fill_protect(a);
	if (rc < 0)
		goto out;
	if (mode == AUDIT_OPEN_WRITE)
		rc = open_write(a, err, errlen);
	else
		rc = open_read(a, err, errlen);
out:
	if (rc < 0) {
		if (!err[0])
			snprintf(err, errlen, "%s", strerror(-rc));
		free_store(a);
		return rc;
	}
	*out = a;
	return 0;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	if (a->thread_ok) {
		pthread_mutex_lock(&a->mu);
		a->stop = 1;
		pthread_cond_signal(&a->wake);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->thread, NULL);
		a->thread_ok = 0;
	}
	/* everything folded: the journal is no longer needed; otherwise it
	 * stays for the next writer to recover */
	if (a->jfd >= 0 && audit_error(a) == 0 && a->nfolded == a->nwritten)
		unlink(a->jpath);
	free_store(a);
}

int audit_set_signing_key(struct audit *a, const unsigned char sk[64],
			  unsigned every)
{
	int rc = 0;

	if (!a || a->mode != AUDIT_OPEN_WRITE)
		return -EINVAL;
	pthread_mutex_lock(&a->mu);
	if (a->session) {
		rc = -EBUSY;
	} else if (sk) {
		memcpy(a->sk, sk, sizeof(a->sk));
		a->have_sk = 1;
		a->every = every;
	} else {
		sodium_memzero(a->sk, sizeof(a->sk));
		a->have_sk = 0;
		a->every = 0;
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* ---- appends (the hot path) ---------------------------------------------- */

/* Encodes and writes one record (mu held). On failure nothing of the
 * record stays pending and the caller makes the error sticky. */
static int journal_put(struct audit *a, uint8_t type,
		       const struct audit_value *v, size_t n)
{
	size_t start = a->pending.len, len;
	ssize_t w;
	int rc;

	rc = audit_record_encode(&a->pending, type, a->next_jseq, v, n);
	if (rc < 0)
		return rc;
	len = a->pending.len - start;
	do {
		w = write(a->jfd, a->pending.p + start, len);
	} while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != len) {
		rc = w < 0 ? -errno : -ENOSPC;
		if (w > 0 && ftruncate(a->jfd, (off_t)a->jsize) < 0)
			rc = -errno;	/* the torn piece stays: recovery
					 * drops it */
		a->pending.len = start;
		return rc;
	}
	a->jsize += len;
	a->next_jseq++;
	a->nwritten++;
	a->npending++;
	if ((a->idle && a->npending == 1) || a->npending == FOLD_KICK)
		pthread_cond_signal(&a->wake);
	return 0;
}

/* Common entry checks and the locked write; v[0] is the session. */
static int put_locked(struct audit *a, uint8_t type, struct audit_value *v,
		      size_t n, uint64_t *seq)
{
	int rc;

	if (!a || a->mode != AUDIT_OPEN_WRITE)
		return -EINVAL;
	pthread_mutex_lock(&a->mu);
	/* backpressure: when the fold falls this far behind, the caller
	 * waits for it rather than letting memory grow without bound */
	while (a->npending >= MAX_PENDING && a->err == 0 && a->thread_ok) {
		pthread_cond_signal(&a->wake);
		pthread_cond_wait(&a->done, &a->mu);
	}
	rc = a->err;
	if (rc == 0 && !a->session)
		rc = -EINVAL;
	if (rc == 0) {
		v[0] = audit_v_int(a->session);
		if (seq)
			v[1] = audit_v_int((int64_t)a->next_seq);
		rc = journal_put(a, type, v, n);
		if (rc < 0)
			set_err(a, rc);
		else if (seq)
			*seq = a->next_seq++;
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int audit_append(struct audit *a, const struct audit_event *e,
		 uint64_t *seq)
{
	struct audit_value v[AUDIT_EVENT_NCOLS];
	uint64_t s;
	int ask;

	if (!e)
		return -EINVAL;
	ask = e->approver_channel != NULL;
	v[AE_TIME] = audit_v_int(e->time_ns ? e->time_ns : audit_now_ns());
	v[AE_PID] = audit_v_int(e->pid);
	v[AE_TID] = audit_v_int(e->tid);
	v[AE_EXE] = audit_v_text(e->exe);
	v[AE_OP] = audit_v_text(e->op);
	v[AE_SYSCALL] = audit_v_text(e->syscall);
	v[AE_TARGET] = audit_v_text(e->target);
	v[AE_RESOLVED] = audit_v_text(e->resolved);
	v[AE_HOSTNAME] = audit_v_text(e->hostname);
	v[AE_DECISION] = audit_v_text(e->decision);
	v[AE_FINAL] = audit_v_text(e->final);
	v[AE_MODE] = audit_v_text(e->mode);
	v[AE_RULE] = audit_v_text(e->rule);
	v[AE_RULE_TEXT] = audit_v_text(e->rule_text);
	v[AE_APPR_CHANNEL] = audit_v_text(e->approver_channel);
	v[AE_APPR_USER] = ask ? audit_v_text(e->approver_user) :
		audit_v_null();
	v[AE_APPR_UID] = ask && e->approver_uid >= 0 ?
		audit_v_int(e->approver_uid) : audit_v_null();
	v[AE_APPR_PID] = ask && e->approver_pid >= 0 ?
		audit_v_int(e->approver_pid) : audit_v_null();
	v[AE_WAIT] = ask ? audit_v_int(e->wait_ns) : audit_v_null();
	v[AE_REMEMBER] = audit_v_text(e->remember);
	v[AE_ERRNO] = audit_v_int(e->errno_ret);
	v[AE_DECISION_NS] = audit_v_int(e->decision_ns);
	v[AE_BACKTRACE] = audit_v_text(e->backtrace);
	v[AE_DETAIL] = audit_v_text(e->detail);
	return put_locked(a, AUDIT_REC_EVENT, v, AUDIT_EVENT_NCOLS,
			  seq ? seq : &s);
}

static int process_record(struct audit *a, uint8_t type,
			  const struct audit_process *p)
{
	struct audit_value v[7];

	if (!p)
		return -EINVAL;
	v[1] = audit_v_int(p->time_ns ? p->time_ns : audit_now_ns());
	v[2] = audit_v_int(p->pid);
	v[3] = audit_v_int(p->ppid);
	v[4] = audit_v_text(p->exe);
	v[5] = p->argv ? audit_v_textn(p->argv, p->argv_len) :
		audit_v_null();
	v[6] = audit_v_text(p->cwd);
	return put_locked(a, type, v, 7, NULL);
}

int audit_process_start(struct audit *a, const struct audit_process *p)
{
	return process_record(a, AUDIT_REC_PROC_START, p);
}

int audit_process_exec(struct audit *a, const struct audit_process *p)
{
	return process_record(a, AUDIT_REC_PROC_EXEC, p);
}

int audit_process_exit(struct audit *a, int32_t pid, int64_t time_ns,
		       int status)
{
	struct audit_value v[4];

	v[1] = audit_v_int(time_ns ? time_ns : audit_now_ns());
	v[2] = audit_v_int(pid);
	v[3] = audit_v_int(status);
	return put_locked(a, AUDIT_REC_PROC_EXIT, v, 4, NULL);
}

int audit_sync(struct audit *a)
{
	uint64_t want;
	int rc;

	if (!a)
		return -EINVAL;
	pthread_mutex_lock(&a->mu);
	if (a->thread_ok) {
		want = a->nwritten;
		if (a->want < want)
			a->want = want;
		pthread_cond_signal(&a->wake);
		while (a->nfolded < want && a->err == 0)
			pthread_cond_wait(&a->done, &a->mu);
	}
	rc = a->err;
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* ---- sessions ------------------------------------------------------------ */

static char *argv_to_json(const char *const *argv, size_t argc)
{
	struct json_object *arr;
	const char *s;
	char *out = NULL;
	size_t k;

	arr = json_object_new_array();
	if (!arr)
		return NULL;
	for (k = 0; k < argc && argv; k++)
		json_object_array_add(arr, json_object_new_string(
				      argv[k] ? argv[k] : ""));
	s = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s)
		out = strdup(s);
	json_object_put(arr);
	return out;
}


struct begin_arg {
	const struct audit_session_row *row;
	int64_t id;
};

static int begin_fn(struct audit *a, void *arg)
{
	struct begin_arg *b = arg;

	return audit_fold_session_begin(&a->fold, b->row, &b->id);
}

int audit_session_begin(struct audit *a, const struct audit_session_info *s,
			int64_t *id)
{
	struct audit_session_row row;
	struct begin_arg b = { .row = &row };
	unsigned char h[crypto_hash_sha256_BYTES], pk[32];
	char shahex[2 * sizeof(h) + 1], pkhex[65];
	char *argv = NULL;
	int rc;

	if (!a || !s || !id || a->mode != AUDIT_OPEN_WRITE)
		return -EINVAL;
	pthread_mutex_lock(&a->mu);
	rc = a->err ? a->err : a->session ? -EBUSY : 0;
	pthread_mutex_unlock(&a->mu);
	if (rc < 0)
		return rc;
	memset(&row, 0, sizeof(row));
	argv = argv_to_json(s->argv, s->argc);
	if (!argv)
		return -ENOMEM;
	row.start_ns = s->start_ns ? s->start_ns : audit_now_ns();
	row.host = s->host;
	row.uid = s->uid;
	row.user = s->user;
	row.cwd = s->cwd;
	row.argv_json = argv;
	row.proctor_argv = s->proctor_argv;
	row.version = s->version;
	row.policy_text = s->policy_text;
	row.policy_len = s->policy_len;
	if (s->policy_text) {
		crypto_hash_sha256(h, (const unsigned char *)s->policy_text,
				   s->policy_len);
		audit_hex(h, sizeof(h), shahex);
		row.policy_sha256 = shahex;
	}
	row.mode = s->mode;
	if (a->have_sk) {
		crypto_sign_ed25519_sk_to_pk(pk, a->sk);
		audit_hex(pk, sizeof(pk), pkhex);
		row.pubkey = pkhex;
		row.every = a->every;
	}
	row.slot = a->jslot;
	rc = in_transaction(a, begin_fn, &b);
	free(argv);
	if (rc < 0) {
		set_err(a, rc);
		return rc;
	}
	pthread_mutex_lock(&a->dbmu);
	a->fold.sign_session = b.id;
	a->fold.sk = a->have_sk ? a->sk : NULL;
	a->fold.every = a->every;
	pthread_mutex_unlock(&a->dbmu);
	pthread_mutex_lock(&a->mu);
	a->session = b.id;
	a->next_seq = 1;
	a->next_jseq = 1;
	pthread_mutex_unlock(&a->mu);
	*id = b.id;
	return 0;
}

struct end_arg {
	int64_t session, end_ns;
	int status;
	const char *reason;
};

static int end_fn(struct audit *a, void *arg)
{
	struct end_arg *e = arg;

	return audit_fold_session_end(&a->fold, e->session, e->end_ns, 1,
				      e->status, e->reason);
}

int audit_session_end(struct audit *a, int64_t end_ns, int exit_status,
		      const char *reason)
{
	struct end_arg e;
	int rc;

	if (!a || a->mode != AUDIT_OPEN_WRITE)
		return -EINVAL;
	pthread_mutex_lock(&a->mu);
	e.session = a->session;
	a->session = 0;		/* later appends fail */
	rc = a->err ? a->err : e.session ? 0 : -EINVAL;
	pthread_mutex_unlock(&a->mu);
	if (rc < 0)
		return rc;
	rc = audit_sync(a);
	if (rc < 0)
		return rc;
	e.end_ns = end_ns ? end_ns : audit_now_ns();
	e.status = exit_status;
	e.reason = reason ? reason : "exited";
	rc = in_transaction(a, end_fn, &e);
	pthread_mutex_lock(&a->dbmu);
	a->fold.sign_session = 0;
	a->fold.sk = NULL;
	pthread_mutex_unlock(&a->dbmu);
	set_err(a, rc);
	return rc;
}
