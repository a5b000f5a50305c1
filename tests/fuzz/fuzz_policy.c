/*
 * fuzz_policy.c - libFuzzer target for the policy parser and matcher.
 *
 * Input: policy text, optionally followed by a line "%%" and query lines
 * "OP TARGET [ARG...]" (as for `proctor policy eval`). For each input that
 * loads, the target checks three oracles, and aborts when one disagrees:
 *  1. policy_eval() equals a brute-force scan of every rule from the last
 *     to the first (the index, trie walk and merge must not change a
 *     decision);
 *  2. the text of policy_show(), loaded again, decides every query the
 *     same way (show prints an equivalent policy);
 *  3. globs without `**` match like fnmatch(3);
 *  4. nothing crashes or leaks (ASan, UBSan).
 * Queries come from the input and from the rules' own patterns, so the
 * matcher sees paths that nearly match.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"
#include "policy_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_QUERIES 256

static char *const fuzz_environ[] = {
	"FOO=bar", "GLOBBY=a*b[c]{d,e}", "EMPTY=", "HOME=/home/u", NULL
};

static const struct policy_vars fuzz_vars = {
	.home = "/home/u", .cwd = "/work", .environ = fuzz_environ,
};

static const char *const fuzz_fixed[] = {
	"read /", "read /etc/passwd", "read /home/u/.ssh/id_rsa",
	"write /work/src/a.c", "write /tmp/x/y/z", "read /work/.env",
	"exec /usr/bin/git push origin main", "exec /usr/bin/rm -rf /",
	"exec memfd:x", "exec /bin/sh", "exec /work/a b c d e f g h",
	"connect 10.1.2.3:443", "connect [::1]:22", "connect github.com:443",
	"connect a.b.example.com:80", "connect unix:/run/docker.sock",
	"connect unix:@abstract", "connect [::ffff:127.0.0.1]:53",
};

static void fuzz_diag(void *ctx, enum policy_diag_severity sev,
		      const char *file, unsigned line, unsigned col,
		      const char *msg)
{
	(void)ctx;
	(void)sev;
	(void)file;
	(void)line;
	(void)col;
	/* Messages must be printable: they reach terminals. */
	for (; *msg; msg++) {
		if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
			abort();
	}
}

static struct policy *fuzz_load(const char *text, size_t len)
{
	struct policy *p = NULL;

	if (policy_new(&p, &fuzz_vars) < 0)
		return NULL;
	if (policy_add_text(p, "fuzz", text, len, fuzz_diag, NULL) < 0 ||
	    policy_finish(p, fuzz_diag, NULL) < 0) {
		policy_free(p);
		return NULL;
	}
	return p;
}

/* ---- brute force ---------------------------------------------------- */

static bool bf_args(const struct policy_rule *r, const struct policy_query *q)
{
	size_t n = q->argc > 0 ? q->argc - 1 : 0, i, k;

	if (r->tail ? n < r->nargs : n != r->nargs)
		return false;
	for (i = 0; i < r->nargs; i++) {
		const char *a = q->argv[1 + i] ? q->argv[1 + i] : "";
		bool ok = false;

		for (k = 0; k < r->args[i].nalt; k++)
			ok |= policy_glob_match(&r->args[i].alt[k], a,
						strlen(a));
		if (!ok)
			return false;
	}
	return true;
}

