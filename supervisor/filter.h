/*
 * filter.h - the seccomp filter the agent runs under.
 *
 * Built in proctor (libseccomp) before the agent starts, exported as a
 * classic BPF program, and installed by the child with seccomp(2) directly,
 * because libseccomp 2.5.4 cannot set SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV.
 *
 * What the filter does (docs/security.md has the reasons):
 *  - USER_NOTIF: the file, exec and network calls proctor decides, and the
 *    calls proctor must check against its own process tree.
 *  - ERRNO: io_uring, clone3 (ENOSYS so libc falls back to clone), mount
 *    and namespace calls, module/bpf/perf calls, userfaultfd, handle opens,
 *    ptrace, chroot, pivot_root.
 *  - KILL_PROCESS: any other architecture (i386 int 0x80, x32).
 */
#ifndef PROCTOR_FILTER_H
#define PROCTOR_FILTER_H

#include <linux/filter.h>
#include <sys/types.h>

struct filter_prog {
	struct sock_filter *insns;	/* owned */
	unsigned short len;
};

/* Build the program (signals to proctor are refused by emulate_reach.c,
 * which sees the target pid in the notification). */
int filter_build(struct filter_prog *out);
void filter_release(struct filter_prog *f);

/* In the child: no_new_privs, install, return the listener fd or -errno. */
int filter_install(const struct filter_prog *f);

#endif
