/*
 * ask.c - waiting for a human's answer to an `ask` decision (ask.h).
 *
 * Holds the pending requests, the waiting itself, the answers coming back
 * from the channels (ask_tty.c, ask_console.c) and the remembered answers
 * ("for the session", "save to the policy file"). What a request shows
 * (process, parents, proposed patterns) is built by ask_desc.c.
 *
 * Invariants:
 *  - One mutex (a->lock) guards the request list, the event ring and the
 *    remembered text; a request is freed by the last of its waiters, so
 *    channels never keep a pointer to one: they ask by number (ask_view_*)
 *    and get a reference to its immutable description.
 *  - A waiter re-checks every ASK_POLL_MS that its caller is still there
 *    (SECCOMP_IOCTL_NOTIF_ID_VALID) and gives up at the deadline: nobody
 *    waits forever, and every way out that is not an answer is deny.
 *  - The session rules are published with one atomic store of a finished,
 *    never-changed policy; earlier versions are freed only by ask_free().
 *
 * Must never: answer allow without a channel's answer; block while holding
 * a->lock on anything but memory (the policy file append for "save" is the
 * one short exception, so that two answers cannot both win).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ask.h"
#include "policy_buf.h"
#include "protect.h"

#define ASK_POLL_MS 100
#define ASK_NEV 256			/* events kept for the channels */

extern char **environ;

struct ask_item {
	struct ask_item *next;
	uint64_t id;
	struct ask_desc *d;		/* owned reference */
	int waiters;
	int64_t deadline;		/* CLOCK_MONOTONIC ns */
	bool done;
	struct ask_answer ans;		/* when done */
};

struct ask_str {
	struct ask_str *next;
	char s[];
};

struct ask {
	unsigned channels;
	int timeout_s;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct ask_item *items;		/* oldest first */
	uint64_t last_id;
	int nwait;			/* ask_wait() calls inside */
	bool stopping;
	struct ask_event ev[ASK_NEV];
	uint64_t ev_seq;		/* of the latest event */
	struct ask_str *strs;		/* interned strings */
	/* remembered answers */
	_Atomic(struct policy *) session;
	struct policy **versions;
	size_t nversions;
	struct policy_buf session_text;
	char cwd[PATH_MAX];
	char *home;
	/* the session */
	pid_t self;
	int64_t session_id;
	char **command;
	char *save_to;			/* absolute */
	struct ask_tty *tty;
	struct ask_console *console;
};

static int64_t ask_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- channels -------------------------------------------------------- */

int ask_parse_channels(const char *s, unsigned *mask)
{
	const char *p = s;

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 3 && strncmp(p, "tty", 3) == 0)
			*mask |= ASK_TTY;
		else if (n == 7 && strncmp(p, "console", 7) == 0)
			*mask |= ASK_CONSOLE;
		else if (n == 4 && strncmp(p, "deny", 4) == 0)
			*mask |= ASK_DENY;
		else if (n == 5 && strncmp(p, "allow", 5) == 0)
			*mask |= ASK_ALLOW;
		else
			return -EINVAL;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!*mask)
		return -EINVAL;
	if ((*mask & ASK_DENY) && (*mask & ASK_ALLOW))
		return -EINVAL;
	return 0;
}

const char *ask_default_channels(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return "deny";
	close(fd);
	return "console";
}

bool ask_is_interactive(const struct ask *a)
{
	if (a->channels & (ASK_ALLOW | ASK_DENY))
		return false;
	return (a->channels & (ASK_TTY | ASK_CONSOLE)) != 0;
}

static void ask_wake(struct ask *a)
{
	if (a->tty)
		ask_tty_wake(a->tty);
	if (a->console)
		ask_console_wake(a->console);
}

/* ---- life ------------------------------------------------------------ */

int ask_new(struct ask **out, unsigned channels, int timeout_s)
{
	pthread_condattr_t ca;
	struct ask *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->channels = channels;
	a->timeout_s = timeout_s > 0 ? timeout_s : 120;
	a->self = getpid();
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &ca);
	pthread_condattr_destroy(&ca);
	policy_buf_init(&a->session_text);
	atomic_init(&a->session, NULL);
	*out = a;
	return 0;
}

