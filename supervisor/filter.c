/*
 * filter.c - builds and installs the agent's seccomp filter (filter.h).
 *
 * Must never: add rules for a foreign architecture (their numbers differ;
 * the bad-arch action kills instead), or let a trapped call fall through to
 * ALLOW when a fallback variant exists (open vs openat vs openat2, ...).
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filter.h"

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

/* Calls decided by proctor's policy or checked against its tree. */
static const int filter_notify[] = {
	/* opens */
	__NR_open, __NR_openat, __NR_openat2, __NR_creat,
	/* changes to the file tree and metadata */
	__NR_unlink, __NR_unlinkat, __NR_rmdir, __NR_rename, __NR_renameat,
	__NR_renameat2, __NR_mkdir, __NR_mkdirat, __NR_mknod, __NR_mknodat,
	__NR_link, __NR_linkat, __NR_symlink, __NR_symlinkat, __NR_truncate,
	__NR_chmod, __NR_fchmodat, __NR_fchmodat2, __NR_fchmod, __NR_chown,
	__NR_lchown, __NR_fchownat, __NR_fchown, __NR_utime, __NR_utimes,
	__NR_futimesat, __NR_utimensat, __NR_setxattr, __NR_lsetxattr,
	__NR_fsetxattr, __NR_removexattr, __NR_lremovexattr,
	__NR_fremovexattr,
	/* exec */
	__NR_execve, __NR_execveat,
	/* network */
	__NR_connect, __NR_bind, __NR_sendmsg, __NR_sendmmsg,
	/* reaching outside the agent's own tree */
	__NR_process_vm_readv, __NR_process_vm_writev, __NR_pidfd_getfd,
	__NR_pidfd_open, __NR_kill, __NR_tkill, __NR_tgkill,
	__NR_rt_sigqueueinfo, __NR_rt_tgsigqueueinfo,
	__NR_pidfd_send_signal,
	/* credential changes: proctor's cache of them is invalidated */
	__NR_setuid, __NR_setgid, __NR_setreuid, __NR_setregid,
	__NR_setresuid, __NR_setresgid, __NR_setfsuid, __NR_setfsgid,
	__NR_setgroups, __NR_capset,
	/* working directory and umask changes: proctor's copies follow */
	__NR_chdir, __NR_fchdir, __NR_umask,
};

struct filter_errno {
	int nr;
	int err;
};

static const struct filter_errno filter_refused[] = {
	{ __NR_io_uring_setup, ENOSYS }, { __NR_io_uring_enter, ENOSYS },
	{ __NR_io_uring_register, ENOSYS }, { __NR_clone3, ENOSYS },
	{ __NR_open_by_handle_at, EPERM }, { __NR_name_to_handle_at, EPERM },
	{ __NR_userfaultfd, EPERM }, { __NR_mount, EPERM },
	{ __NR_umount2, EPERM }, { __NR_move_mount, EPERM },
	{ __NR_open_tree, EPERM }, { __NR_fsopen, EPERM },
	{ __NR_fsconfig, EPERM }, { __NR_fsmount, EPERM },
	{ __NR_fspick, EPERM }, { __NR_mount_setattr, EPERM },
	{ __NR_pivot_root, EPERM }, { __NR_chroot, EPERM },
	{ __NR_setns, EPERM }, { __NR_init_module, EPERM },
	{ __NR_finit_module, EPERM }, { __NR_delete_module, EPERM },
	{ __NR_bpf, EPERM }, { __NR_perf_event_open, EPERM },
	{ __NR_kexec_load, EPERM }, { __NR_kexec_file_load, EPERM },
	{ __NR_ptrace, EPERM }, { __NR_swapon, EPERM },
	{ __NR_swapoff, EPERM }, { __NR_reboot, EPERM },
	{ __NR_quotactl, EPERM }, { __NR_acct, EPERM },
	{ __NR_lookup_dcookie, EPERM }, { __NR_iopl, EPERM },
	{ __NR_ioperm, EPERM },
};

#define FILTER_NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
			 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
			 CLONE_NEWCGROUP | CLONE_NEWTIME)

