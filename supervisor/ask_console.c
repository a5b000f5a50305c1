/*
 * ask_console.c - the "console" answer channel: a unix socket on which
 * `proctor approve` clients attach, see pending requests and answer them.
 * The wire protocol (JSON lines) is docs/approval-protocol.md.
 *
 * The socket is DIR/PID.sock in the user's private directory
 * (ask_console_dir: 0700, owned by the user); the directory is a protected
 * path, so no supervised process can remove, replace or add files there.
 * One thread serves every client with poll(); sends never block (a client
 * that does not read is dropped).
 *
 * Who may approve (checked on connect, again on every answer):
 *  - SO_PEERCRED uid is proctor's real uid, or root;
 *  - the peer process is not proctor itself (a connect that proctor made
 *    on behalf of a supervised process), not in the supervised tree
 *    (tracer_in_tree), and has neither proctor nor a supervised process
 *    among its ancestors.
 * An answer names the request number, its operation and its target; one
 * that does not match the pending request is refused (ask_reply).
 *
 * Must never: let a refused peer see or answer anything; block on a
 * client.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ask.h"
#include "target.h"
#include "tracer.h"

#define CON_MAX_CLIENTS 16
#define CON_LINE_MAX 65536
#define CON_PROTOCOL 1

struct con_client {
	int fd;
	pid_t pid;
	uid_t uid;
	char user[64];
	char *in;			/* CON_LINE_MAX bytes */
	size_t inlen;
	uint64_t last_id;		/* requests sent to it up to here */
};

struct ask_console {
	struct ask *a;
	int lfd;
	int wake;			/* eventfd */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_t thread;
	bool started;
	atomic_int stop;
	atomic_int attached;
	uint64_t evseq;
	struct con_client cl[CON_MAX_CLIENTS];
	int ncl;
};

int ask_console_dir(char *buf, size_t n, bool create)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	uid_t uid = getuid();
	char base[64];
	struct stat st;
	int r;

	if (x && x[0] == '/' && stat(x, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == uid) {
		r = snprintf(buf, n, "%s/proctor", x);
	} else {
		snprintf(base, sizeof(base), "/run/user/%u", (unsigned)uid);
		if (stat(base, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_uid == uid)
			r = snprintf(buf, n, "%s/proctor", base);
		else
			r = snprintf(buf, n, "/tmp/proctor-%u", (unsigned)uid);
	}
	if (r < 0 || (size_t)r >= n)
		return -ENAMETOOLONG;
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(buf, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid)
		return -EPERM;
	if (st.st_mode & 077) {
		if (!create)
			return -EPERM;
		if (chmod(buf, 0700) < 0)
			return -errno;
	}
	return 0;
}

/* ---- sending --------------------------------------------------------- */

static void con_drop(struct ask_console *c, int i)
{
	close(c->cl[i].fd);
	free(c->cl[i].in);
	c->cl[i] = c->cl[c->ncl - 1];
	c->ncl--;
	atomic_fetch_sub(&c->attached, 1);
}

/* Sends obj (consumed) as one line. Returns -1 when the client had to be
 * dropped. */
static int con_send(struct ask_console *c, int i, json_object *obj)
{
	const char *s;
	size_t n, off = 0;
	char *line;
	int ret = 0;

	if (!obj)
		return 0;
	s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(s);
	line = malloc(n + 1);
	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		while (off < n + 1) {
			ssize_t w = send(c->cl[i].fd, line + off, n + 1 - off,
					 MSG_DONTWAIT | MSG_NOSIGNAL);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				ret = -1;
				break;
			}
			off += (size_t)w;
		}
		free(line);
	}
	json_object_put(obj);
	if (ret < 0)
		con_drop(c, i);
	return ret;
}

static json_object *con_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *con_strv(char *const *v, size_t n)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; arr && i < n && v[i]; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

