/*
 * ask_desc.c - what a pending request is, for the people who answer it
 * (ask.h: struct ask_desc): the process behind it and its ancestors up to
 * the agent (from /proc), the rule patterns that would remember it, and
 * ask_text_safe() for showing bytes that came from the agent.
 *
 * Invariants: a description is built once, before the request is
 * published, and never changes afterwards (channels read it without a
 * lock); a pattern is offered only when it compiles as a rule and
 * matches the target literally (every glob character, variable, `~`,
 * quote and blank escaped).
 *
 * Must never: trust what it reads from /proc (the agent controls its argv
 * and file names) - it is shown escaped and never interpreted.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ask.h"
#include "policy_buf.h"

#define ASK_MAX_PARENTS 16
#define ASK_CMDLINE_MAX 8192

/* ---- text for terminals ------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p and its code point; 0 if
 * invalid. */
static size_t ask_utf8(const unsigned char *p, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t n, i;
	uint32_t v;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) ||
	    v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

static bool ask_cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

void ask_text_safe(const char *s, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0;

	if (n == 0)
		return;
	while (*p) {
		char tmp[16];
		size_t tl, adv;
		uint32_t cp = 0;

		if (*p < 0x20 || *p == 0x7f) {
			tl = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			adv = 1;
		} else if (*p < 0x80) {
			tmp[0] = (char)*p;
			tl = 1;
			adv = 1;
		} else {
			adv = ask_utf8(p, &cp);
			if (adv == 0) {
				tl = (size_t)snprintf(tmp, sizeof(tmp),
						      "\\x%02x", *p);
				adv = 1;
			} else if (ask_cp_unsafe(cp)) {
				tl = (size_t)snprintf(tmp, sizeof(tmp),
						      "\\u{%x}", cp);
			} else {
				memcpy(tmp, p, adv);
				tl = adv;
			}
		}
		if (o + tl + 4 > n) {
			if (o + 4 <= n) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, tmp, tl);
		o += tl;
		p += adv;
	}
	out[o < n ? o : n - 1] = '\0';
}

/* ---- what a request is ----------------------------------------------- */

