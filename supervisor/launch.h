/*
 * launch.h - start the agent under the filter and take its listener.
 *
 * The child sets no_new_privs, installs the filter, writes the listener's
 * descriptor number to a pipe and waits; proctor seizes it with ptrace,
 * takes the listener with pidfd_getfd (the child's own sendmsg would be
 * trapped by the filter it just installed: a deadlock), starts receiving,
 * and only then lets the child close its copy and exec the command - an
 * exec that is itself the first trapped call.
 */
#ifndef PROCTOR_LAUNCH_H
#define PROCTOR_LAUNCH_H

#include <stdint.h>
#include <sys/types.h>

#include "filter.h"

/* Capabilities a root agent keeps by default (the rest of the bounding set
 * is dropped before exec): what a build or a package tool needs, nothing
 * that reaches the kernel or other processes (docs/security.md). */
#define LAUNCH_DEFAULT_CAPS ((1ULL << 0) | (1ULL << 1) | (1ULL << 3) | \
			     (1ULL << 4) | (1ULL << 5) | (1ULL << 6) | \
			     (1ULL << 7) | (1ULL << 8) | (1ULL << 10) | \
			     (1ULL << 29) | (1ULL << 31))

struct launch {
	pid_t pid;		/* the agent's main process */
	int listener;		/* proctor's copy of the listener, owned */
	int go_fd;		/* write end: one byte lets the child exec */
};

/* Fork the child and take its listener. argv is the command (execvp
 * semantics), envp its environment. Returns 0 or -errno with a message
 * printed. */
int launch_start(struct launch *l, const struct filter_prog *f,
		 char *const argv[], char *const envp[], uint64_t keep_caps);

/* Parse "net_raw,CAP_SYS_PTRACE" (or "all", or "none") into a mask added
 * to LAUNCH_DEFAULT_CAPS ("none": the empty mask). Returns 0 or -EINVAL
 * with the bad word in *bad. */
int launch_parse_caps(const char *list, uint64_t *mask, const char **bad);

/* Let the child exec (after the notification threads run). */
int launch_go(struct launch *l);

#endif
