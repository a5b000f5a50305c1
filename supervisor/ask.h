/*
 * ask.h - getting a human's answer for an `ask` decision.
 *
 * The core calls ask_wait() from the thread that handles the call; the
 * notification loop keeps a spare thread receiving meanwhile
 * (notify_may_block), so a waiting request never blocks other calls.
 * Channels: "deny" and "allow" answer at once (CI and batch use); "tty"
 * prompts on proctor's controlling terminal (ask_tty.c); "console" waits
 * for a `proctor approve` client on a unix socket (ask_console.c, protocol
 * in docs/approval-protocol.md). With several channels the first answer
 * wins.
 *
 * Invariants:
 *  - ask_wait() never fails and never answers allow by mistake: a timeout,
 *    a dead caller, a lost channel, an error all answer deny.
 *  - Identical pending requests (same operation, target and rule) are one
 *    request: shown once, answered together.
 *  - Remembered answers form an immutable policy (ask_session_rules) that
 *    is replaced atomically; old versions stay alive until ask_free(), so
 *    a reader never sees one freed under it.
 *
 * Threads: everything here is thread-safe except ask_new/ask_start/
 * ask_free, which run on the main thread before the agent starts and after
 * it is gone.
 */
#ifndef PROCTOR_ASK_H
#define PROCTOR_ASK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
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
struct protect;

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
	const struct policy_query *query;  /* what the policy saw (may be
					    * NULL: then nothing can be
					    * remembered for it) */
	const char *hostname;		/* connect: confirmed name or NULL */
	const char *backtrace;		/* the caller's stack, from the
					 * preload library, or NULL */
};

/* The strings live until ask_free() (static or interned). */
struct ask_answer {
	enum policy_decision decision;	/* ALLOW or DENY */
	const char *channel;		/* "deny", "allow", "tty", "console",
					 * "timeout", "withdrawn"... */
	int64_t uid;			/* approver, -1 when none */
	const char *user;
	int64_t pid;
	int64_t wait_ns;
	const char *remember;		/* "session", "policy" or NULL */
};

/* Parse "tty,console" etc. into a channel mask. Returns 0 or -EINVAL. */
int ask_parse_channels(const char *s, unsigned *mask);

/* The documented default: "console" when proctor has a controlling
 * terminal (/dev/tty opens), "deny" when it has none. Static string. */
const char *ask_default_channels(void);

int ask_new(struct ask **out, unsigned channels, int timeout_s);

/* What the interactive channels show about the session. Borrowed for the
 * duration of ask_start() only (copied). */
struct ask_session {
	pid_t self;			/* proctor's pid */
	int64_t session_id;		/* audit session id, 0 when unknown */
	char *const *command;		/* the agent's argv, NULL-terminated */
	const char *save_to;		/* --save-to FILE, or NULL */
};

/*
 * Start the interactive channels (before the agent starts): open the
 * terminal, create the console socket, and add the socket directory and the
 * --save-to file to *protect. Returns 0 or -errno with a message printed.
 */
int ask_start(struct ask *a, const struct ask_session *si,
	      struct protect *protect);

/* Stops the channels, removes the socket, frees everything (NULL ok).
 * Call after the notification threads are stopped. */
void ask_free(struct ask *a);

/* Does answering need a human (so the caller may block for long)? */
bool ask_is_interactive(const struct ask *a);

/* Wait for the answer. Never fails: anything wrong answers deny. */
void ask_wait(struct ask *a, const struct ask_request *rq,
	      struct ask_answer *ans);

/*
 * The remembered answers of this session ("allow/deny for the session"),
 * to evaluate before the policy; NULL when there are none. The policy is
 * immutable and stays valid until ask_free(). a may be NULL.
 */
const struct policy *ask_session_rules(const struct ask *a);

/*
 * ---- For the channels (ask_tty.c, ask_console.c) and `proctor approve`
 * (approve.c) only; the core uses nothing below. ----
 */

/* One ancestor of the asking process, up to the agent. */
struct ask_parent {
	pid_t pid;
	char *exe;			/* /proc/PID/exe, or the comm name */
	char *cmdline;			/* argv joined for people */
};

/*
 * What is known about a request: immutable once built, reference-counted
 * (ask_desc_put). Strings are bytes from the agent: sanitise them
 * (ask_text_safe) before they reach a terminal.
 */
struct ask_desc {
	atomic_int refs;
	enum policy_op op;
	const char *op_name;		/* static */
	char *syscall;
	char *requested;		/* target as requested */
	char *resolved;			/* as resolved, may be NULL */
	const char *target;		/* resolved, else requested (alias) */
	char *hostname;
	char *exe;
	char *rule;			/* FILE:LINE that asked */
	char *rule_text;
	pid_t pid, tgid;
	char **argv;			/* the process's argv (/proc cmdline) */
	size_t argc;
	char *cwd;
	struct ask_parent *parents;	/* nearest first, the agent last */
	size_t nparents;
	char *exact;			/* pattern for the same target, or NULL
					 * when it cannot be written as one */
	char *broader;			/* proposed wider pattern, or NULL */
	char *backtrace;		/* the caller's stack, or NULL */
	/* copy of the policy query (read, write, exec), to re-check pending
	 * requests against a newly remembered rule */
	bool has_query;
	char *qpath;
	char **qargv;
	size_t qargc;
};

