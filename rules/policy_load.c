/*
 * policy_load.c - reading policy sources: policy_add_file(),
 * policy_add_text(), policy_add_builtin() and `include`.
 *
 * Every line is either blank, a comment, `default DECISION`,
 * `include PATH` or a rule; anything else is an error reported as
 * FILE:LINE:COL. Reading goes on after an error, so that one run of
 * `proctor policy check` shows every problem (up to POLICY_MAX_ERRORS per
 * source), but the policy is then marked failed and policy_finish() refuses
 * it: a policy with an error is never used.
 *
 * Includes are read in place, relative to the including file. The files
 * being read form a stack of (device, inode) pairs; finding a file on the
 * stack is a cycle. Only regular files are read (never a FIFO or a device,
 * which could block or be endless), and at most POLICY_MAX_FILE bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_expand.h"
#include "policy_internal.h"

struct load {
	struct policy *p;
	policy_diag_fn diag;
	void *ctx;
};

void policy_report(const struct policy_loc *loc,
		   enum policy_diag_severity sev, size_t off,
		   const char *fmt, ...)
{
	char msg[POLICY_ERR_MSG + 128];
	va_list ap;

	if (!loc->diag)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	loc->diag(loc->ctx, sev, loc->file, loc->line,
		  loc->line ? (unsigned)off + 1 : 0, msg);
}

int policy_add_item(struct policy *p, const struct policy_item *it)
{
	if (p->nitems == p->capitems) {
		size_t cap = p->capitems ? p->capitems * 2 : 64;
		struct policy_item *ni;

		ni = realloc(p->items, cap * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		p->items = ni;
		p->capitems = cap;
	}
	p->items[p->nitems++] = *it;
	return 0;
}

static int load_add_rule(struct policy *p, struct policy_rule *r)
{
	struct policy_item it;
	int ret;

	if (p->nrules == p->caprules) {
		size_t cap = p->caprules ? p->caprules * 2 : 64;
		struct policy_rule **nr;

		nr = realloc(p->rules, cap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		p->rules = nr;
		p->caprules = cap;
	}
	memset(&it, 0, sizeof(it));
	it.kind = POLICY_ITEM_RULE;
	it.rule = r;
	ret = policy_add_item(p, &it);
	if (ret < 0)
		return ret;
	r->index = (uint32_t)p->nrules;
	p->rules[p->nrules++] = r;
	return 0;
}

/*
 * Reads a whole regular file. Returns 0, or -errno: -EISDIR, -EINVAL (not
 * a regular file), -EFBIG (larger than POLICY_MAX_FILE), open/read errors.
 */
