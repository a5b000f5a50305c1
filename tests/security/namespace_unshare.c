/*
 * namespace_unshare.c - new namespaces, in which an agent (root, or root
 * of a new user namespace) could mount over what the policy names.
 *
 * Usage: namespace_unshare MODE
 *
 * MODE (one per test):
 *   unshare_user   unshare(CLONE_NEWUSER)
 *   unshare_ns     unshare(CLONE_NEWNS | CLONE_NEWUSER)
 *   unshare_net    unshare(CLONE_NEWNET)
 *   clone_ns       raw clone(CLONE_NEWNS | SIGCHLD)
 *   clone_user     raw clone(CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD)
 *   setns          setns(pidfd of ourselves, CLONE_NEWNS): (re)join a
 *                  mount namespace
 * Reached when the call succeeds (the child of clone reports through its
 * exit status that it runs in a namespace of its own).
 */
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hostile.h"

static ino_t ns_ino(const char *what)
{
	char p[64];
	struct stat st;

	hostile_fmt(p, sizeof(p), "/proc/self/ns/%s", what);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

static void by_clone(unsigned long flags)
{
	ino_t before = ns_ino("mnt");
	int status;
	long pid;

	pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		hostile_blocked(errno, "clone(%#lx)", flags);
	if (pid == 0)
		_exit(ns_ino("mnt") != before ? 0 : 3);
	if (waitpid((pid_t)pid, &status, 0) < 0)
		hostile_setup("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		hostile_reached("clone(%#lx): the child had its own mount "
				"namespace", flags);
	hostile_blocked(ENODATA, "clone worked but the namespace is ours");
}

int main(int argc, char **argv)
{
	const char *m;
	int fd;

	hostile_usage(argc, 2, "namespace_unshare MODE");
	m = argv[1];
	if (strcmp(m, "unshare_user") == 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			hostile_blocked(errno, "unshare(CLONE_NEWUSER)");
		hostile_reached("unshare(CLONE_NEWUSER)");
	}
	if (strcmp(m, "unshare_ns") == 0) {
		if (unshare(CLONE_NEWNS | CLONE_NEWUSER) < 0)
			hostile_blocked(errno, "unshare(NEWNS|NEWUSER)");
		hostile_reached("unshare(CLONE_NEWNS | CLONE_NEWUSER)");
	}
	if (strcmp(m, "unshare_net") == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			hostile_blocked(errno, "unshare(CLONE_NEWNET)");
		hostile_reached("unshare(CLONE_NEWNET)");
	}
	if (strcmp(m, "clone_ns") == 0)
		by_clone(CLONE_NEWNS);
	if (strcmp(m, "clone_user") == 0)
		by_clone(CLONE_NEWUSER | CLONE_NEWNS);
	if (strcmp(m, "setns") == 0) {
		fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		if (fd < 0)
			hostile_setup("pidfd_open");
		if (setns(fd, CLONE_NEWNS) < 0)
			hostile_blocked(errno, "setns");
		hostile_reached("setns(CLONE_NEWNS) accepted");
	}
	hostile_setup("unknown mode %s", m);
}
