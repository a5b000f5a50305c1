/*
 * hostile_victim.c - not an attack: the process OUTSIDE the agent's tree
 * that reach_outside.c and kill_proctor.c aim at. test_security.py starts
 * it without proctor.
 *
 * Usage: hostile_victim FILE SECONDS
 *
 * Holds FILE open on descriptor 100, keeps the marker in its memory, and
 * prints `READY <pid> <address of the marker, hex> 100`. It prints
 * `SIGNALLED <n>` when a signal arrives, and exits after SECONDS or when
 * stdin closes.
 */
#include <poll.h>
#include <signal.h>

#include "hostile.h"

static volatile char secret[4096] = HOSTILE_MARKER "-in-victim-memory";

static void on_signal(int sig)
{
	char msg[32];
	int n = snprintf(msg, sizeof(msg), "SIGNALLED %d\n", sig);

	if (write(1, msg, (size_t)n) < 0)
		_exit(3);
}

int main(int argc, char **argv)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	struct sigaction sa;
	double end;
	int fd;

	hostile_usage(argc, 3, "hostile_victim FILE SECONDS");
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || dup2(fd, 100) < 0)
		hostile_setup("open %s", argv[1]);
	close(fd);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
	printf("READY %d %p 100\n", (int)getpid(), (void *)secret);
	fflush(stdout);
	end = hostile_now() + (double)hostile_num(argv[2]);
	while (hostile_now() < end) {
		int r = poll(&pfd, 1, 200);

		if (r > 0)
			break;	/* stdin: EOF, the test is done */
	}
	return secret[0] == 'P' ? 0 : 1;
}
