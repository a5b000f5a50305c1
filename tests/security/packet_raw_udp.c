/*
 * packet_raw_udp.c - a UDP datagram to a forbidden loopback port built by
 * hand and written on an AF_PACKET socket bound to lo (root has
 * CAP_NET_RAW). write(2) on a bound packet socket carries no address, so
 * no connect/sendto is ever made.
 *
 * Usage: packet_raw_udp FORBIDDEN_PORT
 *
 * The forbidden server listens on [::1] and answers with the marker; the
 * answer goes back over lo, where the same packet socket sees it.
 * Variants: write on a bound SOCK_RAW packet socket; sendto with a
 * sockaddr_ll.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>

#include "hostile.h"

static uint16_t csum(const void *p, size_t n)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; n > 1; n -= 2)
		s += *w++;
	if (n)
		s += *(const uint8_t *)w;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Build an Ethernet + IPv6 + UDP frame [::1]:40999 -> [::1]:port. (IPv4
 * would not do: a frame from 127.0.0.1 that did not come from the local
 * stack is a martian; IPv6 accepts ::1 on lo.) */
static size_t frame(unsigned char *buf, int port)
{
	struct ether_header *eh = (struct ether_header *)buf;
	struct ip6_hdr *ip = (struct ip6_hdr *)(buf + sizeof(*eh));
	struct udphdr *uh = (struct udphdr *)(ip + 1);
	unsigned char pseudo[40 + 8 + 4];
	uint32_t ulen = htonl(sizeof(*uh) + 4);

	memset(buf, 0, 128);
	eh->ether_type = htons(ETHERTYPE_IPV6);
	ip->ip6_flow = htonl(6u << 28);
	ip->ip6_plen = htons((uint16_t)(sizeof(*uh) + 4));
	ip->ip6_nxt = IPPROTO_UDP;
	ip->ip6_hlim = 64;
	ip->ip6_src = in6addr_loopback;
	ip->ip6_dst = in6addr_loopback;
	uh->source = htons(40999);
	uh->dest = htons((uint16_t)port);
	uh->len = htons((uint16_t)(sizeof(*uh) + 4));
	memcpy(uh + 1, "ping", 4);
	/* pseudo header: src, dst, length, zeros, next header; then UDP */
	memset(pseudo, 0, sizeof(pseudo));
	memcpy(pseudo, &ip->ip6_src, 16);
	memcpy(pseudo + 16, &ip->ip6_dst, 16);
	memcpy(pseudo + 32, &ulen, 4);
	pseudo[39] = IPPROTO_UDP;
	memcpy(pseudo + 40, uh, sizeof(*uh) + 4);
	uh->check = csum(pseudo, sizeof(pseudo));
	if (!uh->check)
		uh->check = 0xffff;
	return sizeof(*eh) + sizeof(*ip) + sizeof(*uh) + 4;
}

static void attempt(const char *variant, int port, int use_sendto)
{
	struct sockaddr_ll ll;
	unsigned char buf[128];
	size_t n = frame(buf, port);
	long r;
	int fd;

	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = (int)if_nametoindex("lo");
	ll.sll_halen = ETH_ALEN;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		hostile_result(-errno, "%s: socket AF_PACKET", variant);
		return;
	}
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		hostile_result(-errno, "%s: bind to lo", variant);
		close(fd);
		return;
	}
	if (use_sendto)
		r = sendto(fd, buf, n, 0, (struct sockaddr *)&ll, sizeof(ll));
	else
		r = write(fd, buf, n);
	if (r < 0)
		hostile_result(-errno, "%s", variant);
	else
		hostile_result(hostile_recv_marker(fd, 1000), "%s", variant);
	close(fd);
}

int main(int argc, char **argv)
{
	int port;

	hostile_usage(argc, 2, "packet_raw_udp FORBIDDEN_PORT");
	port = (int)hostile_num(argv[1]);
	attempt("write on a bound AF_PACKET socket", port, 0);
	attempt("sendto sockaddr_ll", port, 1);
	hostile_finish("raw frames to the forbidden port");
}
