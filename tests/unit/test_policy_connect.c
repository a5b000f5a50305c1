/*
 * test_policy_connect.c - connect rules: IPv4, IPv6, IPv4-mapped targets,
 * CIDR, ports and ranges, host name candidates, pathname and abstract
 * unix sockets.
 */
#include <arpa/inet.h>

#include "test_policy_util.h"

struct net_q {
	struct policy_query q;
	struct policy_result r;
};

/* addr is an IPv4 or IPv6 literal, or "" for "no address". */
static unsigned tp_inet(const struct policy *p, const char *addr,
			uint16_t port, const char *const *names, int *hidx)
{
	struct net_q n;
	uint8_t a4[4];

	memset(&n, 0, sizeof(n));
	n.q.op = POLICY_OP_CONNECT;
	n.q.net.kind = POLICY_NET_INET;
	n.q.net.port = port;
	if (inet_pton(AF_INET, addr, a4) == 1) {
		n.q.net.addr[10] = 0xff;
		n.q.net.addr[11] = 0xff;
		memcpy(n.q.net.addr + 12, a4, 4);
	} else if (*addr) {
		assert_int_equal(inet_pton(AF_INET6, addr, n.q.net.addr), 1);
	}
	n.q.net.hostnames = names;
	while (names && names[n.q.net.n_hostnames])
		n.q.net.n_hostnames++;
	policy_eval(p, &n.q, &n.r);
	if (hidx)
		*hidx = n.r.hostname_index;
	return n.r.rule ? policy_rule_line(n.r.rule) : 0;
}

static unsigned tp_unix(const struct policy *p, enum policy_net_kind kind,
			const char *name, size_t len)
{
	struct net_q n;

	memset(&n, 0, sizeof(n));
	n.q.op = POLICY_OP_CONNECT;
	n.q.net.kind = kind;
	n.q.net.unix_name = name;
	n.q.net.unix_len = len;
	policy_eval(p, &n.q, &n.r);
	return n.r.rule ? policy_rule_line(n.r.rule) : 0;
}

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_connect_ipv4(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("allow connect 10.0.0.0/8:*\n"		/* 1 */
		    "deny connect 10.1.2.3:22\n"		/* 2 */
		    "ask connect 10.1.2.0/24:8000-8099\n"	/* 3 */
		    "allow connect 0.0.0.0/0:7\n"		/* 4 */
		    "allow connect 192.168.1.1/32:443\n");	/* 5 */
	assert_int_equal(tp_inet(p, "10.9.9.9", 1, NULL, NULL), 1);
	assert_int_equal(tp_inet(p, "11.0.0.1", 1, NULL, NULL), 0);
	assert_int_equal(tp_inet(p, "10.1.2.3", 22, NULL, NULL), 2);
	assert_int_equal(tp_inet(p, "10.1.2.3", 23, NULL, NULL), 1);
	assert_int_equal(tp_inet(p, "10.1.2.200", 8000, NULL, NULL), 3);
	assert_int_equal(tp_inet(p, "10.1.2.200", 8099, NULL, NULL), 3);
	assert_int_equal(tp_inet(p, "10.1.2.200", 8100, NULL, NULL), 1);
	assert_int_equal(tp_inet(p, "10.1.3.200", 8050, NULL, NULL), 1);
	assert_int_equal(tp_inet(p, "8.8.8.8", 7, NULL, NULL), 4);
	assert_int_equal(tp_inet(p, "192.168.1.1", 443, NULL, NULL), 5);
	assert_int_equal(tp_inet(p, "192.168.1.2", 443, NULL, NULL), 0);
	/* IPv4-mapped IPv6 targets are the IPv4 address. */
	assert_int_equal(tp_inet(p, "::ffff:10.1.2.3", 22, NULL, NULL), 2);
	assert_int_equal(tp_inet(p, "::ffff:192.168.1.1", 443, NULL, NULL),
			 5);
	/* A real IPv6 address never matches an IPv4 rule. */
	assert_int_equal(tp_inet(p, "::a01:203", 22, NULL, NULL), 0);
	assert_int_equal(tp_inet(p, "fd00::1", 7, NULL, NULL), 0);
	policy_free(p);
}

