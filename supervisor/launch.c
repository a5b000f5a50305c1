/*
 * launch.c - the agent's start (launch.h).
 *
 * Must never: let the child exec before the supervisor receives its
 * notifications; leave the listener open in the child; let the child
 * outlive proctor (PR_SET_PDEATHSIG before anything else).
 */
#include <ctype.h>
#include <errno.h>
#include <strings.h>
#include <sys/capability.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"

int launch_parse_caps(const char *list, uint64_t *mask, const char **bad)
{
	static char word[64];
	const char *p = list;

	*mask = LAUNCH_DEFAULT_CAPS;
	if (strcmp(list, "all") == 0) {
		*mask = ~0ULL;
		return 0;
	}
	if (strcmp(list, "none") == 0) {
		*mask = 0;
		return 0;
	}
	while (*p) {
		size_t n = strcspn(p, ","), i, off = 0;
		cap_value_t cap;

		if (n == 0 || n + 5 > sizeof(word))
			goto fail;
		if (strncasecmp(p, "cap_", 4) != 0) {
			memcpy(word, "cap_", 4);
			off = 4;
		}
		for (i = 0; i < n; i++)
			word[off + i] = (char)tolower((unsigned char)p[i]);
		word[off + n] = '\0';
		if (cap_from_name(word, &cap) != 0 || cap < 0 || cap > 63)
			goto fail;
		*mask |= 1ULL << cap;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
fail:
	*bad = p;
	return -EINVAL;
}

/* In the child, when proctor is root: keep only `keep` in the bounding
 * set and clear the inheritable and ambient sets, so that the agent,
 * after exec, holds no more than that. */
static int launch_drop_caps(uint64_t keep)
{
	cap_t caps;
	int cap, r = 0;

	for (cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap) < 0)
			break;		/* past the last capability */
		if (!(keep & (1ULL << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap) < 0)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	caps = cap_get_proc();
	if (!caps)
		return -errno;
	if (cap_clear_flag(caps, CAP_INHERITABLE) < 0 ||
	    cap_set_proc(caps) < 0)
		r = -errno;
	cap_free(caps);
	return r;
}

static void launch_child(const struct filter_prog *f, int num_fd, int go_fd,
			 pid_t parent, char *const argv[], char *const envp[],
			 uint64_t keep_caps)
{
	char go;
	int listener, err;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
	if (geteuid() == 0 && launch_drop_caps(keep_caps) < 0) {
		dprintf(2, "proctor: cannot drop capabilities\n");
		_exit(125);
	}
	listener = filter_install(f);
	if (write(num_fd, &listener, sizeof(listener)) != sizeof(listener))
		_exit(125);
	if (listener < 0)
		_exit(125);
	close(num_fd);
	if (read(go_fd, &go, 1) != 1)
		_exit(125);
	close(go_fd);
	close(listener);
	execvpe(argv[0], argv, envp);
	err = errno;
	dprintf(2, "proctor: %s: %s\n", argv[0], strerror(err));
	_exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

int launch_start(struct launch *l, const struct filter_prog *f,
		 char *const argv[], char *const envp[], uint64_t keep_caps)
{
	int num[2] = { -1, -1 }, go[2] = { -1, -1 };
	pid_t parent = getpid();
	int child_fd, pidfd = -1;
	long fd;
	int r;

	l->pid = -1;
	l->listener = -1;
	l->go_fd = -1;
	if (pipe2(num, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	l->pid = fork();
	if (l->pid < 0) {
		r = -errno;
		goto out;
	}
	if (l->pid == 0) {
		close(num[0]);
		close(go[1]);
		launch_child(f, num[1], go[0], parent, argv, envp,
			     keep_caps);
	}
	close(num[1]);
	num[1] = -1;
	close(go[0]);
	go[0] = -1;
	if (ptrace(PTRACE_SEIZE, l->pid, 0,
		   PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK |
		   PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
		   PTRACE_O_EXITKILL) < 0) {
		r = -errno;
		fprintf(stderr, "proctor: cannot trace the agent: %s\n",
			strerror(-r));
		goto fail;
	}
	if (read(num[0], &child_fd, sizeof(child_fd)) != sizeof(child_fd)) {
		r = -EIO;
		fprintf(stderr, "proctor: the agent's start failed\n");
		goto fail;
	}
	if (child_fd < 0) {
		r = child_fd;
		if (r == -EINVAL)
			fprintf(stderr, "proctor: the kernel refused the "
				"filter (needs Linux 5.19 or newer)\n");
		else
			fprintf(stderr, "proctor: cannot install the seccomp "
				"filter: %s\n", strerror(-r));
		goto fail;
	}
	pidfd = (int)syscall(SYS_pidfd_open, l->pid, 0);
	if (pidfd < 0) {
		r = -errno;
		goto fail_msg;
	}
	fd = syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
	if (fd < 0) {
		r = -errno;
		goto fail_msg;
	}
	l->listener = (int)fd;
	l->go_fd = go[1];
	go[1] = -1;
	r = 0;
	goto out;
fail_msg:
	fprintf(stderr, "proctor: cannot take the notification descriptor: "
		"%s\n", strerror(-r));
fail:
	kill(l->pid, SIGKILL);
	waitpid(l->pid, NULL, __WALL);
	l->pid = -1;
out:
	if (pidfd >= 0)
		close(pidfd);
	if (num[0] >= 0)
		close(num[0]);
	if (num[1] >= 0)
		close(num[1]);
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	return r;
}

int launch_go(struct launch *l)
{
	char go = 'g';
	int r = 0;

	if (write(l->go_fd, &go, 1) != 1)
		r = -errno;
	close(l->go_fd);
	l->go_fd = -1;
	return r;
}
