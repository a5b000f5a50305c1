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

#include <sys/types.h>

#include "filter.h"

struct launch {
	pid_t pid;		/* the agent's main process */
	int listener;		/* proctor's copy of the listener, owned */
	int go_fd;		/* write end: one byte lets the child exec */
};

/* Fork the child and take its listener. argv is the command (execvp
 * semantics), envp its environment. Returns 0 or -errno with a message
 * printed. */
int launch_start(struct launch *l, const struct filter_prog *f,
		 char *const argv[], char *const envp[]);

/* Let the child exec (after the notification threads run). */
int launch_go(struct launch *l);

#endif