static int load_read_file(const char *path, char **out, size_t *len,
			  struct stat *st)
{
	char *buf = NULL;
	size_t n = 0, cap;
	int fd, ret;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		ret = -errno;
		goto out;
	}
	if (S_ISDIR(st->st_mode)) {
		ret = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if (st->st_size > (off_t)POLICY_MAX_FILE) {
		ret = -EFBIG;
		goto out;
	}
	cap = (size_t)st->st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			/* The file grew while we read it. */
			ret = -EFBIG;
			goto out;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

static const char *load_strerror(int err)
{
	switch (err) {
	case -EINVAL:
		return "not a regular file";
	case -EFBIG:
		return "file is too large (at most 16 MiB)";
	default:
		return strerror(-err);
	}
}

static int load_source(struct load *ld, const char *name, const char *text,
		       size_t len, const char *dir, const char *from,
		       unsigned from_line);

/* Directory part of a source name for relative includes; NULL: cwd. */
static char *load_dirname(const char *name)
{
	const char *slash = strrchr(name, '/');

	if (!slash)
		return NULL;
	if (slash == name)
		return strdup("/");
	return strndup(name, (size_t)(slash - name));
}

static int load_include_builtin(struct load *ld, const struct policy_loc *loc,
				size_t off)
{
	struct policy *p = ld->p;
	size_t i;
	int ret;

	for (i = 0; i < p->depth; i++) {
		if (p->stack[i].builtin) {
			policy_report(loc, POLICY_DIAG_ERROR, off,
				      "include cycle: %s is already being "
				      "read", POLICY_BUILTIN_NAME);
			return -EINVAL;
		}
	}
	p->stack[p->depth].builtin = 1;
	p->stack[p->depth].name = POLICY_BUILTIN_NAME;
	p->depth++;
	ret = load_source(ld, POLICY_BUILTIN_NAME, policy_builtin_default,
			  policy_builtin_default_len, NULL, loc->file,
			  loc->line);
	p->depth--;
	return ret;
}

static int load_include(struct load *ld, const struct policy_lex *lx,
			const char *dir, const struct policy_loc *loc)
{
	struct policy *p = ld->p;
	const struct policy_word *w = &lx->w[1];
	struct policy_buf path, full;
	struct policy_err err;
	char show[POLICY_ERR_SHOW * 4 + 8];
	char *text = NULL;
	const char *name;
	struct stat st;
	size_t len, i;
	int ret;

	policy_buf_init(&path);
	policy_buf_init(&full);
	if (lx->n < 2) {
		policy_report(loc, POLICY_DIAG_ERROR, lx->text_end,
			      "missing file name after 'include'");
		return -EINVAL;
	}
	if (lx->n > 2) {
		policy_report(loc, POLICY_DIAG_ERROR, lx->w[2].off,
			      "unexpected word after 'include PATH' (quote "
			      "a file name that has spaces)");
		return -EINVAL;
	}
	ret = policy_expand(&p->vars, w->s, w->len, POLICY_EXPAND_TARGET, 1,
			    &path, NULL, &err);
	if (ret == -EINVAL) {
		policy_report(loc, POLICY_DIAG_ERROR,
			      w->off + (w->exact && err.has_off ? err.off : 0),
			      "%s", err.msg);
		goto out;
	}
	if (ret < 0)
		goto out;
	if (path.len == 0) {
		policy_report(loc, POLICY_DIAG_ERROR, w->off,
			      "empty file name after 'include'");
		ret = -EINVAL;
		goto out;
	}
	if (p->depth >= POLICY_MAX_INCLUDE_DEPTH) {
		policy_report(loc, POLICY_DIAG_ERROR, w->off,
			      "includes nested too deeply (at most %d levels)",
			      POLICY_MAX_INCLUDE_DEPTH);
		ret = -EINVAL;
		goto out;
	}
	if (strcmp(path.p, POLICY_BUILTIN_NAME) == 0) {
		ret = load_include_builtin(ld, loc, w->off);
		goto out;
	}
	if (path.p[0] != '/' && dir) {
		ret = policy_buf_adds(&full, dir);
		if (ret == 0 && strcmp(dir, "/") != 0)
			ret = policy_buf_addc(&full, '/');
		if (ret == 0)
			ret = policy_buf_add(&full, path.p, path.len);
		if (ret < 0)
			goto out;
		name = full.p;
	} else {
		name = path.p;
	}
	/* Words and variable values hold no NUL: name is the whole path. */
	policy_err_show(name, strlen(name), show, sizeof(show));
	ret = load_read_file(name, &text, &len, &st);
	if (ret < 0) {
		policy_report(loc, POLICY_DIAG_ERROR, w->off,
			      "cannot include '%s': %s", show,
			      load_strerror(ret));
		ret = ret == -ENOMEM ? ret : -EINVAL;
		goto out;
	}
	for (i = 0; i < p->depth; i++) {
		if (!p->stack[i].builtin && p->stack[i].dev == st.st_dev &&
		    p->stack[i].ino == st.st_ino) {
			char show2[POLICY_ERR_SHOW * 4 + 8];

			policy_err_show(p->stack[i].name,
					strlen(p->stack[i].name), show2,
					sizeof(show2));
			policy_report(loc, POLICY_DIAG_ERROR, w->off,
				      "include cycle: '%s' is '%s', which is "
				      "already being read", show, show2);
			ret = -EINVAL;
			goto out;
		}
	}
	name = policy_arena_strndup(&p->arena, name, strlen(name));
	if (!name) {
		ret = -ENOMEM;
		goto out;
	}
	p->stack[p->depth].dev = st.st_dev;
	p->stack[p->depth].ino = st.st_ino;
	p->stack[p->depth].builtin = 0;
	p->stack[p->depth].name = name;
	p->depth++;
	{
		char *sub = load_dirname(name);

		ret = load_source(ld, name, text, len, sub, loc->file,
				  loc->line);
		free(sub);
	}
	p->depth--;
out:
	free(text);
	policy_buf_release(&path);
	policy_buf_release(&full);
	return ret;
}

static int load_default(struct load *ld, const struct policy_lex *lx,
			const struct policy_loc *loc)
{
	struct policy *p = ld->p;
	enum policy_decision d;
	struct policy_item it;
	char show[POLICY_ERR_SHOW * 4 + 8];

	if (lx->n < 2) {
		policy_report(loc, POLICY_DIAG_ERROR, lx->text_end,
			      "missing decision after 'default' (allow, deny "
			      "or ask)");
		return -EINVAL;
	}
	policy_err_show(lx->w[1].s, lx->w[1].len, show, sizeof(show));
	if (policy_decision_parse(lx->w[1].s, &d) < 0) {
		policy_report(loc, POLICY_DIAG_ERROR, lx->w[1].off,
			      "unknown decision '%s' (expected allow, deny or "
			      "ask)", show);
		return -EINVAL;
	}
	if (lx->n > 2) {
		policy_report(loc, POLICY_DIAG_ERROR, lx->w[2].off,
			      "unexpected word after 'default %s'", show);
		return -EINVAL;
	}
	p->def = d;
	p->def_file = loc->file;
	p->def_line = loc->line;
	memset(&it, 0, sizeof(it));
	it.kind = POLICY_ITEM_DEFAULT;
	it.name = loc->file;
	it.line = loc->line;
	it.decision = d;
	return policy_add_item(p, &it);
}

/* One line; returns 0, -EINVAL (reported) or -ENOMEM. */
static int load_line(struct load *ld, struct policy_lex *lx, const char *line,
		     size_t len, const char *dir, const struct policy_loc *loc)
{
	struct policy_rule *r = NULL;
	struct policy_err err;
	enum policy_decision d;
	char show[POLICY_ERR_SHOW * 4 + 8];
	int ret;

	if (len > POLICY_MAX_LINE) {
		policy_report(loc, POLICY_DIAG_ERROR, 0, "line is too long "
			      "(%zu bytes; at most %d)", len, POLICY_MAX_LINE);
		return -EINVAL;
	}
	ret = policy_lex_line(lx, line, len, &err);
	if (ret == -EINVAL) {
		policy_report(loc, POLICY_DIAG_ERROR, err.off, "%s", err.msg);
		return ret;
	}
	if (ret < 0 || lx->n == 0)
		return ret;
	if (strcmp(lx->w[0].s, "default") == 0)
		return load_default(ld, lx, loc);
	if (strcmp(lx->w[0].s, "include") == 0)
		return load_include(ld, lx, dir, loc);
	if (policy_decision_parse(lx->w[0].s, &d) < 0) {
		policy_err_show(lx->w[0].s, lx->w[0].len, show, sizeof(show));
		policy_report(loc, POLICY_DIAG_ERROR, lx->w[0].off,
			      "unknown word '%s' (a line starts with allow, "
			      "deny, ask, default or include)", show);
		return -EINVAL;
	}
	ret = policy_rule_compile(ld->p, lx, line, d, loc, &r, &err);
	if (ret == -EINVAL)
		policy_report(loc, POLICY_DIAG_ERROR, err.off, "%s", err.msg);
	if (ret < 0)
		return ret;
	return load_add_rule(ld->p, r);
}

static int load_source(struct load *ld, const char *name, const char *text,
		       size_t len, const char *dir, const char *from,
		       unsigned from_line)
{
	struct policy *p = ld->p;
	struct policy_lex lx;
	struct policy_item it;
	struct policy_loc loc;
	size_t pos = 0;
	unsigned errors = 0;
	int ret;

	policy_lex_init(&lx);
	ret = policy_buf_addf(&p->sources, "# proctor-policy-source: %s\n",
			      name);
	if (ret == 0)
		ret = policy_buf_add(&p->sources, text, len);
	if (ret == 0 && len > 0 && text[len - 1] != '\n')
		ret = policy_buf_addc(&p->sources, '\n');
	memset(&it, 0, sizeof(it));
	it.kind = POLICY_ITEM_BEGIN;
	it.name = name;
	it.from = from;
	it.line = from_line;
	if (ret == 0)
		ret = policy_add_item(p, &it);
	if (ret < 0)
		goto out;
	loc.diag = ld->diag;
	loc.ctx = ld->ctx;
	loc.file = name;
	loc.line = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text) - pos : len - pos;

		loc.line++;
		ret = load_line(ld, &lx, text + pos, n, dir, &loc);
		if (ret == -ENOMEM)
			goto out;
		if (ret < 0 && ++errors >= POLICY_MAX_ERRORS) {
			policy_report(&loc, POLICY_DIAG_ERROR, 0,
				      "too many errors; not reading the rest "
				      "of this file");
			break;
		}
		pos += n + 1;
	}
	memset(&it, 0, sizeof(it));
	it.kind = POLICY_ITEM_END;
	it.name = name;
	ret = policy_add_item(p, &it);
	if (ret == 0 && errors)
		ret = -EINVAL;
