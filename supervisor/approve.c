/*
 * approve.c - `proctor approve`: list running proctor sessions of this user,
 * attach to them, show their pending `ask` requests and answer them.
 *
 *   proctor approve                      attach to every session, prompt
 *   proctor approve --list [--json]      sessions and pending requests
 *   proctor approve REQUEST allow|deny [--remember once|session|policy]
 *
 * User interface only: everything goes through the sessions' approval
 * sockets (ask_console.c, docs/approval-protocol.md); the sessions decide
 * who may answer. Text from the sessions (file names, argv) comes from
 * the supervised agent and is passed through ask_text_safe() before it is
 * printed.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "approve.h"
#include "ask.h"

#define AP_MAX 64
#define AP_LINE_MAX 65536
#define AP_FIELD 512

struct ap_conn {
	pid_t pid;			/* proctor's, from the socket name */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	json_object *hello;
	json_object *reqs;		/* pending requests, oldest first */
	char *in;
	size_t inlen;
	bool synced;
	bool closed;
	char err[256];
};

struct ap {
	char dir[PATH_MAX];
	pid_t only;			/* --session PID, 0 for all */
	struct ap_conn c[AP_MAX];
	int n;
	bool interactive;
};

static int64_t ap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *ap_str(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t ap_int(json_object *o, const char *key, int64_t def)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

static void ap_safe(const char *s, char *out, size_t n)
{
	ask_text_safe(s ? s : "", out, n);
}

/* ---- connections ----------------------------------------------------- */

static void ap_close(struct ap_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->closed = true;
}

static void ap_release(struct ap_conn *c)
{
	ap_close(c);
	json_object_put(c->hello);
	json_object_put(c->reqs);
	free(c->in);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int ap_connect(struct ap_conn *c, const char *path, pid_t pid)
{
	struct sockaddr_un sa;
	int fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->pid = pid;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(c->path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	c->fd = fd;
	c->in = malloc(AP_LINE_MAX);
	c->reqs = json_object_new_array();
	if (!c->in || !c->reqs) {
		ap_release(c);
		return -ENOMEM;
	}
	return 0;
}

/* Index of request id in c->reqs, or -1. */
static int ap_req_index(struct ap_conn *c, int64_t id)
{
	size_t i, n = json_object_array_length(c->reqs);

	for (i = 0; i < n; i++)
		if (ap_int(json_object_array_get_idx(c->reqs, i), "id", -1) ==
		    id)
			return (int)i;
	return -1;
}

static void ap_print_req(struct ap *ap, struct ap_conn *c, json_object *r,
			 bool details);
static void ap_print_event(struct ap *ap, struct ap_conn *c,
			   json_object *m);

/* Takes in one message (owned by the caller). */
static void ap_apply(struct ap *ap, struct ap_conn *c, json_object *m)
{
	const char *type = ap_str(m, "type");
	int idx;

	if (!type)
		return;
	if (strcmp(type, "hello") == 0) {
		json_object_put(c->hello);
		c->hello = json_object_get(m);
	} else if (strcmp(type, "request") == 0) {
		/* when it came, to count the time left down */
		json_object_object_add(m, "received_ms",
				       json_object_new_int64(ap_now_ms()));
		idx = ap_req_index(c, ap_int(m, "id", -1));
		if (idx >= 0)
			json_object_array_put_idx(c->reqs, (size_t)idx,
						  json_object_get(m));
		else
			json_object_array_add(c->reqs, json_object_get(m));
		if (ap->interactive && c->synced)
			ap_print_req(ap, c, m, false);
	} else if (strcmp(type, "resolved") == 0 ||
		   strcmp(type, "withdrawn") == 0) {
		idx = ap_req_index(c, ap_int(m, "id", -1));
		if (idx >= 0) {
			json_object_array_del_idx(c->reqs, (size_t)idx, 1);
			if (ap->interactive)
				ap_print_event(ap, c, m);
		}
	} else if (strcmp(type, "sync") == 0) {
		c->synced = true;
	} else if (strcmp(type, "error") == 0) {
		snprintf(c->err, sizeof(c->err), "%s",
			 ap_str(m, "error") ? ap_str(m, "error") : "error");
		ap_close(c);
	}
}

/* Reads what is there (waiting up to timeout_ms for something). Returns
 * -1 when the connection is closed. */
static int ap_recv(struct ap_conn *c, int timeout_ms)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	ssize_t r;

	if (c->closed)
		return -1;
	if (timeout_ms >= 0 && poll(&p, 1, timeout_ms) <= 0)
		return 0;
	r = recv(c->fd, c->in + c->inlen, AP_LINE_MAX - 1 - c->inlen,
		 MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0 || c->inlen + (size_t)r >= AP_LINE_MAX - 1) {
		ap_close(c);
		return -1;
	}
	c->inlen += (size_t)r;
	c->in[c->inlen] = '\0';
	return 0;
}

/* The next whole message in the buffer (caller puts it), or NULL. */
static json_object *ap_next(struct ap_conn *c)
{
	char *nl;
	size_t used;
	json_object *m;

	while ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		*nl = '\0';
		used = (size_t)(nl - c->in) + 1;
		m = json_tokener_parse(c->in);
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
		c->in[c->inlen] = '\0';
		if (m && json_object_is_type(m, json_type_object))
			return m;
		json_object_put(m);
	}
	return NULL;
}

/* Reads and applies everything available on c; a "result" message is
 * handed back through *result (caller puts) instead. */
static void ap_pump(struct ap *ap, struct ap_conn *c, int timeout_ms,
		    json_object **result)
{
	json_object *m;

	ap_recv(c, timeout_ms);
	while ((m = ap_next(c)) != NULL) {
		const char *type = ap_str(m, "type");

		if (result && type && strcmp(type, "result") == 0) {
			json_object_put(*result);
			*result = m;
			continue;
		}
		ap_apply(ap, c, m);
		json_object_put(m);
	}
}

static bool ap_known(struct ap *ap, pid_t pid)
{
	int i;

	for (i = 0; i < ap->n; i++)
		if (ap->c[i].pid == pid && !ap->c[i].closed)
			return true;
	return false;
}

/* Attach to every session in the directory not attached yet. */
static void ap_scan(struct ap *ap, bool quiet)
{
	DIR *d = opendir(ap->dir);
	struct dirent *e;
	int i, k;

	/* forget closed connections first */
	for (i = 0, k = 0; i < ap->n; i++) {
		if (ap->c[i].closed && !ap->c[i].err[0]) {
			ap_release(&ap->c[i]);
			continue;
		}
		if (k != i)
			ap->c[k] = ap->c[i];
		k++;
	}
	ap->n = k;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL && ap->n < AP_MAX) {
		char path[PATH_MAX + 256], *end;
		long pid;
		int r;

		errno = 0;
		pid = strtol(e->d_name, &end, 10);
		if (errno || pid <= 0 || strcmp(end, ".sock") != 0)
			continue;
		if ((ap->only && pid != ap->only) || ap_known(ap, (pid_t)pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", ap->dir, e->d_name);
		r = ap_connect(&ap->c[ap->n], path, (pid_t)pid);
		if (r == -ECONNREFUSED && kill((pid_t)pid, 0) < 0 &&
		    errno == ESRCH) {
			unlink(path);	/* its proctor is gone */
			continue;
		}
		if (r < 0) {
			if (!quiet)
				fprintf(stderr, "proctor approve: cannot "
					"attach to session %ld: %s\n", pid,
					strerror(-r));
			continue;
		}
		ap->n++;
	}
	closedir(d);
}

/* Wait until every connection has sent its snapshot (or closed). */
static void ap_sync(struct ap *ap, int timeout_ms)
{
	int64_t end = ap_now_ms() + timeout_ms;
	int i;

	for (;;) {
		bool all = true;

		for (i = 0; i < ap->n; i++) {
			struct ap_conn *c = &ap->c[i];

			if (c->closed || c->synced)
				continue;
			all = false;
			ap_pump(ap, c, 50, NULL);
		}
		if (all || ap_now_ms() >= end)
			return;
	}
}

static void ap_refused(struct ap *ap)
{
	int i;

	for (i = 0; i < ap->n; i++)
		if (ap->c[i].err[0])
			fprintf(stderr, "proctor approve: session %d: %s\n",
				(int)ap->c[i].pid, ap->c[i].err);
}

static int ap_live(struct ap *ap)
{
	int i, n = 0;

	for (i = 0; i < ap->n; i++)
		if (!ap->c[i].closed)
			n++;
	return n;
}

/* ---- printing -------------------------------------------------------- */

static void ap_ref(struct ap *ap, struct ap_conn *c, int64_t id, char *buf,
		   size_t n)
{
	if (ap_live(ap) > 1)
		snprintf(buf, n, "%d:%lld", (int)c->pid, (long long)id);
	else
		snprintf(buf, n, "%lld", (long long)id);
}

static void ap_join_argv(json_object *arr, char *out, size_t n)
{
	size_t i, len, used = 0;

	out[0] = '\0';
	len = arr && json_object_is_type(arr, json_type_array) ?
	      json_object_array_length(arr) : 0;
	for (i = 0; i < len && used + 1 < n; i++) {
		const char *s = json_object_get_string(
			json_object_array_get_idx(arr, i));
		int w = snprintf(out + used, n - used, "%s%s", i ? " " : "",
				 s ? s : "");

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static void ap_print_req(struct ap *ap, struct ap_conn *c, json_object *r,
			 bool details)
{
	char ref[64], f1[AP_FIELD], f2[AP_FIELD], raw[4096];
	json_object *v, *parents = NULL;
	int64_t left = ap_int(r, "time_left_ms", 0) -
		       (ap_now_ms() - ap_int(r, "received_ms", ap_now_ms()));
	size_t i, np;

	if (left < 0)
		left = 0;
	ap_ref(ap, c, ap_int(r, "id", 0), ref, sizeof(ref));
	ap_safe(ap_str(r, "target"), f1, sizeof(f1));
	printf("\nrequest %s: %s %s\n", ref, ap_str(r, "op") ?
	       ap_str(r, "op") : "?", f1);
	ap_safe(ap_str(r, "exe"), f1, sizeof(f1));
	json_object_object_get_ex(r, "argv", &v);
	ap_join_argv(v, raw, sizeof(raw));
	ap_safe(raw, f2, sizeof(f2));
	printf("    process %lld %s: %s\n", (long long)ap_int(r, "pid", 0), f1,
	       f2);
	ap_safe(ap_str(r, "cwd") ? ap_str(r, "cwd") : "?", f1, sizeof(f1));
	printf("    cwd     %s\n", f1);
	if (json_object_object_get_ex(r, "parents", &parents) &&
	    json_object_is_type(parents, json_type_array) &&
	    (np = json_object_array_length(parents)) > 0) {
		printf("    parents");
		for (i = 0; i < np && (details || i < 3); i++) {
			json_object *p = json_object_array_get_idx(parents, i);
			const char *exe = ap_str(p, "exe");
			const char *b = exe ? strrchr(exe, '/') : NULL;

			ap_safe(b ? b + 1 : exe, f1, sizeof(f1));
			printf("%s %lld %s", i ? " <-" : "",
			       (long long)ap_int(p, "pid", 0), f1);
		}
		printf("%s (agent)\n", !details && np > 3 ? " <- ..." : "");
	}
	ap_safe(ap_str(r, "requested"), f1, sizeof(f1));
	ap_safe(ap_str(r, "resolved") ? ap_str(r, "resolved") : "-", f2,
		sizeof(f2));
	printf("    target  %s -> %s (%s)\n", f1, f2,
	       ap_str(r, "syscall") ? ap_str(r, "syscall") : "?");
	ap_safe(ap_str(r, "rule"), f1, sizeof(f1));
	ap_safe(ap_str(r, "rule_text"), f2, sizeof(f2));
	printf("    rule    %s: %s\n", f1, f2);
	printf("    time    %lld s left, then deny\n",
	       (long long)(left + 999) / 1000);
	if (details) {
		for (i = 0; parents && i < json_object_array_length(parents);
		     i++) {
			json_object *p = json_object_array_get_idx(parents, i);

			ap_safe(ap_str(p, "exe"), f1, sizeof(f1));
			ap_safe(ap_str(p, "cmdline"), f2, sizeof(f2));
			printf("    parent  %lld %s: %s\n",
			       (long long)ap_int(p, "pid", 0), f1, f2);
		}
		printf("    thread  %lld, %lld call(s) waiting\n",
		       (long long)ap_int(r, "tid", 0),
		       (long long)ap_int(r, "waiters", 1));
		if (ap_str(r, "pattern")) {
			ap_safe(ap_str(r, "pattern"), f1, sizeof(f1));
			printf("    s remembers: allow %s %s\n",
			       ap_str(r, "op") ? ap_str(r, "op") : "?", f1);
		}
	}
	if (!ap->interactive)
		return;
	printf("    a %s = allow once", ref);
	if (ap_str(r, "pattern"))
		printf("   s %s = allow for the session", ref);
	if (ap_str(r, "proposal")) {
		ap_safe(ap_str(r, "proposal"), f1, sizeof(f1));
		printf("\n    b %s [PATTERN] = allow for the session, pattern "
		       "(default %s)", ref, f1);
	}
	if (ap_str(r, "save_to") && ap_str(r, "pattern")) {
		ap_safe(ap_str(r, "save_to"), f1, sizeof(f1));
		printf("\n    p %s [PATTERN] = allow and save to %s", ref, f1);
	}
	printf("\n    d %s = deny", ref);
	if (ap_str(r, "pattern"))
		printf("   n %s = deny for the session", ref);
	printf("   ? %s = details\n", ref);
	fflush(stdout);
}

static void ap_print_event(struct ap *ap, struct ap_conn *c, json_object *m)
{
	char ref[64], who[128];
	const char *type = ap_str(m, "type");

	ap_ref(ap, c, ap_int(m, "id", 0), ref, sizeof(ref));
	if (strcmp(type, "withdrawn") == 0) {
		printf("request %s withdrawn: %s\n", ref,
		       ap_str(m, "reason") ? ap_str(m, "reason") : "");
	} else if (ap_str(m, "channel") &&
		   strcmp(ap_str(m, "channel"), "timeout") == 0) {
		printf("request %s timed out: denied\n", ref);
	} else {
		ap_safe(ap_str(m, "user") ? ap_str(m, "user") : "?", who,
			sizeof(who));
		printf("request %s %s by %s (%s)%s%s\n", ref,
		       ap_str(m, "decision") && strcmp(ap_str(m, "decision"),
						       "allow") == 0 ?
		       "allowed" : "denied", who,
		       ap_str(m, "channel") ? ap_str(m, "channel") : "?",
		       ap_str(m, "remember") ? ", remembered for the " : "",
		       ap_str(m, "remember") ? ap_str(m, "remember") : "");
	}
	fflush(stdout);
}

/* ---- --list ---------------------------------------------------------- */

static int ap_list(struct ap *ap, bool json)
{
	json_object *all = json_object_new_array();
	char f1[AP_FIELD], raw[4096];
	int i;

	ap_scan(ap, false);
	ap_sync(ap, 3000);
	ap_refused(ap);
	for (i = 0; i < ap->n; i++) {
		struct ap_conn *c = &ap->c[i];
		json_object *s, *cmd = NULL;
		size_t k, n;

		if (!c->synced)
			continue;
		n = json_object_array_length(c->reqs);
		if (json) {
			for (k = 0; k < n; k++)
				json_object_object_del(
					json_object_array_get_idx(c->reqs, k),
					"received_ms");
			s = json_object_new_object();
			json_object_object_add(s, "pid",
					       json_object_new_int(c->pid));
			json_object_object_add(s, "session",
				json_object_new_int64(ap_int(c->hello,
							     "session", 0)));
			json_object_object_add(s, "socket",
					       json_object_new_string(c->path));
			if (json_object_object_get_ex(c->hello, "command",
						      &cmd))
				json_object_object_add(s, "command",
						       json_object_get(cmd));
			json_object_object_add(s, "cwd", ap_str(c->hello,
				"cwd") ? json_object_new_string(
				ap_str(c->hello, "cwd")) : NULL);
			json_object_object_add(s, "pending",
					       json_object_get(c->reqs));
			json_object_array_add(all, s);
			continue;
		}
		json_object_object_get_ex(c->hello, "command", &cmd);
		ap_join_argv(cmd, raw, sizeof(raw));
		ap_safe(raw, f1, sizeof(f1));
		printf("session %d (audit session %lld): %s\n", (int)c->pid,
		       (long long)ap_int(c->hello, "session", 0), f1);
		if (n == 0)
			printf("    no pending requests\n");
		for (k = 0; k < n; k++) {
			json_object *r = json_object_array_get_idx(c->reqs, k);
			char tgt[AP_FIELD];

			ap_safe(ap_str(r, "target"), tgt, sizeof(tgt));
			printf("    request %lld: %s %s (pid %lld, rule %s, "
			       "%lld s left)\n",
			       (long long)ap_int(r, "id", 0),
			       ap_str(r, "op") ? ap_str(r, "op") : "?", tgt,
			       (long long)ap_int(r, "pid", 0),
			       ap_str(r, "rule") ? ap_str(r, "rule") : "?",
			       (long long)(ap_int(r, "time_left_ms", 0) +
					   999) / 1000);
		}
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(all,
			JSON_C_TO_STRING_PRETTY |
			JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (ap->n == 0)
		printf("no running proctor sessions (in %s)\n", ap->dir);
	json_object_put(all);
	return 0;
}

/* ---- answering ------------------------------------------------------- */

/* Parses "N" or "PID:N". */
static int ap_parse_ref(const char *s, pid_t *pid, int64_t *id)
{
	char *end;
	long long a, b;

	errno = 0;
	a = strtoll(s, &end, 10);
	if (errno || end == s || a <= 0)
		return -EINVAL;
	if (*end == '\0') {
		*pid = 0;
		*id = a;
		return 0;
	}
	if (*end != ':')
		return -EINVAL;
	s = end + 1;
	b = strtoll(s, &end, 10);
	if (errno || end == s || *end || b <= 0)
		return -EINVAL;
	*pid = (pid_t)a;
	*id = b;
	return 0;
}

/* Finds a pending request. Returns 0, -ENOENT, or -EEXIST (ambiguous;
 * message printed). */
static int ap_find(struct ap *ap, pid_t pid, int64_t id,
		   struct ap_conn **cp, json_object **rp, bool say)
{
	int i, found = 0, idx;

	for (i = 0; i < ap->n; i++) {
		struct ap_conn *c = &ap->c[i];

		if (c->closed || (pid && c->pid != pid))
			continue;
		idx = ap_req_index(c, id);
		if (idx < 0)
			continue;
		if (found++ == 0) {
			*cp = c;
			*rp = json_object_array_get_idx(c->reqs, (size_t)idx);
		}
	}
	if (found > 1) {
		if (say)
			fprintf(stderr, "proctor approve: request %lld is "
				"pending in several sessions: name it as "
				"PID:%lld (see --list)\n", (long long)id,
				(long long)id);
		return -EEXIST;
	}
	return found ? 0 : -ENOENT;
}

struct ap_answer {
	const char *decision;		/* "allow" "deny" */
	const char *remember;		/* NULL "once" "session" "policy" */
	const char *pattern;
	const char *target;		/* --target: must match */
};

/* Sends the answer and waits for the result. Returns 0 or 1 (refused,
 * message printed). */
static int ap_answer(struct ap *ap, struct ap_conn *c, json_object *r,
		     const struct ap_answer *an)
{
	json_object *m = json_object_new_object(), *res = NULL;
	int64_t id = ap_int(r, "id", 0), end;
	const char *s;
	char *line;
	size_t n;
	int ret = 1;

	json_object_object_add(m, "type", json_object_new_string("answer"));
	json_object_object_add(m, "id", json_object_new_int64(id));
	json_object_object_add(m, "op", json_object_new_string(
		ap_str(r, "op") ? ap_str(r, "op") : ""));
	s = an->target ? an->target : ap_str(r, "target");
	json_object_object_add(m, "target", json_object_new_string(s ? s : ""));
	json_object_object_add(m, "decision",
			       json_object_new_string(an->decision));
	if (an->remember)
		json_object_object_add(m, "remember",
				       json_object_new_string(an->remember));
	if (an->pattern)
		json_object_object_add(m, "pattern",
				       json_object_new_string(an->pattern));
	s = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(s);
	line = malloc(n + 2);
	if (!line) {
		json_object_put(m);
		return 1;
	}
	memcpy(line, s, n);
	line[n] = '\n';
	if (send(c->fd, line, n + 1, MSG_NOSIGNAL) != (ssize_t)(n + 1)) {
		fprintf(stderr, "proctor approve: session %d: %s\n",
			(int)c->pid, strerror(errno));
		goto out;
	}
	end = ap_now_ms() + 10000;
	while (!res && !c->closed && ap_now_ms() < end)
		ap_pump(ap, c, 100, &res);
	if (!res) {
		fprintf(stderr, "proctor approve: session %d: %s\n",
			(int)c->pid, c->err[0] ? c->err : "no reply");
		goto out;
	}
	if (json_object_get_boolean(json_object_object_get(res, "ok"))) {
		ret = 0;
		if (ap->interactive)	/* the "resolved" message says it */
			goto out;
		printf("request %lld %s%s%s\n", (long long)id,
		       strcmp(an->decision, "allow") == 0 ? "allowed" :
		       "denied",
		       an->remember && strcmp(an->remember, "once") != 0 ?
		       ", remembered for the " : "",
		       an->remember && strcmp(an->remember, "once") != 0 ?
		       an->remember : "");
	} else {
		char f1[AP_FIELD];

		ap_safe(ap_str(res, "error"), f1, sizeof(f1));
		fprintf(stderr, "proctor approve: refused: %s\n", f1);
	}
out:
	fflush(stdout);
	free(line);
	json_object_put(m);
	json_object_put(res);
	return ret;
}

static int ap_answer_main(struct ap *ap, const char *ref, const char *dec,
			  const struct ap_answer *an0, int wait_s)
{
	struct ap_answer an = *an0;
	struct ap_conn *c = NULL;
	json_object *r = NULL;
	int64_t id, end = ap_now_ms() + (int64_t)wait_s * 1000;
	pid_t pid;
	int i, f;

	if (ap_parse_ref(ref, &pid, &id) < 0) {
		fprintf(stderr, "proctor approve: REQUEST is N or PID:N, not "
			"'%s'\n", ref);
		return 2;
	}
	an.decision = dec;
	if (pid)
		ap->only = pid;
	for (;;) {
		ap_scan(ap, true);
		ap_sync(ap, 3000);
		for (i = 0; i < ap->n; i++)
			if (!ap->c[i].closed)
				ap_pump(ap, &ap->c[i], 0, NULL);
		f = ap_find(ap, pid, id, &c, &r, true);
		if (f == -EEXIST)
			return 1;
		if (f == 0 || ap_now_ms() >= end)
			break;
		for (i = 0; i < ap->n; i++)
			if (!ap->c[i].closed)
				ap_pump(ap, &ap->c[i], 100 / (ap->n + 1), NULL);
		if (ap_live(ap) == 0)
			poll(NULL, 0, 500);
	}
	if (f < 0) {
		ap_scan(ap, false);	/* say why a session could not be
					 * reached */
		ap_refused(ap);
		fprintf(stderr, "proctor approve: no pending request %s%s\n",
			ref, ap->n ? "" : " (no running proctor session)");
		return 1;
	}
	return ap_answer(ap, c, r, &an);
}

/* ---- interactive ----------------------------------------------------- */

static void ap_help(void)
{
	printf("commands (REQ is N, or PID:N with several sessions; it may be "
	       "left out when one request is pending):\n"
	       "  a [REQ]            allow once\n"
	       "  s [REQ]            allow for the rest of the session\n"
	       "  b [REQ] [PATTERN]  allow for the session, a wider pattern\n"
	       "  p [REQ] [PATTERN]  allow and save the rule to the policy "
	       "file\n"
	       "  d [REQ]            deny once\n"
	       "  n [REQ]            deny for the rest of the session\n"
	       "  ? [REQ]            details\n"
	       "  l                  list pending requests\n"
	       "  q                  quit\n");
	fflush(stdout);
}

static int ap_pending_total(struct ap *ap, struct ap_conn **cp,
			    json_object **rp)
{
	int i, total = 0;

	for (i = 0; i < ap->n; i++) {
		size_t n;

		if (ap->c[i].closed)
			continue;
		n = json_object_array_length(ap->c[i].reqs);
		if (n && total == 0) {
			*cp = &ap->c[i];
			*rp = json_object_array_get_idx(ap->c[i].reqs, 0);
		}
		total += (int)n;
	}
	return total;
}

static void ap_command(struct ap *ap, char *line, bool *quit)
{
	struct ap_answer an;
	struct ap_conn *c = NULL;
	json_object *r = NULL;
	char *verb, *rest, word[64];
	pid_t pid = 0;
	int64_t id = 0;
	size_t len, wl;
	bool have = false;

	while (*line == ' ' || *line == '\t')
		line++;
	len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == ' ' ||
		       line[len - 1] == '\r'))
		line[--len] = '\0';
	if (!*line)
		return;
	verb = line;
	rest = verb + strcspn(verb, " \t");
	if (*rest) {
		*rest++ = '\0';
		rest += strspn(rest, " \t");
	}
	if (strcmp(verb, "q") == 0 || strcmp(verb, "quit") == 0) {
		*quit = true;
		return;
	}
	if (strcmp(verb, "h") == 0 || strcmp(verb, "help") == 0) {
		ap_help();
		return;
	}
	if (strcmp(verb, "l") == 0 || strcmp(verb, "list") == 0) {
		int i;
		size_t k;

		for (i = 0; i < ap->n; i++)
			for (k = 0; !ap->c[i].closed &&
			     k < json_object_array_length(ap->c[i].reqs); k++)
				ap_print_req(ap, &ap->c[i],
					     json_object_array_get_idx(
						     ap->c[i].reqs, k), false);
		if (ap_pending_total(ap, &c, &r) == 0)
			printf("no pending requests\n");
		return;
	}
	/* REQ, when the next word is one */
	wl = strcspn(rest, " \t");
	if (*rest && wl < sizeof(word)) {
		memcpy(word, rest, wl);
		word[wl] = '\0';
		have = ap_parse_ref(word, &pid, &id) == 0;
	}
	if (have) {
		rest += wl;
		rest += strspn(rest, " \t");
	} else {
		if (ap_pending_total(ap, &c, &r) != 1) {
			printf("name the request (several or none "
			       "pending; 'l' lists them)\n");
			return;
		}
		id = ap_int(r, "id", 0);
		pid = c->pid;
	}
	if (ap_find(ap, pid, id, &c, &r, true) < 0) {
		printf("no pending request %lld\n", (long long)id);
		return;
	}
	memset(&an, 0, sizeof(an));
	an.pattern = *rest ? rest : NULL;
	if (strcmp(verb, "?") == 0 || strcmp(verb, "i") == 0) {
		bool was = ap->interactive;

		ap->interactive = false;
		ap_print_req(ap, c, r, true);
		ap->interactive = was;
		return;
	}
	if (strcmp(verb, "a") == 0 || strcmp(verb, "allow") == 0) {
		an.decision = "allow";
		an.pattern = NULL;
	} else if (strcmp(verb, "s") == 0) {
		an.decision = "allow";
		an.remember = "session";
		an.pattern = NULL;
	} else if (strcmp(verb, "b") == 0) {
		an.decision = "allow";
		an.remember = "session";
		if (!an.pattern)
			an.pattern = ap_str(r, "proposal");
	} else if (strcmp(verb, "p") == 0) {
		an.decision = "allow";
		an.remember = "policy";
	} else if (strcmp(verb, "d") == 0 || strcmp(verb, "deny") == 0) {
		an.decision = "deny";
		an.pattern = NULL;
	} else if (strcmp(verb, "n") == 0) {
		an.decision = "deny";
		an.remember = "session";
		an.pattern = NULL;
	} else {
		printf("unknown command '%s' (h for help)\n", verb);
		return;
	}
	ap_answer(ap, c, r, &an);
}

static int ap_interactive(struct ap *ap)
{
	char line[4096];
	size_t inlen = 0;
	int64_t next_scan = 0;
	bool quit = false, eof = false;
	int i;

	ap->interactive = true;
	ap_scan(ap, false);
	ap_sync(ap, 3000);
	ap_refused(ap);
	if (ap_live(ap) == 0)
		printf("no running proctor session yet (in %s); waiting...\n",
		       ap->dir);
	for (i = 0; i < ap->n; i++) {
		struct ap_conn *c = &ap->c[i];
		size_t k;
		char f1[AP_FIELD], raw[4096];
		json_object *cmd = NULL;

		if (c->closed)
			continue;
		json_object_object_get_ex(c->hello, "command", &cmd);
		ap_join_argv(cmd, raw, sizeof(raw));
		ap_safe(raw, f1, sizeof(f1));
		printf("attached to session %d: %s (%zu pending)\n",
		       (int)c->pid, f1, json_object_array_length(c->reqs));
		for (k = 0; k < json_object_array_length(c->reqs); k++)
			ap_print_req(ap, c, json_object_array_get_idx(c->reqs,
								      k),
				     false);
	}
	printf("type h for help\n");
	fflush(stdout);
	while (!quit) {
		struct pollfd p[1 + AP_MAX];
		int n = 0, k;

		if (ap_now_ms() >= next_scan) {
			int before = ap->n;

			ap_scan(ap, true);
			for (k = before; k < ap->n; k++) {
				ap_sync(ap, 2000);
				if (!ap->c[k].closed)
					printf("attached to session %d\n",
					       (int)ap->c[k].pid);
				ap->c[k].synced = true;
			}
			next_scan = ap_now_ms() + 2000;
		}
		if (!eof) {
			p[n].fd = STDIN_FILENO;
			p[n].events = POLLIN;
			n++;
		}
		for (i = 0; i < ap->n; i++) {
			p[n].fd = ap->c[i].closed ? -1 : ap->c[i].fd;
			p[n].events = POLLIN;
			n++;
		}
		if (poll(p, (nfds_t)n, 500) < 0 && errno != EINTR)
			break;
		k = eof ? 0 : 1;
		for (i = 0; i < ap->n; i++) {
			bool was = ap->c[i].closed;

			if (p[k + i].revents)
				ap_pump(ap, &ap->c[i], 0, NULL);
			if (!was && ap->c[i].closed)
				printf("session %d ended%s%s\n",
				       (int)ap->c[i].pid,
				       ap->c[i].err[0] ? ": " : "",
				       ap->c[i].err);
		}
		if (!eof && p[0].revents) {
			ssize_t r = read(STDIN_FILENO, line + inlen,
					 sizeof(line) - 1 - inlen);
			char *nl;

			if (r <= 0) {
				eof = true;
				break;
			}
			inlen += (size_t)r;
			line[inlen] = '\0';
			while ((nl = memchr(line, '\n', inlen)) != NULL) {
				size_t used = (size_t)(nl - line) + 1;
				char cmd[4096];

				memcpy(cmd, line, used);
				cmd[used] = '\0';
				memmove(line, line + used, inlen - used);
				inlen -= used;
				line[inlen] = '\0';
				ap_command(ap, cmd, &quit);
				if (quit)
					break;
			}
			if (inlen == sizeof(line) - 1)
				inlen = 0;
			fflush(stdout);
		}
	}
	return 0;
}

/* ---- main ------------------------------------------------------------ */

static void ap_usage(FILE *f)
{
	fprintf(f,
"Usage: proctor approve [OPTIONS]\n"
"       proctor approve --list [--json]\n"
"       proctor approve [OPTIONS] REQUEST allow|deny [--remember SCOPE]\n"
"\n"
"Answer the `ask` requests of running proctor sessions (started with\n"
"--ask console) from another terminal. Without REQUEST, attaches to every\n"
"session of this user and shows pending requests as they come.\n"
"\n"
"  REQUEST             the request number, or PID:N (PID: proctor's pid)\n"
"  --remember SCOPE    once (default), session (this session's later\n"
"                      calls too) or policy (also appended to the file\n"
"                      given to proctor run --save-to)\n"
"  --pattern PATTERN   remember PATTERN instead of the exact target\n"
"  --target TARGET     refuse unless the request is for TARGET\n"
"  --wait SECS         wait up to SECS for the request to appear\n"
"  --session PID       only the session of proctor PID\n"
"  --dir DIR           the socket directory (default $XDG_RUNTIME_DIR/\n"
"                      proctor, /run/user/UID/proctor, /tmp/proctor-UID)\n"
"  --list              list sessions and pending requests\n"
"  --json              with --list: JSON\n"
"  -h, --help          this help\n"
"\n"
"Exit status: 0 answered; 1 refused or no such request; 2 bad usage.\n");
}

int approve_main(int argc, char **argv)
{
	enum { O_LIST = 256, O_JSON, O_REMEMBER, O_PATTERN, O_TARGET, O_WAIT,
	       O_SESSION, O_DIR };
	static const struct option opts[] = {
		{ "list", no_argument, NULL, O_LIST },
		{ "json", no_argument, NULL, O_JSON },
		{ "remember", required_argument, NULL, O_REMEMBER },
		{ "pattern", required_argument, NULL, O_PATTERN },
		{ "target", required_argument, NULL, O_TARGET },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "session", required_argument, NULL, O_SESSION },
		{ "dir", required_argument, NULL, O_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ap_answer an;
	struct ap *ap = calloc(1, sizeof(*ap));
	bool list = false, json = false;
	const char *dir = NULL;
	char *end;
	int c, wait_s = 0, ret = 2, i;
	long v;

	if (!ap)
		return 1;
	memset(&an, 0, sizeof(an));
	signal(SIGPIPE, SIG_IGN);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_LIST:
			list = true;
			break;
		case O_JSON:
			json = true;
			break;
		case O_REMEMBER:
			if (strcmp(optarg, "once") != 0 &&
			    strcmp(optarg, "session") != 0 &&
			    strcmp(optarg, "policy") != 0) {
				fprintf(stderr, "proctor approve: --remember "
					"is once, session or policy\n");
				goto out;
			}
			an.remember = optarg;
			break;
		case O_PATTERN:
			an.pattern = optarg;
			break;
		case O_TARGET:
			an.target = optarg;
			break;
		case O_WAIT:
		case O_SESSION:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > INT_MAX) {
				fprintf(stderr, "proctor approve: --%s takes "
					"a number\n", c == O_WAIT ? "wait" :
					"session");
				goto out;
			}
			if (c == O_WAIT)
				wait_s = (int)v;
			else
				ap->only = (pid_t)v;
			break;
		case O_DIR:
			dir = optarg;
			break;
		case 'h':
			ap_usage(stdout);
			ret = 0;
			goto out;
		default:
			fprintf(stderr, "Try 'proctor approve --help'.\n");
			goto out;
		}
	}
	if (dir) {
		snprintf(ap->dir, sizeof(ap->dir), "%s", dir);
	} else {
		int r = ask_console_dir(ap->dir, sizeof(ap->dir), false);

		if (r < 0 && r != -ENOENT) {
			fprintf(stderr, "proctor approve: %s: %s (it must be "
				"a directory of yours, closed to others)\n",
				ap->dir, strerror(-r));
			ret = 1;
			goto out;
		}
	}
	if (list) {
		if (optind != argc) {
			fprintf(stderr, "proctor approve: --list takes no "
				"REQUEST\n");
			goto out;
		}
		ret = ap_list(ap, json);
	} else if (optind == argc) {
		ret = ap_interactive(ap);
	} else if (optind + 2 == argc && (strcmp(argv[optind + 1], "allow") ==
					  0 || strcmp(argv[optind + 1],
						      "deny") == 0)) {
		ret = ap_answer_main(ap, argv[optind], argv[optind + 1], &an,
				     wait_s);
	} else {
		fprintf(stderr, "proctor approve: expected REQUEST allow|deny\n"
			"Try 'proctor approve --help'.\n");
	}
out:
	for (i = 0; i < ap->n; i++)
		ap_release(&ap->c[i]);
	free(ap);
	return ret;
}
