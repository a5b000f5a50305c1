/*
 * hardlink_read.c - a hard link, in an allowed directory, to a file that
 * must not be read; then a read through the link, whose path the policy
 * allows. (Linking needs no access to the file's content, only to the
 * directories: root may link any file.)
 *
 * Usage: hardlink_read FORBIDDEN WORKDIR
 *
 * Variants: link(2); linkat(forbidden dir fd, NAME) with a descriptor of
 * the forbidden file's directory (listing it is allowed); rename of the
 * forbidden file into WORKDIR.
 */
#include <limits.h>
#include <stdio.h>

#include "hostile.h"

static void attempt(const char *variant, int made, const char *name)
{
	if (made < 0) {
		hostile_result(-errno, "%s: create %s", variant, name);
		return;
	}
	hostile_result(hostile_open_check(name), "%s: read %s", variant,
		       name);
}

int main(int argc, char **argv)
{
	static char dir[PATH_MAX], name[PATH_MAX];
	static char l1[PATH_MAX * 2], l2[PATH_MAX * 2], l3[PATH_MAX * 2];
	int dfd;

	hostile_usage(argc, 3, "hardlink_read FORBIDDEN WORKDIR");
	hostile_split(argv[1], dir, name, sizeof(dir));
	hostile_fmt(l1, sizeof(l1), "%s/hr-link", argv[2]);
	hostile_fmt(l2, sizeof(l2), "%s/hr-linkat", argv[2]);
	hostile_fmt(l3, sizeof(l3), "%s/hr-renamed", argv[2]);
	unlink(l1);
	unlink(l2);
	unlink(l3);

	attempt("link", link(argv[1], l1), l1);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		hostile_result(-errno, "open the directory %s", dir);
	else
		attempt("linkat(dirfd, NAME)",
			linkat(dfd, name, AT_FDCWD, l2, 0), l2);
	attempt("rename into WORKDIR", rename(argv[1], l3), l3);
	hostile_finish("links to the forbidden file");
}