static bool bf_rule(const struct policy_rule *r, const struct policy_query *q)
{
	size_t i, k;

	if (!(r->ops & q->op))
		return false;
	if (q->op == POLICY_OP_READ || q->op == POLICY_OP_WRITE) {
		for (i = 0; i < r->npath; i++) {
			if (policy_glob_match(&r->path[i], q->path,
					      q->path_len))
				return true;
		}
		return false;
	}
	if (q->op == POLICY_OP_EXEC) {
		const char *base;

		if (q->path_len == 0 || q->path[0] != '/')
			return false;
		base = strrchr(q->path, '/') + 1;
		for (i = 0; i < r->nprog; i++) {
			const struct policy_glob *g = &r->prog[i];
			bool m = g->mode == POLICY_GLOB_PATH ?
				 policy_glob_match(g, q->path, q->path_len) :
				 (*base && policy_glob_match(g, base,
							    strlen(base)));

			if (m && bf_args(r, q))
				return true;
		}
		return false;
	}
	for (i = 0; i < r->nnet; i++) {
		const struct policy_netpat *np = &r->net[i];
		const struct policy_net_target *t = &q->net;

		if (t->kind == POLICY_NET_UNIX_PATH &&
		    np->kind == POLICY_NETPAT_UNIX) {
			for (k = 0; k < np->nglob; k++) {
				if (policy_glob_match(&np->glob[k],
					t->unix_name, strnlen(t->unix_name,
							      t->unix_len)))
					return true;
			}
		} else if (t->kind == POLICY_NET_UNIX_ABSTRACT &&
			   np->kind == POLICY_NETPAT_ABSTRACT) {
			for (k = 0; k < np->nglob; k++) {
				if (policy_glob_match(&np->glob[k],
						t->unix_name, t->unix_len))
					return true;
			}
		} else if (t->kind == POLICY_NET_INET &&
			   np->kind != POLICY_NETPAT_UNIX &&
			   np->kind != POLICY_NETPAT_ABSTRACT) {
			static const uint8_t zero[16];
			char low[256];
			const char *names[1] = { low };
			size_t lens[1] = { 0 }, j;
			int h;

			if (t->n_hostnames) {
				const char *s = t->hostnames[0];

				lens[0] = strlen(s);
				if (lens[0] && s[lens[0] - 1] == '.')
					lens[0]--;
				for (j = 0; j < lens[0] && j < 255; j++)
					low[j] = (char)((s[j] >= 'A' &&
							 s[j] <= 'Z') ?
							s[j] + 32 : s[j]);
				low[j] = '\0';
			}
			if (policy_netpat_match_inet(np, t,
				memcmp(t->addr, zero, 16) == 0, names, lens,
				t->n_hostnames ? 1 : 0, &h))
				return true;
		}
	}
	return false;
}

static const struct policy_rule *bf_eval(const struct policy *p,
					 const struct policy_query *q)
{
	size_t i;

	for (i = p->nrules; i-- > 0;) {
		if (bf_rule(p->rules[i], q))
			return p->rules[i];
	}
	return NULL;
}

/* ---- queries -------------------------------------------------------- */

struct fuzz_queries {
	struct policy_qtext q[FUZZ_MAX_QUERIES];
	size_t n;
};

static void fuzz_add_words(struct fuzz_queries *fq, const char *op,
			   const char *const *words, const size_t *lens,
			   size_t n)
{
	struct policy_err err;
	size_t bad;

	if (fq->n == FUZZ_MAX_QUERIES)
		return;
	policy_qtext_init(&fq->q[fq->n]);
	if (policy_qtext_parse(&fq->q[fq->n], &fuzz_vars, op, words, lens, n,
			       &bad, &err) < 0) {
		policy_qtext_release(&fq->q[fq->n]);
		return;
	}
	fq->n++;
}

static void fuzz_add_line(struct fuzz_queries *fq, const char *line,
			  size_t len)
{
	struct policy_lex lx;
	struct policy_err err;
	const char *words[64];
	size_t lens[64], i;

	policy_lex_init(&lx);
	if (policy_lex_line(&lx, line, len, &err) == 0 && lx.n >= 2 &&
	    lx.n <= 65) {
		for (i = 1; i < lx.n; i++) {
			words[i - 1] = lx.w[i].s;
			lens[i - 1] = lx.w[i].len;
		}
		fuzz_add_words(fq, lx.w[0].s, words, lens, lx.n - 1);
	}
	policy_lex_release(&lx);
}

/* Queries made of the rules' own expanded words. */
static void fuzz_add_from_rules(struct fuzz_queries *fq,
				const struct policy *p)
{
	static const char *const ops[] = { "read", "write", "exec",
					   "connect" };
	size_t i, k, o;

	for (i = 0; i < p->nrules && i < 32; i++) {
		const struct policy_rule *r = p->rules[i];
		const char *words[16];
		size_t lens[16], n = 0;

		for (k = 0; k < r->nwords && n < 16; k++) {
			words[n] = r->words[k].exp;
			lens[n++] = r->words[k].exp_len;
		}
		for (o = 0; o < 4 && n; o++)
			fuzz_add_words(fq, ops[o], words, lens,
				       o == 2 ? n : 1);
		for (k = 0; k < r->npath; k++) {
			words[0] = r->path[k].text;
			lens[0] = r->path[k].text_len;
			fuzz_add_words(fq, "read", words, lens, 1);
		}
	}
}

