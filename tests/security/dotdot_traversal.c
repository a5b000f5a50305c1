/*
 * dotdot_traversal.c - `..` out of an allowed directory into the forbidden
 * one.
 *
 * Usage: dotdot_traversal ALLOWED_DIR FORBIDDEN REL
 *
 * REL is the forbidden file's name relative to ALLOWED_DIR
 * (../forbidden/secret). Variants: ALLOWED_DIR/REL, a long ../../.. climb
 * to the root followed by the absolute name, openat(ALLOWED_DIR fd, REL),
 * and REL from a cwd inside ALLOWED_DIR.
 */
#include <limits.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	static char p[PATH_MAX * 3];
	int dfd;

	hostile_usage(argc, 4, "dotdot_traversal ALLOWED_DIR FORBIDDEN REL");
	hostile_fmt(p, sizeof(p), "%s/%s", argv[1], argv[3]);
	hostile_try_open("ALLOWED/REL", p);

	hostile_fmt(p, sizeof(p), "%s/./../../../../../../../../../../..%s",
		 argv[1], argv[2]);
	hostile_try_open("climb to / and down", p);

	dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		hostile_setup("open %s", argv[1]);
	hostile_result(hostile_check_fd(openat(dfd, argv[3],
					       O_RDONLY | O_CLOEXEC)),
		       "openat(ALLOWED_DIR fd, %s)", argv[3]);

	if (chdir(argv[1]) < 0)
		hostile_setup("chdir %s", argv[1]);
	hostile_try_open("relative from a cwd in ALLOWED_DIR", argv[3]);
	hostile_finish(".. paths to the forbidden file");
}
