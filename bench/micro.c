/*
 * micro.c - one system call in a loop, timed: the micro benchmarks of
 * `make bench` (bench/run_bench.py runs it natively and under proctor and
 * subtracts).
 *
 *   micro OP N DIR
 *
 * OP is one of
 *   open        open(DIR/file, O_RDONLY) + close            (allowed)
 *   open_rel    open("file", O_RDONLY) + close, with DIR the working
 *               directory (a relative name)
 *   create      open(DIR/create-PID/fI, O_WRONLY|O_CREAT|O_TRUNC) + close
 *               of a new file each time (the directory is made first)
 *   open_denied open(DIR/proctor-bench-denied/secret)       (bench.policy
 *               denies it; natively it succeeds and is closed)
 *   unlink      unlink of one of N files created before the timed loop
 *   rename      rename(DIR/ren-a, DIR/ren-b) and back, one call per op
 *   connect     socket + TCP connect to 127.0.0.1 (a listener thread in
 *               this program, started before the timed loop) + close
 *   exec        fork + execve(nop, a tiny static program) + waitpid
 *
 * Prints one line: "micro OP n=N ns_per_op=X fails=F" where fails counts
 * calls that did not end as expected (open_denied under proctor is expected
 * to fail with EACCES or EPERM; natively it is expected to succeed).
 *
 * Environment:
 *   BENCH_WAIT=1  print "READY" and wait for a byte on stdin before the
 *                 timed loop (lets the harness attach a profiler)
 *   BENCH_HOLD=1  print "LOOP-DONE" after the loop and wait for a byte on
 *                 stdin before exiting (lets the harness read the
 *                 supervisor's /proc/PID/status at the end)
 *   BENCH_EXPECT_DENY=1  open_denied: count success as a failure
 *
 * Only vDSO clock reads happen between the timed calls; nothing here is
 * meant to be trapped except the call under test (and close/socket, which
 * proctor does not trap).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *micro_dir;
static long micro_n;
static int micro_listen_fd = -1;
static struct sockaddr_in micro_addr;

static double micro_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void micro_path(char *buf, size_t n, const char *name)
{
	int r = snprintf(buf, n, "%s/%s", micro_dir, name);

	if (r < 0 || (size_t)r >= n) {
		fprintf(stderr, "micro: path too long\n");
		exit(2);
	}
}

static int micro_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static void micro_sync(const char *what)
{
	char c;

	printf("%s\n", what);
	fflush(stdout);
	if (read(0, &c, 1) < 0)
		perror("micro: read stdin");
}

static long micro_open(int deny)
{
	char path[PATH_MAX];
	int expect_deny = deny && micro_env("BENCH_EXPECT_DENY");
	long i, fails = 0;

	micro_path(path, sizeof(path),
		   deny ? "proctor-bench-denied/secret" : "file");
	for (i = 0; i < micro_n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd >= 0) {
			close(fd);
			if (expect_deny)
				fails++;
		} else if (!expect_deny ||
			   (errno != EACCES && errno != EPERM)) {
			fails++;
		}
	}
	return fails;
}

static long micro_open_rel(void)
{
	long i, fails = 0;

	for (i = 0; i < micro_n; i++) {
		int fd = open("file", O_RDONLY);

		if (fd >= 0)
			close(fd);
		else
			fails++;
	}
	return fails;
}

static char micro_create_dir[PATH_MAX];

static void micro_create_setup(void)
{
	char name[64];

	snprintf(name, sizeof(name), "create-%d", (int)getpid());
	micro_path(micro_create_dir, sizeof(micro_create_dir), name);
	if (mkdir(micro_create_dir, 0755) < 0) {
		perror("micro: mkdir");
		exit(2);
	}
}

static long micro_create(void)
{
	char path[PATH_MAX + 32];
	long i, fails = 0;

	for (i = 0; i < micro_n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%ld", micro_create_dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
		else
			fails++;
	}
	return fails;
}

/* Creates the files outside the timed region; see micro_unlink. */
static void micro_unlink_setup(void)
{
	char path[PATH_MAX], name[64];
	long i;

	micro_path(path, sizeof(path), "unlink");
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror("micro: mkdir");
		exit(2);
	}
	for (i = 0; i < micro_n; i++) {
		int fd;

		snprintf(name, sizeof(name), "unlink/f%ld", i);
		micro_path(path, sizeof(path), name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			perror("micro: create");
			exit(2);
		}
		close(fd);
	}
}

static long micro_unlink(void)
{
	char path[PATH_MAX], name[64];
	long i, fails = 0;

	for (i = 0; i < micro_n; i++) {
		snprintf(name, sizeof(name), "unlink/f%ld", i);
		micro_path(path, sizeof(path), name);
		if (unlink(path) < 0)
			fails++;
	}
	return fails;
}