static json_object *con_request(struct ask_console *c,
				const struct ask_view *v)
{
	const struct ask_desc *d = v->d;
	json_object *o = json_object_new_object();
	json_object *parents = json_object_new_array();
	size_t i;

	if (!o || !parents) {
		json_object_put(o);
		json_object_put(parents);
		return NULL;
	}
	json_object_object_add(o, "type", json_object_new_string("request"));
	json_object_object_add(o, "id", json_object_new_int64((int64_t)v->id));
	json_object_object_add(o, "op", json_object_new_string(d->op_name));
	json_object_object_add(o, "target", con_str(d->target));
	json_object_object_add(o, "requested", con_str(d->requested));
	json_object_object_add(o, "resolved", con_str(d->resolved));
	json_object_object_add(o, "hostname", con_str(d->hostname));
	json_object_object_add(o, "syscall", con_str(d->syscall));
	json_object_object_add(o, "pid", json_object_new_int(d->tgid));
	json_object_object_add(o, "tid", json_object_new_int(d->pid));
	json_object_object_add(o, "exe", con_str(d->exe));
	json_object_object_add(o, "argv", con_strv(d->argv, d->argc));
	json_object_object_add(o, "cwd", con_str(d->cwd));
	for (i = 0; i < d->nparents; i++) {
		json_object *p = json_object_new_object();

		if (!p)
			break;
		json_object_object_add(p, "pid",
				       json_object_new_int(d->parents[i].pid));
		json_object_object_add(p, "exe", con_str(d->parents[i].exe));
		json_object_object_add(p, "cmdline",
				       con_str(d->parents[i].cmdline));
		json_object_array_add(parents, p);
	}
	json_object_object_add(o, "parents", parents);
	json_object_object_add(o, "rule", con_str(d->rule));
	json_object_object_add(o, "rule_text", con_str(d->rule_text));
	json_object_object_add(o, "pattern", con_str(d->exact));
	json_object_object_add(o, "proposal", con_str(d->broader));
	json_object_object_add(o, "backtrace", con_str(d->backtrace));
	json_object_object_add(o, "waiters", json_object_new_int(v->waiters));
	json_object_object_add(o, "time_left_ms",
			       json_object_new_int64(v->time_left_ms));
	json_object_object_add(o, "save_to", con_str(ask_save_to(c->a)));
	return o;
}

/* Sends every pending request the client has not seen. */
static int con_requests(struct ask_console *c, int i)
{
	struct ask_view v;

	while (ask_view_next(c->a, c->cl[i].last_id, &v) == 0) {
		int r;

		c->cl[i].last_id = v.id;
		r = con_send(c, i, con_request(c, &v));
		ask_view_release(&v);
		if (r < 0)
			return -1;
	}
	return 0;
}

static json_object *con_event(const struct ask_event *e)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (e->kind == ASK_EV_WITHDRAWN) {
		json_object_object_add(o, "type",
				       json_object_new_string("withdrawn"));
		json_object_object_add(o, "id",
				       json_object_new_int64((int64_t)e->id));
		json_object_object_add(o, "reason", con_str(e->reason));
		return o;
	}
	json_object_object_add(o, "type", json_object_new_string("resolved"));
	json_object_object_add(o, "id", json_object_new_int64((int64_t)e->id));
	json_object_object_add(o, "decision", json_object_new_string(
		policy_decision_name(e->decision)));
	json_object_object_add(o, "channel", con_str(e->channel));
	json_object_object_add(o, "user", con_str(e->user));
	json_object_object_add(o, "uid", e->uid >= 0 ?
			       json_object_new_int64(e->uid) : NULL);
	json_object_object_add(o, "approver_pid", e->pid >= 0 ?
			       json_object_new_int64(e->pid) : NULL);
	json_object_object_add(o, "remember", con_str(e->remember));
	return o;
}

static void con_broadcast(struct ask_console *c)
{
	struct ask_event ev[32];
	size_t n, k;
	int i;

	for (i = c->ncl - 1; i >= 0; i--)
		con_requests(c, i);
	while ((n = ask_events(c->a, &c->evseq, ev, 32)) > 0)
		for (k = 0; k < n; k++)
			for (i = c->ncl - 1; i >= 0; i--)
				con_send(c, i, con_event(&ev[k]));
}

/* ---- who is asking --------------------------------------------------- */

static pid_t con_ppid(pid_t pid)
{
	return target_ppid(pid, NULL);
}

/* NULL when pid may approve, else why not. */
static const char *con_refusal(struct ask_console *c, pid_t pid, uid_t uid)
{
	pid_t self = ask_self(c->a), p = pid;
	int depth;

	if (uid != getuid() && uid != 0)
		return "not the user who runs this proctor session";
	if (pid <= 0)
		return "unknown process";
	if (pid == self || pid == getpid())
		return "the connection was made on behalf of a supervised "
		       "process";
	for (depth = 0; p > 1 && depth < 256; depth++) {
		if (p == self || tracer_in_tree(p))
			return "the process is part of the supervised tree";
		p = con_ppid(p);
	}
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return "the process is gone";
	return NULL;
}

static json_object *con_error(const char *type, const char *msg)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

static json_object *con_type(const char *type)
{
	json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "type",
				       json_object_new_string(type));
	return o;
}