/* ask_desc.c: describe rq (reads /proc; self: proctor's pid, where the
 * parent chain stops; vars: to check the patterns). Returns NULL when out
 * of memory. */
struct ask_desc *ask_desc_build(const struct ask_request *rq, pid_t self,
				const struct policy_vars *vars);
void ask_desc_put(const struct ask_desc *d);

/* A pending request as a channel sees it. */
struct ask_view {
	uint64_t id;			/* request number, from 1, never reused */
	const struct ask_desc *d;	/* a reference: ask_view_release */
	int waiters;			/* calls waiting for this answer */
	int64_t time_left_ms;
};

/* The first unanswered request with id > after. Returns 0, or -ENOENT. */
int ask_view_next(struct ask *a, uint64_t after, struct ask_view *v);
void ask_view_release(struct ask_view *v);

/* Is request id still waiting for an answer? */
bool ask_is_pending(struct ask *a, uint64_t id);

/* Something that happened to a request after it was shown. */
enum ask_event_kind {
	ASK_EV_RESOLVED = 1,	/* answered (also by timeout) */
	ASK_EV_WITHDRAWN = 2,	/* its callers went away */
};

struct ask_event {
	uint64_t seq;
	enum ask_event_kind kind;
	uint64_t id;
	enum policy_decision decision;
	const char *channel;		/* static or interned */
	const char *user;		/* may be NULL */
	int64_t uid, pid;
	const char *remember;		/* NULL, "session", "policy" */
	const char *reason;		/* WITHDRAWN: static text */
};

/* Copy up to max events after *seq and advance *seq (a reader starts from
 * ask_event_seq(); one that fell more than the ring behind skips to the
 * oldest kept). Returns how many. */
size_t ask_events(struct ask *a, uint64_t *seq, struct ask_event *out,
		  size_t max);

/* The sequence number of the latest event (a new reader starts here). */
uint64_t ask_event_seq(struct ask *a);

/* An answer from a channel. */
struct ask_reply {
	uint64_t id;
	const char *op;			/* must equal the request's */
	const char *target;		/* must equal the request's target */
	enum policy_decision decision;	/* ALLOW or DENY */
	const char *remember;		/* NULL, "once", "session", "policy" */
	const char *pattern;		/* for remember: NULL = exact target */
	const char *channel;		/* static: "tty", "console" */
	int64_t uid;
	const char *user;		/* copied (interned) */
	int64_t pid;
};

/*
 * Answer a request (first answer wins). Returns 0, or -errno with a
 * message for the approver in err: -ENOENT no such pending request
 * (answered, withdrawn, timed out), -ESTALE op/target do not match it,
 * -EINVAL the pattern is not a valid rule, -ENOTSUP remember "policy"
 * without --save-to or a target that cannot be written as a pattern, -EIO
 * the policy file cannot be written.
 */
int ask_reply(struct ask *a, const struct ask_reply *r, char *err,
	      size_t errlen);

/* Session facts for the channels. Strings live until ask_free(). */
pid_t ask_self(const struct ask *a);
int64_t ask_session_id(const struct ask *a);
char *const *ask_command(const struct ask *a);
const char *ask_save_to(const struct ask *a);
const char *ask_cwd(const struct ask *a);
int ask_timeout(const struct ask *a);

/*
 * Copy s into out (size n, always NUL-terminated, truncated with "...")
 * so that it is safe on a terminal: control bytes, C1 controls, bidi
 * overrides and invalid UTF-8 become \xNN / \u{NNNN} escapes.
 */
void ask_text_safe(const char *s, char *out, size_t n);

/* ---- ask_tty.c ---- */
struct ask_tty;

/* Open /dev/tty and start the prompt thread. Returns 0 or -errno. */
int ask_tty_start(struct ask_tty **out, struct ask *a);
void ask_tty_wake(struct ask_tty *t);	/* something changed */
void ask_tty_stop(struct ask_tty *t);	/* joins, restores the terminal */

/* ---- ask_console.c ---- */
struct ask_console;

/*
 * The directory of the approval sockets of this user:
 * $XDG_RUNTIME_DIR/proctor, else /run/user/UID/proctor, else
 * /tmp/proctor-UID. With create, makes it (0700) when missing. Either way
 * refuses (-EPERM) one that is not a real directory owned by the user and
 * closed to others. Returns 0 or -errno.
 */
int ask_console_dir(char *buf, size_t n, bool create);

/* Listen on path and start the server thread. Returns 0 or -errno. */
int ask_console_start(struct ask_console **out, struct ask *a,
		      const char *path);
void ask_console_wake(struct ask_console *c);
int ask_console_attached(struct ask_console *c);  /* approvers connected */
void ask_console_stop(struct ask_console *c);	   /* also unlinks */

#endif
