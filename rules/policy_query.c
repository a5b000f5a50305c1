/*
 * policy_query.c - text to struct policy_query (policy_query.h).
 *
 * Strict: a query that would not mean exactly one thing (a relative path,
 * an IPv6 address without brackets, a port range) is an error rather than a
 * guess, since `proctor policy eval` is how users check what the policy
 * will do.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_expand.h"
#include "policy_net.h"
#include "policy_query.h"

void policy_qtext_init(struct policy_qtext *qt)
{
	memset(qt, 0, sizeof(*qt));
	policy_buf_init(&qt->target);
}

void policy_qtext_release(struct policy_qtext *qt)
{
	size_t i;

	for (i = 0; i < qt->argc; i++)
		free(qt->argv[i]);
	free(qt->argv);
	policy_buf_release(&qt->target);
	policy_qtext_init(qt);
}

static int query_expand(const struct policy_vars *vars, const char *s,
			size_t len, int tilde, struct policy_buf *out,
			struct policy_err *err)
{
	policy_buf_reset(out);
	if (policy_buf_reserve(out, 0) < 0)
		return -ENOMEM;
	return policy_expand(vars, s, len, POLICY_EXPAND_TARGET, tilde, out,
			     NULL, err);
}

static int query_inet(struct policy_qtext *qt, const char *s, size_t len,
		      struct policy_err *err)
{
	struct policy_net_target *t = &qt->q.net;
	const char *host = s, *port;
	size_t hlen;
	int ret;

	t->kind = POLICY_NET_INET;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close || (size_t)(close - s) + 1 >= len ||
		    close[1] != ':')
			return policy_err_at(err, 0, "expected [IPV6]:PORT");
		host = s + 1;
		hlen = (size_t)(close - host);
		port = close + 2;
		if (policy_net_parse_ipv6(host, hlen, t->addr) < 0)
			return policy_err_at(err, 1, "bad IPv6 address");
	} else {
		const char *colon = memrchr(s, ':', len);

		if (!colon)
			return policy_err_at(err, 0, "expected HOST:PORT, "
					     "[IPV6]:PORT, unix:PATH or "
					     "unix:@NAME");
		hlen = (size_t)(colon - s);
		port = colon + 1;
		if (memchr(s, ':', hlen))
			return policy_err_at(err, 0, "write IPv6 addresses in "
					     "brackets, e.g. [::1]:22");
		if (policy_net_parse_ipv4(host, hlen, t->addr) < 0) {
			if (!policy_net_hostname_ok(host, hlen) ||
			    hlen >= sizeof(qt->host))
				return policy_err_at(err, 0, "bad host name or "
						     "IPv4 address");
			memcpy(qt->host, host, hlen);
			qt->host[hlen] = '\0';
			qt->hosts[0] = qt->host;
			t->hostnames = qt->hosts;
			t->n_hostnames = 1;
		}
	}
	ret = policy_net_parse_port(port, len - (size_t)(port - s), &t->port,
				    &t->port, 0, err);
	if (ret < 0)
		err->off += (size_t)(port - s);
	return ret;
}

static int query_connect(struct policy_qtext *qt,
			 const struct policy_vars *vars, const char *s,
			 size_t len, struct policy_err *err)
{
	struct policy_net_target *t = &qt->q.net;
	int ret;

	if (len < 5 || memcmp(s, "unix:", 5) != 0) {
		ret = query_expand(vars, s, len, 0, &qt->target, err);
		if (ret < 0)
			return ret;
		return query_inet(qt, qt->target.p, qt->target.len, err);
	}
	if (len > 5 && s[5] == '@') {
		ret = query_expand(vars, s + 6, len - 6, 0, &qt->target, err);
		if (ret == -EINVAL)
			err->off += 6;
		if (ret < 0)
			return ret;
		if (qt->target.len == 0)
			return policy_err_at(err, 6, "empty abstract socket "
					     "name");
		t->kind = POLICY_NET_UNIX_ABSTRACT;
	} else {
		ret = query_expand(vars, s + 5, len - 5, 1, &qt->target, err);
		if (ret == -EINVAL)
			err->off += 5;
		if (ret < 0)
			return ret;
		if (qt->target.len == 0 || qt->target.p[0] != '/')
			return policy_err_at(err, 5, "unix socket path must "
					     "be absolute");
		t->kind = POLICY_NET_UNIX_PATH;
	}
	t->unix_name = qt->target.p;
	t->unix_len = qt->target.len;
	return 0;
}

static int query_exec(struct policy_qtext *qt, const struct policy_vars *vars,
		      const char *const *words, const size_t *lens, size_t n,
		      size_t *bad, struct policy_err *err)
{
	struct policy_buf b;
	size_t i;
	int ret = 0;

	qt->argv = calloc(n + 1, sizeof(*qt->argv));
	if (!qt->argv)
		return -ENOMEM;
	policy_buf_init(&b);
	for (i = 0; i < n; i++) {
		size_t len = lens ? lens[i] : strlen(words[i]);

		policy_buf_reset(&b);
		ret = policy_buf_reserve(&b, 0);
		if (ret == 0)
			ret = policy_expand(vars, words[i], len,
					    POLICY_EXPAND_TARGET, 1, &b, NULL,
					    err);
		if (ret < 0) {
			*bad = i;
			break;
		}
		qt->argv[i] = policy_buf_detach(&b);
		if (!qt->argv[i]) {
			ret = -ENOMEM;
			break;
		}
		qt->argc = i + 1;
	}
	policy_buf_release(&b);
	if (ret < 0)
		return ret;
	qt->q.path = qt->argv[0];
	qt->q.path_len = strlen(qt->argv[0]);
	qt->q.argv = (const char *const *)qt->argv;
	qt->q.argc = qt->argc;
	return 0;
}

int policy_qtext_parse(struct policy_qtext *qt, const struct policy_vars *vars,
		       const char *op, const char *const *words,
		       const size_t *lens, size_t n, size_t *bad,
		       struct policy_err *err)
{
	enum policy_op o;
	size_t len;
	int ret;

	*bad = SIZE_MAX;
	if (policy_op_parse(op, &o) < 0)
		return policy_err_at(err, 0, "unknown operation (expected "
				     "read, write, exec or connect)");
	qt->q.op = o;
	*bad = n;
	if (n == 0)
		return policy_err_at(err, 0, "missing target after '%s'", op);
	if (o == POLICY_OP_EXEC)
		return query_exec(qt, vars, words, lens, n, bad, err);
	*bad = 1;
	if (n > 1)
		return policy_err_at(err, 0, "unexpected word after the "
				     "target (only exec takes arguments)");
	*bad = 0;
	len = lens ? lens[0] : strlen(words[0]);
	if (o == POLICY_OP_CONNECT)
		return query_connect(qt, vars, words[0], len, err);
	ret = query_expand(vars, words[0], len, 1, &qt->target, err);
	if (ret < 0)
		return ret;
	if (qt->target.len == 0 || qt->target.p[0] != '/')
		return policy_err_at(err, 0, "the path must be absolute (it "
				     "may start with ~ or ${CWD})");
	qt->q.path = qt->target.p;
	qt->q.path_len = qt->target.len;
	return 0;
}
