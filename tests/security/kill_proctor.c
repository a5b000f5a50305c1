/*
 * kill_proctor.c - signal proctor itself, kill it, then read the forbidden
 * file: with the supervisor gone, trapped calls fail (ENOSYS) but a
 * process left running could go on; proctor must refuse the signals, and
 * if it died anyway the agent must die with it.
 *
 * Usage: kill_proctor TARGET FORBIDDEN
 *
 * TARGET is a pid or `ppid` (the parent: proctor under `proctor run`; a
 * stand-in shell natively). First every way of signalling TARGET is
 * probed with signal 0, which changes nothing: kill, kill(0) and
 * kill(-PGRP) when TARGET shares our process group, kill(-1), tkill and
 * tgkill of each of its threads, rt_sigqueueinfo, rt_tgsigqueueinfo,
 * pidfd_open + pidfd_send_signal, and pidfd_send_signal on a /proc/PID
 * directory descriptor. Then SIGKILL is sent through the same ways (only
 * those aimed at TARGET alone), and the forbidden file is opened.
 */
#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>

#include "hostile.h"

static pid_t target;
static pid_t tids[64];
static int ntids;

static void list_threads(void)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	hostile_fmt(path, sizeof(path), "/proc/%d/task", (int)target);
	d = opendir(path);
	if (d) {
		for (de = readdir(d); de && ntids < 64; de = readdir(d)) {
			if (de->d_name[0] == '.')
				continue;
			tids[ntids++] = (pid_t)strtol(de->d_name, NULL, 10);
		}
		closedir(d);
	}
	if (!ntids)
		tids[ntids++] = target;
}

static long sigqueue_raw(pid_t tgid, pid_t tid, int sig)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	if (tid)
		return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &si);
	return syscall(SYS_rt_sigqueueinfo, tgid, sig, &si);
}

static long pidfd_signal(int how, int sig)
{
	char path[64];
	long r;
	int fd;

	if (how == 0) {
		fd = (int)syscall(SYS_pidfd_open, target, 0);
	} else {
		hostile_fmt(path, sizeof(path), "/proc/%d", (int)target);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return -1;
	r = syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	close(fd);
	return r;
}

/* One way: r is the call's result (0 success, -1 with errno). */
__attribute__((format(printf, 2, 3)))
static int way(long r, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r == 0) {
		hostile_hit("%s", what);
		return 1;
	}
	hostile_result(-e, "%s", what);
	return 0;
}

/* Every way aimed at target alone. With a real signal, stop at the first
 * that works (the target is gone after it). Returns how many worked. */
static int signal_all(int sig)
{
	int i, ok = 0;

	ok += way(kill(target, sig), "kill(%d, %d)", (int)target, sig);
	for (i = 0; i < ntids && !(sig && ok); i++) {
		ok += way(syscall(SYS_tgkill, target, tids[i], sig),
			  "tgkill(%d, %d, %d)", (int)target, (int)tids[i],
			  sig);
		if (sig && ok)
			break;
		ok += way(syscall(SYS_tkill, tids[i], sig), "tkill(%d, %d)",
			  (int)tids[i], sig);
		if (sig && ok)
			break;
		ok += way(sigqueue_raw(target, tids[i], sig),
			  "rt_tgsigqueueinfo(%d, %d, %d)", (int)target,
			  (int)tids[i], sig);
	}
	if (sig && ok)
		return ok;
	ok += way(sigqueue_raw(target, 0, sig), "rt_sigqueueinfo(%d, %d)",
		  (int)target, sig);
	if (sig && ok)
		return ok;
	ok += way(pidfd_signal(0, sig), "pidfd_open + pidfd_send_signal(%d)",
		  sig);
	if (sig && ok)
		return ok;
	ok += way(pidfd_signal(1, sig),
		  "/proc/PID fd + pidfd_send_signal(%d)", sig);
	return ok;
}

int main(int argc, char **argv)
{
	int killed, r;

	hostile_usage(argc, 3, "kill_proctor TARGET FORBIDDEN");
	if (strcmp(argv[1], "ppid") == 0)
		target = getppid();
	else
		target = (pid_t)hostile_num(argv[1]);
	if (target <= 1)
		hostile_setup("no target (pid %d)", (int)target);
	list_threads();
	printf("NOTE target %d with %d threads\n", (int)target, ntids);

	/* signal 0: permission checks only */
	signal_all(0);
	if (getpgid(target) == getpgrp()) {
		way(kill(0, 0), "kill(0, 0), our group holds %d",
		    (int)target);
		way(kill(-getpgrp(), 0), "kill(-%d, 0)", (int)getpgrp());
	}
	way(kill(-1, 0), "kill(-1, 0)");

	killed = signal_all(SIGKILL);
	if (killed) {
		printf("NOTE target killed; now the forbidden file\n");
		fflush(stdout);
		usleep(300000);
	}
	r = hostile_open_check(argv[2]);
	hostile_result(r, "open %s after the kill attempts", argv[2]);
	hostile_finish("signals to the supervisor");
}
