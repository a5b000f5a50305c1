/*
 * ask.h - getting a human's answer for an `ask` decision.
 *
 * The core calls ask_wait() from the thread that handles the call; the
 * notification loop keeps a spare thread receiving meanwhile
 * (notify_may_block), so a waiting request never blocks other calls.
 * Channels: "deny" and "allow" answer at once (CI and batch use); the
 * interactive channels (tty, console) live behind the same interface.
 */
#ifndef PROCTOR_ASK_H
#define PROCTOR_ASK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

enum ask_channel {
	ASK_DENY = 1 << 0,
	ASK_ALLOW = 1 << 1,
	ASK_TTY = 1 << 2,
	ASK_CONSOLE = 1 << 3,
};

struct ask;

struct ask_request {
	pid_t pid;			/* the calling thread */
	pid_t tgid;
	const char *exe;
	const char *op;
	const char *syscall;
	const char *target;		/* as requested */
	const char *resolved;
	const char *rule;		/* FILE:LINE */
	const char *rule_text;
	uint64_t notif_id;		/* to withdraw it when the caller dies */
	int listener;
};

struct ask_answer {
	enum policy_decision decision;	/* ALLOW or DENY */
	const char *channel;		/* "deny", "allow", "tty", "timeout"... */
	int64_t uid;			/* approver, -1 when none */
	const char *user;
	int64_t pid;
	int64_t wait_ns;
	const char *remember;		/* "session", "policy" or NULL */
};

/* Parse "tty,console" etc. into a channel mask. Returns 0 or -EINVAL. */
int ask_parse_channels(const char *s, unsigned *mask);

int ask_new(struct ask **out, unsigned channels, int timeout_s);
void ask_free(struct ask *a);

/* Does answering need a human (so the caller may block for long)? */
bool ask_is_interactive(const struct ask *a);

/* Wait for the answer. Never fails: anything wrong answers deny. */
void ask_wait(struct ask *a, const struct ask_request *rq,
	      struct ask_answer *ans);

#endif
