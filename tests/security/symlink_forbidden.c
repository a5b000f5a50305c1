/*
 * symlink_forbidden.c - symlinks in an allowed directory that point at the
 * forbidden file; open the links.
 *
 * Usage: symlink_forbidden FORBIDDEN WORKDIR
 *
 * Variants: an absolute link, a relative link climbing to the root, a
 * chain of two links, a link to the forbidden file's directory followed by
 * the file's name, and the link's relative name from a cwd in WORKDIR.
 */
#include <limits.h>

#include "hostile.h"

#define BIG (PATH_MAX * 3)

static void mklink(const char *target, const char *dir, const char *name,
		   char *out, size_t n)
{
	snprintf(out, n, "%s/%s", dir, name);
	unlink(out);
	if (symlink(target, out) < 0)
		hostile_setup("symlink %s -> %s", out, target);
}

int main(int argc, char **argv)
{
	static char l1[BIG], l2[BIG], l3[BIG], l4[BIG], p[BIG];
	static char fdir[PATH_MAX], fname[PATH_MAX], rel[BIG];
	const char *forbidden, *work;

	hostile_usage(argc, 3, "symlink_forbidden FORBIDDEN WORKDIR");
	forbidden = argv[1];
	work = argv[2];
	hostile_split(forbidden, fdir, fname, sizeof(fdir));

	mklink(forbidden, work, "abs-link", l1, sizeof(l1));
	hostile_try_open("absolute symlink", l1);

	hostile_fmt(rel, sizeof(rel), "../../../../../../../../../..%s",
		 forbidden);
	mklink(rel, work, "rel-link", l2, sizeof(l2));
	hostile_try_open("relative symlink", l2);

	mklink(l1, work, "chain-link", l3, sizeof(l3));
	hostile_try_open("symlink chain", l3);

	mklink(fdir, work, "dir-link", l4, sizeof(l4));
	hostile_fmt(p, sizeof(p), "%s/%s", l4, fname);
	hostile_try_open("symlink to the directory", p);

	if (chdir(work) < 0)
		hostile_setup("chdir %s", work);
	hostile_try_open("relative name of the link", "abs-link");
	hostile_finish("symlinks to the forbidden file");
}
