/*
 * preload.c - libproctor-preload.so: context the kernel does not give.
 *
 * Injected by `proctor run` through LD_PRELOAD into the agent's dynamically
 * linked programs. It is never trusted for enforcement (the supervisor
 * enforces everything from the kernel side; a static program or a raw
 * system call is judged the same way). It only adds:
 *  - host names: after each successful getaddrinfo / gethostbyname*, it
 *    reports the name and the addresses to proctor (proctor confirms them
 *    by resolving the name itself);
 *  - stack traces: proctor sends a signal to a thread whose call it denied;
 *    the handler here unwinds the stack with libunwind and reports it.
 *
 * The channel is a sendto(-1, ...) to the abstract unix name
 * "proctor-hint-v1": the filter traps it, so proctor learns the sender from
 * the notification itself (not spoofable), no descriptor is needed (it
 * works after a program closes all its descriptors, and after fork), and
 * without proctor the call fails with EBADF and nothing happens.
 *
 * Must never: change errno or a return value seen by the program, allocate
 * in the signal handler, or hook anything it does not need.
 */
#define UNW_LOCAL_ONLY
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <libunwind.h>
#include <netdb.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define PRELOAD_API __attribute__((visibility("default")))
#define PRELOAD_CHANNEL "proctor-hint-v1"
#define PRELOAD_MAX 4096
#define PRELOAD_FRAMES 32

static int preload_signal;	/* 0: no stack traces */

static void preload_send(const char *msg, size_t len)
{
	struct sockaddr_un un;
	socklen_t alen;
	int saved = errno;

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	memcpy(un.sun_path + 1, PRELOAD_CHANNEL, sizeof(PRELOAD_CHANNEL) - 1);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   sizeof(PRELOAD_CHANNEL) - 1);
	/* raw system call: never through an interposed sendto */
	syscall(SYS_sendto, -1, msg, len, 0, &un, alen);
	errno = saved;
}

/* Append one line to buf (bounded); returns the new length. */
static size_t preload_line(char *buf, size_t used, const char *s)
{
	size_t n = strlen(s);

	if (used + n + 1 >= PRELOAD_MAX)
		return used;
	memcpy(buf + used, s, n);
	buf[used + n] = '\n';
	return used + n + 1;
}

static size_t preload_addr_line(char *buf, size_t used, int family,
				const void *addr)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, text, sizeof(text)))
		return used;
	return preload_line(buf, used, text);
}

static void preload_report_ai(const char *name, const struct addrinfo *res)
{
	char buf[PRELOAD_MAX];
	size_t used;
	struct in_addr probe;

	if (!name || !name[0] || inet_pton(AF_INET, name, &probe) == 1 ||
	    strchr(name, ':'))
		return;	/* numeric: nothing to learn */
	used = preload_line(buf, 0, "H1");
	used = preload_line(buf, used, name);
	for (; res; res = res->ai_next) {
		if (res->ai_family == AF_INET)
			used = preload_addr_line(buf, used, AF_INET,
				&((struct sockaddr_in *)res->ai_addr)->sin_addr);
		else if (res->ai_family == AF_INET6)
			used = preload_addr_line(buf, used, AF_INET6,
				&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr);
	}
	preload_send(buf, used);
}

static void preload_report_he(const char *name, const struct hostent *he)
{
	char buf[PRELOAD_MAX];
	size_t used;
	int i;

	if (!he || !name || !name[0])
		return;
	used = preload_line(buf, 0, "H1");
	used = preload_line(buf, used, name);
	for (i = 0; he->h_addr_list[i]; i++)
		used = preload_addr_line(buf, used, he->h_addrtype,
					 he->h_addr_list[i]);
	preload_send(buf, used);
}

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *,
		      struct addrinfo **);
typedef struct hostent *(*ghbn_fn)(const char *);
typedef struct hostent *(*ghbn2_fn)(const char *, int);
typedef int (*ghbnr_fn)(const char *, struct hostent *, char *, size_t,
			struct hostent **, int *);
typedef int (*ghbn2r_fn)(const char *, int, struct hostent *, char *,
			 size_t, struct hostent **, int *);

PRELOAD_API int getaddrinfo(const char *node, const char *service,
			    const struct addrinfo *hints,
			    struct addrinfo **res)
{
	static gai_fn real;
	int r;

	if (!real)
		real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	if (!real)
		return EAI_SYSTEM;
	r = real(node, service, hints, res);
	if (r == 0 && res)
		preload_report_ai(node, *res);
	return r;
}

