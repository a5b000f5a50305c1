/*
 * creds.c - per-thread credential switching for emulated calls.
 *
 * Invariants: only the calling thread changes; a thread that could not
 * switch must not emulate (callers deny on error); proctor's saved uid
 * stays 0 while switched so that creds_leave can restore it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "creds.h"
#include "target.h"

static __thread bool creds_same;	/* proctor not root: umask only */
static __thread bool creds_switched;
static __thread struct creds creds_cur;	/* valid when creds_switched */
static __thread mode_t creds_cur_umask;
static __thread struct __user_cap_data_struct creds_saved_caps[2];
static __thread int creds_saved_ngroups;
static __thread gid_t creds_saved_egid;
static __thread gid_t creds_saved_groups[CREDS_MAX_GROUPS];

int creds_thread_init(bool same_creds)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	if (unshare(CLONE_FS) < 0)
		return -errno;
	creds_same = same_creds;
	creds_cur_umask = umask(022);
	umask(creds_cur_umask);
	if (same_creds)
		return 0;
	if (syscall(SYS_capget, &h, creds_saved_caps) < 0)
		return -errno;
	creds_saved_egid = getegid();
	creds_saved_ngroups = getgroups(CREDS_MAX_GROUPS, creds_saved_groups);
	if (creds_saved_ngroups < 0)
		return -errno;
	return 0;
}

static int creds_parse_ids(const char *buf, const char *key, unsigned v[4])
{
	const char *p = strstr(buf, key);
	char *end;
	int i;

	if (!p)
		return -EINVAL;
	p += strlen(key);
	for (i = 0; i < 4; i++) {
		v[i] = (unsigned)strtoul(p, &end, 10);
		if (end == p)
			return -EINVAL;
		p = end;
	}
	return 0;
}

int creds_read(pid_t tid, struct creds *c)
{
	char buf[4096];
	unsigned v[4];
	const char *p;
	char *end;
	ssize_t n;
	int r;

	n = target_proc_read(tid, "status", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	p = strstr(buf, "\nUmask:");
	if (!p)
		return -EINVAL;
	c->umask = (mode_t)strtoul(p + 7, NULL, 8);
	r = creds_parse_ids(buf, "\nUid:", v);
	if (r < 0)
		return r;
	c->ruid = v[0], c->euid = v[1], c->suid = v[2], c->fsuid = v[3];
	r = creds_parse_ids(buf, "\nGid:", v);
	if (r < 0)
		return r;
	c->rgid = v[0], c->egid = v[1], c->sgid = v[2], c->fsgid = v[3];
	c->ngroups = 0;
	p = strstr(buf, "\nGroups:");
	if (p) {
		p += 8;
		for (;;) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (c->ngroups == CREDS_MAX_GROUPS)
				return -E2BIG;
			c->groups[c->ngroups++] = (gid_t)g;
			p = end;
		}
	}
	p = strstr(buf, "\nCapEff:");
	if (!p)
		return -EINVAL;
	c->cap_eff = strtoull(p + 8, NULL, 16);
	return 0;
}

void creds_set_umask(mode_t m)
{
	if (m != creds_cur_umask) {
		umask(m);
		creds_cur_umask = m;
	}
}

/* Same identity as the thread holds now (umask aside)? */
bool creds_holds(const struct creds *c)
{
	const struct creds *k = &creds_cur;

	return creds_switched && k->euid == c->euid &&
	       k->fsuid == c->fsuid && k->egid == c->egid &&
	       k->fsgid == c->fsgid && k->cap_eff == c->cap_eff &&
	       k->ngroups == c->ngroups &&
	       memcmp(k->groups, c->groups,
		      (size_t)c->ngroups * sizeof(gid_t)) == 0;
}

int creds_enter(const struct creds *c)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	int r;

	if (creds_same || creds_holds(c))
		return 0;
	if (creds_switched)
		creds_leave();
	if (syscall(SYS_setgroups, c->ngroups, c->groups) < 0)
		goto fail;
	if (syscall(SYS_setresgid, -1, c->egid, -1) < 0)
		goto fail;
	if (syscall(SYS_setfsgid, c->fsgid) < 0)
		goto fail;
	/* keep real and saved uid 0 so that the permitted set survives */
	if (syscall(SYS_setresuid, -1, c->euid, -1) < 0)
		goto fail;
	syscall(SYS_setfsuid, c->fsuid);
	memcpy(d, creds_saved_caps, sizeof(d));
	d[0].effective = (uint32_t)c->cap_eff & d[0].permitted;
	d[1].effective = (uint32_t)(c->cap_eff >> 32) & d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		goto fail;
	creds_switched = true;
	creds_cur = *c;
	return 0;
fail:
	r = -errno;
	creds_switched = true;
	creds_leave();
	return r;
}

bool creds_is_switched(void)
{
	return creds_switched;
}

int creds_suspend(struct creds *saved)
{
	int r;

	if (!creds_switched)
		return 0;
	*saved = creds_cur;
	r = creds_leave();
	return r < 0 ? r : 1;
}

int creds_resume(const struct creds *saved)
{
	return creds_enter(saved);
}

bool creds_can_stay(void)
{
	return creds_switched && creds_cur.euid == 0 && creds_cur.fsuid == 0;
}

int creds_leave(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	if (creds_same || !creds_switched)
		return 0;
	if (syscall(SYS_setresuid, -1, 0, -1) < 0 ||
	    syscall(SYS_setfsuid, 0) < 0 ||
	    syscall(SYS_setresgid, -1, creds_saved_egid, -1) < 0 ||
	    syscall(SYS_setfsgid, creds_saved_egid) < 0 ||
	    syscall(SYS_setgroups, creds_saved_ngroups,
		    creds_saved_groups) < 0 ||
	    syscall(SYS_capset, &h, creds_saved_caps) < 0)
		return -errno;
	creds_switched = false;
	return 0;
}