static void test_connect_ipv6(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("allow connect [::1]:*\n"			/* 1 */
		    "deny connect [fd00::/8]:443\n"		/* 2 */
		    "ask connect [2001:db8::/32]:1-1023\n"	/* 3 */
		    "allow connect [::ffff:10.0.0.0/104]:80\n"	/* 4 */
		    "deny connect [fd00:ec2::254]:*\n");		/* 5 */
	assert_int_equal(tp_inet(p, "::1", 22, NULL, NULL), 1);
	assert_int_equal(tp_inet(p, "::2", 22, NULL, NULL), 0);
	assert_int_equal(tp_inet(p, "fd12:3456::1", 443, NULL, NULL), 2);
	assert_int_equal(tp_inet(p, "fe80::1", 443, NULL, NULL), 0);
	assert_int_equal(tp_inet(p, "2001:db8:1::5", 1023, NULL, NULL), 3);
	assert_int_equal(tp_inet(p, "2001:db8:1::5", 1024, NULL, NULL), 0);
	/* A mapped IPv6 rule covers the IPv4 addresses. */
	assert_int_equal(tp_inet(p, "10.2.3.4", 80, NULL, NULL), 4);
	assert_int_equal(tp_inet(p, "fd00:ec2::254", 80, NULL, NULL), 5);
	/* IPv4 127.0.0.1 is not [::1]. */
	assert_int_equal(tp_inet(p, "127.0.0.1", 22, NULL, NULL), 0);
	policy_free(p);
}

static void test_connect_any_host(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("ask connect *:*\nallow connect *:53\n");
	assert_int_equal(tp_inet(p, "1.2.3.4", 443, NULL, NULL), 1);
	assert_int_equal(tp_inet(p, "1.2.3.4", 53, NULL, NULL), 2);
	assert_int_equal(tp_inet(p, "2001:db8::1", 53, NULL, NULL), 2);
	/* `*` also covers a query that has only a host name. */
	assert_int_equal(tp_inet(p, "", 443, NAMES("example.com"), NULL), 1);
	policy_free(p);
}

static void test_connect_hostnames(void **state)
{
	struct policy *p;
	int h;

	(void)state;
	p = tp_load("ask connect *:*\n"				/* 1 */
		    "allow connect *.example.com:443\n"		/* 2 */
		    "deny connect GitHub.com:22\n"		/* 3 */
		    "allow connect {pypi.org,files.*.org}:443\n"	/* 4 */
		    "allow connect example.org.:80\n"		/* 5 */
		    "deny connect 0.0.0.0/0:* [::/0]:*\n"	/* 6 */
		    "allow connect api.github.com:443\n");	/* 7 */
	/* Address targets: the address rule (6) wins over earlier names. */
	assert_int_equal(tp_inet(p, "1.2.3.4", 443, NAMES("a.example.com"),
				 &h), 6);
	assert_int_equal(h, -1);
	policy_free(p);
	p = tp_load("ask connect *:*\n"				/* 1 */
		    "allow connect *.example.com:443\n"		/* 2 */
		    "deny connect GitHub.com:22\n"		/* 3 */
		    "allow connect {pypi.org,files.*.org}:443\n"	/* 4 */
		    "allow connect example.org.:80\n");		/* 5 */
	/* `*.example.com`: any subdomain at any depth, not the domain. */
	assert_int_equal(tp_inet(p, "1.2.3.4", 443, NAMES("a.example.com"),
				 &h), 2);
	assert_int_equal(h, 0);
	assert_int_equal(tp_inet(p, "1.2.3.4", 443,
				 NAMES("x.y.z.example.com"), &h), 2);
	assert_int_equal(tp_inet(p, "1.2.3.4", 443, NAMES("example.com"),
				 &h), 1);
	assert_int_equal(h, -1);
	assert_int_equal(tp_inet(p, "1.2.3.4", 443, NAMES("badexample.com"),
				 NULL), 1);
	/* Case-insensitive, the index of the matching candidate. */
	assert_int_equal(tp_inet(p, "1.2.3.4", 22,
				 NAMES("other.net", "GITHUB.COM"), &h), 3);
	assert_int_equal(h, 1);
	assert_int_equal(tp_inet(p, "1.2.3.4", 443,
				 NAMES("files.pythonhosted.org"), &h), 4);
	/* Trailing dots on either side. */
	assert_int_equal(tp_inet(p, "1.2.3.4", 80, NAMES("example.org"), &h),
			 5);
	assert_int_equal(tp_inet(p, "1.2.3.4", 22, NAMES("github.com."), &h),
			 3);
	/* No candidate names: host rules cannot match. */
	assert_int_equal(tp_inet(p, "1.2.3.4", 22, NULL, &h), 1);
	/* A name-only query (no address). */
	assert_int_equal(tp_inet(p, "", 22, NAMES("github.com"), &h), 3);
	policy_free(p);
	/* Address rules never match a query without an address. */
	p = tp_load("allow connect 0.0.0.0/0:* [::/0]:*\n");
	assert_int_equal(tp_inet(p, "", 443, NAMES("github.com"), NULL), 0);
	assert_int_equal(tp_inet(p, "::", 443, NULL, NULL), 0);
	assert_int_equal(tp_inet(p, "0.0.0.0", 443, NULL, NULL), 1);
	policy_free(p);
}

