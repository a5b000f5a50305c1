/*
 * policy.h - the public interface of the policy engine (rules/).
 *
 * A policy is a list of rules read from policy files (or from text, such as
 * the built-in default compiled into the binary). Evaluation is pure: it
 * touches neither the file system nor the network, so the same engine serves
 * `proctor run`, `proctor policy eval/test` and the unit tests.
 *
 * Invariants:
 *  - The last matching rule wins, across included files in reading order.
 *  - A compiled policy is immutable; policy_eval() may be called from any
 *    number of threads at once.
 *  - Loading never ignores a rule silently: every problem is reported through
 *    the diagnostic callback as FILE:LINE:COL and makes loading fail.
 *
 * Ownership: struct policy owns every rule, string and included file text.
 * Strings passed in a query are borrowed for the duration of the call.
 */
#ifndef PROCTOR_POLICY_H
#define PROCTOR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum policy_decision {
	POLICY_DENY = 0,
	POLICY_ALLOW = 1,
	POLICY_ASK = 2,
};

/* Operation bits; a rule may name several, a query names exactly one. */
enum policy_op {
	POLICY_OP_READ = 1u << 0,
	POLICY_OP_WRITE = 1u << 1,
	POLICY_OP_EXEC = 1u << 2,
	POLICY_OP_CONNECT = 1u << 3,
};

/* What the loader needs to expand `~`, `${NAME}` and `${CWD}`. */
struct policy_vars {
	const char *home;	/* home directory of the user running proctor */
	const char *cwd;	/* directory proctor was started in */
	char *const *environ;	/* NULL-terminated, for ${NAME} */
};

/*
 * Diagnostic sink. severity is POLICY_DIAG_ERROR or POLICY_DIAG_WARNING.
 * file is the path as the user wrote it (or the built-in name), line and
 * col are 1-based. msg has no trailing newline. line and col are 0 for a
 * problem with the whole file (it cannot be read).
 */
enum policy_diag_severity { POLICY_DIAG_ERROR, POLICY_DIAG_WARNING };
typedef void (*policy_diag_fn)(void *ctx, enum policy_diag_severity sev,
			       const char *file, unsigned line, unsigned col,
			       const char *msg);

struct policy;
struct policy_rule;

/* Network target of a connect query. */
enum policy_net_kind {
	POLICY_NET_INET = 1,		/* IPv4 or IPv6 address and port */
	POLICY_NET_UNIX_PATH = 2,	/* pathname unix socket */
	POLICY_NET_UNIX_ABSTRACT = 3,	/* abstract unix socket (no '@') */
};

struct policy_net_target {
	enum policy_net_kind kind;
	/* INET: 16 bytes; an IPv4 address is stored as IPv4-mapped IPv6
	 * (::ffff:a.b.c.d) so that mapped and plain forms match alike. */
	uint8_t addr[16];
	uint16_t port;			/* host byte order */
	/* UNIX_PATH / UNIX_ABSTRACT: the name bytes (may contain NUL for
	 * abstract names), not NUL-terminated necessarily. */
	const char *unix_name;
	size_t unix_len;
	/* Candidate host names already confirmed to resolve to addr. */
	const char *const *hostnames;
	size_t n_hostnames;
};

struct policy_query {
	enum policy_op op;		/* exactly one bit */
	/* READ / WRITE: absolute path of the object; EXEC: absolute path of
	 * the executed file ("" or a non-'/' string when it has none, e.g. a
	 * memfd: then no path pattern matches). Bytes, not necessarily UTF-8. */
	const char *path;
	size_t path_len;
	/* EXEC: argv[1..argc) are matched against the rule's ARG words;
	 * argv[0] is not used for matching. */
	const char *const *argv;
	size_t argc;
	/* CONNECT */
	struct policy_net_target net;
};

struct policy_result {
	enum policy_decision decision;
	const struct policy_rule *rule;	/* NULL when the default decided */
	/* CONNECT: index into query->net.hostnames of the name that matched,
	 * or -1 when the rule matched by address (or the default decided). */
	int hostname_index;
};

/* Create an empty policy (default deny). Returns 0 or -errno.
 * vars->home and vars->cwd are copied; vars->environ is read by the
 * policy_add_* calls and must stay valid until the last of them. */
int policy_new(struct policy **out, const struct policy_vars *vars);

/*
 * Append the rules of a file (and what it includes) after those already
 * loaded. Problems go to diag; returns 0, -EINVAL when the file has errors,
 * or -errno for I/O failures (also reported through diag).
 */
int policy_add_file(struct policy *p, const char *path,
		    policy_diag_fn diag, void *ctx);

/* Same for text held in memory; name is shown in FILE:LINE (e.g. "default"
 * for the built-in policy, "session" for remembered rules). Includes are
 * resolved relative to the current directory. */
