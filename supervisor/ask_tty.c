/*
 * ask_tty.c - the "tty" answer channel: a prompt on proctor's controlling
 * terminal (/dev/tty) for each pending request, one at a time, oldest
 * first.
 *
 * One thread owns the terminal. For a prompt it switches the terminal to
 * single keys (no ICANON, no ECHO; ISIG stays, so ^C still reaches the
 * agent), discards what was typed before the prompt appeared (tcflush), and
 * restores the agent's own settings as soon as the key is read. Answers
 * from another channel, timeouts and withdrawn requests close the prompt.
 *
 * Invariants: everything that came from the agent is passed through
 * ask_text_safe() before it is written (no escape sequences reach the
 * terminal); the approver is the owner of the terminal device.
 *
 * Must never: read the terminal outside a prompt (the agent may be reading
 * it); take a key typed before the prompt was shown as the answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "ask.h"

#define TTY_FIELD 512

struct ask_tty {
	struct ask *a;
	int fd;				/* /dev/tty */
	int wake;			/* eventfd */
	pthread_t thread;
	bool started;
	atomic_int stop;
	uid_t uid;
	char user[64];
	struct termios saved;		/* the agent's settings */
	bool raw;			/* saved holds what to restore */
	uint64_t evseq;
	struct ask_view cur;		/* the request on screen (d NULL:
					 * none) */
};

