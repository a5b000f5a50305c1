/*
 * emulate_net.c - connect, bind, sendto, sendmsg and sendmmsg done by
 * proctor on the caller's own socket.
 *
 * The socket is taken from the caller with pidfd_getfd; the address, the
 * data and the control messages are copied once; the destination is judged
 * (POLICY_OP_CONNECT, or POLICY_OP_WRITE for the file a unix bind
 * creates); then proctor does the call on its copy of the socket with the
 * copied bytes and the caller's credentials, and answers with the kernel's
 * own result. Nothing is CONTINUEd: a racing thread of the caller could
 * otherwise change the address after the decision.
 *
 * Which address the kernel will use is decided by the socket's domain
 * (SO_DOMAIN), not by the family field the caller wrote: an AF_INET6
 * socket takes AF_INET addresses, an AF_INET datagram socket takes
 * AF_UNSPEC as AF_INET, an AF_PACKET socket reads any family as its own.
 *   AF_INET, AF_INET6  connect/send judged by address and port; the any
 *                      address (0.0.0.0, ::) is judged as loopback, which
 *                      is where the kernel sends it; bind not judged.
 *   AF_UNIX            pathname: resolved from the caller's cwd with the
 *                      caller's credentials, judged on its real path,
 *                      proctor's own sockets refused (protect.h); the call
 *                      then goes to /proc/self/fd/N of the resolved inode,
 *                      so the name is not walked again. A pathname bind
 *                      creates a file: judged as a write, and checked
 *                      afterwards (SIOCUNIXFILE) to have created exactly
 *                      the judged file. Abstract names judged by name,
 *                      without trailing NUL padding.
 *   AF_NETLINK         not judged (glibc's getaddrinfo, if_nameindex).
 *   anything else      connect or send with an address is refused (the
 *                      policy cannot name such destinations); bind allowed.
 * A sendto to the abstract name HINTS_CHANNEL is the preload library's
 * report (hints.h): handed to hints_receive(), never sent anywhere.
 *
 * Errors: a connect or send refused by the policy fails with ECONNREFUSED
 * (what a closed port gives, so programs take their usual error path); one
 * refused because it reaches proctor's own sockets, or a unix bind refused,
 * fails with EACCES.
 *
 * Limits (docs/security.md): a stream send copies at most NET_STREAM_MAX
 * bytes per call (a short count, which stream callers must handle); a
 * datagram larger than NET_DGRAM_MAX fails with EMSGSIZE. A unix peer
 * sees proctor's pid (SO_PEERCRED, SCM_CREDENTIALS) with the caller's
 * uids and gids. SCM_CREDENTIALS the caller sends are checked against the
 * caller's own ids, as the kernel would, and then carry proctor's pid.
 * IP options set with setsockopt (source routing) and raw sockets of a
 * caller holding CAP_NET_RAW are not judged. While proctor does a blocking
 * connect or send, the caller's non-fatal signals wait (the filter's
 * WAIT_KILLABLE_RECV): a timeout made with alarm() fires only afterwards.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "block.h"
#include "creds.h"
#include "decide.h"
#include "emulate.h"
#include "hints.h"
#include "notify.h"
#include "proctab.h"
#include "resolve.h"
#include "target.h"

#ifndef SIOCUNIXFILE
#define SIOCUNIXFILE (SIOCPROTOPRIVATE + 0)	/* Linux 6.9 */
#endif

#define NET_STREAM_MAX (1u << 20)	/* bytes per stream send */
#define NET_DGRAM_MAX (1u << 20)	/* larger datagrams: EMSGSIZE */
#define NET_CTL_MAX (128u << 10)	/* control bytes (optmem_max) */
#define NET_IOV_MAX 1024		/* UIO_MAXIOV */
#define NET_MMSG_MAX 1024		/* UIO_MAXIOV, sendmmsg's vlen cap */
#define NET_SCM_MAX_FD 253		/* SCM_MAX_FD */
#define NET_MAX_NAMES 8

#define CAP_BIT(n) (1ull << (n))
#define NET_CAP_SETGID 6
#define NET_CAP_SETUID 7
#define NET_CAP_SYS_ADMIN 21

/* proctor's copy of the caller's socket. */
struct net_sock {
	int fd;			/* owned */
	int domain;		/* SO_DOMAIN */
	int type;		/* SO_TYPE */
	bool nonblock;
};

/* A copied socket address; len as the caller gave it (bounded). */
struct net_addr {
	struct sockaddr_storage ss;	/* zero beyond len */
	socklen_t len;
};

/* What one destination turned out to be, and what it holds. */
struct net_dest {
	struct resolved r;	/* AF_UNIX pathname: the resolved socket */
	bool have_r;
};

