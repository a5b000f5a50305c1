/*
 * hints.c - confirmed host names for addresses (hints.h).
 *
 * Must never: believe a name the agent reports without resolving it
 * here; resolve on a notification thread without notify_may_block().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "decide.h"
#include "emulate.h"
#include "proctab.h"
#include "hints.h"
#include "notify.h"
#include "sup.h"

#define HINTS_SLOTS 4096
#define HINTS_TTL_NS (300LL * 1000000000LL)	/* agent-reported names */

struct hints_entry {
	char *name;		/* owned; NULL when free */
	uint8_t addr[16];
	int64_t expires;	/* monotonic ns; 0 for static names */
	bool is_static;
};

static pthread_rwlock_t hints_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct hints_entry hints[HINTS_SLOTS];
static size_t hints_next;		/* round-robin eviction */
static pthread_t hints_thread;
static bool hints_running;
static pthread_mutex_t hints_stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hints_stop_cond = PTHREAD_COND_INITIALIZER;
static bool hints_stopping;

static void hints_to_mapped(const struct sockaddr *sa, uint8_t out[16])
{
	memset(out, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, &in->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		memcpy(out, &in6->sin6_addr, 16);
	}
}

void hints_add(const char *name, const uint8_t addr[16], bool is_static)
{
	int64_t now = sup_mono_ns();
	struct hints_entry *same = NULL, *spare = NULL, *slot;
	size_t i;
	char *copy;

	pthread_rwlock_wrlock(&hints_lock);
	for (i = 0; i < HINTS_SLOTS && !same; i++) {
		struct hints_entry *e = &hints[i];

		if (e->name && !memcmp(e->addr, addr, 16) &&
		    !strcasecmp(e->name, name))
			same = e;
		else if (!spare && (!e->name ||
				    (e->expires && e->expires < now)))
			spare = e;
	}
	if (same) {
		/* known pair: refresh it */
		same->is_static = same->is_static || is_static;
		same->expires = same->is_static ? 0 : now + HINTS_TTL_NS;
		goto out;
	}
	copy = strdup(name);
	if (!copy)
		goto out;
	slot = spare ? spare : &hints[hints_next++ % HINTS_SLOTS];
	free(slot->name);
	slot->name = copy;
	memcpy(slot->addr, addr, 16);
	slot->is_static = is_static;
	slot->expires = is_static ? 0 : now + HINTS_TTL_NS;
out:
	pthread_rwlock_unlock(&hints_lock);
}

size_t hints_names(const uint8_t addr[16], const char **names, size_t max,
		   char *buf, size_t buflen)
{
	int64_t now = sup_mono_ns();
	size_t n = 0, used = 0, i;

	pthread_rwlock_rdlock(&hints_lock);
	for (i = 0; i < HINTS_SLOTS && n < max; i++) {
		const struct hints_entry *e = &hints[i];
		size_t len;

		if (!e->name || memcmp(e->addr, addr, 16) ||
		    (e->expires && e->expires < now))
			continue;
		len = strlen(e->name) + 1;
		if (used + len > buflen)
			break;
		memcpy(buf + used, e->name, len);
		names[n++] = buf + used;
		used += len;
	}
	pthread_rwlock_unlock(&hints_lock);
	return n;
}

/* Resolve name here; for each answer that is in `claimed` (or every answer
 * when claimed is NULL) remember the pair. Returns how many were kept. */
static size_t hints_confirm(const char *name, const uint8_t (*claimed)[16],
			    size_t nclaimed, bool is_static)
{
	struct addrinfo want = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	size_t kept = 0, i;

	if (getaddrinfo(name, NULL, &want, &res) != 0)
		return 0;
	for (ai = res; ai; ai = ai->ai_next) {
		uint8_t a[16];

		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		hints_to_mapped(ai->ai_addr, a);
		if (claimed) {
			for (i = 0; i < nclaimed; i++)
				if (!memcmp(claimed[i], a, 16))
					break;
			if (i == nclaimed)
				continue;	/* the agent's claim only */
		}
		hints_add(name, a, is_static);
		kept++;
	}
	freeaddrinfo(res);
	return kept;
}

