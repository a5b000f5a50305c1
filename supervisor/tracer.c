/*
 * tracer.c - ptrace over the agent's tree (tracer.h).
 *
 * Every process of the agent is traced from its first instruction
 * (PTRACE_O_TRACEFORK/VFORK/CLONE auto-attach; EXITKILL so that the tree
 * dies with proctor). At each PTRACE_EVENT_EXEC the old address space is
 * gone, so /proc/PID/exe and /proc/PID/cmdline are what really runs: they
 * are judged again, and a mismatch with what was allowed is killed before
 * the new program runs a single instruction.
 *
 * Signals and job control: signal-delivery stops re-inject the signal;
 * group-stops are left in place with PTRACE_LISTEN, as strace does.
 *
 * Must never: resume a process whose exec could not be verified.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "decide.h"
#include "proctab.h"
#include "target.h"
#include "basedir.h"
#include "tracer.h"

struct tracer_expect {
	pid_t tid;
	char *path;
	char *argv;
};

static pthread_mutex_t tracer_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tracer_expect tracer_expects[256];
static volatile sig_atomic_t tracer_forward_count;
static pid_t tracer_agent;

bool tracer_in_tree(pid_t pid)
{
	return proctab_has(pid);
}

void tracer_expect_exec(pid_t tid, const char *path, const char *argv)
{
	size_t i, slot = 0;

	pthread_mutex_lock(&tracer_lock);
	for (i = 0; i < 256; i++) {
		if (tracer_expects[i].tid == tid || !tracer_expects[i].tid) {
			slot = i;
			break;
		}
	}
	free(tracer_expects[slot].path);
	free(tracer_expects[slot].argv);
	tracer_expects[slot].tid = tid;
	tracer_expects[slot].path = strdup(path);
	tracer_expects[slot].argv = strdup(argv);
	pthread_mutex_unlock(&tracer_lock);
}

/* Take the expectation of tid; the caller frees path and argv. */
static bool tracer_take_expect(pid_t tid, char **path, char **argv)
{
	size_t i;
	bool found = false;

	pthread_mutex_lock(&tracer_lock);
	for (i = 0; i < 256; i++) {
		if (tracer_expects[i].tid == tid) {
			*path = tracer_expects[i].path;
			*argv = tracer_expects[i].argv;
			tracer_expects[i].tid = 0;
			tracer_expects[i].path = NULL;
			tracer_expects[i].argv = NULL;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&tracer_lock);
	return found;
}

/* Read /proc/PID/cmdline into buf (NUL-separated); returns length. */
static ssize_t tracer_cmdline(pid_t pid, char *buf, size_t n)
{
	return target_proc_read(pid, "cmdline", buf, n);
}

#define TRACER_ARGV_AUDIT 65535		/* argv bytes a process row keeps */
#define TRACER_ARGV_MAX (256 * 1024)	/* argv bytes exec verification reads */

/* What a process runs, read once at its exec stop (it cannot change
 * while the process is stopped) for the verification, the task table and
 * the process row. */
struct tracer_image {
	char exe[PATH_MAX];
	ssize_t exe_len;		/* < 0: unreadable */
	char cmd[TRACER_ARGV_MAX + 1];	/* NUL-separated argv */
	ssize_t cmd_len;		/* < 0: unreadable */
};

static void tracer_read_image(pid_t pid, struct tracer_image *im)
{
	im->exe_len = target_exe(pid, im->exe, sizeof(im->exe));
	im->cmd_len = tracer_cmdline(pid, im->cmd, TRACER_ARGV_MAX);
	if (im->cmd_len >= 0)
		im->cmd[im->cmd_len] = '\0';
}

/* Record a process (at its fork, or at its exec with im, the image read
 * at the exec stop). */
static void tracer_audit_process(struct sup *s, pid_t pid, pid_t ppid,
				 const struct tracer_image *im)
{
	static char argv[TRACER_ARGV_AUDIT + 1];	/* one tracer thread */
	struct audit_process p;
	char exe[PATH_MAX], cwd[PATH_MAX], link[64];
	ssize_t n;

	memset(&p, 0, sizeof(p));
	p.time_ns = sup_real_ns();
	p.pid = pid;
	p.ppid = ppid;
	if (im ? im->exe_len >= 0 : target_exe(pid, exe, sizeof(exe)) >= 0)
		p.exe = im ? im->exe : exe;
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n >= 0) {
		cwd[n] = '\0';
		p.cwd = cwd;
	}
	if (im) {
		n = im->cmd_len < TRACER_ARGV_AUDIT ? im->cmd_len :
		    TRACER_ARGV_AUDIT;
		p.argv = im->cmd;
	} else {
		n = tracer_cmdline(pid, argv, sizeof(argv));
		p.argv = argv;
	}
	if (n > 0)
		p.argv_len = (size_t)n;
	else
		p.argv = NULL;
	if (im ? audit_process_exec(s->audit, &p) :
	    audit_process_start(s->audit, &p))
		sup_fail(s, EIO, "cannot write the audit log");
}