static long micro_rename(void)
{
	char a[PATH_MAX], b[PATH_MAX];
	long i, fails = 0;
	int fd;

	micro_path(a, sizeof(a), "ren-a");
	micro_path(b, sizeof(b), "ren-b");
	fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("micro: create ren-a");
		exit(2);
	}
	close(fd);
	for (i = 0; i < micro_n; i++) {
		int r = (i & 1) ? rename(b, a) : rename(a, b);

		if (r < 0)
			fails++;
	}
	return fails;
}

static void *micro_acceptor(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(micro_listen_fd, NULL, NULL);

		if (fd >= 0)
			close(fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			return NULL;
	}
}

/* The listener is set up before the clock starts (bind is trapped too). */
static void micro_connect_setup(void)
{
	socklen_t len = sizeof(micro_addr);
	pthread_t t;
	int one = 1;

	micro_listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (micro_listen_fd < 0) {
		perror("micro: socket");
		exit(2);
	}
	setsockopt(micro_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one,
		   sizeof(one));
	memset(&micro_addr, 0, sizeof(micro_addr));
	micro_addr.sin_family = AF_INET;
	micro_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(micro_listen_fd, (struct sockaddr *)&micro_addr,
		 sizeof(micro_addr)) < 0 ||
	    listen(micro_listen_fd, 4096) < 0 ||
	    getsockname(micro_listen_fd, (struct sockaddr *)&micro_addr,
			&len) < 0) {
		perror("micro: listen");
		exit(2);
	}
	if (pthread_create(&t, NULL, micro_acceptor, NULL) != 0) {
		fprintf(stderr, "micro: pthread_create failed\n");
		exit(2);
	}
}

static long micro_connect(void)
{
	struct linger lg = { 1, 0 };	/* RST on close: no TIME_WAIT */
	long i, fails = 0;

	for (i = 0; i < micro_n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			fails++;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&micro_addr,
			    sizeof(micro_addr)) < 0)
			fails++;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
	return fails;
}

static char micro_nop[PATH_MAX];

static void micro_exec_setup(void)
{
	ssize_t n = readlink("/proc/self/exe", micro_nop,
			     sizeof(micro_nop) - 8);
	char *slash;

	if (n <= 0) {
		perror("micro: readlink /proc/self/exe");
		exit(2);
	}
	micro_nop[n] = '\0';
	slash = strrchr(micro_nop, '/');
	if (!slash) {
		fprintf(stderr, "micro: odd /proc/self/exe\n");
		exit(2);
	}
	memcpy(slash + 1, "nop", 4);
}

static long micro_exec(void)
{
	char *argv[] = { micro_nop, NULL };
	long i, fails = 0;

	for (i = 0; i < micro_n; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execve(micro_nop, argv, environ);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid ||
		    !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fails++;
	}
	return fails;
}

int main(int argc, char **argv)
{
	const char *op;
	double t0, t1;
	long fails;

	if (argc != 4) {
		fprintf(stderr, "usage: micro OP N DIR\n");
		return 2;
	}
	op = argv[1];
	micro_n = strtol(argv[2], NULL, 10);
	micro_dir = argv[3];
	if (micro_n <= 0) {
		fprintf(stderr, "micro: N must be positive\n");
		return 2;
	}
	if (strcmp(op, "unlink") == 0)
		micro_unlink_setup();
	else if (strcmp(op, "connect") == 0)
		micro_connect_setup();
	else if (strcmp(op, "exec") == 0)
		micro_exec_setup();
	else if (strcmp(op, "create") == 0)
		micro_create_setup();
	else if (strcmp(op, "open_rel") == 0) {
		if (chdir(micro_dir) < 0) {
			perror("micro: chdir");
			return 2;
		}
	} else if (strcmp(op, "open") != 0 &&
		   strcmp(op, "open_denied") != 0 &&
		   strcmp(op, "rename") != 0) {
		fprintf(stderr, "micro: unknown OP '%s'\n", op);
		return 2;
	}
	if (micro_env("BENCH_WAIT"))
		micro_sync("READY");

	t0 = micro_now();
	if (strcmp(op, "open") == 0)
		fails = micro_open(0);
	else if (strcmp(op, "open_denied") == 0)
		fails = micro_open(1);
	else if (strcmp(op, "open_rel") == 0)
		fails = micro_open_rel();
	else if (strcmp(op, "create") == 0)
		fails = micro_create();
	else if (strcmp(op, "unlink") == 0)
		fails = micro_unlink();
	else if (strcmp(op, "rename") == 0)
		fails = micro_rename();
	else if (strcmp(op, "connect") == 0)
		fails = micro_connect();
	else
		fails = micro_exec();
	t1 = micro_now();

	if (micro_env("BENCH_HOLD"))
		micro_sync("LOOP-DONE");
	printf("micro %s n=%ld ns_per_op=%.1f fails=%ld\n", op, micro_n,
	       (t1 - t0) / (double)micro_n, fails);
	return 0;
}
