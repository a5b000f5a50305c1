/*
 * emulate_exec.c - execve and execveat: decide, then let the kernel run it.
 *
 * exec cannot be carried out by another process, so this is the one place
 * where an allowed call is CONTINUEd although the decision used memory the
 * caller controls. It is made sound by the tracer: at PTRACE_EVENT_EXEC the
 * old address space is gone, and the file really executed and its argv are
 * judged again; a mismatch kills the process before it runs an instruction
 * (tracer.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "emulate.h"
#include "resolve.h"
#include "target.h"
#include "tracer.h"
#include "writers.h"

/* What is copied for the decision: a per-thread buffer serves the usual
 * command line; longer ones (link lines) get a heap buffer up to the
 * kernel's own limits (MAX_ARG_STRLEN pages, 2 MiB of strings). */
#define EXEC_SMALL_ARGS 512
#define EXEC_SMALL_BYTES (32 * 1024)
#define EXEC_MAX_ARGS (256 * 1024)
#define EXEC_MAX_BYTES (2 * 1024 * 1024)

static __thread char *exec_small_argv[EXEC_SMALL_ARGS + 1];
static __thread char exec_small_buf[EXEC_SMALL_BYTES];

/* Copy argv: pointers then strings, within EXEC_MAX_*. *argc set. Returns
 * 0 or -errno. Strings are stored in buf, pointers in argv. */
static int exec_read_argv(struct call *c, uint64_t addr, char **argv,
			  size_t maxargs, size_t *argc, char *buf,
			  size_t bufsz)
{
	size_t used = 0, n = 0;
	uint64_t p;
	int r;

	if (!addr) {
		*argc = 0;
		return 0;
	}
	for (n = 0; n < maxargs; n++) {
		ssize_t len;

		r = target_read(c, addr + n * 8, &p, sizeof(p));
		if (r < 0)
			return r;
		if (!p)
			break;
		if (used >= bufsz)
			return -E2BIG;
		len = target_read_str(c, p, buf + used, bufsz - used);
		if (len < 0)
			return len == -ENAMETOOLONG ? -E2BIG : (int)len;
		argv[n] = buf + used;
		used += (size_t)len + 1;
	}
	if (n == maxargs)
		return -E2BIG;
	argv[n] = NULL;
	*argc = n;
	return 0;
}

/* Join argv for people: words separated by spaces. */
static void exec_join(char *const *argv, size_t argc, char *out, size_t n)
{
	size_t used = 0, i;

	out[0] = '\0';
	for (i = 0; i < argc && used + 1 < n; i++) {
		int w = snprintf(out + used, n - used, "%s%s", i ? " " : "",
				 argv[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used >= n)
		out[n - 1] = '\0';
}

void emulate_exec(struct call *c)
{
	const struct seccomp_data *d = &c->req.data;
	char path[PATH_MAX];
	char **argv = exec_small_argv;
	char *buf = exec_small_buf;
	char **big_argv = NULL;
	char *big_buf = NULL;
	char joined[8192];
	struct resolved r;
	struct decide_req dr;
	struct decide_out out;
	unsigned rflags = RESOLVE_F_FOLLOW;
	int dirfd = AT_FDCWD;
	uint64_t path_addr, argv_addr;
	size_t argc = 0;
	ssize_t len;
	int ret;

	resolved_init(&r);
	if (d->nr == __NR_execveat) {
		dirfd = (int)d->args[0];
		path_addr = d->args[1];
		argv_addr = d->args[2];
		if (d->args[4] & AT_EMPTY_PATH)
			rflags |= RESOLVE_F_EMPTY_PATH;
		if (d->args[4] & AT_SYMLINK_NOFOLLOW)
			rflags &= ~(unsigned)RESOLVE_F_FOLLOW;
	} else {
		path_addr = d->args[0];
		argv_addr = d->args[1];
	}
	len = target_read_str(c, path_addr, path, sizeof(path));
	if (len < 0) {
		call_fail(c, (int)-len);
		goto out;
	}
	ret = exec_read_argv(c, argv_addr, argv, EXEC_SMALL_ARGS, &argc, buf,
			     EXEC_SMALL_BYTES);
	if (ret == -E2BIG) {
		big_argv = calloc(EXEC_MAX_ARGS + 1, sizeof(*big_argv));
		big_buf = malloc(EXEC_MAX_BYTES);
		if (!big_argv || !big_buf) {
			call_fail(c, ENOMEM);
			goto out;
		}
		argv = big_argv;
		buf = big_buf;
		ret = exec_read_argv(c, argv_addr, argv, EXEC_MAX_ARGS, &argc,
				     buf, EXEC_MAX_BYTES);
	}
	if (ret < 0) {
		call_fail(c, -ret);
		goto out;
	}
	emulate_tgid(c);
	ret = emulate_enter_creds(c);
	if (ret < 0) {
		call_fail(c, -ret);
		goto out;
	}
	ret = resolve_at(c, dirfd, path, rflags, &r);
	if (ret < 0) {
		call_fail(c, -ret);	/* ENOENT etc.: nothing runs */
		goto out;
	}
	exec_join(argv, argc, joined, sizeof(joined));
	memset(&dr, 0, sizeof(dr));
	dr.q.op = POLICY_OP_EXEC;
	dr.q.path = r.no_path ? "" : r.path;
	dr.q.path_len = strlen(dr.q.path);
	dr.q.argv = (const char *const *)argv;
	dr.q.argc = argc;
	dr.syscall = d->nr == __NR_execveat ? "execveat" : "execve";
	dr.target = joined;
	dr.resolved = r.path;
	decide(c, &dr, &out);
	if (!out.allow) {
		call_fail(c, out.err);
		goto out;
	}
	/* proctor may still hold a copy of a descriptor that wrote this
	 * file (writers.h): the kernel would answer ETXTBSY */
	if (r.obj >= 0)
		writers_wait(r.st.st_dev, r.st.st_ino);
	tracer_expect_exec(c->req.pid, dr.q.path, joined);
	c->answer = CALL_CONTINUE;
out:
	emulate_leave_creds(c);
	resolved_release(&r);
	free(big_argv);
	free(big_buf);
}
