/*
 * execve_argv_flip.c - a thread rewrites argv[1] of an execve between the
 * supervisor's check and the kernel's own read. The policy allows exactly
 * `/usr/bin/env ok`; the thread flips "ok" to "zz".
 *
 * Usage: execve_argv_flip [ITERATIONS]
 *
 * Each iteration forks; the child starts the flipping thread and execs
 * /usr/bin/env with argv {"env", buf}. env then fails to run a program
 * named buf and says so on stderr, which the parent reads: a message
 * naming anything but 'ok' proves env ran with an argv the policy does
 * not allow. Under proctor the exec-time verification must kill it.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "hostile.h"

extern char **environ;

static char word[64] __attribute__((aligned(64))) = "ok";
static volatile int stop;

static void *flipper(void *arg)
{
	volatile char *w = word;
	unsigned long i = 0;

	(void)arg;
	while (!stop) {
		w[0] = (i & 1) ? 'z' : 'o';
		w[1] = (i & 1) ? 'z' : 'k';
		i++;
	}
	return NULL;
}

/* One fork + exec; returns 1 when env ran with a forbidden argv. */
static int once(int *killed, int *denied)
{
	char *argv[] = { "env", word, NULL };
	char out[512];
	int pfd[2], status;
	ssize_t n, used = 0;
	pthread_t t;
	pid_t pid;

	if (pipe(pfd) < 0)
		hostile_setup("pipe");
	pid = fork();
	if (pid < 0)
		hostile_setup("fork");
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		if (pthread_create(&t, NULL, flipper, NULL))
			_exit(4);
		usleep(100);
		execve("/usr/bin/env", argv, environ);
		_exit(3);
	}
	close(pfd[1]);
	while (used < (ssize_t)sizeof(out) - 1) {
		n = read(pfd[0], out + used, sizeof(out) - 1 - used);
		if (n <= 0)
			break;
		used += n;
	}
	out[used] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		hostile_setup("waitpid");
	if (WIFSIGNALED(status))
		(*killed)++;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
		(*denied)++;
	if (strstr(out, "env: ") && !strstr(out, "ok")) {
		printf("NOTE env said: %s", out);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i, iters = 150, killed = 0, denied = 0;
	double deadline = hostile_now() + 8.0;

	if (argc > 1)
		iters = (int)hostile_num(argv[1]);
	for (i = 0; i < iters && hostile_now() < deadline; i++) {
		if (once(&killed, &denied))
			hostile_reached("env ran with a forbidden argv[1] "
					"after %d execs", i + 1);
	}
	printf("NOTE %d execs: %d killed, %d refused, the rest ran `env ok`\n",
	       i, killed, denied);
	hostile_blocked(killed ? EINTR : EACCES,
			"env never ran with a forbidden argv");
}