static char *ask_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Reads at most max bytes of a /proc file; *len gets the size. */
static char *ask_slurp(const char *path, size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t got = 0;
	ssize_t r;
	int fd;

	*len = 0;
	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (got < max) {
		r = read(fd, buf + got, max - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

static int ask_proc_argv(pid_t pid, char ***argvp, size_t *argcp)
{
	char path[64], *buf, **argv;
	size_t len, i, n = 0, k = 0;

	*argvp = NULL;
	*argcp = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	buf = ask_slurp(path, ASK_CMDLINE_MAX, &len);
	if (!buf)
		return -errno;
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			n++;
	if (len > 0 && buf[len - 1] != '\0')
		n++;
	argv = calloc(n + 1, sizeof(char *));
	if (!argv) {
		free(buf);
		return -ENOMEM;
	}
	for (i = 0; i < len && k < n; i += strlen(buf + i) + 1) {
		argv[k] = strdup(buf + i);
		if (!argv[k])
			break;
		k++;
	}
	free(buf);
	*argvp = argv;
	*argcp = k;
	return 0;
}

static void ask_free_argv(char **argv, size_t argc)
{
	size_t i;

	for (i = 0; argv && i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* argv joined with spaces; words with blanks or quotes in single quotes. */
static char *ask_join(char *const *argv, size_t argc)
{
	struct policy_buf b;
	size_t i;
	int ret = 0;

	policy_buf_init(&b);
	for (i = 0; i < argc && ret == 0; i++) {
		const char *w = argv[i];

		if (i)
			ret = policy_buf_addc(&b, ' ');
		if (ret == 0 && (w[0] == '\0' || strpbrk(w, " \t'\"\\$")))
			ret = policy_buf_addf(&b, "'%s'", w);
		else if (ret == 0)
			ret = policy_buf_adds(&b, w);
	}
	if (ret == 0 && !b.p)
		ret = policy_buf_adds(&b, "");
	if (ret < 0) {
		policy_buf_release(&b);
		return NULL;
	}
	return policy_buf_detach(&b);
}

static char *ask_readlink(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* Parent pid from /proc/PID/stat (0 when unknown); comm into comm. */
static pid_t ask_proc_ppid(pid_t pid, char *comm, size_t n)
{
	char path[64], *buf, *open_p, *close_p;
	size_t len;
	long ppid = 0;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	buf = ask_slurp(path, 1024, &len);
	if (!buf)
		return 0;
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');
	if (open_p && close_p && close_p > open_p) {
		size_t cl = (size_t)(close_p - open_p - 1);

		if (cl >= n)
			cl = n - 1;
		memcpy(comm, open_p + 1, cl);
		comm[cl] = '\0';
		if (sscanf(close_p + 1, " %*c %ld", &ppid) != 1)
			ppid = 0;
	}
	free(buf);
	return (pid_t)ppid;
}

static void ask_parents(pid_t self, struct ask_desc *d)
{
	char comm[64], path[64];
	pid_t p = ask_proc_ppid(d->tgid ? d->tgid : d->pid, comm,
				sizeof(comm));

	d->parents = calloc(ASK_MAX_PARENTS, sizeof(*d->parents));
	if (!d->parents)
		return;
	while (p > 1 && p != self && d->nparents < ASK_MAX_PARENTS) {
		struct ask_parent *pa = &d->parents[d->nparents];
		char **argv = NULL;
		size_t argc = 0;
		pid_t next = ask_proc_ppid(p, comm, sizeof(comm));

		pa->pid = p;
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)p);
		pa->exe = ask_readlink(path);
		if (!pa->exe)
			pa->exe = strdup(comm);
		if (ask_proc_argv(p, &argv, &argc) == 0) {
			pa->cmdline = ask_join(argv, argc);
			ask_free_argv(argv, argc);
		}
		d->nparents++;
		p = next;
	}
}

/* Appends s so that the policy reads it as one literal word (glob
 * characters, variables, `~`, quotes and blanks escaped). -EINVAL for
 * bytes no rule can hold (newline and other controls). */
static int ask_word(struct policy_buf *b, const char *s, size_t n)
{
	size_t i;
	int ret = 0;

	if (n == 0)
		return policy_buf_adds(b, "\"\"");
	for (i = 0; i < n && ret == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return -EINVAL;
		if (strchr("*?[]{}\\$~\"# ,!^", c))
			ret = policy_buf_addc(b, '\\');
		if (ret == 0)
			ret = policy_buf_addc(b, (char)c);
	}
	return ret;
}

/* Does "allow OP PATTERN" compile? */
static bool ask_pattern_ok(const struct policy_vars *vars, const char *op,
			   const char *pat)
{
	struct policy *p = NULL;
	struct policy_buf b;
	bool ok = false;

	policy_buf_init(&b);
	if (policy_buf_addf(&b, "allow %s %s\n", op, pat) < 0)
		goto out;
	if (policy_new(&p, vars) < 0)
		goto out;
	ok = policy_add_text(p, "pattern", b.p, b.len, NULL, NULL) == 0 &&
	     policy_finish(p, NULL, NULL) == 0;
out:
	policy_free(p);
	policy_buf_release(&b);
	return ok;
}

static void ask_patterns(const struct policy_vars *vars, struct ask_desc *d)
{
	struct policy_buf ex, br;
	size_t i;
	int ret = 0;

	policy_buf_init(&ex);
	policy_buf_init(&br);
	if (d->has_query && (d->op == POLICY_OP_READ ||
			     d->op == POLICY_OP_WRITE)) {
		const char *slash = strrchr(d->qpath, '/');

		ret = ask_word(&ex, d->qpath, strlen(d->qpath));
		if (ret == 0 && slash && slash != d->qpath &&
		    !((size_t)(slash - d->qpath) == strlen(vars->home) &&
		      strncmp(d->qpath, vars->home, strlen(vars->home)) == 0)) {
			if (ask_word(&br, d->qpath,
				     (size_t)(slash - d->qpath)) == 0)
				policy_buf_adds(&br, "/**");
		}
	} else if (d->has_query && d->op == POLICY_OP_EXEC &&
		   d->qpath[0] == '/') {
		ret = ask_word(&ex, d->qpath, strlen(d->qpath));
		if (ret == 0 && ask_word(&br, d->qpath,
					 strlen(d->qpath)) == 0)
			policy_buf_adds(&br, " *");
		for (i = 1; i < d->qargc && ret == 0; i++) {
			ret = policy_buf_addc(&ex, ' ');
			if (ret == 0)
				ret = ask_word(&ex, d->qargv[i],
					       strlen(d->qargv[i]));
		}
	} else if (d->op == POLICY_OP_CONNECT && d->target) {
		const char *t = d->target;
		const char *colon = strrchr(t, ':');

		if (strncmp(t, "unix:", 5) == 0) {
			ret = policy_buf_adds(&ex, "unix:");
			if (ret == 0)
				ret = ask_word(&ex, t + 5, strlen(t + 5));
		} else if (colon && d->hostname && d->hostname[0]) {
			ret = policy_buf_addf(&ex, "%s%s", d->hostname, colon);
			if (ret == 0)
				policy_buf_addf(&br, "%s:*", d->hostname);
		} else if (colon) {
			ret = policy_buf_adds(&ex, t);
			if (ret == 0)
				policy_buf_addf(&br, "%.*s:*",
						(int)(colon - t), t);
		} else {
			ret = -EINVAL;
		}
	} else {
		ret = -EINVAL;
	}
	if (ret == 0 && ex.p && ask_pattern_ok(vars, d->op_name, ex.p))
		d->exact = policy_buf_detach(&ex);
	if (d->exact && br.p && strcmp(br.p, d->exact) != 0 &&
	    ask_pattern_ok(vars, d->op_name, br.p))
		d->broader = policy_buf_detach(&br);
	policy_buf_release(&ex);
	policy_buf_release(&br);
}

struct ask_desc *ask_desc_build(const struct ask_request *rq, pid_t self,
				const struct policy_vars *vars)
{
	struct ask_desc *d = calloc(1, sizeof(*d));
	const struct policy_query *q = rq->query;
	char path[64];
	size_t i;

	if (!d)
		return NULL;
	atomic_init(&d->refs, 1);
	if (q)
		d->op = q->op;
	else if (!rq->op || policy_op_parse(rq->op, &d->op) < 0)
		d->op = 0;
	d->op_name = d->op ? policy_op_name(d->op) : "?";
	d->syscall = ask_dup(rq->syscall);
	d->requested = strdup(rq->target ? rq->target : "?");
	d->resolved = ask_dup(rq->resolved);
	d->target = d->resolved ? d->resolved : d->requested;
	d->hostname = ask_dup(rq->hostname);
	d->exe = strdup(rq->exe ? rq->exe : "?");
	d->rule = strdup(rq->rule ? rq->rule : "?");
	d->rule_text = ask_dup(rq->rule_text);
	d->backtrace = ask_dup(rq->backtrace);
	d->pid = rq->pid;
	d->tgid = rq->tgid ? rq->tgid : rq->pid;
	if (!d->syscall && rq->syscall)
		goto fail;
	if (!d->requested || !d->exe || !d->rule)
		goto fail;
	if (q && (q->op == POLICY_OP_READ || q->op == POLICY_OP_WRITE ||
		  q->op == POLICY_OP_EXEC) && q->path) {
		d->qpath = strndup(q->path, q->path_len);
		if (!d->qpath)
			goto fail;
		if (q->argc > 0 && q->argv) {
			d->qargv = calloc(q->argc + 1, sizeof(char *));
			if (!d->qargv)
				goto fail;
			for (i = 0; i < q->argc; i++) {
				d->qargv[i] = strdup(q->argv[i] ?
						     q->argv[i] : "");
				if (!d->qargv[i])
					goto fail;
				d->qargc++;
			}
		}
		d->has_query = memchr(q->path, '\0', q->path_len) == NULL;
	}
	ask_proc_argv(d->tgid, &d->argv, &d->argc);
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)d->pid);
	d->cwd = ask_readlink(path);
	ask_parents(self, d);
	ask_patterns(vars, d);
	return d;
fail:
	ask_desc_put(d);
	return NULL;
}

void ask_desc_put(const struct ask_desc *cd)
{
	struct ask_desc *d = (struct ask_desc *)cd;
	size_t i;

	if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
		return;
	free(d->syscall);
	free(d->requested);
	free(d->resolved);
	free(d->hostname);
	free(d->exe);
	free(d->rule);
	free(d->rule_text);
	free(d->backtrace);
	ask_free_argv(d->argv, d->argc);
	free(d->cwd);
	for (i = 0; d->parents && i < d->nparents; i++) {
		free(d->parents[i].exe);
		free(d->parents[i].cmdline);
	}
	free(d->parents);
	free(d->exact);
	free(d->broader);
	free(d->qpath);
	ask_free_argv(d->qargv, d->qargc);
	free(d);
}