/* One message to send, in proctor's memory. */
struct net_msg {
	struct net_addr addr;
	bool has_addr;
	char *data;		/* owned */
	size_t len;
	char *ctl;		/* owned */
	size_t ctl_len;
	int fds[NET_SCM_MAX_FD];/* proctor's copies for SCM_RIGHTS, owned */
	int nfds;
	struct net_dest dest;
};

/*
 * Hook for host names: the candidate names already confirmed to resolve to
 * t's address (hints.h: the preload library's reports of the agent's name
 * resolutions, checked by proctor, and the policy's own literal names), so
 * rules naming hosts can match. Writes at most max strings to names; they
 * live in a per-thread buffer until this thread's next call. decide()
 * records the name that matched.
 */
static __thread char net_names_buf[2048];

static size_t net_hostnames(struct call *c, const struct policy_net_target *t,
			    const char **names, size_t max)
{
	(void)c;
	if (t->kind != POLICY_NET_INET)
		return 0;
	return hints_names(t->addr, names, max, net_names_buf,
			   sizeof(net_names_buf));
}

static void net_answer(struct call *c, long r)
{
	if (r < 0)
		call_fail(c, (int)-r);
	else
		call_value(c, r);
}

/* ---- the caller's memory and descriptors ---- */

/* Store a 32-bit value in the caller's memory (sendmmsg's msg_len). */
static int net_write_u32(struct call *c, uint64_t addr, uint32_t v)
{
	struct iovec l = { &v, sizeof(v) };
	struct iovec r = { (void *)(uintptr_t)addr, sizeof(v) };

	if (!call_valid(c))
		return -ENOENT;
	if (process_vm_writev(c->req.pid, &l, 1, &r, 1, 0) != sizeof(v))
		return -EFAULT;
	return 0;
}

static int net_sock_get(struct call *c, int fd, struct net_sock *s)
{
	socklen_t l;
	int fl;

	s->fd = target_getfd(c, fd);
	if (s->fd < 0)
		return s->fd;
	l = sizeof(s->domain);
	if (getsockopt(s->fd, SOL_SOCKET, SO_DOMAIN, &s->domain, &l) < 0)
		return -errno;	/* ENOTSOCK, as the real call */
	l = sizeof(s->type);
	if (getsockopt(s->fd, SOL_SOCKET, SO_TYPE, &s->type, &l) < 0)
		return -errno;
	fl = fcntl(s->fd, F_GETFL);
	s->nonblock = fl >= 0 && (fl & O_NONBLOCK);
	return 0;
}

static void net_sock_release(struct net_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Copy a socket address as move_addr_to_kernel() does. */
static int net_copy_addr(struct call *c, uint64_t addr, int64_t len,
			 struct net_addr *a)
{
	memset(&a->ss, 0, sizeof(a->ss));
	if (len < 0 || len > (int64_t)sizeof(a->ss))
		return -EINVAL;
	a->len = (socklen_t)len;
	if (len == 0)
		return 0;
	return target_read(c, addr, &a->ss, (size_t)len);
}

/* ---- credentials ---- */

/*
 * The caller's credentials for an operation on s. For unix sockets the
 * real uid and gid are switched too: the kernel stamps them on every
 * message (SCM_CREDENTIALS seen by receivers with SO_PASSCRED), and
 * proctor's threads otherwise keep real uid 0, which would let a peer
 * take the caller for root. The switch is made as root, before the
 * effective ids change, keeping the saved uid 0 so that net_leave() can
 * undo it. cr may be NULL for other sockets.
 */
static __thread bool net_real_switched;
static __thread uid_t net_saved_ruid;
static __thread gid_t net_saved_rgid;

static int net_enter(struct call *c, const struct net_sock *s,
		     const struct creds *cr)
{
	uid_t eu, su;
	gid_t eg, sg;
	int r;

	if (s->domain == AF_UNIX && !c->sup->same_creds && cr) {
		if (creds_leave() < 0 ||
		    getresuid(&net_saved_ruid, &eu, &su) < 0 ||
		    getresgid(&net_saved_rgid, &eg, &sg) < 0)
			return -EACCES;
		net_real_switched = true;
		if (syscall(SYS_setresgid, cr->rgid, -1, -1) < 0 ||
		    syscall(SYS_setresuid, cr->ruid, -1, -1) < 0)
			return -EACCES;
	}
	r = emulate_enter_creds(c);
	return r == -ENOENT ? -ENOENT : (r < 0 ? -EACCES : 0);
}

static void net_leave(struct call *c)
{
	if (net_real_switched) {
		net_real_switched = false;
		if (creds_leave() < 0 ||
		    syscall(SYS_setresuid, net_saved_ruid, -1, -1) < 0 ||
		    syscall(SYS_setresgid, net_saved_rgid, -1, -1) < 0)
			sup_fail(c->sup, EPERM,
				 "cannot restore proctor's credentials");
		return;
	}
	emulate_leave_creds(c);
}

/* The caller's full credentials (cached by proctab). */
static int net_creds(struct call *c, struct creds *cr)
{
	int r;

	if (proctab_creds_get(c->req.pid, cr))
		return 0;
	r = creds_read(c->req.pid, cr);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : -EACCES;
	return call_valid(c) ? 0 : -ENOENT;
}

/* ---- judging a destination ---- */

static void net_inet_target(const struct sockaddr_storage *ss, int fam,
			    struct policy_net_target *t, char *text,
			    size_t n)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };
	char buf[INET6_ADDRSTRLEN];

	memset(t, 0, sizeof(*t));
	t->kind = POLICY_NET_INET;
	if (fam == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		memcpy(t->addr, mapped, 12);
		memcpy(t->addr + 12, &in->sin_addr, 4);
		t->port = ntohs(in->sin_port);
		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
		snprintf(text, n, "%s:%u", buf, t->port);
		/* the kernel sends to the any address on loopback */
		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			t->addr[12] = 127, t->addr[15] = 1;
	} else {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		static const uint8_t any[16];

		memcpy(t->addr, &in6->sin6_addr, 16);
		t->port = ntohs(in6->sin6_port);
		inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
		snprintf(text, n, "[%s]:%u", buf, t->port);
		if (memcmp(t->addr, any, 16) == 0)
			t->addr[15] = 1;
		else if (memcmp(t->addr, mapped, 12) == 0 &&
			 memcmp(t->addr + 12, any, 4) == 0)
			t->addr[12] = 127, t->addr[15] = 1;
	}
}