static void tty_printf(struct ask_tty *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tty_printf(struct ask_tty *t, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	size_t n, off = 0;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n = (size_t)r < sizeof(buf) ? (size_t)r : sizeof(buf) - 1;
	while (off < n) {
		ssize_t w = write(t->fd, buf + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* Single keys, no echo; input typed before now is discarded. */
static void tty_raw(struct ask_tty *t)
{
	struct termios tio;

	if (!t->raw) {
		if (tcgetattr(t->fd, &t->saved) < 0)
			return;
		t->raw = true;
	}
	tio = t->saved;
	tio.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	tcsetattr(t->fd, TCSANOW, &tio);
	tcflush(t->fd, TCIFLUSH);
}

/* One line with echo, for editing a pattern. */
static void tty_cooked(struct ask_tty *t)
{
	struct termios tio;

	if (!t->raw)
		return;
	tio = t->saved;
	tio.c_lflag |= ICANON | ECHO | ECHOE | ECHOK;
	tio.c_iflag |= ICRNL;
	tcsetattr(t->fd, TCSANOW, &tio);
}

static void tty_restore(struct ask_tty *t)
{
	if (!t->raw)
		return;
	tcsetattr(t->fd, TCSANOW, &t->saved);
	t->raw = false;
}

static void tty_drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) > 0)
		;
}

static void tty_done(struct ask_tty *t)
{
	tty_restore(t);
	ask_view_release(&t->cur);
	memset(&t->cur, 0, sizeof(t->cur));
}

static void tty_options(struct ask_tty *t)
{
	const struct ask_desc *d = t->cur.d;
	const char *save = ask_save_to(t->a);
	char f[TTY_FIELD];

	tty_printf(t, "  [a] allow once");
	if (d->exact)
		tty_printf(t, "   [s] allow for this session");
	if (d->broader) {
		ask_text_safe(d->broader, f, sizeof(f));
		tty_printf(t, "   [b] allow for session: %s", f);
	}
	tty_printf(t, "\r\n");
	if (save && d->exact) {
		ask_text_safe(save, f, sizeof(f));
		tty_printf(t, "  [p] allow and save to %s\r\n", f);
	}
	tty_printf(t, "  [d] deny once");
	if (d->exact)
		tty_printf(t, "   [n] deny for this session");
	tty_printf(t, "   [?] details\r\n  answer: ");
}

static void tty_show(struct ask_tty *t)
{
	const struct ask_desc *d = t->cur.d;
	char f1[TTY_FIELD], f2[TTY_FIELD], f3[TTY_FIELD];
	size_t i;

	tty_raw(t);
	ask_text_safe(d->target, f1, sizeof(f1));
	tty_printf(t, "\r\nproctor: request %llu asks to %s %s\r\n",
		   (unsigned long long)t->cur.id, d->op_name, f1);
	ask_text_safe(d->exe, f1, sizeof(f1));
	f2[0] = '\0';
	if (d->argv) {
		char *j = NULL;
		size_t k, len = 0;

		for (k = 0; k < d->argc; k++)
			len += strlen(d->argv[k]) + 1;
		j = calloc(1, len + 1);
		for (k = 0; j && k < d->argc; k++) {
			if (k)
				strncat(j, " ", len - strlen(j));
			strncat(j, d->argv[k], len - strlen(j));
		}
		ask_text_safe(j ? j : "", f2, sizeof(f2));
		free(j);
	}
	tty_printf(t, "  process  %d %s: %s\r\n", (int)d->tgid, f1, f2);
	ask_text_safe(d->cwd ? d->cwd : "?", f1, sizeof(f1));
	tty_printf(t, "  cwd      %s\r\n", f1);
	if (d->nparents) {
		tty_printf(t, "  parents ");
		for (i = 0; i < d->nparents && i < 3; i++) {
			const char *b = strrchr(d->parents[i].exe ?
						d->parents[i].exe : "?", '/');

			ask_text_safe(b ? b + 1 : d->parents[i].exe, f1,
				      sizeof(f1));
			tty_printf(t, "%s %d %s", i ? " <-" : "",
				   (int)d->parents[i].pid, f1);
		}
		tty_printf(t, "%s (agent)\r\n", d->nparents > 3 ? " <- ..." :
			   "");
	}
	ask_text_safe(d->requested, f1, sizeof(f1));
	ask_text_safe(d->resolved ? d->resolved : "-", f2, sizeof(f2));
	tty_printf(t, "  target   %s -> %s  (%s)\r\n", f1, f2,
		   d->syscall ? d->syscall : "?");
	ask_text_safe(d->rule, f1, sizeof(f1));
	ask_text_safe(d->rule_text ? d->rule_text : "", f3, sizeof(f3));
	tty_printf(t, "  rule     %s: %s\r\n", f1, f3);
	tty_printf(t, "  time     %lld s left, then deny%s\r\n",
		   (long long)(t->cur.time_left_ms + 999) / 1000,
		   t->cur.waiters > 1 ? " (several calls wait for it)" : "");
	tty_options(t);
}

static void tty_details(struct ask_tty *t)
{
	const struct ask_desc *d = t->cur.d;
	char f1[TTY_FIELD], f2[TTY_FIELD];
	size_t i;

	tty_printf(t, "?\r\n  details of request %llu:\r\n",
		   (unsigned long long)t->cur.id);
	tty_printf(t, "    syscall  %s by thread %d of process %d\r\n",
		   d->syscall ? d->syscall : "?", (int)d->pid, (int)d->tgid);
	ask_text_safe(d->exe, f1, sizeof(f1));
	tty_printf(t, "    program  %s\r\n", f1);
	for (i = 0; i < d->argc; i++) {
		ask_text_safe(d->argv[i], f1, sizeof(f1));
		tty_printf(t, "    argv[%zu]  %s\r\n", i, f1);
	}
	for (i = 0; i < d->nparents; i++) {
		ask_text_safe(d->parents[i].exe ? d->parents[i].exe : "?", f1,
			      sizeof(f1));
		ask_text_safe(d->parents[i].cmdline ?
			      d->parents[i].cmdline : "", f2, sizeof(f2));
		tty_printf(t, "    parent   %d %s: %s\r\n",
			   (int)d->parents[i].pid, f1, f2);
	}
	ask_text_safe(d->requested, f1, sizeof(f1));
	tty_printf(t, "    requested %s\r\n", f1);
	if (d->backtrace) {
		const char *p = d->backtrace;

		tty_printf(t, "    stack    (from the preload library)\r\n");
		while (*p) {
			size_t n = strcspn(p, "\n");
			char line[TTY_FIELD];

			snprintf(line, sizeof(line), "%.*s", (int)n, p);
			ask_text_safe(line, f1, sizeof(f1));
			tty_printf(t, "      %s\r\n", f1);
			p += n;
			if (*p)
				p++;
		}
	}
	ask_text_safe(d->resolved ? d->resolved : "-", f1, sizeof(f1));
	tty_printf(t, "    resolved  %s\r\n", f1);
	if (d->exact) {
		ask_text_safe(d->exact, f1, sizeof(f1));
		tty_printf(t, "    [s] remembers: allow %s %s\r\n", d->op_name,
			   f1);
	} else {
		tty_printf(t, "    this target cannot be remembered as a "
			   "rule\r\n");
	}
	tty_printf(t, "    waiting  %d call(s), %lld s left\r\n",
		   t->cur.waiters, (long long)(t->cur.time_left_ms + 999) /
		   1000);
	tty_options(t);
}

/* The request on screen was settled elsewhere: say how, close it. */
static void tty_settled(struct ask_tty *t)
{
	struct ask_event ev[32];
	size_t n, i;
	bool said = false;

	while ((n = ask_events(t->a, &t->evseq, ev, 32)) > 0) {
		for (i = 0; i < n; i++) {
			char who[128];

			if (!t->cur.d || ev[i].id != t->cur.id || said)
				continue;
			if (ev[i].kind == ASK_EV_WITHDRAWN) {
				tty_printf(t, "\r\n  request %llu withdrawn: "
					   "%s\r\n",
					   (unsigned long long)ev[i].id,
					   ev[i].reason ? ev[i].reason : "");
			} else if (strcmp(ev[i].channel, "timeout") == 0) {
				tty_printf(t, "\r\n  request %llu timed out: "
					   "denied\r\n",
					   (unsigned long long)ev[i].id);
			} else {
				ask_text_safe(ev[i].user ? ev[i].user : "?",
					      who, sizeof(who));
				tty_printf(t, "\r\n  request %llu %s by %s "
					   "(%s)%s%s\r\n",
					   (unsigned long long)ev[i].id,
					   ev[i].decision == POLICY_ALLOW ?
					   "allowed" : "denied", who,
					   ev[i].channel,
					   ev[i].remember ? ", remembered "
					   "for the " : "",
					   ev[i].remember ? ev[i].remember :
					   "");
			}
			said = true;
		}
	}
	if (t->cur.d && !ask_is_pending(t->a, t->cur.id)) {
		if (!said)
			tty_printf(t, "\r\n  request %llu was settled "
				   "elsewhere\r\n",
				   (unsigned long long)t->cur.id);
		tty_done(t);
	}
}

/*
 * Read one line (for a pattern), default def. Returns a string the caller
 * frees, or NULL when the request was settled meanwhile or the terminal
 * is gone.
 */
static char *tty_line(struct ask_tty *t, const char *label, const char *def)
{
	char buf[4096], f[TTY_FIELD];
	size_t len = 0;
	char *nl, *s;

	ask_text_safe(def, f, sizeof(f));
	tty_cooked(t);
	tty_printf(t, "\r\n  %s [%s]: ", label, f);
	for (;;) {
		struct pollfd p[2] = { { t->wake, POLLIN, 0 },
				       { t->fd, POLLIN, 0 } };
		ssize_t r;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (atomic_load(&t->stop))
			return NULL;
		if (p[0].revents) {
			tty_drain(t->wake);
			tty_settled(t);
			if (!t->cur.d)
				return NULL;
		}
		if (!p[1].revents)
			continue;
		r = read(t->fd, buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return NULL;
		len += (size_t)r;
		buf[len] = '\0';
		nl = strchr(buf, '\n');
		if (nl || len == sizeof(buf) - 1) {
			if (nl)
				*nl = '\0';
			break;
		}
	}
	s = buf;
	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
		       s[len - 1] == '\r'))
		s[--len] = '\0';
	tty_raw(t);
	return strdup(len ? s : def);
}

