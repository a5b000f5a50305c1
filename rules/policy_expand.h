/*
 * policy_expand.h - expansion of `~`, `${CWD}` and `${NAME}` in a word.
 *
 *  - `~` is expanded only when it is the whole word or is followed by `/`,
 *    at the start of the word (and only when the caller allows it);
 *  - `${CWD}` is the directory proctor was started in (vars->cwd);
 *  - `${NAME}` is the environment variable NAME ([A-Za-z_][A-Za-z0-9_]*);
 *    undefined and empty variables are errors, so that a missing variable
 *    can never widen a pattern (an empty ${X} must not turn a
 *    pattern for one tree into one for the whole file system);
 *  - `$` not followed by `{` is an ordinary byte.
 *
 * POLICY_EXPAND_GLOB is for patterns: `\X` pairs are copied unchanged (the
 * glob layer reads them) and the expanded values are escaped so that they
 * match literally. POLICY_EXPAND_TARGET is for the targets of `policy eval`
 * and cases files: values are copied as they are and `\$`, `\~`, `\\` stand
 * for `$`, `~`, `\` (any other backslash is kept).
 *
 * Ownership: appends to out, which the caller owns; borrows vars.
 */
#ifndef PROCTOR_POLICY_EXPAND_H
#define PROCTOR_POLICY_EXPAND_H

#include <stddef.h>

#include "policy.h"
#include "policy_buf.h"
#include "policy_err.h"

enum policy_expand_mode {
	POLICY_EXPAND_GLOB,
	POLICY_EXPAND_TARGET,
};

/*
 * Expand s[0..len) onto out. tilde: whether `~` at the start is expanded.
 * *changed (may be NULL) is set when something was expanded. Returns 0,
 * -EINVAL with err->off pointing into s, or -ENOMEM.
 */
int policy_expand(const struct policy_vars *vars, const char *s, size_t len,
		  enum policy_expand_mode mode, int tilde,
		  struct policy_buf *out, int *changed,
		  struct policy_err *err);

/* Value of environment variable name[0..n) in vars->environ, or NULL. */
const char *policy_expand_getenv(const struct policy_vars *vars,
				 const char *name, size_t n);

#endif
