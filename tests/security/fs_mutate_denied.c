/*
 * fs_mutate_denied.c - every path-based way of changing a file the policy
 * forbids writing, other than open: each variant is one system call.
 *
 * Usage: fs_mutate_denied FILE WORKDIR
 *
 * Variants (in an order that keeps FILE in place as long as possible):
 * truncate, chmod, fchmodat, chown, utimensat, setxattr, removexattr (of
 * an xattr set natively just before), creat (O_TRUNC), symlink over
 * (renaming a symlink over FILE), rename of a WORKDIR file over FILE,
 * rename of FILE into WORKDIR, unlink. A variant hits when the call
 * succeeds; the native run restores FILE between variants.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "hostile.h"

static const char *file;
static char spare[PATH_MAX * 2], link_tmp[PATH_MAX * 2];
static char away[PATH_MAX * 2];

static void restore(void)
{
	int fd;

	if (access(file, F_OK) == 0)
		return;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, "restored\n", 9) < 0)
			hostile_setup("restore %s", file);
		close(fd);
	}
}

static void judge(const char *variant, long r)
{
	hostile_result(r == 0 ? 1 : -errno, "%s %s", variant, file);
	restore();
}

int main(int argc, char **argv)
{
	struct timespec ts[2] = { { 0, 0 }, { 0, 0 } };
	int fd;

	hostile_usage(argc, 3, "fs_mutate_denied FILE WORKDIR");
	file = argv[1];
	hostile_fmt(spare, sizeof(spare), "%s/fm-spare", argv[2]);
	hostile_fmt(link_tmp, sizeof(link_tmp), "%s/fm-symlink", argv[2]);
	hostile_fmt(away, sizeof(away), "%s/fm-away", argv[2]);

	judge("truncate", truncate(file, 0));
	judge("chmod", chmod(file, 0666));
	judge("fchmodat", fchmodat(AT_FDCWD, file, 0644, 0));
	judge("chown", chown(file, 1, 1));
	judge("utimensat", utimensat(AT_FDCWD, file, ts, 0));
	judge("setxattr", setxattr(file, "user.hostile", "1", 1, 0));
	judge("removexattr", removexattr(file, "user.hostile"));
	fd = creat(file, 0644);
	judge("creat", fd < 0 ? -1 : close(fd));

	unlink(link_tmp);
	if (symlink("/etc/hostname", link_tmp) < 0)
		hostile_setup("symlink %s", link_tmp);
	judge("rename a symlink over", rename(link_tmp, file));

	fd = open(spare, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		hostile_setup("create %s", spare);
	close(fd);
	judge("rename WORKDIR file over", rename(spare, file));
	judge("rename away into WORKDIR", rename(file, away));
	judge("unlink", unlink(file));
	hostile_finish("changes to the write-denied file");
}