out:
	policy_lex_release(&lx);
	return ret;
}

static int load_begin(struct policy *p, const char *name, const char **copy)
{
	if (!p)
		return -EINVAL;
	if (p->finished)
		return -EBUSY;
	*copy = policy_arena_strndup(&p->arena, name, strlen(name));
	return *copy ? 0 : -ENOMEM;
}

static int load_end(struct policy *p, int ret, const struct load *ld,
		    const char *name)
{
	if (ret == -ENOMEM && ld->diag)
		ld->diag(ld->ctx, POLICY_DIAG_ERROR, name, 0, 0,
			 "out of memory");
	if (ret < 0)
		p->failed = true;
	p->depth = 0;
	return ret;
}

int policy_add_file(struct policy *p, const char *path,
		    policy_diag_fn diag, void *ctx)
{
	struct load ld = { p, diag, ctx };
	const char *name;
	char *text = NULL, *dir = NULL;
	struct stat st;
	size_t len;
	int ret;

	ret = load_begin(p, path, &name);
	if (ret < 0)
		return ret;
	ret = load_read_file(path, &text, &len, &st);
	if (ret < 0) {
		if (diag) {
			char msg[POLICY_ERR_MSG];

			snprintf(msg, sizeof(msg), "cannot read the policy: %s",
				 load_strerror(ret));
			diag(ctx, POLICY_DIAG_ERROR, name, 0, 0, msg);
		}
		if (ret == -EFBIG)
			ret = -EINVAL;
		p->failed = true;
		return ret;
	}
	dir = load_dirname(name);
	p->stack[0].dev = st.st_dev;
	p->stack[0].ino = st.st_ino;
	p->stack[0].builtin = 0;
	p->stack[0].name = name;
	p->depth = 1;
	ret = load_source(&ld, name, text, len, dir, NULL, 0);
	free(dir);
	free(text);
	return load_end(p, ret, &ld, name);
}

int policy_add_text(struct policy *p, const char *name, const char *text,
		    size_t len, policy_diag_fn diag, void *ctx)
{
	struct load ld = { p, diag, ctx };
	const char *copy;
	int ret;

	ret = load_begin(p, name, &copy);
	if (ret < 0)
		return ret;
	p->depth = 0;
	if (strcmp(name, POLICY_BUILTIN_NAME) == 0) {
		p->stack[0].builtin = 1;
		p->stack[0].name = copy;
		p->depth = 1;
	}
	ret = load_source(&ld, copy, text, len, NULL, NULL, 0);
	return load_end(p, ret, &ld, copy);
}

int policy_add_builtin(struct policy *p, policy_diag_fn diag, void *ctx)
{
	return policy_add_text(p, POLICY_BUILTIN_NAME, policy_builtin_default,
			       policy_builtin_default_len, diag, ctx);
}
