/*
 * policy_query.h - builds a struct policy_query from words, for
 * `proctor policy eval`, cases files and the fuzzer: OP TARGET [ARG...].
 *
 *   read PATH | write PATH         absolute path (after expansion)
 *   exec PATH [ARG...]             argv[0] is PATH
 *   connect ADDR:PORT              a.b.c.d:443, [::1]:22
 *   connect NAME:PORT              a host name: no address, hostnames=[NAME]
 *   connect unix:PATH              pathname socket
 *   connect unix:@NAME             abstract socket
 *
 * TARGET and ARG words get `~`, `${CWD}` and `${NAME}` expanded (see
 * policy_expand.h, POLICY_EXPAND_TARGET). Nothing touches the file system.
 *
 * Ownership: struct policy_qtext owns the strings its query points to.
 */
#ifndef PROCTOR_POLICY_QUERY_H
#define PROCTOR_POLICY_QUERY_H

#include <stddef.h>

#include "policy.h"
#include "policy_buf.h"
#include "policy_err.h"

struct policy_qtext {
	struct policy_query q;
	struct policy_buf target;	/* expanded path or socket name */
	char **argv;
	size_t argc;
	char host[256];
	const char *hosts[1];
};

void policy_qtext_init(struct policy_qtext *qt);
void policy_qtext_release(struct policy_qtext *qt);	/* idempotent */

/*
 * Parses op and the n words after it (lens may be NULL: strlen). Returns 0,
 * -EINVAL with *bad set to the index of the failing word (n: a missing
 * word, SIZE_MAX: the op) and err->off inside it, or -ENOMEM.
 */
int policy_qtext_parse(struct policy_qtext *qt, const struct policy_vars *vars,
		       const char *op, const char *const *words,
		       const size_t *lens, size_t n, size_t *bad,
		       struct policy_err *err);

#endif
