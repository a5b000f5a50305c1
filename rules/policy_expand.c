/*
 * policy_expand.c - `~` and `${...}` expansion (policy_expand.h).
 *
 * Pure: reads only the strings in struct policy_vars, never the process
 * environment, so the same text expands the same way in tests and tools.
 */
#include <errno.h>
#include <string.h>

#include "policy_expand.h"

const char *policy_expand_getenv(const struct policy_vars *vars,
				 const char *name, size_t n)
{
	char *const *e;

	if (!vars || !vars->environ)
		return NULL;
	for (e = vars->environ; *e; e++) {
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	}
	return NULL;
}

static int expand_value(struct policy_buf *out, const char *v,
			enum policy_expand_mode mode)
{
	int ret = 0;

	if (mode == POLICY_EXPAND_TARGET)
		return policy_buf_adds(out, v);
	for (; *v && ret == 0; v++) {
		if (strchr("\\*?[]{},", *v))
			ret = policy_buf_addc(out, '\\');
		if (ret == 0)
			ret = policy_buf_addc(out, *v);
	}
	return ret;
}

static int expand_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    c == '_';

		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

static int expand_var(const struct policy_vars *vars, const char *s,
		      size_t len, size_t i, size_t *end,
		      enum policy_expand_mode mode, struct policy_buf *out,
		      struct policy_err *err)
{
	const char *close, *name, *val;
	char show[POLICY_ERR_SHOW * 4 + 8];
	size_t n;

	close = memchr(s + i + 2, '}', len - i - 2);
	if (!close)
		return policy_err_at(err, i, "unterminated '${' (missing '}')");
	name = s + i + 2;
	n = (size_t)(close - name);
	policy_err_show(name, n, show, sizeof(show));
	if (!expand_name_ok(name, n))
		return policy_err_at(err, i,
				     "bad variable name '%s' in '${...}' "
				     "(letters, digits and '_' only)", show);
	if (n == 3 && memcmp(name, "CWD", 3) == 0) {
		val = vars ? vars->cwd : NULL;
		if (!val)
			return policy_err_at(err, i,
					     "${CWD} is not known here");
	} else {
		val = policy_expand_getenv(vars, name, n);
		if (!val)
			return policy_err_at(err, i,
					     "undefined variable ${%s}", show);
	}
	if (!*val)
		return policy_err_at(err, i, "variable ${%s} is empty", show);
	*end = (size_t)(close - s) + 1;
	return expand_value(out, val, mode);
}

int policy_expand(const struct policy_vars *vars, const char *s, size_t len,
		  enum policy_expand_mode mode, int tilde,
		  struct policy_buf *out, int *changed,
		  struct policy_err *err)
{
	size_t i = 0;
	int ret = 0, did = 0;

	if (tilde && len > 0 && s[0] == '~' && (len == 1 || s[1] == '/')) {
		const char *home = vars ? vars->home : NULL;

		if (!home || !*home)
			return policy_err_at(err, 0,
					     "'~' used but the home directory "
					     "is not known");
		ret = expand_value(out, home, mode);
		if (ret < 0)
			return ret;
		did = 1;
		i = 1;
	}
	while (i < len) {
		char c = s[i];

		if (c == '\\' && i + 1 < len) {
			char d = s[i + 1];

			if (mode == POLICY_EXPAND_TARGET &&
			    (d == '$' || d == '~' || d == '\\')) {
				ret = policy_buf_addc(out, d);
			} else {
				ret = policy_buf_add(out, s + i, 2);
			}
			if (ret < 0)
				return ret;
			i += 2;
			continue;
		}
		if (c == '$' && i + 1 < len && s[i + 1] == '{') {
			size_t end = i;

			ret = expand_var(vars, s, len, i, &end, mode, out, err);
			if (ret < 0)
				return ret;
			did = 1;
			i = end;
			continue;
		}
		ret = policy_buf_addc(out, c);
		if (ret < 0)
			return ret;
		i++;
	}
	if (changed)
		*changed = did;
	return 0;
}
