/*
 * hints.h - host names behind addresses, for connect rules.
 *
 * Two sources, both confirmed by proctor itself:
 *  - the preload library reports each name resolution of the agent
 *    (name and addresses) through a trapped sendto to the abstract unix
 *    name HINTS_CHANNEL; proctor resolves the name itself and keeps only
 *    the addresses that are among its own answers, so an agent that lies
 *    about names gains nothing;
 *  - every literal host name in the policy's connect rules is resolved by
 *    proctor at start and every HINTS_REFRESH_S seconds, so name rules
 *    work without any hint (static binaries, programs with their own DNS).
 *
 * Confirmed names are shared by the whole session (see docs/network.md for
 * why per-process scoping would not add safety). Thread-safe.
 */
#ifndef PROCTOR_HINTS_H
#define PROCTOR_HINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define HINTS_CHANNEL "proctor-hint-v1"	/* abstract unix name, no NUL */
#define HINTS_REFRESH_S 60
#define HINTS_MAX_MSG 4096

struct call;

/* Start resolving the policy's literal host names (background thread). */
int hints_start(const struct policy *p);
void hints_stop(void);

/* Is this copied sockaddr (of length len) the hint channel? */
bool hints_is_channel(const void *addr, size_t len);

/* A message from the preload (already copied): confirm and remember.
 * Answers the call (the byte count, as a datagram send would). */
void hints_receive(struct call *c, const char *msg, size_t len);

/* Confirmed names for an address (IPv4 as mapped IPv6, policy.h). Fills
 * up to max pointers into buf (NUL-separated copies); returns how many. */
size_t hints_names(const uint8_t addr[16], const char **names, size_t max,
		   char *buf, size_t buflen);

/* Add a confirmed name for an address (tests, static resolution). */
void hints_add(const char *name, const uint8_t addr[16], bool is_static);

#endif
