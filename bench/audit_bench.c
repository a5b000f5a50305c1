/*
 * audit_bench.c - what the audit store costs the supervisor.
 *
 * Measures, for 1 and 2 appending threads, flat out and paced at the
 * target load of 100,000 decisions/s:
 *  - the latency audit_append() adds to each decision (median, p99,
 *    p99.9, max), timed around each call with CLOCK_MONOTONIC;
 *  - the append rate, and the sustained rate: events from the first
 *    append until audit_sync() returns, i.e. until everything is folded
 *    into SQLite with its hash chain (WAL, synchronous=FULL);
 *  - the fold (writer) thread's CPU time per event: the process's CPU
 *    time minus the appending threads' and the main thread's.
 * Each record is write-ahead durable when its append returns (one
 * write(2) to the journal), as in production. Figures, never pass/fail.
 *
 * Build and run (from the top of the tree): compile this file with every
 * audit source file (cc -O2 -D_GNU_SOURCE -pthread -Iaudit, linking
 * -lsqlite3 -lsodium -ljson-c; docs/audit.md has the exact line), then
 *   build/audit_bench [EVENTS_PER_THREAD] [DIR]
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"

struct worker {
	struct audit *a;
	long n;
	long interval_ns;	/* pacing; 0: as fast as possible */
	uint32_t *lat;		/* ns per append */
	int64_t cpu_ns;		/* this thread's CPU time */
	int failed;
};

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void pace(int64_t until)
{
	struct timespec ts = {
		.tv_sec = until / 1000000000,
		.tv_nsec = until % 1000000000,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct audit_event e;
	char target[96];
	int64_t t0;
	long k;

	memset(&e, 0, sizeof(e));
	e.exe = "/usr/lib/gcc/x86_64-linux-gnu/12/cc1";
	e.op = "read";
	e.syscall = "openat";
	e.decision = "allow";
	e.final = "allow";
	e.mode = "enforce";
	e.rule = "/home/user/.config/proctor/policy:12";
	e.rule_text = "allow read ~/src/**";
	e.approver_uid = -1;
	e.approver_pid = -1;
	e.target = target;
	e.resolved = target;
	int64_t start = now_ns();

	for (k = 0; k < w->n; k++) {
		/* pace in 1 ms bursts and sleep in between, so that the
		 * fold thread gets a CPU as it would in production */
		if (w->interval_ns && k % (1000000 / w->interval_ns) == 0)
			pace(start + k * w->interval_ns);
		snprintf(target, sizeof(target),
			 "/home/user/src/project/include/header_%ld.h",
			 k % 997);
		e.pid = 4000 + (int32_t)(k % 7);
		e.tid = e.pid;
		e.time_ns = 0;
		e.decision_ns = 800;
		t0 = now_ns();
		if (audit_append(w->a, &e, NULL) < 0) {
			w->failed = 1;
			break;
		}
		w->lat[k] = (uint32_t)(now_ns() - t0);
	}
	w->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int run(const char *dir, int nthreads, long n, long rate)
{
	static const struct audit_session_info si = {
		.host = "bench", .uid = 1000, .user = "bench", .cwd = "/",
		.proctor_argv = "audit_bench", .version = "bench",
		.policy_text = "allow read ~/src/**\n", .policy_len = 20,
		.mode = "enforce",
	};
	struct worker w[8];
	pthread_t t[8];
	struct audit *a;
	uint32_t *all;
	char db[512], err[256];
	int64_t id, t0, t_app, t_sync, cpu0, main0, fold_cpu;
	long total = n * nthreads, k, m = 0;
	int i, rc;

	snprintf(db, sizeof(db), "%s/bench-%d.db", dir, nthreads);
	unlink(db);
	rc = audit_open(&a, db, AUDIT_OPEN_WRITE, err, sizeof(err));
	if (rc < 0 || audit_session_begin(a, &si, &id) < 0) {
		fprintf(stderr, "audit_bench: %s: %s\n", db, err);
		return 1;
	}
	all = calloc((size_t)total, sizeof(*all));
	if (!all)
		return 1;
	t0 = now_ns();
	cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	main0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (i = 0; i < nthreads; i++) {
		w[i].a = a;
		w[i].n = n;
		w[i].interval_ns = rate ? 1000000000L * nthreads / rate : 0;
		w[i].lat = all + (size_t)i * (size_t)n;
		w[i].failed = 0;
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		if (w[i].failed) {
			fprintf(stderr, "audit_bench: append failed: %s\n",
				strerror(-audit_error(a)));
			return 1;
		}
	}
	t_app = now_ns() - t0;
	rc = audit_sync(a);
	t_sync = now_ns() - t0;
	if (rc < 0) {
		fprintf(stderr, "audit_bench: sync: %s\n", strerror(-rc));
		return 1;
	}
	/* the process's CPU time minus the appenders' and this thread's:
	 * what the fold (writer) thread used */
	fold_cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0 -
		(clock_ns(CLOCK_THREAD_CPUTIME_ID) - main0);
	for (i = 0; i < nthreads; i++)
		fold_cpu -= w[i].cpu_ns;
	audit_session_end(a, 0, 0, "exited");
	audit_close(a);
	m = total;
	qsort(all, (size_t)m, sizeof(*all), cmp_u32);
	if (rate)
		printf("paced at %ld/s in total: ", rate);
	else
		printf("flat out: ");
	printf("%d thread%s, %ld events: append latency median %.2f us, "
	       "p99 %.2f us, p99.9 %.2f us, max %.0f us\n",
	       nthreads, nthreads == 1 ? "" : "s", total,
	       all[m / 2] / 1e3, all[m * 99 / 100] / 1e3,
	       all[m * 999 / 1000] / 1e3, all[m - 1] / 1e3);
	printf("  appended %.0f/s; sustained (until folded and chained in "
	       "SQLite) %.0f/s\n", total / (t_app / 1e9),
	       total / (t_sync / 1e9));
	printf("  fold thread CPU %.2f us per event\n",
	       fold_cpu / 1e3 / total);
	for (k = 0; k < 4; k++) {
		static const char *const sfx[] = { "", "-wal", "-shm",
						   ".pjournal" };
		char p[600];

		snprintf(p, sizeof(p), "%s%s", db, sfx[k]);
		unlink(p);
	}
	free(all);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 500000;
	const char *dir = argc > 2 ? argv[2] : ".";

	if (n <= 0) {
		fprintf(stderr, "usage: audit_bench [EVENTS_PER_THREAD] "
			"[DIR]\n");
		return 2;
	}
	if (run(dir, 1, n, 0) || run(dir, 2, n, 0))
		return 1;
	/* the target load: 100,000 decisions/s */
	if (run(dir, 1, n, 100000) || run(dir, 2, n / 2, 100000))
		return 1;
	return 0;
}
