/*
 * proc_fd_dir.c - a directory descriptor opened on an allowed directory,
 * then a path through its magic link to the forbidden file:
 * /proc/self/fd/N/REL, /dev/fd/N/REL, /proc/thread-self/fd/N/REL.
 * Also a descriptor on the forbidden file's directory itself (opening a
 * directory is not reading the files in it): openat(dirfd, NAME) and
 * /proc/self/fd/M/NAME; and an O_PATH descriptor of the file itself
 * re-opened through /proc/self/fd/K.
 *
 * Usage: proc_fd_dir ALLOWED_DIR FORBIDDEN REL
 */
#include <limits.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	static char p[PATH_MAX * 2], dir[PATH_MAX], name[PATH_MAX];
	int dfd, ffd, pfd;

	hostile_usage(argc, 4, "proc_fd_dir ALLOWED_DIR FORBIDDEN REL");
	hostile_split(argv[2], dir, name, sizeof(dir));

	dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		hostile_setup("open %s", argv[1]);
	hostile_fmt(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, argv[3]);
	hostile_try_open("/proc/self/fd/N of the allowed dir", p);
	hostile_fmt(p, sizeof(p), "/dev/fd/%d/%s", dfd, argv[3]);
	hostile_try_open("/dev/fd/N of the allowed dir", p);
	hostile_fmt(p, sizeof(p), "/proc/thread-self/fd/%d/%s", dfd, argv[3]);
	hostile_try_open("/proc/thread-self/fd/N of the allowed dir", p);

	ffd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ffd < 0)
		ffd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ffd >= 0) {
		hostile_result(hostile_check_fd(openat(ffd, name,
						       O_RDONLY | O_CLOEXEC)),
			       "openat(forbidden dir fd, %s)", name);
		hostile_fmt(p, sizeof(p), "/proc/self/fd/%d/%s", ffd, name);
		hostile_try_open("/proc/self/fd/M of the forbidden dir", p);
	} else {
		hostile_result(-errno, "open the forbidden dir %s", dir);
	}
	pfd = open(argv[2], O_PATH | O_CLOEXEC);
	if (pfd >= 0) {
		hostile_fmt(p, sizeof(p), "/proc/self/fd/%d", pfd);
		hostile_try_open("re-open an O_PATH descriptor of the file", p);
	} else {
		hostile_result(-errno, "O_PATH open %s", argv[2]);
	}
	hostile_finish("/proc/self/fd paths to the forbidden file");
}
