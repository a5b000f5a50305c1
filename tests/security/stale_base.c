/*
 * stale_base.c - the forbidden file by a relative name, after the directory
 * the name is relative to has changed under proctor's cache of it
 * (supervisor/basedir.c keeps callers' directories and their paths).
 *
 * Usage: stale_base WORK FORBIDDEN
 *
 * WORK is a writable directory; FORBIDDEN is the forbidden file, in a
 * directory where the policy allows writing but not reading. Each variant
 * first makes proctor resolve a relative name from an allowed directory,
 * then changes what that directory is or where it lies, then opens the
 * forbidden file by a relative name:
 *   dirfd renamed   the directory of a dirfd is moved into the forbidden
 *                   directory and the file moved into it;
 *   cwd renamed     the same with the working directory (inherited, so no
 *                   chdir tells proctor);
 *   dirfd reused    the dirfd's number is made to name the forbidden
 *                   directory (dup2);
 *   chdir thread    another thread moves the working directory back and
 *                   forth while this one opens the name.
 * Every move is put back after each variant.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hostile.h"

static char work[PATH_MAX], fdir[PATH_MAX], fname[PATH_MAX];
static char forbidden[PATH_MAX];

/* Move a fresh directory WORK/tag into the forbidden directory and the
 * forbidden file into it; undo() puts both back. */
static void stale_setup_move(const char *tag, char *from, char *to,
			     char *moved)
{
	hostile_fmt(from, PATH_MAX, "%s/%s", work, tag);
	hostile_fmt(to, PATH_MAX, "%s/%s", fdir, tag);
	hostile_fmt(moved, PATH_MAX, "%s/%s", to, fname);
}

static int stale_move(const char *from, const char *to, const char *moved)
{
	if (rename(from, to) < 0)
		return -errno;
	if (rename(forbidden, moved) < 0)
		return -errno;
	return 0;
}

static void stale_undo(const char *from, const char *to, const char *moved)
{
	rename(moved, forbidden);
	rename(to, from);
	rmdir(from);
}

static void variant_dirfd_renamed(void)
{
	char from[PATH_MAX], to[PATH_MAX], moved[PATH_MAX];
	int dfd, r;

	stale_setup_move("sb-dirfd", from, to, moved);
	if (mkdir(from, 0755) < 0)
		hostile_setup("mkdir %s", from);
	dfd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		hostile_setup("open %s", from);
	close(openat(dfd, "warm-up", O_RDONLY | O_CLOEXEC));
	r = stale_move(from, to, moved);
	if (r == 0)
		r = hostile_check_fd(openat(dfd, fname, O_RDONLY | O_CLOEXEC));
	hostile_result(r, "dirfd renamed: openat(dirfd, %s)", fname);
	close(dfd);
	stale_undo(from, to, moved);
}

static void variant_cwd_renamed(void)
{
	char from[PATH_MAX], to[PATH_MAX], moved[PATH_MAX];
	int st, r;
	pid_t pid;

	stale_setup_move("sb-cwd", from, to, moved);
	if (mkdir(from, 0755) < 0)
		hostile_setup("mkdir %s", from);
	if (chdir(from) < 0)
		hostile_setup("chdir %s", from);
	/* a new process: its working directory is inherited, not set by a
	 * chdir proctor would see */
	pid = fork();
	if (pid == 0) {
		close(open("warm-up", O_RDONLY | O_CLOEXEC));
		r = stale_move(from, to, moved);
		if (r == 0)
			r = hostile_open_check(fname);
		_exit(r > 0 ? 0 : r == 0 ? 100 : 100 + (-r & 0x7f));
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		hostile_setup("fork");
	if (chdir("/") < 0)
		hostile_setup("chdir /");
	r = WEXITSTATUS(st) == 0 ? 1 : WEXITSTATUS(st) == 100 ? 0 :
	    -(WEXITSTATUS(st) - 100);
	hostile_result(r, "cwd renamed: open(%s)", fname);
	stale_undo(from, to, moved);
}

static void variant_dirfd_reused(void)
{
	int dfd, fd;

	dfd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = open(fdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fd < 0)
		hostile_setup("open the directories");
	close(openat(dfd, "warm-up", O_RDONLY | O_CLOEXEC));
	if (dup3(fd, dfd, O_CLOEXEC) < 0)
		hostile_setup("dup3");
	hostile_result(hostile_check_fd(openat(dfd, fname,
					       O_RDONLY | O_CLOEXEC)),
		       "dirfd reused: openat(dirfd, %s)", fname);
	close(dfd);
	close(fd);
}

static atomic_int stale_stop;

static void *stale_chdir_loop(void *arg)
{
	(void)arg;
	while (!atomic_load(&stale_stop)) {
		if (chdir(work) < 0 || chdir(fdir) < 0)
			break;
	}
	return NULL;
}

static void variant_chdir_thread(void)
{
	double end = hostile_now() + 1.0;
	pthread_t t;
	int r = -ENOENT, last = -ENOENT;

	if (chdir(work) < 0)
		hostile_setup("chdir %s", work);
	close(open("warm-up", O_RDONLY | O_CLOEXEC));
	if (pthread_create(&t, NULL, stale_chdir_loop, NULL))
		hostile_setup("pthread_create");
	while (hostile_now() < end) {
		r = hostile_open_check(fname);
		if (r > 0)
			break;
		if (r != -ENOENT)
			last = r;
	}
	atomic_store(&stale_stop, 1);
	pthread_join(t, NULL);
	if (chdir("/") < 0)
		hostile_setup("chdir /");
	hostile_result(r > 0 ? r : last, "chdir thread: open(%s)", fname);
}

int main(int argc, char **argv)
{
	hostile_usage(argc, 3, "stale_base WORK FORBIDDEN");
	hostile_fmt(work, sizeof(work), "%s", argv[1]);
	hostile_fmt(forbidden, sizeof(forbidden), "%s", argv[2]);
	hostile_split(forbidden, fdir, fname, sizeof(fdir));

	variant_dirfd_renamed();
	variant_cwd_renamed();
	variant_dirfd_reused();
	variant_chdir_thread();
	hostile_finish("relative names from a changed directory");
}
