/*
 * clone3_raw.c - clone3 keeps its flags in memory, where a BPF filter
 * cannot look: the filter must refuse the whole call (ENOSYS, so that libc
 * falls back to clone, whose flags it can check).
 *
 * Usage: clone3_raw MODE
 *
 * MODE: plain    clone3 with flags 0 (an ordinary fork)
 *       newns    clone3 with CLONE_NEWNS (a namespace hidden in memory)
 * Reached when clone3 creates a child.
 */
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	struct clone_args ca;
	int status;
	long pid;

	hostile_usage(argc, 2, "clone3_raw plain|newns");
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	if (strcmp(argv[1], "newns") == 0)
		ca.flags = CLONE_NEWNS;
	else if (strcmp(argv[1], "plain") != 0)
		hostile_setup("unknown mode %s", argv[1]);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		hostile_blocked(errno, "clone3(flags %#llx)",
				(unsigned long long)ca.flags);
	if (pid == 0)
		_exit(0);
	waitpid((pid_t)pid, &status, 0);
	hostile_reached("clone3(flags %#llx) made child %ld",
			(unsigned long long)ca.flags, pid);
}
