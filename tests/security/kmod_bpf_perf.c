/*
 * kmod_bpf_perf.c - system calls that reach the kernel's own code paths:
 * module loading, bpf, perf_event_open. Each is called in a harmless way;
 * "reached" means the filter let it through to the kernel (any result but
 * EPERM), "blocked" that it was refused with EPERM.
 *
 * Usage: kmod_bpf_perf MODE
 *
 * MODE (one per test):
 *   finit_module     finit_module(-1, "", 0): the kernel says EBADF
 *   init_module      init_module(NULL, 0, ""): EFAULT/EINVAL/ENOEXEC
 *   delete_module    delete_module("proctor_no_such_module"): ENOENT
 *   bpf              bpf(BPF_MAP_CREATE) of a 1-entry array map: a map fd
 *   perf_event_open  a software task-clock counter on ourselves: an fd
 *   iopl             iopl(0): lowers nothing, returns 0
 */
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "hostile.h"

static void judge(const char *what, long r)
{
	int e = r < 0 ? errno : 0;

	if (r >= 0)
		hostile_reached("%s returned %ld", what, r);
	if (e == EPERM)
		hostile_blocked(e, "%s", what);
	hostile_reached("%s reached the kernel (%s)", what,
			hostile_errname(e));
}

int main(int argc, char **argv)
{
	const char *m;

	hostile_usage(argc, 2, "kmod_bpf_perf MODE");
	m = argv[1];
	if (strcmp(m, "finit_module") == 0)
		judge("finit_module(-1)", syscall(SYS_finit_module, -1, "", 0));
	if (strcmp(m, "init_module") == 0)
		judge("init_module(NULL, 0)",
		      syscall(SYS_init_module, NULL, 0UL, ""));
	if (strcmp(m, "delete_module") == 0)
		judge("delete_module", syscall(SYS_delete_module,
					       "proctor_no_such_module",
					       O_NONBLOCK));
	if (strcmp(m, "bpf") == 0) {
		union bpf_attr a;

		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_ARRAY;
		a.key_size = 4;
		a.value_size = 4;
		a.max_entries = 1;
		judge("bpf(BPF_MAP_CREATE)",
		      syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a)));
	}
	if (strcmp(m, "perf_event_open") == 0) {
		struct perf_event_attr pa;

		memset(&pa, 0, sizeof(pa));
		pa.type = PERF_TYPE_SOFTWARE;
		pa.size = sizeof(pa);
		pa.config = PERF_COUNT_SW_TASK_CLOCK;
		pa.disabled = 1;
		pa.exclude_kernel = 1;
		judge("perf_event_open(task clock)",
		      syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0));
	}
	if (strcmp(m, "iopl") == 0)
		judge("iopl(0)", syscall(SYS_iopl, 0));
	hostile_setup("unknown mode %s", m);
}
