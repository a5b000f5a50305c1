/*
 * unix_abstract.c - connect to a forbidden abstract unix socket.
 *
 * Usage: unix_abstract NAME [exact|padded]   (default: both)
 *
 * Variants: the exact address length (@NAME); the full sizeof(struct
 * sockaddr_un), which to the kernel is another abstract name, NAME padded
 * with NULs - the way some runtimes bind their sockets; the test listens
 * on both and the policy denies unix:@NAME.
 */
#include <stddef.h>
#include <sys/un.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	socklen_t len;
	size_t n;
	int fd;

	hostile_usage(argc, 2, "unix_abstract NAME");
	n = strlen(argv[1]);
	if (n + 1 > sizeof(sa.sun_path))
		hostile_setup("name too long");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, argv[1], n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);

	if (argc < 3 || strcmp(argv[2], "exact") == 0) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			hostile_setup("socket");
		hostile_result(hostile_connect_check(fd, &sa, len),
			       "connect @%s", argv[1]);
		close(fd);
	}
	if (argc > 2 && strcmp(argv[2], "padded") != 0)
		hostile_finish("connects to the forbidden abstract socket");

	len = sizeof(sa);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		hostile_setup("socket");
	hostile_result(hostile_connect_check(fd, &sa, len),
		       "connect @%s padded with NULs to sizeof(sockaddr_un)",
		       argv[1]);
	close(fd);
	hostile_finish("connects to the forbidden abstract socket");
}