static json_object *con_hello(struct ask_console *c, const struct ucred *u)
{
	json_object *o = json_object_new_object();
	char *const *cmd = ask_command(c->a);
	size_t n = 0;

	if (!o)
		return NULL;
	while (cmd && cmd[n])
		n++;
	json_object_object_add(o, "type", json_object_new_string("hello"));
	json_object_object_add(o, "protocol",
			       json_object_new_int(CON_PROTOCOL));
	json_object_object_add(o, "pid", json_object_new_int(ask_self(c->a)));
	json_object_object_add(o, "session",
			       json_object_new_int64(ask_session_id(c->a)));
	json_object_object_add(o, "command", con_strv(cmd, n));
	json_object_object_add(o, "cwd", con_str(ask_cwd(c->a)));
	json_object_object_add(o, "timeout_s",
			       json_object_new_int(ask_timeout(c->a)));
	json_object_object_add(o, "save_to", con_str(ask_save_to(c->a)));
	json_object_object_add(o, "uid", json_object_new_int64(getuid()));
	json_object_object_add(o, "your_pid", json_object_new_int(u->pid));
	return o;
}

static void con_accept(struct ask_console *c)
{
	struct ucred u;
	socklen_t len = sizeof(u);
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	struct con_client *cl;
	const char *why;
	int fd, i;

	fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &u, &len) < 0) {
		close(fd);
		return;
	}
	why = con_refusal(c, u.pid, u.uid);
	if (!why && c->ncl == CON_MAX_CLIENTS)
		why = "too many approvers attached";
	if (why) {
		char line[512];
		int n = snprintf(line, sizeof(line), "{\"type\":\"error\","
				 "\"error\":\"refused: %s\"}\n", why);
		ssize_t w = send(fd, line, (size_t)n,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		(void)w;
		close(fd);
		fprintf(stderr, "proctor: refused an approver connection from "
			"pid %d (uid %u): %s\n", (int)u.pid, (unsigned)u.uid,
			why);
		return;
	}
	cl = &c->cl[c->ncl];
	memset(cl, 0, sizeof(*cl));
	cl->in = malloc(CON_LINE_MAX);
	if (!cl->in) {
		close(fd);
		return;
	}
	cl->fd = fd;
	cl->pid = u.pid;
	cl->uid = u.uid;
	if (getpwuid_r(u.uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		snprintf(cl->user, sizeof(cl->user), "%s", pw.pw_name);
	else
		snprintf(cl->user, sizeof(cl->user), "%u", (unsigned)u.uid);
	i = c->ncl++;
	atomic_fetch_add(&c->attached, 1);
	if (con_send(c, i, con_hello(c, &u)) < 0)
		return;
	if (con_requests(c, i) < 0)
		return;
	con_send(c, i, con_type("sync"));
}

/* ---- receiving ------------------------------------------------------- */

static const char *con_get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *con_result(int64_t id, const char *err)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string("result"));
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "ok", json_object_new_boolean(!err));
	if (err)
		json_object_object_add(o, "error", json_object_new_string(err));
	return o;
}

/* Returns -1 when the client was dropped. */
static int con_answer(struct ask_console *c, int i, json_object *msg)
{
	struct con_client *cl = &c->cl[i];
	struct ask_reply r;
	const char *dec = con_get_str(msg, "decision");
	const char *why;
	json_object *v;
	char err[512];
	int64_t id = 0;

	memset(&r, 0, sizeof(r));
	if (json_object_object_get_ex(msg, "id", &v) &&
	    json_object_is_type(v, json_type_int))
		id = json_object_get_int64(v);
	why = con_refusal(c, cl->pid, cl->uid);
	if (why) {
		con_send(c, i, con_error("error", why));
		fprintf(stderr, "proctor: refused an answer from pid %d: %s\n",
			(int)cl->pid, why);
		con_drop(c, i);
		return -1;
	}
	if (id <= 0 || !dec || (strcmp(dec, "allow") != 0 &&
				strcmp(dec, "deny") != 0))
		return con_send(c, i, con_result(id, "an answer needs id, op, "
						 "target and decision (allow "
						 "or deny)"));
	r.id = (uint64_t)id;
	r.op = con_get_str(msg, "op");
	r.target = con_get_str(msg, "target");
	r.decision = strcmp(dec, "allow") == 0 ? POLICY_ALLOW : POLICY_DENY;
	r.remember = con_get_str(msg, "remember");
	r.pattern = con_get_str(msg, "pattern");
	r.channel = "console";
	r.uid = cl->uid;
	r.user = cl->user;
	r.pid = cl->pid;
	if (ask_reply(c->a, &r, err, sizeof(err)) < 0)
		return con_send(c, i, con_result(id, err));
	return con_send(c, i, con_result(id, NULL));
}