static int ask_set_save_to(struct ask *a, const char *path)
{
	struct policy_buf b;
	struct stat st;
	char *slash;
	int ret;

	policy_buf_init(&b);
	if (path[0] == '/')
		ret = policy_buf_adds(&b, path);
	else
		ret = policy_buf_addf(&b, "%s/%s", a->cwd, path);
	if (ret < 0)
		goto out;
	slash = strrchr(b.p, '/');
	*slash = '\0';
	if (stat(b.p[0] ? b.p : "/", &st) < 0 || !S_ISDIR(st.st_mode)) {
		ret = -ENOENT;
		fprintf(stderr, "proctor: --save-to %s: its directory does "
			"not exist\n", path);
		goto out;
	}
	*slash = '/';
	if (stat(b.p, &st) == 0 && !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		fprintf(stderr, "proctor: --save-to %s: not a regular file\n",
			path);
		goto out;
	}
	a->save_to = policy_buf_detach(&b);
	ret = a->save_to ? 0 : -ENOMEM;
out:
	policy_buf_release(&b);
	return ret;
}

int ask_start(struct ask *a, const struct ask_session *si,
	      struct protect *protect)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	const char *home = getenv("HOME");
	size_t n, i;
	int ret;

	a->self = si->self;
	a->session_id = si->session_id;
	if (!getcwd(a->cwd, sizeof(a->cwd)))
		snprintf(a->cwd, sizeof(a->cwd), "/");
	a->home = strdup(home && home[0] == '/' ? home : "/");
	for (n = 0; si->command && si->command[n]; n++)
		;
	a->command = calloc(n + 1, sizeof(char *));
	if (!a->home || !a->command)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		a->command[i] = strdup(si->command[i]);
		if (!a->command[i])
			return -ENOMEM;
	}
	if (si->save_to) {
		ret = ask_set_save_to(a, si->save_to);
		if (ret < 0)
			return ret;
		ret = protect_add(protect, a->save_to, false);
		if (ret < 0) {
			fprintf(stderr, "proctor: cannot protect %s: %s\n",
				a->save_to, strerror(-ret));
			return ret;
		}
	}
	if (!ask_is_interactive(a))
		return 0;
	if (a->channels & ASK_TTY) {
		ret = ask_tty_start(&a->tty, a);
		if (ret < 0) {
			fprintf(stderr, "proctor: --ask tty: cannot use the "
				"terminal /dev/tty: %s\n", strerror(-ret));
			return ret;
		}
	}
	if (a->channels & ASK_CONSOLE) {
		ret = ask_console_dir(dir, sizeof(dir), true);
		if (ret < 0) {
			fprintf(stderr, "proctor: --ask console: no private "
				"directory for the approval socket (%s); set "
				"XDG_RUNTIME_DIR\n", strerror(-ret));
			return ret;
		}
		snprintf(path, sizeof(path), "%s/%d.sock", dir, (int)a->self);
		ret = protect_add(protect, dir, true);
		if (ret < 0) {
			fprintf(stderr, "proctor: cannot protect %s: %s\n",
				dir, strerror(-ret));
			return ret;
		}
		ret = ask_console_start(&a->console, a, path);
		if (ret < 0) {
			fprintf(stderr, "proctor: --ask console: cannot listen "
				"on %s: %s\n", path, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void ask_free(struct ask *a)
{
	struct ask_str *s, *sn;
	struct timespec ts;
	size_t i;
	int tries;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	pthread_cond_broadcast(&a->cond);
	for (tries = 0; a->nwait > 0 && tries < 50; tries++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&a->cond, &a->lock, &ts);
	}
	tries = a->nwait;
	pthread_mutex_unlock(&a->lock);
	if (tries > 0)
		return;		/* a waiter is stuck: leak rather than crash */
	ask_tty_stop(a->tty);
	ask_console_stop(a->console);
	for (s = a->strs; s; s = sn) {
		sn = s->next;
		free(s);
	}
	for (i = 0; i < a->nversions; i++)
		policy_free(a->versions[i]);
	free(a->versions);
	policy_buf_release(&a->session_text);
	for (i = 0; a->command && a->command[i]; i++)
		free(a->command[i]);
	free(a->command);
	free(a->save_to);
	free(a->home);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

pid_t ask_self(const struct ask *a)
{
	return a->self;
}

int64_t ask_session_id(const struct ask *a)
{
	return a->session_id;
}

char *const *ask_command(const struct ask *a)
{
	return a->command;
}

const char *ask_save_to(const struct ask *a)
{
	return a->save_to;
}

const char *ask_cwd(const struct ask *a)
{
	return a->cwd;
}

int ask_timeout(const struct ask *a)
{
	return a->timeout_s;
}

const struct policy *ask_session_rules(const struct ask *a)
{
	if (!a)
		return NULL;
	return atomic_load_explicit(&((struct ask *)a)->session,
				    memory_order_acquire);
}

/* Under a->lock. Returns a string that lives until ask_free(), or NULL. */
static const char *ask_intern(struct ask *a, const char *s)
{
	struct ask_str *p;
	size_t n;

	if (!s)
		return NULL;
	for (p = a->strs; p; p = p->next)
		if (strcmp(p->s, s) == 0)
			return p->s;
	n = strlen(s);
	p = malloc(sizeof(*p) + n + 1);
	if (!p)
		return "?";
	memcpy(p->s, s, n + 1);
	p->next = a->strs;
	a->strs = p;
	return p->s;
}

static bool ask_streq(const char *x, const char *y)
{
	if (!x || !y)
		return x == y;
	return strcmp(x, y) == 0;
}

/* Under a->lock: the pending request that this one duplicates. */
static struct ask_item *ask_find_same(struct ask *a,
				      const struct ask_desc *d)
{
	struct ask_item *it;

	for (it = a->items; it; it = it->next) {
		const struct ask_desc *o = it->d;

		if (!it->done && o->op == d->op &&
		    ask_streq(o->requested, d->requested) &&
		    ask_streq(o->resolved, d->resolved) &&
		    ask_streq(o->rule, d->rule))
			return it;
	}
	return NULL;
}

static struct ask_item *ask_find(struct ask *a, uint64_t id)
{
	struct ask_item *it;

	for (it = a->items; it; it = it->next)
		if (it->id == id)
			return it;
	return NULL;
}

/* ---- events ---------------------------------------------------------- */

static struct ask_event *ask_event_new(struct ask *a,
				       enum ask_event_kind kind, uint64_t id)
{
	struct ask_event *e;

	a->ev_seq++;
	e = &a->ev[a->ev_seq % ASK_NEV];
	memset(e, 0, sizeof(*e));
	e->seq = a->ev_seq;
	e->kind = kind;
	e->id = id;
	e->uid = -1;
	e->pid = -1;
	return e;
}

size_t ask_events(struct ask *a, uint64_t *seq, struct ask_event *out,
		  size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&a->lock);
	if (a->ev_seq > ASK_NEV && *seq < a->ev_seq - ASK_NEV)
		*seq = a->ev_seq - ASK_NEV;
	while (*seq < a->ev_seq && n < max) {
		(*seq)++;
		out[n++] = a->ev[*seq % ASK_NEV];
	}
	pthread_mutex_unlock(&a->lock);
	return n;
}

uint64_t ask_event_seq(struct ask *a)
{
	uint64_t s;

	pthread_mutex_lock(&a->lock);
	s = a->ev_seq;
	pthread_mutex_unlock(&a->lock);
	return s;
}

/* Under a->lock: the request is answered. */
static void ask_finish(struct ask *a, struct ask_item *it,
		       enum policy_decision dec, const char *channel,
		       int64_t uid, const char *user, int64_t pid,
		       const char *remember)
{
	struct ask_event *e;

	if (it->done)
		return;
	it->done = true;
	it->ans.decision = dec;
	it->ans.channel = channel;
	it->ans.uid = uid;
	it->ans.user = user;
	it->ans.pid = pid;
	it->ans.remember = remember;
	e = ask_event_new(a, ASK_EV_RESOLVED, it->id);
	e->decision = dec;
	e->channel = channel;
	e->uid = uid;
	e->user = user;
	e->pid = pid;
	e->remember = remember;
	pthread_cond_broadcast(&a->cond);
	ask_wake(a);
}

static void ask_withdraw(struct ask *a, struct ask_item *it,
			 const char *reason)
{
	struct ask_event *e;

	if (it->done)
		return;
	it->done = true;
	it->ans.decision = POLICY_DENY;
	it->ans.channel = "withdrawn";
	it->ans.uid = -1;
	it->ans.pid = -1;
	e = ask_event_new(a, ASK_EV_WITHDRAWN, it->id);
	e->decision = POLICY_DENY;
	e->channel = "withdrawn";
	e->reason = reason;
	pthread_cond_broadcast(&a->cond);
	ask_wake(a);
}

/* ---- waiting --------------------------------------------------------- */

static bool ask_caller_alive(const struct ask_request *rq)
{
	uint64_t id = rq->notif_id;

	if (rq->listener < 0)
		return true;
	return ioctl(rq->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void ask_hint(struct ask *a, uint64_t id, const struct ask_desc *d)
{
	char what[512];

	ask_text_safe(d->target, what, sizeof(what));
	fprintf(stderr, "proctor: waiting for approval of request %llu "
		"(%s %s): run 'proctor approve' in another terminal\n",
		(unsigned long long)id, d->op_name, what);
}

void ask_wait(struct ask *a, const struct ask_request *rq,
	      struct ask_answer *ans)
{
	struct policy_vars vars = { a->home, a->cwd, environ };
	struct ask_desc *d;
	struct ask_item *it;
	int64_t t0 = ask_now(), checked = t0, now;
	bool gone = false, hint = false;
	uint64_t id = 0;

	memset(ans, 0, sizeof(*ans));
	ans->uid = -1;
	ans->pid = -1;
	ans->decision = POLICY_DENY;
	if (a->channels & ASK_ALLOW) {
		ans->decision = POLICY_ALLOW;
		ans->channel = "allow";
		return;
	}
	if (a->channels & ASK_DENY) {
		ans->channel = "deny";
		return;
	}
	if (!a->tty && !a->console) {
		ans->channel = "unavailable";
		return;
	}
	d = ask_desc_build(rq, a->self, &vars);
	if (!d) {
		ans->channel = "error";
		return;
	}
	pthread_mutex_lock(&a->lock);
	a->nwait++;
	if (a->stopping) {
		ans->channel = "stopping";
		goto out;
	}
	it = ask_find_same(a, d);
	if (!it) {
		struct ask_item **pp;

		it = calloc(1, sizeof(*it));
		if (!it) {
			ans->channel = "error";
			goto out;
		}
		it->id = ++a->last_id;
		it->d = d;
		d = NULL;
		it->deadline = t0 + (int64_t)a->timeout_s * 1000000000;
		for (pp = &a->items; *pp; pp = &(*pp)->next)
			;
		*pp = it;
		ask_wake(a);
		hint = !a->tty && a->console &&
		       ask_console_attached(a->console) == 0;
	}
	it->waiters++;
	id = it->id;
	if (hint) {
		struct ask_desc *hd = it->d;

		atomic_fetch_add(&hd->refs, 1);
		pthread_mutex_unlock(&a->lock);
		ask_hint(a, id, hd);
		ask_desc_put(hd);
		pthread_mutex_lock(&a->lock);
	}
	while (!it->done) {
		struct timespec ts;
		int64_t until = ask_now() + ASK_POLL_MS * 1000000LL;

		if (until > it->deadline)
			until = it->deadline;
		ts.tv_sec = until / 1000000000;
		ts.tv_nsec = until % 1000000000;
		pthread_cond_timedwait(&a->cond, &a->lock, &ts);
		if (it->done)
			break;
		now = ask_now();
		if (a->stopping) {
			ask_finish(a, it, POLICY_DENY, "stopping", -1, NULL,
				   -1, NULL);
			break;
		}
		if (now >= it->deadline) {
			ask_finish(a, it, POLICY_DENY, "timeout", -1, NULL,
				   -1, NULL);
			break;
		}
		if (now - checked >= ASK_POLL_MS * 1000000LL) {
			bool alive;

			checked = now;
			pthread_mutex_unlock(&a->lock);
			alive = ask_caller_alive(rq);
			pthread_mutex_lock(&a->lock);
			if (!alive) {
				gone = true;
				break;
			}
		}
	}
	if (gone && !it->done) {
		ans->channel = "withdrawn";
		if (it->waiters == 1)
			ask_withdraw(a, it, "the caller ended or was "
				     "interrupted");
	} else {
		*ans = it->ans;
	}
	it->waiters--;
	if (it->waiters == 0) {
		struct ask_item **pp;

		for (pp = &a->items; *pp; pp = &(*pp)->next) {
			if (*pp == it) {
				*pp = it->next;
				break;
			}
		}
		ask_desc_put(it->d);
		free(it);
	}
out:
	ans->wait_ns = ask_now() - t0;
	a->nwait--;
	if (a->stopping)
		pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	ask_desc_put(d);
}

/* ---- views ----------------------------------------------------------- */

int ask_view_next(struct ask *a, uint64_t after, struct ask_view *v)
{
	struct ask_item *it;
	int ret = -ENOENT;

	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&a->lock);
	for (it = a->items; it; it = it->next) {
		if (it->done || it->id <= after)
			continue;
		v->id = it->id;
		v->d = it->d;
		atomic_fetch_add(&it->d->refs, 1);
		v->waiters = it->waiters;
		v->time_left_ms = (it->deadline - ask_now()) / 1000000;
		if (v->time_left_ms < 0)
			v->time_left_ms = 0;
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&a->lock);
	return ret;
}

void ask_view_release(struct ask_view *v)
{
	ask_desc_put(v->d);
	v->d = NULL;
}

bool ask_is_pending(struct ask *a, uint64_t id)
{
	struct ask_item *it;
	bool p;

	pthread_mutex_lock(&a->lock);
	it = ask_find(a, id);
	p = it && !it->done;
	pthread_mutex_unlock(&a->lock);
	return p;
}

/* ---- answers and remembered rules ------------------------------------ */

struct ask_diag {
	char *err;
	size_t n;
	bool set;
};

static void ask_diag_fn(void *ctx, enum policy_diag_severity sev,
			const char *file, unsigned line, unsigned col,
			const char *msg)
{
	struct ask_diag *dg = ctx;

	(void)file;
	(void)line;
	(void)col;
	if (sev != POLICY_DIAG_ERROR || dg->set)
		return;
	snprintf(dg->err, dg->n, "not a valid rule: %s", msg);
	dg->set = true;
}

static bool ask_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Appends the rule to --save-to with a comment naming the session. */
static int ask_save(struct ask *a, const char *rule,
		    const struct ask_reply *r, char *err, size_t errlen)
{
	struct policy_buf b;
	struct stat st;
	char when[64], who[128];
	struct tm tm;
	time_t t = time(NULL);
	size_t off = 0, i;
	char last = '\n';
	int fd, ret = 0;

	policy_buf_init(&b);
	fd = open(a->save_to, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		  O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = -EIO;
		snprintf(err, errlen, "cannot write %s: %s", a->save_to,
			 fd < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(who, sizeof(who), "%s", r->user ? r->user : "?");
	for (i = 0; who[i]; i++)
		if ((unsigned char)who[i] < 0x20 || who[i] == 0x7f)
			who[i] = '?';
	ret = policy_buf_addf(&b, "%s# added by %s via %s, proctor session "
			      "%lld (pid %d), %s\n%s",
			      last == '\n' ? "" : "\n", who, r->channel,
			      (long long)a->session_id, (int)a->self, when,
			      rule);
	if (ret < 0)
		goto out;
	while (off < b.len) {
		ssize_t w = write(fd, b.p + off, b.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ret = -EIO;
			snprintf(err, errlen, "cannot write %s: %s",
				 a->save_to, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0) {
		ret = -EIO;
		snprintf(err, errlen, "cannot write %s: %s", a->save_to,
			 strerror(errno));
	}
out:
	if (fd >= 0)
		close(fd);
	policy_buf_release(&b);
	return ret;
}

/* Under a->lock: compile the session rules plus one, save it if asked,
 * publish. */
static int ask_remember(struct ask *a, const struct ask_desc *d,
			const struct ask_reply *r, const char *scope,
			char *err, size_t errlen)
{
	struct policy_vars vars = { a->home, a->cwd, environ };
	struct ask_diag dg = { err, errlen, false };
	const char *pat = r->pattern && r->pattern[0] ? r->pattern : d->exact;
	struct policy_buf text, rule;
	struct policy *p = NULL, **nv;
	int ret;

	policy_buf_init(&text);
	policy_buf_init(&rule);
	if (!pat) {
		snprintf(err, errlen, "this target cannot be written as a "
			 "rule: answer once, or give a pattern");
		ret = -ENOTSUP;
		goto out;
	}
	if (ask_has_control(pat)) {
		snprintf(err, errlen, "a pattern cannot hold control "
			 "characters");
		ret = -EINVAL;
		goto out;
	}
	if (strcmp(scope, "policy") == 0 && !a->save_to) {
		snprintf(err, errlen, "no policy file to save to (start "
			 "proctor with --save-to FILE)");
		ret = -ENOTSUP;
		goto out;
	}
	ret = policy_buf_addf(&rule, "%s %s %s\n",
			      policy_decision_name(r->decision), d->op_name,
			      pat);
	if (ret == 0 && a->session_text.len)
		ret = policy_buf_add(&text, a->session_text.p,
				     a->session_text.len);
	if (ret == 0)
		ret = policy_buf_add(&text, rule.p, rule.len);
	if (ret == 0)
		ret = policy_new(&p, &vars);
	if (ret < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ret = policy_add_text(p, "session", text.p, text.len, ask_diag_fn,
			      &dg);
	if (ret == 0)
		ret = policy_finish(p, ask_diag_fn, &dg);
	if (ret < 0) {
		if (!dg.set)
			snprintf(err, errlen, "not a valid rule: %s",
				 strerror(-ret));
		ret = -EINVAL;
		goto out;
	}
	nv = realloc(a->versions, (a->nversions + 1) * sizeof(*nv));
	if (!nv) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	a->versions = nv;
	if (strcmp(scope, "policy") == 0) {
		ret = ask_save(a, rule.p, r, err, errlen);
		if (ret < 0)
			goto out;
	}
	a->versions[a->nversions++] = p;
	atomic_store_explicit(&a->session, p, memory_order_release);
	p = NULL;
	policy_buf_release(&a->session_text);
	a->session_text = text;
	policy_buf_init(&text);
out:
	policy_free(p);
	policy_buf_release(&text);
	policy_buf_release(&rule);
	return ret;
}

/* Under a->lock: pending requests the new session rules now decide. */
static void ask_settle(struct ask *a, const struct ask_reply *r,
		       const char *user, const char *remember)
{
	const struct policy *p = atomic_load(&a->session);
	struct ask_item *it;

	for (it = a->items; it && p; it = it->next) {
		const struct ask_desc *d = it->d;
		struct policy_query q;
		struct policy_result res = { POLICY_DENY, NULL, -1 };

		if (it->done || !d->has_query)
			continue;
		memset(&q, 0, sizeof(q));
		q.op = d->op;
		q.path = d->qpath;
		q.path_len = strlen(d->qpath);
		q.argv = (const char *const *)d->qargv;
		q.argc = d->qargc;
		policy_eval(p, &q, &res);
		if (res.rule && res.decision != POLICY_ASK)
			ask_finish(a, it, res.decision, r->channel, r->uid,
				   user, r->pid, remember);
	}
}

int ask_reply(struct ask *a, const struct ask_reply *r, char *err,
	      size_t errlen)
{
	const char *remember = r->remember;
	const char *user;
	struct ask_item *it;
	int ret = 0;

	if (errlen)
		err[0] = '\0';
	if (remember && strcmp(remember, "once") == 0)
		remember = NULL;
	if (remember && strcmp(remember, "session") != 0 &&
	    strcmp(remember, "policy") != 0) {
		snprintf(err, errlen, "remember is once, session or policy");
		return -EINVAL;
	}
	if (r->decision != POLICY_ALLOW && r->decision != POLICY_DENY) {
		snprintf(err, errlen, "the answer is allow or deny");
		return -EINVAL;
	}
	pthread_mutex_lock(&a->lock);
	it = ask_find(a, r->id);
	if (!it || it->done) {
		snprintf(err, errlen, "request %llu is not waiting (answered, "
			 "withdrawn or timed out)", (unsigned long long)r->id);
		ret = -ENOENT;
		goto out;
	}
	if (!r->op || !r->target || strcmp(r->op, it->d->op_name) != 0 ||
	    strcmp(r->target, it->d->target) != 0) {
		snprintf(err, errlen, "request %llu is not %s %s: the answer "
			 "must name its operation and target",
			 (unsigned long long)r->id, r->op ? r->op : "?",
			 r->target ? r->target : "?");
		ret = -ESTALE;
		goto out;
	}
	if (remember) {
		ret = ask_remember(a, it->d, r, remember, err, errlen);
		if (ret < 0)
			goto out;
	}
	user = ask_intern(a, r->user);
	remember = remember ? (strcmp(remember, "session") == 0 ?
			       "session" : "policy") : NULL;
	ask_finish(a, it, r->decision, r->channel, r->uid, user, r->pid,
		   remember);
	if (remember)
		ask_settle(a, r, user, remember);
out:
	pthread_mutex_unlock(&a->lock);
	return ret;
}
