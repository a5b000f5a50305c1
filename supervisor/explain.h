/*
 * explain.h - tell the agent why its call failed.
 *
 * On a deny, one line goes to the calling process's own standard error
 * (its fd 2, taken with pidfd_getfd), so an AI agent that reads its tools'
 * output learns what was denied, by which rule, and what to do:
 *   proctor: denied read /home/u/.ssh/id_rsa by rule policy:12 (ask the
 *   user to allow it)
 * Never on stdout; never blocking (a full pipe drops the line).
 */
#ifndef PROCTOR_EXPLAIN_H
#define PROCTOR_EXPLAIN_H

#include <stdbool.h>

struct call;

/* Write the line. Returns true when it went to the same file as proctor's
 * own stderr (so proctor need not print its own line too). */
bool explain_deny(const struct call *c, const char *op, const char *what,
		  const char *rule);

#endif
