/*
 * dispatch.c - which handler answers which trapped system call.
 *
 * The table is the whole list of what the filter (filter.c) sends here; a
 * number missing from it is denied with ENOSYS and recorded, never let
 * through.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/audit.h>
#include <sys/syscall.h>

#include "basedir.h"
#include "decide.h"
#include "emulate.h"
#include "notify.h"
#include "proctab.h"

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

void dispatch_call(struct call *c)
{
	int r;

	if (c->req.data.arch != AUDIT_ARCH_X86_64) {
		call_fail(c, ENOSYS);	/* the filter kills these first */
		goto respond;
	}
	switch (c->req.data.nr) {
	case __NR_open: case __NR_openat: case __NR_openat2:
	case __NR_creat:
		emulate_open(c);
		break;
	case __NR_execve: case __NR_execveat:
		emulate_exec(c);
		break;
	case __NR_connect: case __NR_bind: case __NR_sendto:
	case __NR_sendmsg: case __NR_sendmmsg:
		emulate_net(c);
		break;
	case __NR_kill: case __NR_tkill: case __NR_tgkill:
	case __NR_rt_sigqueueinfo: case __NR_rt_tgsigqueueinfo:
	case __NR_pidfd_open: case __NR_pidfd_send_signal:
	case __NR_pidfd_getfd: case __NR_process_vm_readv:
	case __NR_process_vm_writev:
		emulate_reach(c);
		break;
	case __NR_setuid: case __NR_setgid: case __NR_setreuid:
	case __NR_setregid: case __NR_setresuid: case __NR_setresgid:
	case __NR_setfsuid: case __NR_setfsgid: case __NR_setgroups:
	case __NR_capset: case __NR_prctl:
		/* decided on registers: nothing to judge, but proctor's
		 * cached credentials of the caller are stale from now on */
		proctab_creds_invalidate();
		c->answer = CALL_CONTINUE;
		break;
	case __NR_chdir: case __NR_fchdir:
		/* the cached working directory of the caller is stale from
		 * now on; the kernel carries the change out */
		basedir_chdir(emulate_tgid(c), emulate_single_thread(c));
		c->answer = CALL_CONTINUE;
		break;
	case __NR_umask:
		/* cannot fail: the new mask holds from here on */
		proctab_umask_set(emulate_tgid(c),
				  (mode_t)(c->req.data.args[0] & 0777));
		c->answer = CALL_CONTINUE;
		break;
	case __NR_clone:
		/* only clones whose fs_struct will not be exactly one
		 * process's come here (filter.c): working directory and
		 * umask are no longer kept per process */
		basedir_disable();
		proctab_umask_off();
		c->answer = CALL_CONTINUE;
		break;
	case __NR_unlinkat:
		if (!(c->req.data.args[2] & AT_REMOVEDIR)) {
			emulate_fs(c);
			break;
		}
		/* a directory removal */
		__attribute__((fallthrough));
	case __NR_rename: case __NR_renameat: case __NR_renameat2:
	case __NR_rmdir:
		/* paths of cached directories may change: before and after */
		basedir_tree_changed();
		emulate_fs(c);
		basedir_tree_changed();
		break;
	default:
		emulate_fs(c);
		break;
	}
	/* a call whose arguments could not be read (a non-dumpable caller)
	 * is denied, and that is recorded like any other deny */
	if (c->unreadable && c->answer == CALL_ERROR) {
		char what[64];

		snprintf(what, sizeof(what), "system call %d",
			 (int)c->req.data.nr);
		decide_record(c, c->req.pid, "read", "memory", what,
			      "unreadable", "deny", (int)c->val,
			      "the caller's memory cannot be read (made "
			      "non-dumpable?): denied");
	}
respond:
	r = call_respond(c);
	(void)r;	/* -ENOENT: the caller went away; nothing to undo */
}