/* "@name" for an abstract unix name, unprintable bytes as '?'. */
static void net_abstract_text(const char *name, size_t len, char *text,
			      size_t n)
{
	size_t i, o = 0;

	text[o++] = '@';
	for (i = 0; i < len && o + 1 < n; i++)
		text[o++] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] :
			    '?';
	text[o] = '\0';
}

/* The pathname of a unix address, NUL-terminated into buf, as the kernel
 * reads it (up to the first NUL within len). */
static void net_unix_path(const struct net_addr *a, char *buf, size_t n)
{
	const struct sockaddr_un *un = (const void *)&a->ss;
	size_t max = a->len - offsetof(struct sockaddr_un, sun_path);
	size_t l;

	if (max > sizeof(un->sun_path))
		max = sizeof(un->sun_path);
	l = strnlen(un->sun_path, max);
	if (l >= n)
		l = n - 1;
	memcpy(buf, un->sun_path, l);
	buf[l] = '\0';
}

static int net_decide(struct call *c, struct decide_req *dr)
{
	struct decide_out out;

	decide(c, dr, &out);
	return out.allow ? 0 : -out.err;
}

/* Judge a connect to an inet address (fam: how the kernel reads it). */
static int net_judge_inet(struct call *c, const char *sys,
			  const struct net_addr *a, int fam)
{
	const char *names[NET_MAX_NAMES];
	struct decide_req dr;
	char text[INET6_ADDRSTRLEN + 16];

	memset(&dr, 0, sizeof(dr));
	net_inet_target(&a->ss, fam, &dr.q.net, text, sizeof(text));
	dr.q.net.n_hostnames = net_hostnames(c, &dr.q.net, names,
					     NET_MAX_NAMES);
	dr.q.net.hostnames = names;
	dr.q.op = POLICY_OP_CONNECT;
	dr.syscall = sys;
	dr.target = text;
	/* which name matched is not reported by decide(): none recorded */
	dr.hostname = NULL;
	dr.deny_errno = ECONNREFUSED;
	return net_decide(c, &dr);
}

static int net_judge_abstract(struct call *c, const char *sys,
			      const struct net_addr *a)
{
	const struct sockaddr_un *un = (const void *)&a->ss;
	struct decide_req dr;
	char text[sizeof(un->sun_path) + 2];
	size_t len = a->len - offsetof(struct sockaddr_un, sun_path) - 1;

	/* Many servers bind the name padded with NULs to the whole of
	 * sun_path (shown as @name@@@ by ss); the padding is not part of
	 * the name a rule writes. The kernel still gets all the bytes. */
	while (len > 0 && un->sun_path[len] == '\0')
		len--;
	memset(&dr, 0, sizeof(dr));
	dr.q.op = POLICY_OP_CONNECT;
	dr.q.net.kind = POLICY_NET_UNIX_ABSTRACT;
	dr.q.net.unix_name = un->sun_path + 1;
	dr.q.net.unix_len = len;
	net_abstract_text(un->sun_path + 1, len, text, sizeof(text));
	dr.syscall = sys;
	dr.target = text;
	dr.deny_errno = ECONNREFUSED;
	return net_decide(c, &dr);
}