static void tty_reply(struct ask_tty *t, enum policy_decision dec,
		      const char *remember, const char *pattern)
{
	struct ask_reply r;
	char err[512], f[TTY_FIELD];

	memset(&r, 0, sizeof(r));
	r.id = t->cur.id;
	r.op = t->cur.d->op_name;
	r.target = t->cur.d->target;
	r.decision = dec;
	r.remember = remember;
	r.pattern = pattern;
	r.channel = "tty";
	r.uid = t->uid;
	r.user = t->user;
	r.pid = ask_self(t->a);
	if (ask_reply(t->a, &r, err, sizeof(err)) < 0) {
		ask_text_safe(err, f, sizeof(f));
		tty_printf(t, "\r\n  cannot: %s\r\n", f);
		if (ask_is_pending(t->a, t->cur.id)) {
			tty_raw(t);
			tty_options(t);
		} else {
			tty_done(t);
		}
		return;
	}
	tty_printf(t, "%s%s%s\r\n", dec == POLICY_ALLOW ? "allow" : "deny",
		   remember ? " for the " : " once",
		   remember ? (strcmp(remember, "policy") == 0 ?
			       "session, saved to the policy file" :
			       "session") : "");
	tty_done(t);
}

/* A key was typed while a prompt is shown. Returns -1 when the terminal
 * is gone. */