bool hints_is_channel(const void *addr, size_t len)
{
	const struct sockaddr_un *un = addr;
	size_t nlen = sizeof(HINTS_CHANNEL) - 1;

	return len == offsetof(struct sockaddr_un, sun_path) + 1 + nlen &&
	       un->sun_family == AF_UNIX && un->sun_path[0] == '\0' &&
	       !memcmp(un->sun_path + 1, HINTS_CHANNEL, nlen);
}

/*
 * Messages (docs/network.md):
 *   "H1\nNAME\nADDR\nADDR...\n"  a name resolution
 *   "P1\nSIGNO\n"                the library is loaded; its stack signal
 *   "B1\nFRAME\nFRAME...\n"      the stack of the last denied call
 */
void hints_receive(struct call *c, const char *msg, size_t len)
{
	char text[HINTS_MAX_MSG + 1];
	uint8_t claimed[32][16];
	size_t n = 0;
	char *line, *save = NULL, *name;

	call_value(c, (int64_t)len);	/* a datagram was "sent" */
	if (len > HINTS_MAX_MSG || len < 3)
		return;
	memcpy(text, msg, len);
	text[len] = '\0';
	if (!memcmp(text, "P1\n", 3)) {
		long sig = strtol(text + 3, NULL, 10);

		if (sig >= SIGRTMIN && sig <= SIGRTMAX)
			proctab_set_preload_sig(emulate_tgid(c), (int)sig);
		return;
	}
	if (!memcmp(text, "B1\n", 3)) {
		/* for a pending ask (decide.c), else of the last deny */
		if (!proctab_put_stack(c->req.pid, text + 3))
			decide_backtrace(c, text + 3);
		return;
	}
	if (memcmp(text, "H1\n", 3))
		return;
	name = strtok_r(text + 3, "\n", &save);
	if (!name || !name[0] || strlen(name) > 253)
		return;
	while ((line = strtok_r(NULL, "\n", &save)) && n < 32) {
		struct in6_addr a6;
		struct in_addr a4;

		if (inet_pton(AF_INET, line, &a4) == 1) {
			memset(claimed[n], 0, 16);
			claimed[n][10] = claimed[n][11] = 0xff;
			memcpy(claimed[n] + 12, &a4, 4);
			n++;
		} else if (inet_pton(AF_INET6, line, &a6) == 1) {
			memcpy(claimed[n++], &a6, 16);
		}
	}
	if (!n)
		return;
	/* resolving can take a while: keep others served, as proctor */
	notify_may_block(c->sup);
	if (creds_is_switched())
		creds_leave();
	hints_confirm(name, (const uint8_t (*)[16])claimed, n, false);
}

static int hints_resolve_one(void *ctx, const char *host)
{
	(void)ctx;
	hints_confirm(host, NULL, 0, true);
	return 0;
}

static void *hints_refresher(void *arg)
{
	const struct policy *p = arg;
	struct timespec until;

	for (;;) {
		policy_foreach_hostname(p, hints_resolve_one, NULL);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += HINTS_REFRESH_S;
		pthread_mutex_lock(&hints_stop_lock);
		while (!hints_stopping &&
		       pthread_cond_timedwait(&hints_stop_cond,
					      &hints_stop_lock, &until) == 0)
			;
		if (hints_stopping) {
			pthread_mutex_unlock(&hints_stop_lock);
			break;
		}
		pthread_mutex_unlock(&hints_stop_lock);
	}
	return NULL;
}

int hints_start(const struct policy *p)
{
	int r;

	/* first resolution before the agent starts: rules work at once */
	policy_foreach_hostname(p, hints_resolve_one, NULL);
	r = pthread_create(&hints_thread, NULL, hints_refresher, (void *)p);
	if (r)
		return -r;
	hints_running = true;
	return 0;
}

void hints_stop(void)
{
	size_t i;

	if (hints_running) {
		pthread_mutex_lock(&hints_stop_lock);
		hints_stopping = true;
		pthread_cond_signal(&hints_stop_cond);
		pthread_mutex_unlock(&hints_stop_lock);
		pthread_join(hints_thread, NULL);
		hints_running = false;
	}
	pthread_rwlock_wrlock(&hints_lock);
	for (i = 0; i < HINTS_SLOTS; i++) {
		free(hints[i].name);
		hints[i].name = NULL;
	}
	pthread_rwlock_unlock(&hints_lock);
}
