/*
 * udp_send_forbidden.c - addressed UDP sends to a forbidden loopback port.
 *
 * Usage: udp_send_forbidden ALLOWED_PORT FORBIDDEN_PORT
 *
 * The forbidden server answers every datagram with the marker; a variant
 * hits when the answer arrives. Variants: sendto; sendmsg with msg_name;
 * sendmmsg whose first message goes to the allowed port and second to the
 * forbidden one; sendto of an IPv4-mapped address on an AF_INET6 socket;
 * connect then send.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/uio.h>

#include "hostile.h"

static struct sockaddr_in v4(int port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

static int udp(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		hostile_setup("socket");
	return fd;
}

static void sent(const char *variant, long r, int fd)
{
	if (r < 0)
		hostile_result(-errno, "%s", variant);
	else
		hostile_result(hostile_recv_marker(fd, 1000), "%s", variant);
	close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a, f;
	struct sockaddr_in6 m;
	struct iovec iov = { .iov_base = "ping", .iov_len = 4 };
	struct msghdr mh;
	struct mmsghdr mm[2];
	int fd;

	hostile_usage(argc, 3, "udp_send_forbidden ALLOWED_PORT "
		      "FORBIDDEN_PORT");
	a = v4((int)hostile_num(argv[1]));
	f = v4((int)hostile_num(argv[2]));

	fd = udp(AF_INET);
	sent("sendto", sendto(fd, "ping", 4, 0, (struct sockaddr *)&f,
			      sizeof(f)), fd);

	fd = udp(AF_INET);
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &f;
	mh.msg_namelen = sizeof(f);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	sent("sendmsg with msg_name", sendmsg(fd, &mh, 0), fd);

	fd = udp(AF_INET);
	memset(mm, 0, sizeof(mm));
	mm[0].msg_hdr.msg_name = &a;
	mm[0].msg_hdr.msg_namelen = sizeof(a);
	mm[0].msg_hdr.msg_iov = &iov;
	mm[0].msg_hdr.msg_iovlen = 1;
	mm[1].msg_hdr = mm[0].msg_hdr;
	mm[1].msg_hdr.msg_name = &f;
	sent("sendmmsg, second message to the forbidden port",
	     sendmmsg(fd, mm, 2, 0), fd);

	fd = udp(AF_INET6);
	memset(&m, 0, sizeof(m));
	m.sin6_family = AF_INET6;
	m.sin6_port = f.sin_port;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
	sent("sendto [::ffff:127.0.0.1]", sendto(fd, "ping", 4, 0,
		(struct sockaddr *)&m, sizeof(m)), fd);

	fd = udp(AF_INET);
	if (connect(fd, (struct sockaddr *)&f, sizeof(f)) < 0)
		sent("connect, then send", -1, fd);
	else
		sent("connect, then send", send(fd, "ping", 4, 0), fd);
	hostile_finish("UDP sends to the forbidden port");
}
