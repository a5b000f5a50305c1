/*
 * floor.c - the cost of the seccomp user-notification mechanism alone: a
 * bare supervisor with no policy, no audit, no credentials and no caches,
 * so that `make bench` can show how much of proctor's cost per trapped
 * open is the kernel mechanism and how much is proctor.
 *
 *   floor MODE N PATH      MODE: addfd | continue
 *
 * A child installs a filter that sends every openat to a listener and then
 * runs open(PATH, O_RDONLY) + close N times, timed. Three supervising
 * threads (as many as proctor keeps waiting) each receive a notification,
 * copy the path with process_vm_readv, check SECCOMP_IOCTL_NOTIF_ID_VALID,
 * and open the path with openat2(RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS). Then:
 *   addfd     inject that descriptor with SECCOMP_IOCTL_NOTIF_ADDFD and
 *             SECCOMP_ADDFD_FLAG_SEND (what proctor does: race-free);
 *   continue  close it and answer SECCOMP_USER_NOTIF_FLAG_CONTINUE (the
 *             kernel opens the name again: NOT race-free, the floor of
 *             any design that lets the kernel re-read the caller's memory).
 * SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP is set, as proctor sets it.
 *
 * Prints "micro floor-MODE n=N ns_per_op=X fails=F", like micro.c.
 * Needs Linux 6.6 (SYNC_WAKE_UP); a benchmark tool, not part of proctor.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define FLOOR_THREADS 3

static int floor_listener;
static int floor_root;
static int floor_continue;

static void floor_die(const char *what)
{
	perror(what);
	exit(2);
}

/* Pass a descriptor over a unix socket (the child's listener). */
static void floor_send_fd(int sock, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	char byte = 'x';
	struct iovec io = { &byte, 1 };
	struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	if (sendmsg(sock, &m, 0) < 0)
		floor_die("floor: sendmsg");
}

static int floor_recv_fd(int sock)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec io = { &byte, 1 };
	struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *h;
	int fd;

	if (recvmsg(sock, &m, 0) <= 0)
		floor_die("floor: recvmsg");
	h = CMSG_FIRSTHDR(&m);
	if (!h)
		floor_die("floor: no descriptor");
	memcpy(&fd, CMSG_DATA(h), sizeof(int));
	return fd;
}

static void *floor_serve(void *arg)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	char path[256];

	(void)arg;
	for (;;) {
		struct iovec local = { path, sizeof(path) };
		struct iovec remote;
		int fd;

		memset(&req, 0, sizeof(req));
		if (ioctl(floor_listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL;	/* the child is gone */
		}
		remote.iov_base = (void *)(uintptr_t)req.data.args[1];
		remote.iov_len = sizeof(path);
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		if (process_vm_readv(req.pid, &local, 1, &remote, 1, 0) < 0 ||
		    !memchr(path, '\0', sizeof(path)) ||
		    ioctl(floor_listener, SECCOMP_IOCTL_NOTIF_ID_VALID,
			  &req.id) < 0) {
			resp.error = -EACCES;
			ioctl(floor_listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
			continue;
		}
		fd = (int)syscall(SYS_openat2, floor_root, path, &how,
				  sizeof(how));
		if (fd < 0) {
			resp.error = -errno;
			ioctl(floor_listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		} else if (floor_continue) {
			close(fd);
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			ioctl(floor_listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		} else {
			struct seccomp_notif_addfd add = {
				.id = req.id,
				.flags = SECCOMP_ADDFD_FLAG_SEND,
				.srcfd = (__u32)fd,
				.newfd_flags = 0,
			};

			ioctl(floor_listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
			close(fd);
		}
	}
}

static double floor_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The child: filter, hand the listener over, wait for "go", loop. */
static void floor_child(int sock, const char *mode, long n, const char *path)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(insns) / sizeof(insns[0]), insns };
	double t0, t1;
	long i, fails = 0;
	int l;
	char go;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		floor_die("floor: no_new_privs");
	l = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			 SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (l < 0)
		floor_die("floor: seccomp");
	floor_send_fd(sock, l);
	close(l);
	if (read(sock, &go, 1) != 1)
		_exit(2);
	t0 = floor_now();
	for (i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			fails++;
		else
			close(fd);
	}
	t1 = floor_now();
	printf("micro floor-%s n=%ld ns_per_op=%.1f fails=%ld\n", mode, n,
	       (t1 - t0) / (double)n, fails);
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	__u64 flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
	pthread_t t;
	int sv[2], i, status;
	long n;
	pid_t pid;

	if (argc != 4 || (strcmp(argv[1], "addfd") != 0 &&
			  strcmp(argv[1], "continue") != 0)) {
		fprintf(stderr, "usage: floor addfd|continue N PATH\n");
		return 2;
	}
	floor_continue = strcmp(argv[1], "continue") == 0;
	n = strtol(argv[2], NULL, 10);
	if (n <= 0 || argv[3][0] != '/') {
		fprintf(stderr, "floor: N > 0 and an absolute PATH\n");
		return 2;
	}
	floor_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (floor_root < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		floor_die("floor: setup");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		floor_die("floor: fork");
	if (pid == 0)
		floor_child(sv[0], argv[1], n, argv[3]);
	floor_listener = floor_recv_fd(sv[1]);
	if (ioctl(floor_listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) < 0)
		floor_die("floor: SYNC_WAKE_UP (Linux 6.6+)");
	for (i = 0; i < FLOOR_THREADS; i++)
		if (pthread_create(&t, NULL, floor_serve, NULL) != 0)
			floor_die("floor: pthread_create");
	if (write(sv[1], "g", 1) != 1)
		floor_die("floor: write");
	if (waitpid(pid, &status, 0) < 0)
		floor_die("floor: waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
