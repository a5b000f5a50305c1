/*
 * mount_escape.c - as root, make the forbidden file visible under an
 * allowed name with the mount family, chroot or pivot_root, then read it.
 *
 * Usage: mount_escape MODE ALLOWED_DIR FORBIDDEN
 *
 * MODE (one per test):
 *   bind        mount(MS_BIND) of the forbidden directory on ALLOWED_DIR/mnt
 *   open_tree   open_tree(OPEN_TREE_CLONE) of the forbidden directory, then
 *               openat(tree, NAME): a detached mount has no path
 *   move_mount  open_tree(CLONE) then move_mount onto ALLOWED_DIR/mnt
 *   fsopen      fsopen("tmpfs") (reached: not refused)
 *   umount      umount2 of ALLOWED_DIR (reached: refused with anything but
 *               EPERM, i.e. the kernel looked at it: EINVAL, not a mount)
 *   chroot      chroot(forbidden dir), then open("/NAME")
 *   pivot_root  bind the forbidden dir on itself, pivot_root(".", "."),
 *               then open("/NAME") (outside a private mount namespace,
 *               only a pivot_root that the kernel would refuse: ENOENT)
 *
 * To leave the machine alone when the attack works, the program first
 * tries to enter a private mount namespace (unshare(CLONE_NEWNS), refused
 * under proctor: the attack then runs where it is, and must be refused).
 */
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "hostile.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

static char dir[PATH_MAX], name[PATH_MAX], mnt[PATH_MAX * 2];
static char p[PATH_MAX * 3];

static void read_at(const char *path, const char *how)
{
	int r = hostile_open_check(path);

	if (r > 0)
		hostile_reached("%s: read the forbidden file as %s", how, path);
	hostile_blocked(r == 0 ? ENODATA : -r, "%s: open %s", how, path);
}

int main(int argc, char **argv)
{
	const char *mode;
	int private_ns = 0, fd, tree;

	hostile_usage(argc, 4, "mount_escape MODE ALLOWED_DIR FORBIDDEN");
	mode = argv[1];
	hostile_split(argv[3], dir, name, sizeof(dir));
	hostile_fmt(mnt, sizeof(mnt), "%s/mnt", argv[2]);
	mkdir(mnt, 0755);
	if (unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		private_ns = 1;
	printf("NOTE private mount namespace: %s\n", private_ns ? "yes" : "no");

	if (strcmp(mode, "bind") == 0) {
		if (mount(dir, mnt, NULL, MS_BIND, NULL) < 0)
			hostile_blocked(errno, "mount --bind %s %s", dir, mnt);
		hostile_fmt(p, sizeof(p), "%s/%s", mnt, name);
		read_at(p, "bind mount");
	}
	if (strcmp(mode, "open_tree") == 0) {
		tree = (int)syscall(SYS_open_tree, AT_FDCWD, dir,
				    OPEN_TREE_CLONE | O_CLOEXEC);
		if (tree < 0)
			hostile_blocked(errno, "open_tree %s", dir);
		fd = openat(tree, name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			hostile_blocked(errno, "openat(tree, %s)", name);
		if (hostile_check_fd(fd) > 0)
			hostile_reached("read the forbidden file through a "
					"detached mount");
		hostile_blocked(ENODATA, "no marker");
	}
	if (strcmp(mode, "move_mount") == 0) {
		tree = (int)syscall(SYS_open_tree, AT_FDCWD, dir,
				    OPEN_TREE_CLONE | O_CLOEXEC);
		if (tree < 0)
			hostile_blocked(errno, "open_tree %s", dir);
		if (syscall(SYS_move_mount, tree, "", AT_FDCWD, mnt,
			    MOVE_MOUNT_F_EMPTY_PATH) < 0)
			hostile_blocked(errno, "move_mount onto %s", mnt);
		hostile_fmt(p, sizeof(p), "%s/%s", mnt, name);
		read_at(p, "move_mount");
	}
	if (strcmp(mode, "fsopen") == 0) {
		fd = (int)syscall(SYS_fsopen, "tmpfs", 0);
		if (fd < 0)
			hostile_blocked(errno, "fsopen tmpfs");
		hostile_reached("fsopen(tmpfs) gave a file system context");
	}
	if (strcmp(mode, "umount") == 0) {
		if (umount2(argv[2], 0) == 0 || errno != EPERM)
			hostile_reached("umount2(%s) reached the kernel (%s)",
					argv[2], hostile_errname(errno));
		hostile_blocked(errno, "umount2 %s", argv[2]);
	}
	if (strcmp(mode, "chroot") == 0) {
		if (chroot(dir) < 0)
			hostile_blocked(errno, "chroot %s", dir);
		if (chdir("/") < 0)
			hostile_setup("chdir /");
		hostile_fmt(p, sizeof(p), "/%s", name);
		read_at(p, "chroot");
	}
	if (strcmp(mode, "pivot_root") == 0) {
		if (!private_ns) {
			/* never pivot the machine's own root: a call that
			 * fails in the kernel (ENOENT) if the filter lets it
			 * through, EPERM if the filter refuses it */
			if (syscall(SYS_pivot_root, "/proctor-no-such-dir",
				    "/proctor-no-such-dir") < 0 &&
			    errno == EPERM)
				hostile_blocked(errno, "pivot_root");
			hostile_reached("pivot_root reached the kernel (%s)",
					hostile_errname(errno));
		}
		if (mount(dir, dir, NULL, MS_BIND, NULL) < 0)
			hostile_try(errno, "mount --bind %s on itself", dir);
		if (chdir(dir) < 0)
			hostile_setup("chdir %s", dir);
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			hostile_blocked(errno, "pivot_root(., .)");
		umount2(".", MNT_DETACH);
		if (chdir("/") < 0)
			hostile_setup("chdir /");
		hostile_fmt(p, sizeof(p), "/%s", name);
		read_at(p, "pivot_root");
	}
	hostile_setup("unknown mode %s", mode);
}