/*
 * Judge a connect or send to a unix pathname: resolve it as the caller
 * (following a final symlink, as connect does), judge the real path, and
 * rewrite a to /proc/self/fd/N of the resolved inode. d keeps the
 * descriptor until the call is done.
 */
static int net_judge_unix_path(struct call *c, const char *sys,
			       struct net_addr *a, struct net_dest *d)
{
	struct sockaddr_un *un = (void *)&a->ss;
	struct decide_req dr;
	char path[sizeof(un->sun_path) + 1];
	bool hit;
	int r;

	net_unix_path(a, path, sizeof(path));
	resolved_init(&d->r);
	d->have_r = true;
	r = emulate_enter_creds(c);
	if (r == 0)
		r = resolve_at(c, AT_FDCWD, path, RESOLVE_F_FOLLOW, &d->r);
	else
		r = r == -ENOENT ? -ENOENT : -EACCES;
	emulate_leave_creds(c);
	if (r < 0)
		return r;	/* ENOENT, ENOTDIR, EACCES... as connect */
	memset(&dr, 0, sizeof(dr));
	dr.q.op = POLICY_OP_CONNECT;
	dr.q.net.kind = POLICY_NET_UNIX_PATH;
	dr.q.net.unix_name = d->r.path;
	dr.q.net.unix_len = strlen(d->r.path);
	dr.syscall = sys;
	dr.target = path;
	dr.resolved = d->r.path;
	hit = protect_hit(&c->sup->protect, d->r.path, d->r.st.st_dev,
			  d->r.st.st_ino, false);
	dr.protect_check = true;
	dr.protect_path = d->r.path;
	dr.dev = d->r.st.st_dev;
	dr.ino = d->r.st.st_ino;
	dr.deny_errno = hit ? EACCES : ECONNREFUSED;
	r = net_decide(c, &dr);
	if (r < 0)
		return r;
	memset(un->sun_path, 0, sizeof(un->sun_path));
	snprintf(un->sun_path, sizeof(un->sun_path), "/proc/self/fd/%d",
		 d->r.obj);
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			     strlen(un->sun_path) + 1);
	return 0;
}

/*
 * Judge the destination a of a connect (send false) or a send on s.
 * Returns 0 to go on (judged and allowed, or nothing to judge) or -errno.
 */
static int net_judge(struct call *c, const char *sys,
		     const struct net_sock *s, struct net_addr *a, bool send,
		     struct net_dest *d)
{
	int fam;
	char what[64];

	if (a->len < sizeof(sa_family_t))
		return 0;	/* no family: no address the kernel uses */
	fam = a->ss.ss_family;
	switch (s->domain) {
	case AF_INET:
	case AF_INET6:
		if (fam == AF_UNSPEC && !send)
			return 0;	/* connect(AF_UNSPEC): disconnect */
		if (fam == AF_UNSPEC)	/* datagram and raw sends */
			fam = s->domain;
		if (fam == AF_INET6 && s->domain == AF_INET)
			return -EAFNOSUPPORT;
		if (fam != AF_INET && fam != AF_INET6)
			return -EAFNOSUPPORT;
		return net_judge_inet(c, sys, a, fam);
	case AF_UNIX:
		if (fam != AF_UNIX)
			return 0;	/* EINVAL or disconnect by the kernel */
		if (a->len <= offsetof(struct sockaddr_un, sun_path) ||
		    a->len > sizeof(struct sockaddr_un))
			return -EINVAL;
		if (((const struct sockaddr_un *)&a->ss)->sun_path[0] == '\0')
			return net_judge_abstract(c, sys, a);
		return net_judge_unix_path(c, sys, a, d);
	case AF_NETLINK:
		return 0;
	default:
		snprintf(what, sizeof(what), "family %d address",
			 s->domain);
		decide_record(c, c->req.pid, "connect", sys, what,
			      "unsupported-family", "deny", EACCES,
			      "the policy cannot name this destination");
		return -EACCES;
	}
}

static void net_dest_release(struct net_dest *d)
{
	if (d->have_r)
		resolved_release(&d->r);
	d->have_r = false;
}

/* ---- connect ---- */

static void net_connect(struct call *c)
{
	const __u64 *g = c->req.data.args;
	struct net_sock s = { .fd = -1 };
	struct net_dest d = { .have_r = false };
	struct net_addr a;
	struct creds cr;
	long r;

	r = net_copy_addr(c, g[1], (int)g[2], &a);
	if (r == 0)
		r = net_sock_get(c, (int)g[0], &s);
	if (r == 0)
		r = net_judge(c, "connect", &s, &a, false, &d);
	if (r == 0 && s.domain == AF_UNIX)
		r = net_creds(c, &cr);
	if (r < 0)
		goto out;
	if (!s.nonblock)
		block_begin(c);	/* a connect can take long */
	r = net_enter(c, &s, s.domain == AF_UNIX ? &cr : NULL);
	if (r == 0)
		r = connect(s.fd, (struct sockaddr *)&a.ss, a.len) < 0 ?
		    -errno : 0;
	net_leave(c);
	if (!s.nonblock)
		r = block_end(c, r);
out:
	net_answer(c, r);
	net_dest_release(&d);
	net_sock_release(&s);
}

