/*
 * static_open_connect.c - a statically linked program (test_security.py
 * builds it with gcc -static as static_open_connect.static): no dynamic
 * loader, so no preloaded library can see its calls; only the kernel's
 * filter can. Opens the forbidden file and connects to a forbidden port.
 *
 * Usage: static_open_connect FORBIDDEN PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/syscall.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	int fd;

	hostile_usage(argc, 3, "static_open_connect FORBIDDEN PORT");
	hostile_try_open("open", argv[1]);
	hostile_result(hostile_check_fd((int)syscall(SYS_openat, AT_FDCWD,
						     argv[1], O_RDONLY)),
		       "raw openat %s", argv[1]);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)hostile_num(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		hostile_setup("socket");
	hostile_result(hostile_connect_check(fd, &sa, sizeof(sa)),
		       "connect 127.0.0.1:%s", argv[2]);
	close(fd);
	hostile_finish("static binary: forbidden file and port");
}
