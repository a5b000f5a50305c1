/*
 * proc_self_root.c - the forbidden file through the process's root magic
 * link: /proc/self/root, /proc/thread-self/root, /proc/PID/root,
 * /proc/PID/task/TID/root, /proc/self/root twice, and odd spellings.
 *
 * Usage: proc_self_root FORBIDDEN
 */
#include <limits.h>
#include <sys/syscall.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	static char p[PATH_MAX * 2];
	const char *f;

	hostile_usage(argc, 2, "proc_self_root FORBIDDEN");
	f = argv[1];
	hostile_fmt(p, sizeof(p), "/proc/self/root%s", f);
	hostile_try_open("/proc/self/root", p);
	hostile_fmt(p, sizeof(p), "/proc/thread-self/root%s", f);
	hostile_try_open("/proc/thread-self/root", p);
	hostile_fmt(p, sizeof(p), "/proc/%d/root%s", (int)getpid(), f);
	hostile_try_open("/proc/PID/root", p);
	hostile_fmt(p, sizeof(p), "/proc/%d/task/%ld/root%s", (int)getpid(),
		 (long)syscall(SYS_gettid), f);
	hostile_try_open("/proc/PID/task/TID/root", p);
	hostile_fmt(p, sizeof(p), "/proc/self/root/proc/self/root%s", f);
	hostile_try_open("/proc/self/root twice", p);
	hostile_fmt(p, sizeof(p), "//proc/./self/../self/root/.%s", f);
	hostile_try_open("/proc/self/root, odd spelling", p);
	hostile_finish("/proc/.../root paths to the forbidden file");
}
