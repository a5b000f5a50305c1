/*
 * memfd_exec.c - run a program that has no path on disk: copy an allowed
 * binary into a memfd and execveat(memfd, "", AT_EMPTY_PATH); also
 * fexecve and execve("/proc/self/fd/N"). The policy allows exec of some
 * paths only; a memfd matches none.
 *
 * Usage: memfd_exec PROGRAM
 *
 * PROGRAM is copied (e.g. /usr/bin/echo) and run as
 * `echo REACHED memfd-exec-VARIANT`: its own output is the proof. Each
 * variant runs in a child; the parent reports how each child ended.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hostile.h"

extern char **environ;

static int copy_to_memfd(const char *prog)
{
	char buf[65536];
	ssize_t n;
	int in, fd;

	in = open(prog, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		hostile_setup("open %s", prog);
	fd = memfd_create("hostile", 0);
	if (fd < 0)
		hostile_setup("memfd_create");
	for (n = read(in, buf, sizeof(buf)); n > 0;
	     n = read(in, buf, sizeof(buf)))
		if (write(fd, buf, (size_t)n) != n)
			hostile_setup("write memfd");
	close(in);
	return fd;
}

static void variant(const char *name, int how, int fd)
{
	char *argv[] = { "echo", "HIT", "memfd-exec", (char *)name, NULL };
	char proc[64];
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		hostile_setup("fork");
	if (pid == 0) {
		hostile_fmt(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (how == 0)
			syscall(SYS_execveat, fd, "", argv, environ,
				AT_EMPTY_PATH);
		else if (how == 1)
			fexecve(fd, argv, environ);
		else
			execve(proc, argv, environ);
		printf("TRY %s -> %s\n", name, hostile_errname(errno));
		fflush(stdout);
		_exit(3);
	}
	if (waitpid(pid, &status, 0) < 0)
		hostile_setup("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		hostile_hits++;
		return;
	}
	if (WIFSIGNALED(status))
		printf("TRY %s -> killed by signal %d\n", name,
		       WTERMSIG(status));
	hostile_last_err = EACCES;
}

int main(int argc, char **argv)
{
	int fd;

	hostile_usage(argc, 2, "memfd_exec PROGRAM");
	fd = copy_to_memfd(argv[1]);
	variant("execveat-AT_EMPTY_PATH", 0, fd);
	variant("fexecve", 1, fd);
	variant("execve-/proc/self/fd/N", 2, fd);
	hostile_finish("programs without a path on disk");
}