/* ---- bind ---- */

/*
 * A unix pathname bind creates the socket file. The bound name is what the
 * caller's getsockname() and peers will see, so the bind is done with the
 * caller's exact path from the caller's cwd (this thread has its own
 * fs_struct); then SIOCUNIXFILE tells which file was created, and it must
 * be the one judged (the parent resolved beforehand + the name). A path
 * through /proc or /dev (magic links that would mean proctor, not the
 * caller) is bound as /proc/self/fd/DIR/NAME of the resolved parent
 * instead; getsockname() then shows that name.
 */
static long net_bind_unix_path(struct call *c, const struct net_sock *s,
			       const struct net_addr *a)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	struct decide_req dr;
	struct resolved r;
	struct stat want, got;
	struct net_addr b;
	struct creds cr;
	size_t plen;
	int cwd = -1, made;
	long ret;

	resolved_init(&r);
	net_unix_path(a, path, sizeof(path));
	plen = strlen(path);
	ret = emulate_enter_creds(c);
	if (ret == 0)
		ret = resolve_at(c, AT_FDCWD, path, RESOLVE_F_PARENT, &r);
	else
		ret = ret == -ENOENT ? -ENOENT : -EACCES;
	emulate_leave_creds(c);
	if (ret < 0)
		goto out;
	if (r.obj >= 0 || r.dir < 0) {
		ret = -EADDRINUSE;	/* the name exists (EEXIST) */
		goto out;
	}
	if (path[plen - 1] == '/') {
		ret = -ENOENT;	/* "name/" and no directory there */
		goto out;
	}
	memset(&dr, 0, sizeof(dr));
	dr.q.op = POLICY_OP_WRITE;
	dr.q.path = r.path;
	dr.q.path_len = strlen(r.path);
	dr.syscall = "bind";
	dr.target = path;
	dr.resolved = r.path;
	dr.protect_check = true;
	ret = net_decide(c, &dr);
	if (ret < 0)
		goto out;
	b = *a;
	if (strncmp(path, "/proc/", 6) == 0 || strncmp(path, "/dev/", 5) == 0) {
		struct sockaddr_un *un = (void *)&b.ss;
		int n = snprintf(un->sun_path, sizeof(un->sun_path),
				 "/proc/self/fd/%d/%s", r.dir, r.last);

		if (n < 0 || (size_t)n >= sizeof(un->sun_path)) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		b.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				    (size_t)n + 1);
	} else if (path[0] != '/') {
		cwd = target_open_proc(c, "cwd", O_PATH | O_DIRECTORY);
		if (cwd < 0) {
			ret = cwd == -EBADF ? -ENOENT : cwd;
			goto out;
		}
	}
	ret = net_creds(c, &cr);
	if (ret < 0)
		goto out;
	ret = net_enter(c, s, &cr);
	if (ret == 0)
		ret = emulate_umask(c);
	if (ret == 0 && cwd >= 0 && fchdir(cwd) < 0)
		ret = -errno;
	if (ret == 0)
		ret = bind(s->fd, (const struct sockaddr *)&b.ss, b.len) <
		      0 ? -errno : 0;
	net_leave(c);
	if (cwd >= 0 && chdir("/") < 0)
		sup_fail(c->sup, errno, "cannot leave the caller's cwd");
	if (ret < 0)
		goto out;
	/* the created file must be the judged one */
	creds_leave();
	made = ioctl(s->fd, SIOCUNIXFILE);
	if (fstatat(r.dir, r.last, &want, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISSOCK(want.st_mode) ||
	    (made >= 0 && (fstat(made, &got) < 0 ||
			   got.st_dev != want.st_dev ||
			   got.st_ino != want.st_ino))) {
		decide_record(c, c->req.pid, "write", "bind", path,
			      "race", "deny", EACCES,
			      "the path changed during the bind");
		ret = -EACCES;
	}
	if (made >= 0)
		close(made);
out:
	if (cwd >= 0)
		close(cwd);
	resolved_release(&r);
	return ret;
}

