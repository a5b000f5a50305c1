/*
 * policy_net.c - compiling and matching connect patterns (policy_net.h).
 *
 * The compiler refuses anything ambiguous rather than guessing: an IPv6
 * address without brackets, an IPv4 address with a glob (`10.0.0.*` would
 * otherwise silently be a host name pattern that no address matches), a
 * CIDR with host bits set, a port outside 0-65535.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "policy_net.h"

static const uint8_t net_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int net_digits(const char *s, size_t len, unsigned long max,
		      unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int policy_net_parse_port(const char *s, size_t len, uint16_t *lo,
			  uint16_t *hi, int allow_range,
			  struct policy_err *err)
{
	const char *dash;
	unsigned long a, b;
	char show[POLICY_ERR_SHOW * 4 + 8];

	policy_err_show(s, len, show, sizeof(show));
	if (len == 0)
		return policy_err_at(err, 0, "missing port after ':' "
				     "(write '*' for any port)");
	if (allow_range && len == 1 && s[0] == '*') {
		*lo = 0;
		*hi = 65535;
		return 0;
	}
	dash = allow_range ? memchr(s, '-', len) : NULL;
	if (dash) {
		size_t n1 = (size_t)(dash - s);

		if (net_digits(s, n1, 65535, &a) < 0 ||
		    net_digits(dash + 1, len - n1 - 1, 65535, &b) < 0)
			return policy_err_at(err, 0, "bad port range '%s' "
					     "(expected FIRST-LAST, 0-65535)",
					     show);
		if (b < a)
			return policy_err_at(err, 0, "bad port range '%s': "
					     "the last port is below the "
					     "first", show);
	} else {
		if (net_digits(s, len, 65535, &a) < 0)
			return policy_err_at(err, 0, "bad port '%s' (expected "
					     "a number 0-65535%s)", show,
					     allow_range ? ", a range or '*'"
							 : "");
		b = a;
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int policy_net_parse_ipv4(const char *s, size_t len, uint8_t addr[16])
{
	char tmp[INET_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memcpy(addr, net_mapped_prefix, 12);
	if (inet_pton(AF_INET, tmp, addr + 12) != 1)
		return -EINVAL;
	return 0;
}

int policy_net_parse_ipv6(const char *s, size_t len, uint8_t addr[16])
{
	char tmp[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET6, tmp, addr) != 1)
		return -EINVAL;
	return 0;
}

bool policy_net_hostname_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

/* Parses ADDR[/PREFIX] (v6: inside the brackets) into np. */
static int net_compile_addr(const char *s, size_t len, int v6,
			    struct policy_netpat *np, size_t base,
			    struct policy_err *err)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	unsigned long bits = v6 ? 128 : 32;
	char show[POLICY_ERR_SHOW * 4 + 8];
	uint32_t b;
	int ret;

	policy_err_show(s, len, show, sizeof(show));
	ret = v6 ? policy_net_parse_ipv6(s, alen, np->addr)
		 : policy_net_parse_ipv4(s, alen, np->addr);
	if (ret < 0)
		return policy_err_at(err, base, "bad %s address '%s'",
				     v6 ? "IPv6" : "IPv4", show);
	if (slash) {
		size_t plen = len - alen - 1;

		if (net_digits(slash + 1, plen, v6 ? 128 : 32, &bits) < 0 ||
		    plen > 3)
			return policy_err_at(err, base + alen + 1,
					     "bad CIDR prefix length in '%s' "
					     "(0-%d)", show, v6 ? 128 : 32);
	}
	np->kind = POLICY_NETPAT_ADDR;
	np->prefix = (uint32_t)bits + (v6 ? 0 : 96);
	for (b = np->prefix; b < 128; b++) {
		if (np->addr[b / 8] & (0x80u >> (b % 8)))
			return policy_err_at(err, base,
					     "CIDR '%s' has bits set after the "
					     "first %lu (the network address "
					     "must end in zero bits)", show,
					     bits);
	}
	return 0;
}

static int net_compile_globs(struct policy_arena *a, const char *s,
			     size_t len, enum policy_glob_mode mode,
			     struct policy_netpat *np, size_t base,
			     struct policy_err *err)
{
	struct policy_glob_alts alts;
	struct policy_glob *g;
	size_t i;
	int ret;

	ret = policy_glob_check(s, len, mode, err);
	if (ret < 0)
		goto fix;
	ret = policy_glob_braces(s, len, &alts, err);
	if (ret < 0)
		goto fix;
	g = policy_arena_alloc(a, alts.n * sizeof(*g));
	if (!g) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < alts.n; i++) {
		size_t n = alts.len[i];

		if (mode == POLICY_GLOB_HOST && n > 1 && alts.s[i][n - 1] == '.'
		    && alts.s[i][n - 2] != '\\')
			n--;	/* "example.com." is "example.com" */
		if (mode != POLICY_GLOB_PATH && n == 0) {
			ret = policy_err_at(err, 0, "empty %s in braces",
					    mode == POLICY_GLOB_HOST ?
					    "host name" : "socket name");
			goto out;
		}
		if (mode == POLICY_GLOB_PATH &&
		    (n == 0 || alts.s[i][0] != '/')) {
			ret = policy_err_at(err, 0,
				"unix socket pattern must be an absolute path "
				"(unix:/PATH) or an abstract name "
				"(unix:@NAME)");
			goto out;
		}
		ret = policy_glob_compile(a, alts.s[i], n, mode, &g[i], err);
		if (ret < 0) {
			if (alts.n > 1)
				err->off = 0;
			goto out;
		}
	}
	np->glob = g;
	np->nglob = alts.n;