/*
 * Oracle 3: for globs without `**` and braces (compiled alternatives have
 * none), the matcher agrees with fnmatch(3) - FNM_PATHNAME for paths,
 * plain for arguments - in the C locale.
 */
static void fuzz_fnmatch(const struct policy *p, const struct policy_query *q)
{
	size_t i, k;

	for (i = 0; i < p->nrules && i < 16; i++) {
		const struct policy_rule *r = p->rules[i];

		for (k = 0; k < r->npath && k < 8; k++) {
			const struct policy_glob *g = &r->path[k];
			bool mine, theirs;

			if (strstr(g->text, "**") || !q->path ||
			    strlen(q->path) != q->path_len)
				continue;
			mine = policy_glob_match(g, q->path, q->path_len);
			theirs = fnmatch(g->text, q->path, FNM_PATHNAME) == 0;
			if (mine != theirs) {
				fprintf(stderr, "glob '%s' path '%s': %d, "
					"fnmatch %d\n", g->text, q->path,
					mine, theirs);
				abort();
			}
		}
		for (k = 0; k < r->nargs && q->argc > 1; k++) {
			const struct policy_glob *g = &r->args[k].alt[0];
			const char *a = q->argv[1] ? q->argv[1] : "";

			if (policy_glob_match(g, a, strlen(a)) !=
			    (fnmatch(g->text, a, 0) == 0)) {
				fprintf(stderr, "glob '%s' arg '%s'\n",
					g->text, a);
				abort();
			}
		}
	}
}

static void fuzz_check(const struct policy *p, const struct policy *q2,
		       const struct policy_query *q)
{
	struct policy_result a, b;
	const struct policy_rule *bf;

	fuzz_fnmatch(p, q);
	policy_eval(p, q, &a);
	bf = bf_eval(p, q);
	if (a.rule != bf) {
		fprintf(stderr, "index and brute force disagree: %s vs %s\n",
			a.rule ? a.rule->text : "default",
			bf ? bf->text : "default");
		abort();
	}
	if (a.decision != (bf ? bf->decision : p->def))
		abort();
	if (q2) {
		policy_eval(q2, q, &b);
		if (a.decision != b.decision || !a.rule != !b.rule ||
		    (a.rule && strcmp(a.rule->text, b.rule->text) != 0)) {
			fprintf(stderr, "show round trip differs: %s vs %s\n",
				a.rule ? a.rule->text : "default",
				b.rule ? b.rule->text : "default");
			abort();
		}
	}
}

static int fuzz_host(void *ctx, const char *host)
{
	(void)ctx;
	return host[0] == '\0' ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_queries fq;
	const char *text = (const char *)data, *sep;
	size_t plen = size, i, pos;
	struct policy *p, *p2 = NULL;
	char *shown;

	sep = memmem(text, size, "\n%%\n", 4);
	if (sep)
		plen = (size_t)(sep - text) + 1;
	p = fuzz_load(text, plen);
	if (!p)
		return 0;
	shown = policy_show(p);
	if (shown) {
		p2 = fuzz_load(shown, strlen(shown));
		if (!p2 || p2->nrules != p->nrules || p2->def != p->def) {
			fprintf(stderr, "show output does not reload\n");
			abort();
		}
		free(shown);
	}
	fq.n = 0;
	for (i = 0; i < sizeof(fuzz_fixed) / sizeof(fuzz_fixed[0]); i++)
		fuzz_add_line(&fq, fuzz_fixed[i], strlen(fuzz_fixed[i]));
	for (pos = plen + (sep ? 3 : 0); sep && pos < size;) {
		const char *nl = memchr(text + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - text) - pos : size - pos;

		fuzz_add_line(&fq, text + pos, n);
		pos += n + 1;
	}
	fuzz_add_from_rules(&fq, p);
	for (i = 0; i < fq.n; i++) {
		struct policy_query *q = &fq.q[i].q;

		fuzz_check(p, p2, q);
		if (q->op == POLICY_OP_CONNECT && q->net.n_hostnames) {
			/* The same names with an address. */
			q->net.addr[10] = 0xff;
			q->net.addr[11] = 0xff;
			q->net.addr[12] = 10;
			q->net.addr[15] = 1;
			fuzz_check(p, p2, q);
		}
		policy_qtext_release(&fq.q[i]);
	}
	policy_foreach_hostname(p, fuzz_host, NULL);
	policy_free(p2);
	policy_free(p);
	return 0;
}
