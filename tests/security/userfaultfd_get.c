/*
 * userfaultfd_get.c - obtain a userfaultfd, with which the agent could
 * stall the supervisor's reads of its memory (a path left on a page that
 * faults forever).
 *
 * Usage: userfaultfd_get MODE
 *
 * MODE: syscall  userfaultfd(2), without UFFD_USER_MODE_ONLY (root)
 *       devnode  open /dev/userfaultfd and USERFAULTFD_IOC_NEW (6.1+),
 *                no userfaultfd(2) system call at all
 * Reached when a working descriptor is obtained (UFFDIO_API succeeds).
 */
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "hostile.h"

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd, dev;

	hostile_usage(argc, 2, "userfaultfd_get syscall|devnode");
	if (strcmp(argv[1], "syscall") == 0) {
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			hostile_blocked(errno, "userfaultfd(2)");
	} else if (strcmp(argv[1], "devnode") == 0) {
		dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
		if (dev < 0)
			hostile_blocked(errno, "open /dev/userfaultfd");
		fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			hostile_blocked(errno, "USERFAULTFD_IOC_NEW");
	} else {
		hostile_setup("unknown mode %s", argv[1]);
	}
	if (ioctl(fd, UFFDIO_API, &api) < 0)
		hostile_blocked(errno, "UFFDIO_API");
	hostile_reached("a userfaultfd (%s), features %#llx", argv[1],
			(unsigned long long)api.features);
}
