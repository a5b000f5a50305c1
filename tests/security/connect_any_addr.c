/*
 * connect_any_addr.c - names of a forbidden 127.0.0.1 server that are not
 * "127.0.0.1": the any address, which the kernel sends to the local host,
 * in IPv4 and as IPv4-mapped IPv6.
 *
 * Usage: connect_any_addr PORT
 *
 * Variants: connect 0.0.0.0:PORT; connect [::ffff:0.0.0.0]:PORT;
 * sendto(MSG_FASTOPEN) 0.0.0.0:PORT.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct sockaddr_in6 s6;
	int port, fd;

	hostile_usage(argc, 2, "connect_any_addr PORT");
	port = (int)hostile_num(argv[1]);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		hostile_setup("socket");
	hostile_result(hostile_connect_check(fd, &sa, sizeof(sa)),
		       "connect 0.0.0.0:%d", port);
	close(fd);

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, "::ffff:0.0.0.0", &s6.sin6_addr);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		hostile_setup("socket");
	hostile_result(hostile_connect_check(fd, &s6, sizeof(s6)),
		       "connect [::ffff:0.0.0.0]:%d", port);
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		hostile_setup("socket");
	if (sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		hostile_result(-errno, "sendto MSG_FASTOPEN 0.0.0.0:%d", port);
	else
		hostile_result(hostile_recv_marker(fd, 2000),
			       "sendto MSG_FASTOPEN 0.0.0.0:%d", port);
	close(fd);
	hostile_finish("any-address connects to the forbidden server");
}