static void net_bind(struct call *c)
{
	const __u64 *g = c->req.data.args;
	struct net_sock s = { .fd = -1 };
	struct net_addr a;
	long r;

	r = net_copy_addr(c, g[1], (int)g[2], &a);
	if (r == 0)
		r = net_sock_get(c, (int)g[0], &s);
	if (r < 0)
		goto out;
	if (s.domain == AF_UNIX && a.len > offsetof(struct sockaddr_un,
						    sun_path) &&
	    a.len <= sizeof(struct sockaddr_un) &&
	    a.ss.ss_family == AF_UNIX &&
	    ((struct sockaddr_un *)&a.ss)->sun_path[0] != '\0') {
		r = net_bind_unix_path(c, &s, &a);
		goto out;
	}
	/* abstract, autobind, inet, others: nothing on disk, no decision;
	 * still done on the copy (a privileged port needs the caller's
	 * CAP_NET_BIND_SERVICE) */
	r = emulate_enter_creds(c);
	r = r == -ENOENT ? -ENOENT : (r < 0 ? -EACCES : 0);
	if (r == 0)
		r = bind(s.fd, (struct sockaddr *)&a.ss, a.len) < 0 ?
		    -errno : 0;
	emulate_leave_creds(c);
out:
	net_answer(c, r);
	net_sock_release(&s);
}

/* ---- sends ---- */

static void net_msg_init(struct net_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->dest.have_r = false;
}

static void net_msg_release(struct net_msg *m)
{
	int i;

	free(m->data);
	free(m->ctl);
	for (i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	m->data = NULL;
	m->ctl = NULL;
	m->nfds = 0;
	net_dest_release(&m->dest);
}

static bool net_is_stream(const struct net_sock *s)
{
	return s->type == SOCK_STREAM;
}

/* How many bytes of a total to copy, or -EMSGSIZE. */
static long net_send_size(const struct net_sock *s, uint64_t total)
{
	if (net_is_stream(s))
		return (long)(total > NET_STREAM_MAX ? NET_STREAM_MAX : total);
	if (total > NET_DGRAM_MAX)
		return -EMSGSIZE;
	return (long)total;
}

/* Gather the caller's iovecs into one buffer of at most the send size. */
static int net_copy_iov(struct call *c, const struct net_sock *s,
			uint64_t iov_addr, uint64_t iovlen, struct net_msg *m)
{
	struct iovec *iov = NULL;
	uint64_t total = 0;
	size_t i, off = 0;
	long want;
	int r;

	if (iovlen > NET_IOV_MAX)
		return -EMSGSIZE;
	if (iovlen) {
		iov = calloc(iovlen, sizeof(*iov));
		if (!iov)
			return -ENOMEM;
		r = target_read(c, iov_addr, iov, iovlen * sizeof(*iov));
		if (r < 0)
			goto out;
	}
	for (i = 0; i < iovlen; i++) {
		if ((ssize_t)iov[i].iov_len < 0) {
			r = -EINVAL;
			goto out;
		}
		total += iov[i].iov_len;
		if (total > INT_MAX)
			total = INT_MAX;
	}
	want = net_send_size(s, total);
	if (want < 0) {
		r = (int)want;
		goto out;
	}
	m->data = malloc(want ? (size_t)want : 1);
	r = -ENOMEM;
	if (!m->data)
		goto out;
	for (i = 0; i < iovlen && off < (size_t)want; i++) {
		size_t n = iov[i].iov_len;

		if (n > (size_t)want - off)
			n = (size_t)want - off;
		if (!n)
			continue;
		r = target_read(c, (uintptr_t)iov[i].iov_base, m->data + off,
			     n);
		if (r < 0)
			goto out;
		off += n;
	}
	m->len = off;
	r = 0;
out:
	free(iov);
	return r;
}

/*
 * Check SCM_CREDENTIALS as the kernel's scm_check_creds() would for the
 * caller: its own pid (or CAP_SYS_ADMIN), one of its uids (or CAP_SETUID),
 * one of its gids (or CAP_SETGID). The kernel checks proctor's thread,
 * whose saved uid is 0, so proctor checks for it; the pid then becomes
 * proctor's, the only one the kernel accepts from this thread.
 */
static int net_check_ucred(struct call *c, const struct creds *cr,
			   struct ucred *u)
{
	bool admin = cr->cap_eff & CAP_BIT(NET_CAP_SYS_ADMIN);

	if (u->pid != c->tgid && !admin)
		return -EPERM;
	if (u->uid != cr->ruid && u->uid != cr->euid && u->uid != cr->suid &&
	    !(cr->cap_eff & CAP_BIT(NET_CAP_SETUID)))
		return -EPERM;
	if (u->gid != cr->rgid && u->gid != cr->egid && u->gid != cr->sgid &&
	    !(cr->cap_eff & CAP_BIT(NET_CAP_SETGID)))
		return -EPERM;
	if (u->pid == c->tgid)
		u->pid = getpid();
	return 0;
}

/* Copy the control messages and translate what names the caller's
 * descriptors or process into proctor's. */
static int net_copy_ctl(struct call *c, uint64_t addr, uint64_t len,
			struct net_msg *m, const struct creds *cr)
{
	size_t off = 0;
	int r;

	if (!len)
		return 0;
	if (len > NET_CTL_MAX)
		return -ENOBUFS;
	m->ctl = malloc(len);
	if (!m->ctl)
		return -ENOMEM;
	m->ctl_len = len;
	r = target_read(c, addr, m->ctl, len);
	if (r < 0)
		return r;
	/* the kernel's for_each_cmsghdr() and CMSG_OK() */
	while (off + sizeof(struct cmsghdr) <= len) {
		struct cmsghdr *cm = (struct cmsghdr *)(m->ctl + off);
		int *fds = (int *)CMSG_DATA(cm);
		size_t data, i, n;

		if (cm->cmsg_len < sizeof(struct cmsghdr) ||
		    cm->cmsg_len > len - off)
			return -EINVAL;
		data = cm->cmsg_len - CMSG_LEN(0);
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			n = data / sizeof(int);
			if (m->nfds + n > NET_SCM_MAX_FD)
				return -EINVAL;
			for (i = 0; i < n; i++) {
				int fd = target_getfd(c, fds[i]);

				if (fd < 0)
					return fd == -ENOENT ? -ENOENT :
					       -EBADF;
				m->fds[m->nfds++] = fd;
				fds[i] = fd;
			}
		} else if (cm->cmsg_level == SOL_SOCKET &&
			   cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred u;

			if (data != sizeof(u))
				return -EINVAL;
			memcpy(&u, CMSG_DATA(cm), sizeof(u));
			r = net_check_ucred(c, cr, &u);
			if (r < 0)
				return r;
			memcpy(CMSG_DATA(cm), &u, sizeof(u));
		}
		off += CMSG_ALIGN(cm->cmsg_len);
	}
	return 0;
}