static void test_connect_hostnames_edge(void **state)
{
	struct policy *p;
	const char *names[] = { NULL, "", "a.example.com", NULL };
	char longname[400];
	int h;

	(void)state;
	p = tp_load("allow connect *.example.com:*\n");
	/* NULL and empty candidates are skipped. */
	assert_int_equal(tp_inet(p, "1.2.3.4", 1, names + 1, &h), 1);
	assert_int_equal(h, 1);
	/* More candidates than the index looks up: still every one. */
	{
		const char *many[] = { "n0.org", "n1.org", "n2.org", "n3.org",
				       "n4.org", "n5.org", "n6.org", "n7.org",
				       "n8.org", "N9.Example.COM.", NULL };

		assert_int_equal(tp_inet(p, "1.2.3.4", 1, many, &h), 1);
		assert_int_equal(h, 9);
		many[9] = "nope.net";
		assert_int_equal(tp_inet(p, "1.2.3.4", 1, many, &h), 0);
		assert_int_equal(h, -1);
	}
	memset(longname, 'a', sizeof(longname) - 13);
	memcpy(longname + sizeof(longname) - 13, ".example.com", 13);
	assert_int_equal(tp_inet(p, "1.2.3.4", 1, NAMES(longname), &h), 0);
	policy_free(p);
}

static void test_connect_unix(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("ask connect unix:/** unix:@*\n"		/* 1 */
		    "deny connect unix:/run/docker.sock\n"	/* 2 */
		    "allow connect unix:/run/user/*/bus\n"	/* 3 */
		    "allow connect unix:~/.gnupg/S.*\n"	/* 4 */
		    "allow connect unix:@/tmp/.X11-unix/*\n"	/* 5 */
		    "deny connect unix:@docker?sock\n");	/* 6 */
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_PATH, "/run/docker.sock",
				 16), 2);
	/* The name ends at its first NUL (sun_path padding). */
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_PATH,
				 "/run/docker.sock\0\0\0", 19), 2);
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_PATH,
				 "/run/user/1000/bus", 18), 3);
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_PATH,
				 "/run/user/1000/x/bus", 20), 1);
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_PATH,
				 "/home/u/.gnupg/S.gpg-agent", 26), 4);
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_PATH, "rel", 3), 0);
	/* Abstract names: `*` crosses '/', bytes may include NUL. */
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_ABSTRACT,
				 "/tmp/.X11-unix/X0", 17), 5);
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_ABSTRACT,
				 "/tmp/.X11-unix/a/b", 18), 5);
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_ABSTRACT,
				 "docker\0sock", 11), 6);
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_ABSTRACT, "other", 5), 1);
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_ABSTRACT, NULL, 0), 1);
	/* Path rules do not match abstract names and the other way round. */
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_ABSTRACT,
				 "/run/docker.sock", 16), 1);
	policy_free(p);
	p = tp_load("allow connect unix:@*\n");
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_PATH, "/x", 2), 0);
	policy_free(p);
}

static void test_connect_bad_query(void **state)
{
	struct policy *p;
	struct net_q n;

	(void)state;
	p = tp_load("default allow\n");
	memset(&n, 0, sizeof(n));
	n.q.op = POLICY_OP_CONNECT;
	n.q.net.kind = 99;
	policy_eval(p, &n.q, &n.r);
	assert_int_equal(n.r.decision, POLICY_DENY);
	/* Other ops' rules never match a connect. */
	policy_free(p);
	p = tp_load("allow read,write /**\nallow exec * *\n");
	assert_int_equal(tp_unix(p, POLICY_NET_UNIX_PATH, "/x", 2), 0);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_ipv4),
		cmocka_unit_test(test_connect_ipv6),
		cmocka_unit_test(test_connect_any_host),
		cmocka_unit_test(test_connect_hostnames),
		cmocka_unit_test(test_connect_hostnames_edge),
		cmocka_unit_test(test_connect_unix),
		cmocka_unit_test(test_connect_bad_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
