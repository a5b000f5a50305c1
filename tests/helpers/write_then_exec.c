/*
 * write_then_exec.c - write a script, close it and exec it at once, with
 * no other system call in between, N times (each in a fresh child): an
 * exec must never fail with ETXTBSY because proctor still holds its own
 * copy of the descriptor that wrote the file (supervisor/writers.h).
 *
 * Usage: write_then_exec DIR N     Prints "ETXTBSY k of N" and "failed f"
 * (other exec failures). Used by tests/integration/test_caller_caches.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char script[] = "#!/bin/sh\nexit 0\n";
	int i, n, busy = 0, failed = 0;

	if (argc != 3)
		return 2;
	n = (int)strtol(argv[2], NULL, 10);
	for (i = 0; i < n; i++) {
		char path[4096];
		pid_t pid;
		int st;

		snprintf(path, sizeof(path), "%s/w%d.sh", argv[1], i);
		pid = fork();
		if (pid == 0) {
			char *args[] = { path, NULL };
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC |
				      O_CLOEXEC, 0700);

			if (fd < 0 || write(fd, script, sizeof(script) - 1) !=
			    (ssize_t)(sizeof(script) - 1))
				_exit(98);
			close(fd);
			execve(path, args, NULL);
			_exit(errno == ETXTBSY ? 99 : 97);
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0)
			return 2;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 99)
			busy++;
		else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
		unlink(path);
	}
	printf("ETXTBSY %d of %d\nfailed %d\n", busy, n, failed);
	return 0;
}