/*
 * Copy one struct msghdr of the caller (at addr) into m: name, data,
 * control. Returns 0 or -errno.
 */
static int net_copy_msghdr(struct call *c, const struct net_sock *s,
			   uint64_t addr, struct net_msg *m,
			   const struct creds *cr)
{
	struct msghdr h;
	int r;

	r = target_read(c, addr, &h, sizeof(h));
	if (r < 0)
		return r;
	if (h.msg_name && (int)h.msg_namelen < 0)
		return -EINVAL;
	if (h.msg_name && h.msg_namelen) {
		socklen_t nl = h.msg_namelen;

		if (nl > sizeof(struct sockaddr_storage))
			nl = sizeof(struct sockaddr_storage);	/* as sendmsg */
		r = net_copy_addr(c, (uintptr_t)h.msg_name, nl, &m->addr);
		if (r < 0)
			return r;
		m->has_addr = true;
	}
	if (h.msg_controllen > INT_MAX)
		return -ENOBUFS;
	r = net_copy_iov(c, s, (uintptr_t)h.msg_iov, h.msg_iovlen, m);
	if (r < 0)
		return r;
	return net_copy_ctl(c, (uintptr_t)h.msg_control, h.msg_controllen, m,
			    cr);
}

/* Send m on s with the caller's credentials. Returns bytes or -errno. */
static long net_send_one(struct call *c, const struct net_sock *s,
			 struct net_msg *m, int flags, const struct creds *cr)
{
	struct iovec iov = { m->data, m->len };
	struct msghdr h;
	long r;

	memset(&h, 0, sizeof(h));
	if (m->has_addr) {
		h.msg_name = &m->addr.ss;
		h.msg_namelen = m->addr.len;
	}
	h.msg_iov = &iov;
	h.msg_iovlen = 1;
	h.msg_control = m->ctl_len ? m->ctl : NULL;
	h.msg_controllen = m->ctl_len;
	bool blocking = !s->nonblock && !(flags & MSG_DONTWAIT);

	if (blocking)
		block_begin(c);	/* a full buffer blocks */
	r = net_enter(c, s, cr);
	if (r == 0) {
		/* SIGPIPE goes to the caller (net_sigpipe), not to proctor */
		r = sendmsg(s->fd, &h, flags | MSG_NOSIGNAL);
		if (r < 0)
			r = -errno;
	}
	net_leave(c);
	if (blocking)
		r = block_end(c, r);
	return r;
}

/* The kernel signals a send on a broken stream unless MSG_NOSIGNAL. */
static void net_sigpipe(struct call *c, long r, int flags)
{
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL) && c->tgid)
		syscall(SYS_tgkill, c->tgid, c->req.pid, SIGPIPE);
}

/* Judge m's destination, if it has one. */
static int net_judge_msg(struct call *c, const char *sys,
			 const struct net_sock *s, struct net_msg *m)
{
	if (!m->has_addr)
		return 0;	/* the connected peer: judged at connect */
	return net_judge(c, sys, s, &m->addr, true, &m->dest);
}

