/*
 * policy_net.h - connect patterns: HOST:PORT, unix:PATHGLOB, unix:@NAMEGLOB.
 *
 * HOST is `*` (any destination), an IPv4 address or CIDR (`10.0.0.0/8`), a
 * bracketed IPv6 address or CIDR (`[::1]`, `[fd00::/8]`), or a host name
 * glob (`*.example.com`, case-insensitive). PORT is a number, a range
 * `8000-8099` or `*`. IPv4 patterns are stored as IPv4-mapped IPv6
 * (::ffff:0:0/96 plus the prefix), like the targets in struct
 * policy_net_target, so one comparison serves both families.
 *
 * An all-zero target address means "no address" (a host name query): only
 * `*` and host name patterns can match it.
 *
 * Ownership: compiled patterns live in the arena given to the compiler.
 */
#ifndef PROCTOR_POLICY_NET_H
#define PROCTOR_POLICY_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "policy_arena.h"
#include "policy_err.h"
#include "policy_glob.h"

enum policy_netpat_kind {
	POLICY_NETPAT_ANY,		/* `*:PORT` */
	POLICY_NETPAT_ADDR,		/* address or CIDR */
	POLICY_NETPAT_HOST,		/* host name glob */
	POLICY_NETPAT_UNIX,		/* unix:PATHGLOB */
	POLICY_NETPAT_ABSTRACT,		/* unix:@NAMEGLOB */
};

struct policy_netpat {
	uint32_t kind;
	uint32_t prefix;		/* ADDR: bits that must be equal */
	uint16_t port_lo;
	uint16_t port_hi;
	uint8_t addr[16];
	size_t nglob;			/* HOST, UNIX, ABSTRACT alternatives */
	const struct policy_glob *glob;
	const char *text;		/* the pattern as compiled */
};

/* Compiles an expanded connect word. Returns 0, -EINVAL (err->off into s)
 * or -ENOMEM. */
int policy_netpat_compile(struct policy_arena *a, const char *s, size_t len,
			  struct policy_netpat *np, struct policy_err *err);

/*
 * Matches an INET target. names/lens: the query's candidate host names,
 * already lower-cased and without a trailing dot (NULL entries skipped).
 * On a match by host name, *hidx is the index of the name, else -1.
 */
bool policy_netpat_match_inet(const struct policy_netpat *np,
			      const struct policy_net_target *t,
			      bool no_addr, const char *const *names,
			      const size_t *lens, size_t n, int *hidx);

/* Parsers shared with the query parser. Each returns 0 or -EINVAL. */
int policy_net_parse_port(const char *s, size_t len, uint16_t *lo,
			  uint16_t *hi, int allow_range,
			  struct policy_err *err);
/* a.b.c.d into the mapped form; 0 or -EINVAL. */
int policy_net_parse_ipv4(const char *s, size_t len, uint8_t addr[16]);
int policy_net_parse_ipv6(const char *s, size_t len, uint8_t addr[16]);
/* A host name (no wildcard): letters, digits, '-', '_' and '.' only. */
bool policy_net_hostname_ok(const char *s, size_t len);

#endif