/*
 * The exec stop: judge what really runs. Returns true when it may run.
 */
static bool tracer_verify_exec(struct sup *s, pid_t pid, pid_t old_tid,
			       const struct tracer_image *im)
{
	/* the tracer is one thread: static buffers, no malloc per exec */
	static const char *argv[4097];
	static char joined[8192];
	char exe[PATH_MAX];
	char *want_path = NULL, *want_argv = NULL;
	struct policy_result res = { POLICY_DENY, NULL, -1 };
	struct policy_query q;
	struct call c;
	size_t argc = 0, used = 0, i;
	ssize_t n, elen;
	bool ok = false;
	bool expected;

	expected = tracer_take_expect(old_tid, &want_path, &want_argv);
	if (!expected)
		expected = tracer_take_expect(pid, &want_path, &want_argv);
	joined[0] = '\0';
	elen = im->exe_len;
	n = im->cmd_len;
	if (elen < 0 || n < 0)
		goto out;
	memcpy(exe, im->exe, (size_t)elen + 1);
	for (i = 0; i < (size_t)n && argc < 4096; ) {
		argv[argc++] = im->cmd + i;
		i += strlen(im->cmd + i) + 1;
	}
	joined[0] = '\0';
	for (i = 0; i < argc && used + 1 < 8192; i++) {
		int w = snprintf(joined + used, 8192 - used, "%s%s",
				 i ? " " : "", argv[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	/* a file without a path on disk never matches a path pattern */
	if (exe[0] != '/' ||
	    (elen > 10 && strcmp(exe + elen - 10, " (deleted)") == 0))
		exe[0] = '\0';
	memset(&q, 0, sizeof(q));
	q.op = POLICY_OP_EXEC;
	q.path = exe;
	q.path_len = strlen(exe);
	q.argv = argv;
	q.argc = argc;
	decide_rules(s, &q, &res);
	if (res.decision == POLICY_ALLOW || s->mode == SUP_PERMISSIVE)
		ok = true;
	/* what a person approved runs, if it is exactly that */
	else if (expected && strcmp(want_path, exe) == 0 &&
		 strcmp(want_argv, joined) == 0)
		ok = true;
out:
	if (!ok) {
		memset(&c, 0, sizeof(c));
		c.sup = s;
		decide_record(&c, pid, "exec", "exec-verify",
			      joined[0] ? joined : "?", "exec-verify", "kill",
			      0, expected ? "executed file or argv differ "
			      "from what was allowed" :
			      "exec not seen by the supervisor");
	}
	free(want_path);
	free(want_argv);
	return ok;
}

static void tracer_on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* the terminal already sent it to the agent's process group */
	if (si->si_code == SI_KERNEL)
		return;
	if (tracer_agent > 0)
		kill(tracer_agent, sig);
	tracer_forward_count++;
}

static void tracer_on_alarm(int sig)
{
	(void)sig;
}

static void tracer_install_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tracer_on_alarm;	/* no SA_RESTART: EINTR */
	sigaction(SIGALRM, &sa, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = tracer_on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int tracer_run(struct sup *s, pid_t agent)
{
	static struct tracer_image image;	/* 260 KiB: not on the stack */
	int exit_status = -1;
	bool agent_gone = false;
	int killed_for_failure = 0;	/* 1: SIGTERM sent, 2: SIGKILL */
	int64_t term_at = 0;

	tracer_agent = agent;
	proctab_add(agent, agent, getpid(), NULL);
	tracer_install_signals();
	for (;;) {
		unsigned long msg = 0;
		int status, event, sig;
		pid_t pid;

		if (atomic_load(&s->failed) && killed_for_failure < 2) {
			if (s->on_audit_error == SUP_AUDIT_ERR_KILL ||
			    (killed_for_failure == 1 &&
			     sup_mono_ns() - term_at > 3000000000LL)) {
				proctab_kill_all(SIGKILL);
				killed_for_failure = 2;
			} else if (!killed_for_failure) {
				/* every call is denied now; give the agent a
				 * moment to end on its own, then kill */
				proctab_kill_all(SIGTERM);
				term_at = sup_mono_ns();
				killed_for_failure = 1;
				alarm(4);
			}
		}
		/* done when the agent's tree is: a child proctor inherited
		 * from whoever exec'd it is not ours to wait for */
		if (agent_gone && proctab_count() == 0)
			break;
		/* asked twice: the agent may be stuck in a waiting call */
		if (tracer_forward_count >= 2) {
			proctab_kill_all(SIGKILL);
			tracer_forward_count = 0;
		}
		pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;	/* ECHILD: the whole tree is gone */
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			proctab_del(pid);
			basedir_forget(pid);
			/* recorded as proctor reports exits: the code, or
			 * 128+N for a death by signal N */
			if (audit_process_exit(s->audit, pid, sup_real_ns(),
					       WIFEXITED(status) ?
					       WEXITSTATUS(status) :
					       128 + WTERMSIG(status)) < 0)
				sup_fail(s, EIO, "cannot write the audit log");
			if (pid == agent) {
				exit_status = WIFEXITED(status) ?
					WEXITSTATUS(status) :
					128 + WTERMSIG(status);
				agent_gone = true;
				/* what the agent left running ends with it */
				proctab_kill_all(SIGKILL);
			}
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (!proctab_has(pid)) {
			/* a new child reported before its parent's event */
			proctab_add(pid, target_tgid(pid), 0, NULL);
			/* born while the agent was ending: it would
			 * escape the kill of the leftovers */
			if (agent_gone)
				kill(pid, SIGKILL);
		}
		event = (status >> 16) & 0xff;
		sig = WSTOPSIG(status);
		switch (event) {
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE:
			if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) == 0) {
				pid_t child = (pid_t)msg;
				pid_t tgid = event == PTRACE_EVENT_CLONE ?
					target_tgid(child) : child;

				if (!tgid)
					tgid = child;
				/* a new task: no credentials cached for it;
				 * nobody else's changed */
				proctab_add(child, tgid,
					    proctab_tgid(pid) ?
					    proctab_tgid(pid) : pid, NULL);
				if (agent_gone)
					kill(child, SIGKILL);	/* as above */
				if (tgid == child)
					tracer_audit_process(s, child, pid,
							     NULL);
			}
			ptrace(PTRACE_CONT, pid, 0, 0);
			break;
		case PTRACE_EVENT_EXEC:
			if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) < 0)
				msg = (unsigned long)pid;
			if ((pid_t)msg != pid)
				proctab_del((pid_t)msg);
			/* exec may change the capabilities of this task, the
			 * only one its process has left */
			proctab_creds_forget(pid);
			/* new descriptors (CLOEXEC), a new program: its
			 * working directory is trusted to the cache again */
			basedir_forget(pid);
			tracer_read_image(pid, &image);
			if (!tracer_verify_exec(s, pid, (pid_t)msg, &image)) {
				kill(pid, SIGKILL);
				ptrace(PTRACE_CONT, pid, 0, 0);
				break;
			}
			if (image.exe_len >= 0)
				proctab_set_exe(pid, image.exe);
			tracer_audit_process(s, pid, 0, &image);
			ptrace(PTRACE_CONT, pid, 0, 0);
			break;
		case PTRACE_EVENT_STOP:
			if (sig == SIGSTOP || sig == SIGTSTP ||
			    sig == SIGTTIN || sig == SIGTTOU)
				ptrace(PTRACE_LISTEN, pid, 0, 0);
			else
				ptrace(PTRACE_CONT, pid, 0, 0);
			break;
		case 0:
			/* signal-delivery stop: deliver it */
			ptrace(PTRACE_CONT, pid, 0, sig);
			break;
		default:
			ptrace(PTRACE_CONT, pid, 0, 0);
			break;
		}
	}
	if (atomic_load(&s->failed))
		return 125;
	return exit_status < 0 ? 125 : exit_status;
}