/* Add every rule to ctx. */
static int filter_add_rules(scmp_filter_ctx ctx)
{
	size_t i;
	int r;

	for (i = 0; i < sizeof(filter_notify) / sizeof(filter_notify[0]); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, filter_notify[i], 0);
		if (r < 0)
			return r;
	}
	/* sendto carries an address only when arg 4 is not NULL */
	r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, __NR_sendto, 1,
			     SCMP_A4(SCMP_CMP_NE, 0));
	if (r < 0)
		return r;
	for (i = 0; i < sizeof(filter_refused) / sizeof(filter_refused[0]);
	     i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(filter_refused[i].err),
				     filter_refused[i].nr, 0);
		if (r < 0)
			return r;
	}
	/* prctl options that change capabilities */
	{
		static const int opts[] = { PR_CAPBSET_DROP, PR_SET_KEEPCAPS,
					    PR_SET_SECUREBITS, PR_CAP_AMBIENT };

		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, __NR_prctl,
					     1, SCMP_A0(SCMP_CMP_EQ,
							(scmp_datum_t)opts[i]));
			if (r < 0)
				return r;
		}
	}
	/* raw IP and packet sockets: they would send to any address
	 * without a connect or an addressed send (netlink stays: libc
	 * uses raw netlink sockets for getaddrinfo and if_nameindex) */
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), __NR_socket, 1,
			     SCMP_A0(SCMP_CMP_EQ, AF_PACKET));
	if (r < 0)
		return r;
	{
		static const int fams[] = { AF_INET, AF_INET6 };

		for (i = 0; i < 2; i++) {
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
					     __NR_socket, 2,
					     SCMP_A0(SCMP_CMP_EQ, fams[i]),
					     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf,
						     SOCK_RAW));
			if (r < 0)
				return r;
		}
	}
	/* an fs_struct (working directory, umask) that is not exactly one
	 * process's: shared by two processes (CLONE_FS without
	 * CLONE_THREAD), or a thread with its own (CLONE_THREAD without
	 * CLONE_FS): proctor stops keeping them per process (basedir.h,
	 * proctab.h) */
	r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, __NR_clone, 1,
			     SCMP_A0(SCMP_CMP_MASKED_EQ,
				     CLONE_FS | CLONE_THREAD, CLONE_FS));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, __NR_clone, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ,
					     CLONE_FS | CLONE_THREAD,
					     CLONE_THREAD));
	if (r < 0)
		return r;
	/* namespaces: unshare and clone with any CLONE_NEW* flag set */
	for (i = 0; i < 32; i++) {
		unsigned long bit = 1UL << i;

		if (!(FILTER_NS_FLAGS & bit))
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), __NR_unshare,
				     1, SCMP_A0(SCMP_CMP_MASKED_EQ, bit, bit));
		if (r < 0)
			return r;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), __NR_clone,
				     1, SCMP_A0(SCMP_CMP_MASKED_EQ, bit, bit));
		if (r < 0)
			return r;
	}
	return 0;
}

int filter_build(struct filter_prog *out)
{
	scmp_filter_ctx ctx;
	char *buf = NULL;
	off_t size;
	int fd = -1;
	int r;

	memset(out, 0, sizeof(*out));
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		goto out;
	/* a binary tree of syscall numbers instead of a linear chain: every
	 * trapped call runs the filter (the others are answered by the
	 * kernel's per-syscall cache), so its length is paid per call */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		goto out;
	r = filter_add_rules(ctx);
	if (r < 0)
		goto out;
	fd = memfd_create("proctor-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(struct sock_filter) ||
	    size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		r = -E2BIG;
		goto out;
	}
	buf = malloc((size_t)size);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	if (pread(fd, buf, (size_t)size, 0) != size) {
		r = -EIO;
		goto out;
	}
	out->insns = (struct sock_filter *)buf;
	out->len = (unsigned short)(size / sizeof(struct sock_filter));
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return r;
}

void filter_release(struct filter_prog *f)
{
	free(f->insns);
	f->insns = NULL;
	f->len = 0;
}

int filter_install(const struct filter_prog *f)
{
	struct sock_fprog prog = { .len = f->len, .filter = f->insns };
	long fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
		     SECCOMP_FILTER_FLAG_NEW_LISTENER |
		     SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (fd < 0)
		return -errno;
	return (int)fd;
}
