/*
 * hardlink_write.c - a hard link, in an allowed directory, to a file that
 * must not be written (a write-denied file, or proctor's own audit
 * database); then a write through the link.
 *
 * Usage: hardlink_write TARGET WORKDIR
 *
 * Variants: link(2); linkat(AT_SYMLINK_FOLLOW) of /proc/self/fd/N where N
 * is a read-only descriptor of TARGET; linkat(N, "", AT_EMPTY_PATH). Each
 * new name is opened O_WRONLY|O_APPEND and written; a variant hits when
 * the write went through (test_security.py also checks TARGET's content).
 */
#include <limits.h>

#include "hostile.h"

static const char payload[] = "\nHOSTILE-WRITE-THROUGH-HARDLINK\n";

static int write_through(const char *name)
{
	int fd = open(name, O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, payload, sizeof(payload) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	return n > 0;
}

static void attempt(const char *variant, int linked, const char *name)
{
	if (linked < 0) {
		hostile_result(-errno, "%s: create %s", variant, name);
		return;
	}
	hostile_result(write_through(name), "%s: write through %s", variant,
		       name);
}

int main(int argc, char **argv)
{
	static char l1[PATH_MAX * 2], l2[PATH_MAX * 2], l3[PATH_MAX * 2];
	char proc[64];
	int pfd;

	hostile_usage(argc, 3, "hardlink_write TARGET WORKDIR");
	hostile_fmt(l1, sizeof(l1), "%s/hl-link", argv[2]);
	hostile_fmt(l2, sizeof(l2), "%s/hl-linkat-proc", argv[2]);
	hostile_fmt(l3, sizeof(l3), "%s/hl-linkat-empty", argv[2]);
	unlink(l1);
	unlink(l2);
	unlink(l3);

	attempt("link", link(argv[1], l1), l1);

	/* read-only: reading is allowed, writing is what is protected */
	pfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (pfd < 0) {
		hostile_result(-errno, "open %s", argv[1]);
		hostile_finish("hard links to the protected file");
	}
	hostile_fmt(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	attempt("linkat /proc/self/fd/N",
		linkat(AT_FDCWD, proc, AT_FDCWD, l2, AT_SYMLINK_FOLLOW), l2);
	attempt("linkat AT_EMPTY_PATH",
		linkat(pfd, "", AT_FDCWD, l3, AT_EMPTY_PATH), l3);
	hostile_finish("hard links to the protected file");
}
