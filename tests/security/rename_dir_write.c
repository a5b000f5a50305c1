/*
 * rename_dir_write.c - the policy forbids writing DIR/NAME; rename DIR (or
 * exchange it) to a new name in an allowed directory, then write NAME at
 * the new place.
 *
 * Usage: rename_dir_write DIR NAME NEWDIR
 *
 * Variants, each on its own: rename(DIR, NEWDIR); renameat2(RENAME_EXCHANGE)
 * of DIR with an empty directory NEWDIR.x. After each variant the file is
 * written at the new place (O_WRONLY|O_APPEND); it hits when the write went
 * through. The directory is put back between variants when possible.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "hostile.h"

static const char payload[] = "\nHOSTILE-WRITE-AFTER-RENAME\n";

static int write_at(const char *dir, const char *name)
{
	static char p[PATH_MAX * 2];
	int fd;
	ssize_t n;

	hostile_fmt(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, payload, sizeof(payload) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	return n > 0;
}

int main(int argc, char **argv)
{
	static char x[PATH_MAX * 2];
	const char *dir, *name, *newdir;

	hostile_usage(argc, 4, "rename_dir_write DIR NAME NEWDIR");
	dir = argv[1];
	name = argv[2];
	newdir = argv[3];

	if (rename(dir, newdir) < 0) {
		hostile_result(-errno, "rename %s %s", dir, newdir);
	} else {
		hostile_result(write_at(newdir, name),
			       "rename, then write %s/%s", newdir, name);
		if (rename(newdir, dir) < 0)
			hostile_result(-errno, "rename back");
	}

	hostile_fmt(x, sizeof(x), "%s.x", newdir);
	rmdir(x);
	if (mkdir(x, 0755) < 0)
		hostile_setup("mkdir %s", x);
	if (renameat2(AT_FDCWD, dir, AT_FDCWD, x, RENAME_EXCHANGE) < 0)
		hostile_result(-errno, "exchange %s %s", dir, x);
	else {
		hostile_result(write_at(x, name), "exchange, then write %s/%s",
			       x, name);
		renameat2(AT_FDCWD, dir, AT_FDCWD, x, RENAME_EXCHANGE);
	}
	hostile_finish("renames of the protected file's directory");
}
