/*
 * emulate_common.c - what every handler needs about its caller: its
 * process, executable and credentials, from the task table when the tracer
 * already knows them, else from /proc (and then remembered).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "emulate.h"
#include "proctab.h"
#include "target.h"

pid_t emulate_tgid(struct call *c)
{
	if (c->tgid)
		return c->tgid;
	c->tgid = proctab_tgid(c->req.pid);
	if (!c->tgid)
		c->tgid = target_tgid(c->req.pid);
	return c->tgid;
}

void emulate_exe(struct call *c, char *buf, size_t n)
{
	pid_t tgid = emulate_tgid(c);

	if (tgid && proctab_exe(tgid, buf, n) == 0)
		return;
	if (target_exe(c->req.pid, buf, n) < 0)
		snprintf(buf, n, "?");
	else if (tgid)
		proctab_set_exe(tgid, buf);
}

/* proctor's own identity, for the no-switch fast path */
static bool emulate_is_proctor(const struct creds *cr)
{
	static __thread bool known;
	static __thread uint64_t caps;

	if (!known) {
		struct creds me;

		if (creds_read(gettid(), &me) < 0)
			return false;
		caps = me.cap_eff;
		known = true;
	}
	return cr->euid == 0 && cr->fsuid == 0 && cr->egid == 0 &&
	       cr->fsgid == 0 && cr->cap_eff == caps;
}

int emulate_enter_creds(struct call *c)
{
	struct creds cr;
	unsigned gen;
	int r;

	if (c->sup->same_creds)
		return 0;
	if (!proctab_creds_get(c->req.pid, &cr)) {
		gen = proctab_creds_gen();
		r = creds_read(c->req.pid, &cr);
		if (r < 0)
			return r == -ENOENT ? -ENOENT : -EACCES;
		if (!call_valid(c))
			return -ENOENT;
		proctab_creds_put(c->req.pid, &cr, gen);
	}
	if (emulate_is_proctor(&cr))
		return 0;
	return creds_enter(&cr);
}

void emulate_leave_creds(struct call *c)
{
	if (creds_can_stay())
		return;
	if (creds_leave() < 0)
		sup_fail(c->sup, EPERM, "cannot restore proctor's credentials");
}

int emulate_umask(struct call *c)
{
	pid_t tgid = emulate_tgid(c);
	struct creds cr;
	unsigned gen;
	mode_t mask;
	int r;

	if (tgid && proctab_umask_get(tgid, &mask, &gen)) {
		creds_set_umask(mask);
		return 0;
	}
	r = creds_read(c->req.pid, &cr);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : -EACCES;
	if (tgid)
		proctab_umask_fill(tgid, cr.umask, gen);
	creds_set_umask(cr.umask);
	return 0;
}

bool emulate_single_thread(struct call *c)
{
	char buf[4096];
	const char *p;
	pid_t tgid = emulate_tgid(c);

	/* read while the caller waits in this call: a process whose only
	 * thread is stopped here cannot start another one meanwhile */
	if (!tgid || target_proc_read(tgid, "status", buf, sizeof(buf)) <= 0)
		return false;
	p = strstr(buf, "\nThreads:");
	return p && strtol(p + 9, NULL, 10) == 1 && call_valid(c);
}
