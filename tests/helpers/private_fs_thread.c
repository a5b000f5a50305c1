/*
 * private_fs_thread.c - a thread of the same process with its own
 * fs_struct (clone with CLONE_THREAD but not CLONE_FS): its chdir and
 * umask must not change what the main thread's relative names and new
 * files get. Used by tests/integration/test_caller_caches.py, which runs
 * it natively and under proctor and compares the output.
 *
 * Usage: private_fs_thread DIR   (DIR holds a/f "in a" and b/f "in b")
 * Prints one line per check.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int helper_done;
static char helper_b[4096];

static void show(const char *what, const char *name)
{
	char buf[64];
	int fd = open(name, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		printf("%s: %s\n", what, strerrorname_np(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	printf("%s: %s\n", what, buf);
}

static void created(const char *what, const char *name)
{
	struct stat st;
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	if (fd < 0 || fstat(fd, &st) < 0) {
		printf("%s: %s\n", what, strerrorname_np(errno));
		return;
	}
	close(fd);
	printf("%s: %o\n", what, (unsigned)(st.st_mode & 0777));
}

/* The thread: its own fs_struct; changes directory and umask, exits
 * without touching libc state that needs a pthread. */
static int helper_thread(void *arg)
{
	(void)arg;
	syscall(SYS_chdir, helper_b);
	syscall(SYS_umask, 0077);
	atomic_store(&helper_done, 1);
	syscall(SYS_exit, 0);
	return 0;
}

int main(int argc, char **argv)
{
	static char stack[65536] __attribute__((aligned(16)));
	char a[4096];

	if (argc != 2)
		return 2;
	snprintf(a, sizeof(a), "%s/a", argv[1]);
	snprintf(helper_b, sizeof(helper_b), "%s/b", argv[1]);
	if (chdir(a) < 0)
		return 2;
	umask(022);
	setvbuf(stdout, NULL, _IONBF, 0);
	show("before", "f");
	created("umask before", "n1");
	if (clone(helper_thread, stack + sizeof(stack),
		  CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_SYSVSEM,
		  NULL) < 0) {
		printf("clone: %s\n", strerrorname_np(errno));
		return 1;
	}
	while (!atomic_load(&helper_done))
		sched_yield();
	usleep(20000);	/* the thread's exit */
	show("after the thread's chdir", "f");
	created("umask after the thread's umask", "n2");
	return 0;
}
