/*
 * reach_outside.c - reach a process OUTSIDE the agent's tree (the test
 * starts hostile_victim without proctor and passes its pid, the address
 * of the marker in its memory and a descriptor it holds on the forbidden
 * file).
 *
 * Usage: reach_outside MODE PID ADDR FD
 *
 * MODE (one per run, each its own test):
 *   ptrace       PTRACE_SEIZE the victim, then PTRACE_PEEKDATA the marker
 *   vm_readv     process_vm_readv of the marker
 *   vm_writev    process_vm_writev of the marker's own bytes (harmless)
 *   pidfd_getfd  pidfd_open + pidfd_getfd of FD, then read the file
 *   proc_mem     open /proc/PID/mem and pread the marker
 *   proc_mem_elf open /proc/PID/mem and pread the ELF header at the start
 *                of PID's first mapping (for a PID whose memory holds no
 *                marker: proctor's own; PID may be `ppid`)
 *   proc_fd      open /proc/PID/fd/FD (a magic link into the victim)
 *   signal       kill(PID, SIGUSR1); the victim prints SIGNALLED
 */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "hostile.h"

#define MLEN (sizeof(HOSTILE_MARKER) - 1)

int main(int argc, char **argv)
{
	static char buf[4096], path[128];
	const char *mode;
	unsigned long addr;
	pid_t pid;
	int fd, tfd;

	hostile_usage(argc, 5, "reach_outside MODE PID ADDR FD");
	mode = argv[1];
	pid = strcmp(argv[2], "ppid") == 0 ? getppid() :
	      (pid_t)hostile_num(argv[2]);
	addr = (unsigned long)strtoul(argv[3], NULL, 16);
	tfd = (int)hostile_num(argv[4]);

	if (strcmp(mode, "ptrace") == 0) {
		long w;

		if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
			hostile_blocked(errno, "PTRACE_SEIZE %d", (int)pid);
		if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 ||
		    waitpid(pid, NULL, __WALL) < 0)
			hostile_reached("PTRACE_SEIZE of pid %d", (int)pid);
		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, 0);
		ptrace(PTRACE_DETACH, pid, 0, 0);
		if (errno == 0 && memcmp(&w, HOSTILE_MARKER, sizeof(w)) == 0)
			hostile_reached("ptrace read the victim's memory");
		hostile_reached("PTRACE_SEIZE of pid %d", (int)pid);
	}
	if (strcmp(mode, "vm_readv") == 0 || strcmp(mode, "vm_writev") == 0) {
		struct iovec l = { .iov_base = buf, .iov_len = MLEN };
		struct iovec r = { .iov_base = (void *)addr, .iov_len = MLEN };
		ssize_t n;

		if (mode[3] == 'r') {
			n = process_vm_readv(pid, &l, 1, &r, 1, 0);
			if (n < 0)
				hostile_blocked(errno, "process_vm_readv");
			if (hostile_buf_has_marker(buf, (size_t)n))
				hostile_reached("process_vm_readv read the "
						"victim's marker");
			hostile_blocked(ENODATA, "no marker at %lx", addr);
		}
		memcpy(buf, HOSTILE_MARKER, MLEN);	/* the same bytes */
		n = process_vm_writev(pid, &l, 1, &r, 1, 0);
		if (n < 0)
			hostile_blocked(errno, "process_vm_writev");
		hostile_reached("process_vm_writev wrote %zd bytes into %d", n,
				(int)pid);
	}
	if (strcmp(mode, "pidfd_getfd") == 0) {
		int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

		if (pfd < 0)
			hostile_blocked(errno, "pidfd_open %d", (int)pid);
		fd = (int)syscall(SYS_pidfd_getfd, pfd, tfd, 0);
		if (fd < 0)
			hostile_blocked(errno, "pidfd_getfd %d", tfd);
		lseek(fd, 0, SEEK_SET);
		if (hostile_check_fd(fd) > 0)
			hostile_reached("pidfd_getfd took the victim's "
					"descriptor of the forbidden file");
		hostile_blocked(ENODATA, "descriptor without the marker");
	}
	if (strcmp(mode, "proc_mem") == 0) {
		ssize_t n;

		hostile_fmt(path, sizeof(path), "/proc/%d/mem", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			hostile_blocked(errno, "open %s", path);
		n = pread(fd, buf, MLEN, (off_t)addr);
		if (n < 0)
			hostile_blocked(errno, "pread %s", path);
		if (hostile_buf_has_marker(buf, (size_t)n))
			hostile_reached("read the victim's memory through %s",
					path);
		hostile_blocked(ENODATA, "no marker at %lx", addr);
	}
	if (strcmp(mode, "proc_mem_elf") == 0) {
		unsigned long start = 0;
		FILE *maps;
		ssize_t n;

		hostile_fmt(path, sizeof(path), "/proc/%d/maps", (int)pid);
		maps = fopen(path, "re");
		if (!maps || fscanf(maps, "%lx-", &start) != 1)
			hostile_blocked(errno ? errno : ENODATA, "read %s",
					path);
		fclose(maps);
		hostile_fmt(path, sizeof(path), "/proc/%d/mem", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			hostile_blocked(errno, "open %s", path);
		n = pread(fd, buf, 4, (off_t)start);
		if (n < 0)
			hostile_blocked(errno, "pread %s", path);
		if (n == 4 && memcmp(buf, "\177ELF", 4) == 0)
			hostile_reached("read pid %d's memory through %s",
					(int)pid, path);
		hostile_blocked(ENODATA, "no ELF header at %lx", start);
	}
	if (strcmp(mode, "proc_fd") == 0) {
		hostile_fmt(path, sizeof(path), "/proc/%d/fd/%d", (int)pid,
			    tfd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			hostile_blocked(errno, "open %s", path);
		if (hostile_check_fd(fd) > 0)
			hostile_reached("opened the forbidden file through %s",
					path);
		hostile_blocked(ENODATA, "no marker through %s", path);
	}
	if (strcmp(mode, "signal") == 0) {
		if (kill(pid, SIGUSR1) < 0)
			hostile_blocked(errno, "kill %d SIGUSR1", (int)pid);
		hostile_reached("kill(%d, SIGUSR1) delivered", (int)pid);
	}
	hostile_setup("unknown mode %s", mode);
}