/* A report of the preload library (hints.h): never a real send. */
static void net_hint(struct call *c, uint64_t addr, uint64_t len)
{
	char msg[HINTS_MAX_MSG];
	size_t n = len < sizeof(msg) ? (size_t)len : sizeof(msg);
	int r = target_read(c, addr, msg, n);

	if (r < 0) {
		net_answer(c, r);
		return;
	}
	hints_receive(c, msg, (size_t)len);
}

static void net_sendto(struct call *c)
{
	const __u64 *g = c->req.data.args;
	struct net_sock s = { .fd = -1 };
	struct net_msg m;
	struct creds cr;
	int flags = (int)g[3];
	long r, want;

	net_msg_init(&m);
	if (g[4]) {
		r = net_copy_addr(c, g[4], (int)g[5], &m.addr);
		if (r < 0)
			goto out;
		m.has_addr = true;
		if (hints_is_channel(&m.addr.ss, m.addr.len)) {
			net_hint(c, g[1], g[2]);	/* answers c */
			return;
		}
	}
	r = net_sock_get(c, (int)g[0], &s);
	if (r < 0)
		goto out;
	want = net_send_size(&s, g[2] > INT_MAX ? INT_MAX : g[2]);
	if (want < 0) {
		r = want;
		goto out;
	}
	m.data = malloc(want ? (size_t)want : 1);
	r = -ENOMEM;
	if (!m.data)
		goto out;
	r = want ? target_read(c, g[1], m.data, (size_t)want) : 0;
	if (r < 0)
		goto out;
	m.len = (size_t)want;
	r = net_creds(c, &cr);
	if (r == 0)
		r = net_judge_msg(c, "sendto", &s, &m);
	if (r < 0)
		goto out;
	r = net_send_one(c, &s, &m, flags, &cr);
	net_sigpipe(c, r, flags);
out:
	net_answer(c, r);
	net_msg_release(&m);
	net_sock_release(&s);
}

static void net_sendmsg(struct call *c)
{
	const __u64 *g = c->req.data.args;
	struct net_sock s = { .fd = -1 };
	struct net_msg m;
	struct creds cr;
	int flags = (int)g[2];
	long r;

	net_msg_init(&m);
	r = net_sock_get(c, (int)g[0], &s);
	if (r == 0)
		r = net_creds(c, &cr);
	if (r == 0)
		r = net_copy_msghdr(c, &s, g[1], &m, &cr);
	if (r == 0)
		r = net_judge_msg(c, "sendmsg", &s, &m);
	if (r < 0)
		goto out;
	r = net_send_one(c, &s, &m, flags, &cr);
	net_sigpipe(c, r, flags);
out:
	net_answer(c, r);
	net_msg_release(&m);
	net_sock_release(&s);
}

/* sendmmsg: one sendmsg per entry; the count sent, or the first error. */
static void net_sendmmsg(struct call *c)
{
	const __u64 *g = c->req.data.args;
	struct net_sock s = { .fd = -1 };
	struct net_msg m;
	struct creds cr;
	uint64_t vec = g[1];
	unsigned vlen = (unsigned)g[2];
	int flags = (int)g[3];
	unsigned i, sent = 0;
	long r;

	if (vlen > NET_MMSG_MAX)
		vlen = NET_MMSG_MAX;
	r = net_sock_get(c, (int)g[0], &s);
	if (r == 0)
		r = net_creds(c, &cr);
	for (i = 0; r == 0 && i < vlen; i++) {
		uint64_t e = vec + (uint64_t)i * sizeof(struct mmsghdr);

		net_msg_init(&m);
		r = net_copy_msghdr(c, &s, e, &m, &cr);
		if (r == 0)
			r = net_judge_msg(c, "sendmmsg", &s, &m);
		if (r == 0)
			r = net_send_one(c, &s, &m, flags, &cr);
		net_sigpipe(c, r, flags);
		if (r >= 0) {
			size_t len = m.len;
			int w = net_write_u32(c, e + offsetof(struct mmsghdr,
							      msg_len),
					      (uint32_t)r);

			if (w < 0) {
				net_msg_release(&m);
				r = w;
				break;
			}
			sent++;
			if ((size_t)r < len) {
				net_msg_release(&m);
				break;	/* short send: stop, as the kernel */
			}
			r = 0;
		}
		net_msg_release(&m);
	}
	if (sent)
		r = sent;
	net_answer(c, r);
	net_sock_release(&s);
}

void emulate_net(struct call *c)
{
	emulate_tgid(c);
	switch (c->req.data.nr) {
	case __NR_connect:
		net_connect(c);
		break;
	case __NR_bind:
		net_bind(c);
		break;
	case __NR_sendto:
		net_sendto(c);
		break;
	case __NR_sendmsg:
		net_sendmsg(c);
		break;
	case __NR_sendmmsg:
		net_sendmmsg(c);
		break;
	default:
		call_fail(c, ENOSYS);
		break;
	}
}
