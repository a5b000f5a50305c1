/*
 * open_by_handle.c - open the forbidden file by file handle, without a
 * path: name_to_handle_at, then open_by_handle_at with a descriptor of an
 * allowed directory on the same file system as the mount descriptor
 * (root has CAP_DAC_READ_SEARCH).
 *
 * Usage: open_by_handle FORBIDDEN ALLOWED_DIR
 *
 * When name_to_handle_at is refused, a handle is still tried: the one
 * name_to_handle_at gives for an allowed file, with the forbidden file's
 * inode number put in (ext2/3/4 handles are inode + generation; the
 * generation is guessed as that of the allowed file). Both calls must be
 * refused (EPERM) under proctor.
 */
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	static char probe[PATH_MAX * 2];
	struct stat st;
	int mount_id, mfd, fd;

	hostile_usage(argc, 3, "open_by_handle FORBIDDEN ALLOWED_DIR");
	mfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		hostile_setup("open %s", argv[2]);
	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, argv[1], &h.fh, &mount_id, 0) < 0) {
		hostile_try(errno, "name_to_handle_at %s", argv[1]);
		/* forge one from an allowed file's handle */
		hostile_fmt(probe, sizeof(probe), "%s/.", argv[2]);
		h.fh.handle_bytes = MAX_HANDLE_SZ;
		if (name_to_handle_at(AT_FDCWD, probe, &h.fh, &mount_id, 0) < 0)
			hostile_try(errno, "name_to_handle_at %s", probe);
		if (stat(argv[1], &st) == 0 && h.fh.handle_bytes >= 4) {
			uint32_t ino = (uint32_t)st.st_ino;

			memcpy(h.fh.f_handle, &ino, sizeof(ino));
		} else {
			h.fh.handle_bytes = 8;
			h.fh.handle_type = 1;	/* FILEID_INO32_GEN */
		}
	}
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		hostile_blocked(errno, "open_by_handle_at");
	if (hostile_check_fd(fd) > 0)
		hostile_reached("open_by_handle_at read %s", argv[1]);
	hostile_blocked(ENODATA, "open_by_handle_at opened another file");
}