int policy_add_text(struct policy *p, const char *name, const char *text,
		    size_t len, policy_diag_fn diag, void *ctx);

/* Compile what was added; after this only policy_eval and the accessors.
 * Emits warnings (e.g. a rule always overridden by a later one). */
int policy_finish(struct policy *p, policy_diag_fn diag, void *ctx);

void policy_free(struct policy *p);

/* Decide one operation. Never fails on a finished policy. */
void policy_eval(const struct policy *p, const struct policy_query *q,
		 struct policy_result *res);

/* The decision used when no rule matches. */
enum policy_decision policy_default(const struct policy *p);

/* Rule accessors; the strings live as long as the policy. */
const char *policy_rule_file(const struct policy_rule *r);
unsigned policy_rule_line(const struct policy_rule *r);
const char *policy_rule_text(const struct policy_rule *r); /* as written */

/* "FILE:LINE", or "default" for r == NULL. Returns snprintf's value. */
int policy_rule_location(const struct policy_rule *r, char *buf, size_t n);

/*
 * The exact text of every source in reading order, each introduced by a
 * line "# proctor-policy-source: NAME" - what the audit log stores and
 * hashes. Owned by the policy.
 */
const char *policy_source_text(const struct policy *p, size_t *len);

/* Effective policy for `proctor policy show`; caller frees. */
char *policy_show(const struct policy *p);

/* Call fn for every literal host name (no wildcard) in connect rules, so the
 * supervisor can resolve them itself. Stops and returns fn's value when it
 * is non-zero. */
int policy_foreach_hostname(const struct policy *p,
			    int (*fn)(void *ctx, const char *host), void *ctx);

const char *policy_decision_name(enum policy_decision d); /* "allow"... */
const char *policy_op_name(enum policy_op op);		   /* "read"... */
int policy_decision_parse(const char *s, enum policy_decision *out);
int policy_op_parse(const char *s, enum policy_op *out);  /* one op */

/* The built-in default policy (rules/default.policy), NUL-terminated. */
extern const char policy_builtin_default[];
extern const size_t policy_builtin_default_len;

/*
 * Additions (rules/ engine, after the first version of this header):
 */

/* Name of the built-in policy in FILE:LINE; `include` of this name (and
 * `proctor policy --policy` of it) reads the built-in text. */
#define POLICY_BUILTIN_NAME "builtin:default.policy"

/* policy_add_text() of the built-in default under POLICY_BUILTIN_NAME. */
int policy_add_builtin(struct policy *p, policy_diag_fn diag, void *ctx);

/*
 * Fills vars for the running process: home from $HOME when it is an
 * absolute path, else from the password database; cwd from getcwd() into
 * cwd_buf; environ from the process. Returns 0 or -errno. The strings stay
 * owned by the environment / cwd_buf.
 */
int policy_vars_from_process(struct policy_vars *vars, char *cwd_buf,
			     size_t cwd_len);

/* Number of rules loaded so far, and rule i of them (reading order). */
size_t policy_rule_count(const struct policy *p);
const struct policy_rule *policy_rule_at(const struct policy *p, size_t i);
enum policy_decision policy_rule_decision(const struct policy_rule *r);

/*
 * Whole directory trees (rules/policy_subtree.c), for renames of a
 * directory, which change the path of everything below it at once. Only
 * the READ and WRITE bits of op_mask are looked at. Paths are absolute
 * and resolved (no trailing '/'). Pure, like policy_eval(); answers are
 * conservative: when in doubt, "restricted".
 *
 * policy_subtree_restricted: true when a rule that does not allow (deny
 * or ask), for an operation of op_mask, could decide some path strictly
 * below dir - its pattern can match there and no later rule matches the
 * whole tree below dir - or when the default (deny or ask) could. A `**`
 * pattern such as `**` + `/.env` restricts every directory. *rule (may
 * be NULL) gets that rule, NULL for the default.
 *
 * policy_move_restricted: moving the tree src to dst (rename), with the
 * rules of over (NULL, or e.g. the session's remembered answers) taking
 * precedence over those of p as if written after them, over's default
 * unused. True when some path src/REST that the rules restrict could land
 * on dst/REST where they restrict it less: a restricting rule below src
 * that does not match the same REST below dst (a pattern that starts with
 * `**` does; one naming src/x does not), or a later rule that is weaker
 * (allow; for a deny also ask) and can match below dst where it does not
 * below src. *rule and *op (may be NULL) get the restricting rule (NULL:
 * the default) and its operation. dst NULL: true.
 */
bool policy_subtree_restricted(const struct policy *p, unsigned op_mask,
			       const char *dir, size_t len,
			       const struct policy_rule **rule);
bool policy_move_restricted(const struct policy *p,
			    const struct policy *over, unsigned op_mask,
			    const char *src, size_t slen, const char *dst,
			    size_t dlen, const struct policy_rule **rule,
			    enum policy_op *op);

#endif
