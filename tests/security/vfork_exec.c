/*
 * vfork_exec.c - vfork, then exec a forbidden program from the child,
 * which shares the parent's memory (the supervisor sees the child's pid
 * but reads the parent's memory).
 *
 * Usage: vfork_exec FORBIDDEN_PROG [ALLOWED_PROG]
 *
 * FORBIDDEN_PROG is run as `PROG HIT vfork-exec VARIANT` (use echo): its
 * output is the proof. Variants: a plain vfork + execve; and, with
 * ALLOWED_PROG (use false: it must exit non-zero), vfork + execve while a
 * thread of the parent (not stopped by vfork) flips the path between
 * ALLOWED_PROG and FORBIDDEN_PROG, up to 200 times.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "hostile.h"

extern char **environ;

static char path[4096];
static char alt[2][4096];
static atomic_int stop;
static volatile int child_errno;

static void *flipper(void *arg)
{
	unsigned long i = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		memcpy(path, alt[i++ & 1], sizeof(path));
	return NULL;
}

/* One vfork + execve of path; returns 1 if the forbidden program ran. */
static int once(const char *variant, int quiet)
{
	char *argv[] = { "prog", "HIT", "vfork-exec", (char *)variant, NULL };
	int status;
	pid_t pid;

	fflush(stdout);
	child_errno = 0;
	pid = vfork();
	if (pid < 0)
		hostile_setup("vfork");
	if (pid == 0) {
		execve(path, argv, environ);
		child_errno = errno;
		_exit(3);
	}
	if (waitpid(pid, &status, 0) < 0)
		hostile_setup("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (!quiet) {
		if (WIFSIGNALED(status))
			printf("TRY %s -> killed by signal %d\n", variant,
			       WTERMSIG(status));
		else
			printf("TRY %s -> %s\n", variant,
			       hostile_errname(child_errno));
	}
	hostile_last_err = child_errno ? child_errno : ECHILD;
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int i, hit = 0;

	hostile_usage(argc, 2, "vfork_exec FORBIDDEN_PROG [ALLOWED_PROG]");
	hostile_fmt(path, sizeof(path), "%s", argv[1]);
	hostile_hits += once("plain", 0);

	if (argc > 2) {
		hostile_fmt(alt[0], sizeof(alt[0]), "%s", argv[2]);
		hostile_fmt(alt[1], sizeof(alt[1]), "%s", argv[1]);
		if (pthread_create(&t, NULL, flipper, NULL))
			hostile_setup("pthread_create");
		for (i = 0; i < 200 && !hit; i++)
			hit = once("flip", 1);
		hostile_hits += hit;
		atomic_store(&stop, 1);
		pthread_join(t, NULL);
		printf("NOTE flip: %d vforks\n", i);
	}
	fflush(stdout);
	hostile_finish("vfork + exec of the forbidden program");
}