out:
	policy_glob_alts_release(&alts);
fix:
	if (ret == -EINVAL)
		err->off += base;
	return ret;
}

static int net_host_chars(const char *s, size_t len, struct policy_err *err)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.*?[]{},!^\\", c))
			continue;
		if (c >= 0x80)
			return policy_err_at(err, i, "host name patterns must "
					     "be ASCII (write IDN names in "
					     "punycode, xn--...)");
		return policy_err_at(err, i, "invalid character in host "
				     "name pattern");
	}
	return 0;
}

static int net_looks_ipv4(const char *s, size_t len)
{
	size_t i, digits = 0;

	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (!strchr("./*?[]-{},!^", s[i]))
			return 0;
	}
	return digits > 0;
}

static int net_compile_inet(struct policy_arena *a, const char *s,
			    size_t len, struct policy_netpat *np,
			    struct policy_err *err)
{
	const char *host = s, *port;
	size_t hlen, plen;
	char show[POLICY_ERR_SHOW * 4 + 8];
	int ret;

	policy_err_show(s, len, show, sizeof(show));
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close)
			return policy_err_at(err, 0, "unclosed '[' in IPv6 "
					     "address");
		host = s + 1;
		hlen = (size_t)(close - host);
		if ((size_t)(close - s) + 1 >= len ||
		    close[1] != ':')
			return policy_err_at(err, (size_t)(close - s) + 1,
					     "missing ':PORT' after ']' "
					     "(write [ADDR]:* for any port)");
		port = close + 2;
	} else {
		const char *colon = memrchr(s, ':', len);

		if (!colon)
			return policy_err_at(err, 0, "missing ':PORT' in "
					     "'%s' (write HOST:* for any port)",
					     show);
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen))
			return policy_err_at(err, 0, "IPv6 addresses must be "
					     "written in brackets, e.g. "
					     "[::1]:22");
		port = colon + 1;
	}
	plen = len - (size_t)(port - s);
	ret = policy_net_parse_port(port, plen, &np->port_lo, &np->port_hi,
				    1, err);
	if (ret < 0) {
		err->off += (size_t)(port - s);
		return ret;
	}
	if (hlen == 0)
		return policy_err_at(err, 0, "missing host before ':' "
				     "(write *:PORT for any host)");
	if (host != s)
		return net_compile_addr(host, hlen, 1, np, 1, err);
	if (hlen == 1 && host[0] == '*') {
		np->kind = POLICY_NETPAT_ANY;
		return 0;
	}
	if (net_looks_ipv4(host, hlen)) {
		if (memchr(host, '*', hlen) || memchr(host, '?', hlen) ||
		    memchr(host, '[', hlen) || memchr(host, '{', hlen))
			return policy_err_at(err, 0, "'%.*s' looks like an "
					     "IPv4 address with a wildcard; "
					     "use a CIDR such as 10.0.0.0/8",
					     (int)hlen, host);
		return net_compile_addr(host, hlen, 0, np, 0, err);
	}
	ret = net_host_chars(host, hlen, err);
	if (ret < 0)
		return ret;
	np->kind = POLICY_NETPAT_HOST;
	return net_compile_globs(a, host, hlen, POLICY_GLOB_HOST, np, 0, err);
}

int policy_netpat_compile(struct policy_arena *a, const char *s, size_t len,
			  struct policy_netpat *np, struct policy_err *err)
{
	memset(np, 0, sizeof(*np));
	np->text = policy_arena_strndup(a, s, len);
	if (!np->text)
		return -ENOMEM;
	if (len >= 5 && memcmp(s, "unix:", 5) == 0) {
		if (len >= 6 && s[5] == '@') {
			if (len == 6)
				return policy_err_at(err, 5, "empty abstract "
						     "socket name after "
						     "'unix:@'");
			np->kind = POLICY_NETPAT_ABSTRACT;
			return net_compile_globs(a, s + 6, len - 6,
						 POLICY_GLOB_TEXT, np, 6, err);
		}
		if (len == 5)
			return policy_err_at(err, 5, "empty socket path after "
					     "'unix:'");
		np->kind = POLICY_NETPAT_UNIX;
		return net_compile_globs(a, s + 5, len - 5, POLICY_GLOB_PATH,
					 np, 5, err);
	}
	return net_compile_inet(a, s, len, np, err);
}

static bool net_prefix_eq(const uint8_t *a, const uint8_t *b, uint32_t bits)
{
	uint32_t full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00u >> rest);

		return (a[full] & mask) == (b[full] & mask);
	}
	return true;
}

bool policy_netpat_match_inet(const struct policy_netpat *np,
			      const struct policy_net_target *t,
			      bool no_addr, const char *const *names,
			      const size_t *lens, size_t n, int *hidx)
{
	size_t i, k;

	*hidx = -1;
	if (t->port < np->port_lo || t->port > np->port_hi)
		return false;
	switch (np->kind) {
	case POLICY_NETPAT_ANY:
		return true;
	case POLICY_NETPAT_ADDR:
		return !no_addr && net_prefix_eq(np->addr, t->addr, np->prefix);
	case POLICY_NETPAT_HOST:
		for (i = 0; i < n; i++) {
			if (!names[i])
				continue;
			for (k = 0; k < np->nglob; k++) {
				if (policy_glob_seg_match(&np->glob[k].seg[0],
					(const unsigned char *)names[i],
					lens[i])) {
					*hidx = (int)i;
					return true;
				}
			}
		}
		return false;
	default:
		return false;
	}
}