static int tty_key(struct ask_tty *t, short revents)
{
	const struct ask_desc *d = t->cur.d;
	char c, *pat;
	ssize_t r = read(t->fd, &c, 1);

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) {
		if (r < 0 && errno == EIO && !(revents & POLLHUP)) {
			/* in the background: try again later */
			poll(NULL, 0, 1000);
			return 0;
		}
		return -1;
	}
	switch (c) {
	case 'a':
	case 'A':
	case 'y':
	case 'Y':
		tty_reply(t, POLICY_ALLOW, NULL, NULL);
		break;
	case 's':
	case 'S':
		if (d->exact)
			tty_reply(t, POLICY_ALLOW, "session", NULL);
		break;
	case 'b':
	case 'B':
		if (!d->exact)
			break;
		pat = tty_line(t, "allow for the session, pattern",
			       d->broader ? d->broader : d->exact);
		if (pat && t->cur.d)
			tty_reply(t, POLICY_ALLOW, "session", pat);
		free(pat);
		break;
	case 'p':
	case 'P':
		if (!d->exact || !ask_save_to(t->a))
			break;
		pat = tty_line(t, "allow and save, pattern", d->exact);
		if (pat && t->cur.d)
			tty_reply(t, POLICY_ALLOW, "policy", pat);
		free(pat);
		break;
	case 'd':
	case 'D':
		tty_reply(t, POLICY_DENY, NULL, NULL);
		break;
	case 'n':
	case 'N':
		if (d->exact)
			tty_reply(t, POLICY_DENY, "session", NULL);
		break;
	case '?':
	case 'h':
		tty_details(t);
		break;
	default:
		break;
	}
	return 0;
}

static void *tty_main(void *arg)
{
	struct ask_tty *t = arg;

	while (!atomic_load(&t->stop)) {
		struct pollfd p[2] = { { t->wake, POLLIN, 0 },
				       { t->fd, POLLIN, 0 } };
		int n;

		if (!t->cur.d && ask_view_next(t->a, 0, &t->cur) == 0)
			tty_show(t);
		n = poll(p, t->cur.d ? 2 : 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (atomic_load(&t->stop))
			break;
		if (p[0].revents) {
			tty_drain(t->wake);
			tty_settled(t);
		}
		if (t->cur.d && p[1].revents && tty_key(t, p[1].revents) < 0)
			break;
	}
	if (t->cur.d)
		tty_done(t);
	return NULL;
}

int ask_tty_start(struct ask_tty **out, struct ask *a)
{
	struct ask_tty *t = calloc(1, sizeof(*t));
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	sigset_t all, old;
	struct stat st;
	int ret;

	if (!t)
		return -ENOMEM;
	t->a = a;
	t->wake = -1;
	t->fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->fd < 0) {
		ret = -errno;
		goto fail;
	}
	t->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->wake < 0 || fstat(t->fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	t->uid = st.st_uid;
	if (getpwuid_r(st.st_uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
	    res)
		snprintf(t->user, sizeof(t->user), "%s", pw.pw_name);
	else
		snprintf(t->user, sizeof(t->user), "%u", (unsigned)st.st_uid);
	t->evseq = ask_event_seq(a);
	/* No signal is delivered to this thread; SIGTTIN/SIGTTOU blocked
	 * make a background read fail with EIO instead of stopping proctor. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&t->thread, NULL, tty_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret < 0)
		goto fail;
	t->started = true;
	*out = t;
	return 0;
fail:
	if (t->fd >= 0)
		close(t->fd);
	if (t->wake >= 0)
		close(t->wake);
	free(t);
	return ret;
}

void ask_tty_wake(struct ask_tty *t)
{
	uint64_t one = 1;
	ssize_t r = write(t->wake, &one, sizeof(one));

	(void)r;
}

void ask_tty_stop(struct ask_tty *t)
{
	if (!t)
		return;
	atomic_store(&t->stop, 1);
	ask_tty_wake(t);
	if (t->started)
		pthread_join(t->thread, NULL);
	tty_restore(t);
	close(t->fd);
	close(t->wake);
	free(t);
}
