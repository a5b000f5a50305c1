/*
 * emulate_reach.c - calls that reach other processes: signals,
 * process_vm_readv/writev, pidfd_open, pidfd_getfd.
 *
 * The decision rests on register values (a pid) and proctor's own process
 * table, so an allowed call is CONTINUEd. Refused: any signal to proctor
 * itself or to a process outside the agent's tree, memory and descriptor
 * access to processes outside the tree. Signals to a process group are
 * allowed unless the group is proctor's (kill(0) from proctor's group,
 * kill(-pgrp)). Each refusal is recorded.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide.h"
#include "emulate.h"
#include "target.h"
#include "tracer.h"

/* Is tid one of proctor's own threads? */
static bool reach_is_proctor(const struct sup *s, long id)
{
	char path[64];

	if (id == s->self)
		return true;
	if (id <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/task/%ld", (int)s->self, id);
	return access(path, F_OK) == 0;
}

/*
 * A pid that is not (or no longer) in the tree may still be the caller's
 * to signal: an exited child not yet reaped (a zombie) - the tracer has
 * seen it exit, its parent has not waited. A pid with no process at all
 * is left to the kernel (ESRCH).
 */
static bool reach_outside(long pid)
{
	char state = '?';
	pid_t ppid;

	if (pid <= 0 || tracer_in_tree((pid_t)pid))
		return false;
	ppid = target_ppid((pid_t)pid, &state);
	if (!ppid && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return false;	/* no such process: ESRCH from the kernel */
	return !(state == 'Z' && tracer_in_tree(ppid));
}

/* pid of the process a pidfd of the caller refers to; -1 when it has
 * exited, 0 when fd is not a pidfd at all (the kernel then answers
 * EBADF/ESRCH itself). */
static long reach_pidfd_pid(const struct call *c, int fd)
{
	char what[32], buf[1024];
	char *p;

	snprintf(what, sizeof(what), "fdinfo/%d", fd);
	if (target_proc_read(c->req.pid, what, buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "\nPid:");
	return p ? strtol(p + 5, NULL, 10) : 0;
}

void emulate_reach(struct call *c)
{
	const struct seccomp_data *d = &c->req.data;
	const struct sup *s = c->sup;
	const char *name = "?";
	char target[64];
	long pid = (long)(int)d->args[0];
	bool refuse = false;
	pid_t pgrp = getpgrp();

	switch (d->nr) {
	case __NR_kill:
	case __NR_rt_sigqueueinfo:
		name = d->nr == __NR_kill ? "kill" : "rt_sigqueueinfo";
		refuse = reach_is_proctor(s, pid) || pid == -1 ||
			 pid == -(long)pgrp ||
			 (pid == 0 && getpgid(c->req.pid) == pgrp) ||
			 reach_outside(pid);
		break;
	case __NR_tkill:
		name = "tkill";
		refuse = reach_is_proctor(s, pid) || reach_outside(pid);
		break;
	case __NR_tgkill:
	case __NR_rt_tgsigqueueinfo:
		name = d->nr == __NR_tgkill ? "tgkill" : "rt_tgsigqueueinfo";
		refuse = reach_is_proctor(s, pid) ||
			 reach_is_proctor(s, (long)(int)d->args[1]) ||
			 reach_outside((long)(int)d->args[1]);
		break;
	case __NR_pidfd_open:
		name = "pidfd_open";
		refuse = reach_is_proctor(s, pid);
		break;
	case __NR_pidfd_send_signal:
		name = "pidfd_send_signal";
		pid = reach_pidfd_pid(c, (int)d->args[0]);
		refuse = pid > 0 && (reach_is_proctor(s, pid) ||
				     reach_outside(pid));
		break;
	case __NR_pidfd_getfd:
		name = "pidfd_getfd";
		pid = reach_pidfd_pid(c, (int)d->args[0]);
		refuse = pid > 0 && !tracer_in_tree((pid_t)pid);
		break;
	case __NR_process_vm_readv:
	case __NR_process_vm_writev:
		name = d->nr == __NR_process_vm_readv ? "process_vm_readv" :
			"process_vm_writev";
		refuse = pid <= 0 || !tracer_in_tree((pid_t)pid);
		break;
	default:
		break;
	}
	if (!refuse) {
		c->answer = CALL_CONTINUE;
		return;
	}
	snprintf(target, sizeof(target), "pid %ld", pid);
	decide_record(c, c->req.pid, "signal", name, target,
		      "protected", "deny", EPERM,
		      "outside the agent's process tree, or proctor itself");
	call_fail(c, EPERM);
}
