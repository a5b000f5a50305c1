/*
 * connect_v4mapped.c - an IPv6 socket connecting to the IPv4-mapped
 * address [::ffff:127.0.0.1]:PORT of a forbidden IPv4 server.
 *
 * Usage: connect_v4mapped PORT
 *
 * Variants: connect; sendto(MSG_FASTOPEN), which connects a TCP socket
 * too; and connect to [::ffff:7f00:1] written with a scope id.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "hostile.h"

static void mapped(struct sockaddr_in6 *sa, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons((uint16_t)port);
	if (inet_pton(AF_INET6, "::ffff:127.0.0.1", &sa->sin6_addr) != 1)
		hostile_setup("inet_pton");
}

static int sock6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		hostile_setup("socket AF_INET6");
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 sa;
	int port, fd;

	hostile_usage(argc, 2, "connect_v4mapped PORT");
	port = (int)hostile_num(argv[1]);

	mapped(&sa, port);
	fd = sock6();
	hostile_result(hostile_connect_check(fd, &sa, sizeof(sa)),
		       "connect [::ffff:127.0.0.1]:%d", port);
	close(fd);

	fd = sock6();
	if (sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		hostile_result(-errno, "sendto MSG_FASTOPEN");
	else
		hostile_result(hostile_recv_marker(fd, 2000),
			       "sendto MSG_FASTOPEN [::ffff:127.0.0.1]:%d",
			       port);
	close(fd);

	mapped(&sa, port);
	sa.sin6_scope_id = 1;
	fd = sock6();
	hostile_result(hostile_connect_check(fd, &sa, sizeof(sa)),
		       "connect [::ffff:127.0.0.1%%1]:%d", port);
	close(fd);
	hostile_finish("IPv4-mapped connects to the forbidden server");
}