PRELOAD_API struct hostent *gethostbyname(const char *name)
{
	static ghbn_fn real;
	struct hostent *he;

	if (!real)
		real = (ghbn_fn)dlsym(RTLD_NEXT, "gethostbyname");
	if (!real)
		return NULL;
	he = real(name);
	preload_report_he(name, he);
	return he;
}

PRELOAD_API struct hostent *gethostbyname2(const char *name, int af)
{
	static ghbn2_fn real;
	struct hostent *he;

	if (!real)
		real = (ghbn2_fn)dlsym(RTLD_NEXT, "gethostbyname2");
	if (!real)
		return NULL;
	he = real(name, af);
	preload_report_he(name, he);
	return he;
}

PRELOAD_API int gethostbyname_r(const char *name, struct hostent *ret,
				char *buf, size_t len,
				struct hostent **result, int *h_errnop)
{
	static ghbnr_fn real;
	int r;

	if (!real)
		real = (ghbnr_fn)dlsym(RTLD_NEXT, "gethostbyname_r");
	if (!real)
		return ENOSYS;
	r = real(name, ret, buf, len, result, h_errnop);
	if (r == 0 && result && *result)
		preload_report_he(name, *result);
	return r;
}

PRELOAD_API int gethostbyname2_r(const char *name, int af,
				 struct hostent *ret, char *buf, size_t len,
				 struct hostent **result, int *h_errnop)
{
	static ghbn2r_fn real;
	int r;

	if (!real)
		real = (ghbn2r_fn)dlsym(RTLD_NEXT, "gethostbyname2_r");
	if (!real)
		return ENOSYS;
	r = real(name, af, ret, buf, len, result, h_errnop);
	if (r == 0 && result && *result)
		preload_report_he(name, *result);
	return r;
}

/* Signal handler: the thread's call was just denied; report its stack. */
static void preload_on_deny(int sig, siginfo_t *si, void *uc)
{
	char buf[PRELOAD_MAX], line[512];
	unw_cursor_t cursor;
	unw_context_t ctx;
	size_t used;
	int depth = 0;
	int saved = errno;

	(void)sig;
	(void)si;
	(void)uc;
	used = preload_line(buf, 0, "B1");
	if (unw_getcontext(&ctx) != 0 || unw_init_local(&cursor, &ctx) != 0)
		goto out;
	/*
	 * Names come from the dynamic linker's own tables (dladdr): no file
	 * is opened here. unw_get_proc_name would read /proc/self/maps and
	 * the ELF files, and each of those opens is a trapped, judged and
	 * recorded call of its own - hundreds of microseconds per denial.
	 * Frames without an exported symbol show the module and offset.
	 */
	while (unw_step(&cursor) > 0 && depth < PRELOAD_FRAMES) {
		unw_word_t ip = 0;
		Dl_info info;

		unw_get_reg(&cursor, UNW_REG_IP, &ip);
		if (dladdr((void *)(uintptr_t)ip, &info) && info.dli_fname) {
			if (info.dli_sname && info.dli_saddr)
				snprintf(line, sizeof(line),
					 "#%d 0x%lx %s+0x%lx (%s)", depth,
					 (unsigned long)ip, info.dli_sname,
					 (unsigned long)(ip -
					 (uintptr_t)info.dli_saddr),
					 info.dli_fname);
			else
				snprintf(line, sizeof(line),
					 "#%d 0x%lx (%s+0x%lx)", depth,
					 (unsigned long)ip, info.dli_fname,
					 (unsigned long)(ip -
					 (uintptr_t)info.dli_fbase));
		} else {
			snprintf(line, sizeof(line), "#%d 0x%lx ?", depth,
				 (unsigned long)ip);
		}
		used = preload_line(buf, used, line);
		depth++;
	}
out:
	preload_send(buf, used);
	errno = saved;
}

__attribute__((constructor)) static void preload_init(void)
{
	struct sigaction sa, old;
	char hello[64];
	int sig = SIGRTMAX - 3;
	int n;

	/* never take a signal the program uses itself */
	if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
	    !(old.sa_flags & SA_SIGINFO)) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = preload_on_deny;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(sig, &sa, NULL) == 0)
			preload_signal = sig;
	}
	n = snprintf(hello, sizeof(hello), "P1\n%d\n", preload_signal);
	if (n > 0)
		preload_send(hello, (size_t)n);
}