static int con_message(struct ask_console *c, int i, const char *line)
{
	json_object *msg = json_tokener_parse(line);
	const char *type;
	int ret;

	if (!msg || !json_object_is_type(msg, json_type_object)) {
		json_object_put(msg);
		return con_send(c, i, con_result(0, "not a JSON object"));
	}
	type = con_get_str(msg, "type");
	if (type && strcmp(type, "answer") == 0) {
		ret = con_answer(c, i, msg);
	} else if (type && strcmp(type, "list") == 0) {
		c->cl[i].last_id = 0;
		ret = con_requests(c, i);
		if (ret == 0)
			ret = con_send(c, i, con_type("sync"));
	} else if (type && strcmp(type, "ping") == 0) {
		ret = con_send(c, i, con_type("pong"));
	} else {
		ret = con_send(c, i, con_result(0, "unknown message type"));
	}
	json_object_put(msg);
	return ret;
}

static void con_read(struct ask_console *c, int i)
{
	struct con_client *cl = &c->cl[i];
	ssize_t r;
	char *nl;

	r = recv(cl->fd, cl->in + cl->inlen, CON_LINE_MAX - 1 - cl->inlen,
		 MSG_DONTWAIT);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		con_drop(c, i);
		return;
	}
	cl->inlen += (size_t)r;
	cl->in[cl->inlen] = '\0';
	while ((nl = memchr(c->cl[i].in, '\n', c->cl[i].inlen)) != NULL) {
		size_t used = (size_t)(nl - c->cl[i].in) + 1;

		*nl = '\0';
		if (con_message(c, i, c->cl[i].in) < 0)
			return;
		cl = &c->cl[i];
		memmove(cl->in, cl->in + used, cl->inlen - used);
		cl->inlen -= used;
		cl->in[cl->inlen] = '\0';
	}
	if (c->cl[i].inlen >= CON_LINE_MAX - 1)
		con_drop(c, i);	/* a line this long is not ours */
}

static void *con_main(void *arg)
{
	struct ask_console *c = arg;
	struct pollfd p[2 + CON_MAX_CLIENTS];
	int fdof[CON_MAX_CLIENTS];

	while (!atomic_load(&c->stop)) {
		int i, n = c->ncl, k;

		p[0].fd = c->wake;
		p[0].events = POLLIN;
		p[1].fd = c->lfd;
		p[1].events = POLLIN;
		for (i = 0; i < n; i++) {
			p[2 + i].fd = c->cl[i].fd;
			p[2 + i].events = POLLIN;
			fdof[i] = c->cl[i].fd;
		}
		if (poll(p, (nfds_t)(2 + n), -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (atomic_load(&c->stop))
			break;
		if (p[0].revents) {
			uint64_t v;

			while (read(c->wake, &v, sizeof(v)) > 0)
				;
			con_broadcast(c);
		}
		/* clients by descriptor: the array shifts when one drops */
		for (i = 0; i < n; i++) {
			if (!p[2 + i].revents)
				continue;
			for (k = 0; k < c->ncl; k++)
				if (c->cl[k].fd == fdof[i])
					break;
			if (k < c->ncl)
				con_read(c, k);
		}
		if (p[1].revents)
			con_accept(c);
	}
	return NULL;
}

int ask_console_start(struct ask_console **out, struct ask *a,
		      const char *path)
{
	struct ask_console *c = calloc(1, sizeof(*c));
	struct sockaddr_un sa;
	struct stat st;
	sigset_t all, old;
	int ret;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->lfd = -1;
	c->wake = -1;
	if (strlen(path) >= sizeof(c->path)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);
	c->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->lfd < 0 || c->wake < 0) {
		ret = -errno;
		goto fail;
	}
	/* a socket left by an earlier proctor with our pid */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->path, strlen(c->path));
	if (bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto fail;
	}
	if (chmod(path, 0600) < 0 || listen(c->lfd, 16) < 0) {
		ret = -errno;
		unlink(path);
		goto fail;
	}
	c->evseq = ask_event_seq(a);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&c->thread, NULL, con_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret < 0) {
		unlink(path);
		goto fail;
	}
	c->started = true;
	*out = c;
	return 0;
fail:
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->wake >= 0)
		close(c->wake);
	free(c);
	return ret;
}

void ask_console_wake(struct ask_console *c)
{
	uint64_t one = 1;
	ssize_t r = write(c->wake, &one, sizeof(one));

	(void)r;
}

int ask_console_attached(struct ask_console *c)
{
	return atomic_load(&c->attached);
}

void ask_console_stop(struct ask_console *c)
{
	if (!c)
		return;
	atomic_store(&c->stop, 1);
	ask_console_wake(c);
	if (c->started)
		pthread_join(c->thread, NULL);
	while (c->ncl > 0)
		con_drop(c, c->ncl - 1);
	unlink(c->path);
	close(c->lfd);
	close(c->wake);
	free(c);
}
