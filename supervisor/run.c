/*
 * run.c - `proctor run [OPTIONS] -- COMMAND [ARG...]`.
 *
 * Order: options -> policy -> kernel -> audit log -> protected paths ->
 * filter -> launch -> notification threads -> tracer loop -> session end.
 * Anything that fails before the agent runs exits 125 and the agent never
 * starts; nothing here lets it run unsupervised.
 *
 * Exit status: the command's own; 128+N when it died of signal N; 125 when
 * proctor failed; 126/127 when the command cannot be run / is not found.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ask.h"
#include "audit.h"
#include "filter.h"
#include "hints.h"
#include "launch.h"
#include "notify.h"
#include "policy.h"
#include "run.h"
#include "sup.h"
#include "tracer.h"

extern char **environ;

#define RUN_MAX_POLICIES 64

struct run_options {
	const char *policies[RUN_MAX_POLICIES];
	int n_policies;
	const char *audit_path;
	const char *ask;
	int ask_timeout;
	const char *save_to;
	enum sup_mode mode;
	enum sup_on_audit_error on_audit_error;
	bool quiet;
	bool no_preload;
	bool no_explain;
	const char *sign_key;
	unsigned checkpoint_every;
	uint64_t keep_caps;
	char **command;
};

static void run_usage(FILE *f)
{
	fprintf(f,
"Usage: proctor run [OPTIONS] -- COMMAND [ARG...]\n"
"\n"
"Run COMMAND under proctor: every file, exec and network system call of\n"
"COMMAND and its descendants is decided against the policy and recorded\n"
"in the audit log.\n"
"\n"
"Options:\n"
"  --policy FILE        policy file (repeatable; later files after earlier\n"
"                       ones). Default: the built-in default policy\n"
"                       (see `proctor policy show`).\n"
"  --audit PATH         audit database. Default:\n"
"                       $XDG_STATE_HOME/proctor/audit.db, or\n"
"                       ~/.local/state/proctor/audit.db\n"
"  --ask CHANNELS       how `ask` decisions are answered: tty, console,\n"
"                       deny, allow, or a comma list (first answer wins).\n"
"                       Default: console with a terminal, deny without.\n"
"  --ask-timeout SECS   an unanswered ask is denied after SECS (120)\n"
"  --save-to FILE       policy file where \"allow and save\" answers are\n"
"                       appended (see docs/approval.md)\n"
"  --mode MODE          enforce (default) or permissive: decide and record\n"
"                       every call, but allow all of them\n"
"  --on-audit-error ACT deny (default: deny further calls, end the agent,\n"
"                       exit 125) or kill (kill the agent at once)\n"
"  --sign-key FILE      sign audit checkpoints with this Ed25519 secret key\n"
"                       (make one with `proctor audit keygen`)\n"
"  --checkpoint-every N a signed checkpoint every N events (default 1000;\n"
"                       0: only at the end)\n"
"  --keep-caps LIST     capabilities a root agent keeps besides the default\n"
"                       set (chown, dac_override, fowner, fsetid, kill,\n"
"                       setgid, setuid, setpcap, net_bind_service,\n"
"                       audit_write, setfcap); `all` keeps everything,\n"
"                       `none` drops even those\n"
"  --no-preload         do not inject libproctor-preload.so\n"
"  --no-explain         no explanation lines on the agent's stderr\n"
"  -q, --quiet          no deny lines on proctor's stderr\n"
"  -h, --help           this help\n"
"  -V, --version        proctor's version\n"
"\n"
"Exit status: COMMAND's own; 128+N if it died of signal N; 125 if proctor\n"
"failed (bad policy, audit log, kernel too old); 126 if COMMAND cannot be\n"
"run; 127 if it is not found.\n");
}

static int run_parse(int argc, char **argv, struct run_options *o)
{
	enum { O_POLICY = 256, O_AUDIT, O_ASK, O_ASK_TIMEOUT, O_MODE,
	       O_ON_AUDIT_ERROR, O_NO_PRELOAD, O_NO_EXPLAIN, O_SIGN_KEY,
	       O_CHECKPOINT_EVERY, O_SAVE_TO, O_KEEP_CAPS };
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, O_POLICY },
		{ "audit", required_argument, NULL, O_AUDIT },
		{ "ask", required_argument, NULL, O_ASK },
		{ "ask-timeout", required_argument, NULL, O_ASK_TIMEOUT },
		{ "save-to", required_argument, NULL, O_SAVE_TO },
		{ "mode", required_argument, NULL, O_MODE },
		{ "on-audit-error", required_argument, NULL,
		  O_ON_AUDIT_ERROR },
		{ "no-preload", no_argument, NULL, O_NO_PRELOAD },
		{ "no-explain", no_argument, NULL, O_NO_EXPLAIN },
		{ "sign-key", required_argument, NULL, O_SIGN_KEY },
		{ "keep-caps", required_argument, NULL, O_KEEP_CAPS },
		{ "checkpoint-every", required_argument, NULL,
		  O_CHECKPOINT_EVERY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool dashdash = false;
	char *end;
	int c, i;

	memset(o, 0, sizeof(*o));
	o->ask_timeout = 120;
	o->checkpoint_every = 1000;
	o->keep_caps = LAUNCH_DEFAULT_CAPS;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			dashdash = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+qhV", opts, NULL)) != -1) {
		switch (c) {
		case O_POLICY:
			if (o->n_policies == RUN_MAX_POLICIES) {
				fprintf(stderr, "proctor: too many --policy\n");
				return -1;
			}
			o->policies[o->n_policies++] = optarg;
			break;
		case O_AUDIT:
			o->audit_path = optarg;
			break;
		case O_ASK:
			o->ask = optarg;
			break;
		case O_SAVE_TO:
			o->save_to = optarg;
			break;
		case O_ASK_TIMEOUT:
			errno = 0;
			o->ask_timeout = (int)strtol(optarg, &end, 10);
			if (errno || *end || o->ask_timeout <= 0) {
				fprintf(stderr, "proctor: --ask-timeout takes a "
					"number of seconds\n");
				return -1;
			}
			break;
		case O_MODE:
			if (strcmp(optarg, "enforce") == 0) {
				o->mode = SUP_ENFORCE;
			} else if (strcmp(optarg, "permissive") == 0) {
				o->mode = SUP_PERMISSIVE;
			} else {
				fprintf(stderr, "proctor: --mode is enforce or "
					"permissive\n");
				return -1;
			}
			break;
		case O_ON_AUDIT_ERROR:
			if (strcmp(optarg, "deny") == 0) {
				o->on_audit_error = SUP_AUDIT_ERR_DENY;
			} else if (strcmp(optarg, "kill") == 0) {
				o->on_audit_error = SUP_AUDIT_ERR_KILL;
			} else {
				fprintf(stderr, "proctor: --on-audit-error is "
					"deny or kill\n");
				return -1;
			}
			break;
		case O_NO_PRELOAD:
			o->no_preload = true;
			break;
		case O_NO_EXPLAIN:
			o->no_explain = true;
			break;
		case O_SIGN_KEY:
			o->sign_key = optarg;
			break;
		case O_KEEP_CAPS: {
			const char *bad = NULL;

			if (launch_parse_caps(optarg, &o->keep_caps, &bad)) {
				fprintf(stderr, "proctor: --keep-caps: unknown "
					"capability at '%s' (names as in "
					"capabilities(7): net_raw,sys_ptrace)"
					"\n", bad);
				return -1;
			}
			break;
		}
		case O_CHECKPOINT_EVERY: {
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > 100000000) {
				fprintf(stderr, "proctor: --checkpoint-every "
					"takes a number of events\n");
				return -1;
			}
			o->checkpoint_every = (unsigned)v;
			break;
		}
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		case 'V':
			printf("proctor %s\n", PROCTOR_VERSION);
			return 1;
		default:
			fprintf(stderr, "Try 'proctor run --help'.\n");
			return -1;
		}
	}
	if (!dashdash) {
		fprintf(stderr, "proctor: missing `--` before the command\n"
			"Usage: proctor run [OPTIONS] -- COMMAND [ARG...]\n");
		return -1;
	}
	if (optind >= argc) {
		fprintf(stderr, "proctor: no command after `--`\n");
		return -1;
	}
	o->command = argv + optind;
	return 0;
}

static void run_diag(void *ctx, enum policy_diag_severity sev,
		     const char *file, unsigned line, unsigned col,
		     const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s:%u:%u: %s: %s\n", file, line, col,
		sev == POLICY_DIAG_ERROR ? "error" : "warning", msg);
}

static int run_load_policy(const struct run_options *o, struct policy **out)
{
	char cwd[PATH_MAX];
	struct policy_vars vars;
	struct passwd *pw;
	struct policy *p = NULL;
	int i, r;

	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	pw = getpwuid(getuid());
	vars.home = getenv("HOME");
	if (!vars.home || !vars.home[0])
		vars.home = pw ? pw->pw_dir : "/";
	vars.cwd = cwd;
	vars.environ = environ;
	r = policy_new(&p, &vars);
	if (r < 0)
		return r;
	if (o->n_policies == 0)
		r = policy_add_text(p, "builtin:default.policy",
				    policy_builtin_default,
				    policy_builtin_default_len, run_diag, NULL);
	for (i = 0; i < o->n_policies && r >= 0; i++)
		r = policy_add_file(p, o->policies[i], run_diag, NULL);
	if (r >= 0)
		r = policy_finish(p, run_diag, NULL);
	if (r < 0) {
		policy_free(p);
		return r;
	}
	*out = p;
	return 0;
}

/* Linux 5.19: WAIT_KILLABLE_RECV; ADDFD_FLAG_SEND (5.14) and pidfd_getfd
 * (5.6) come before it. */
static int run_kernel_ok(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	if (major > 5 || (major == 5 && minor >= 19))
		return 1;
	fprintf(stderr, "proctor: Linux %s is too old: proctor needs 5.19 or "
		"newer (seccomp user notification with killable waits)\n",
		u.release);
	return 0;
}

static int run_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (i = 1; i < n; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = '/';
	}
	return 0;
}

static char *run_join_argv(int argc, char **argv)
{
	size_t n = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = malloc(n);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strncat(s, " ", n - strlen(s) - 1);
		strncat(s, argv[i], n - strlen(s) - 1);
	}
	return s;
}

/* Where the preload library is: beside the binary (build tree), or in
 * PREFIX/lib/proctor (installed). Writes its real path into buf. */
static int run_find_preload(char *buf, size_t n)
{
	char self[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (len < 0)
		return -errno;
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	snprintf(cand, sizeof(cand), "%s/libproctor-preload.so", self);
	if (access(cand, R_OK) != 0)
		snprintf(cand, sizeof(cand),
			 "%s/../lib/proctor/libproctor-preload.so", self);
	if (!realpath(cand, buf) || strlen(buf) >= n)
		return -ENOENT;
	/* LD_PRELOAD separates entries with spaces and colons */
	if (strpbrk(buf, " :\t"))
		return -EINVAL;
	return 0;
}

/* The agent's environment: ours, with the preload library put first in
 * LD_PRELOAD (a user's own entries are kept after it). Caller frees the
 * array and its first LD_PRELOAD string via run_env_free. */
static char **run_build_env(const char *preload)
{
	size_t n = 0, i, j = 0;
	const char *old = NULL;
	char **env;
	char *entry;
	size_t len;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "LD_PRELOAD=", 11) == 0)
			old = environ[i] + 11;
		else
			env[j++] = environ[i];
	}
	len = 11 + strlen(preload) + (old && *old ? 1 + strlen(old) : 0) + 1;
	entry = malloc(len);
	if (!entry) {
		free(env);
		return NULL;
	}
	snprintf(entry, len, "LD_PRELOAD=%s%s%s", preload,
		 old && *old ? ":" : "", old && *old ? old : "");
	env[j++] = entry;
	env[j] = NULL;
	return env;
}

static void run_env_free(char **env)
{
	size_t i;

	if (!env)
		return;
	for (i = 0; env[i]; i++)
		if (strncmp(env[i], "LD_PRELOAD=", 11) == 0)
			free(env[i]);
	free(env);
}

static int run_session(struct run_options *o, int argc, char **argv)
{
	struct audit_session_info si;
	struct ask_session as;
	struct sup s;
	struct filter_prog prog = { NULL, 0 };
	struct launch l = { -1, -1, -1 };
	struct policy *policy = NULL;
	char audit_path[PATH_MAX], host[256], cwd[PATH_MAX], err[512];
	char self_proc[64], preload[PATH_MAX];
	char **agent_env = NULL;
	const char *ppaths[16];
	struct passwd *pw;
	char *proctor_argv = NULL;
	unsigned channels;
	size_t i, n;
	size_t policy_len;
	int status = 125, r;

	memset(&s, 0, sizeof(s));
	protect_init(&s.protect);
	s.listener = -1;
	s.self = getpid();
	s.mode = o->mode;
	s.on_audit_error = o->on_audit_error;
	s.quiet = o->quiet;
	s.explain = !o->no_explain;
	s.same_creds = geteuid() != 0;
	s.main_thread = pthread_self();

	r = run_load_policy(o, &policy);
	if (r < 0) {
		if (r != -EINVAL)
			fprintf(stderr, "proctor: cannot load the policy: "
				"%s\n", strerror(-r));
		fprintf(stderr, "proctor: refusing to start with an invalid "
			"policy (check it with `proctor policy check`)\n");
		goto out;
	}
	s.policy = policy;
	if (!o->ask)
		o->ask = ask_default_channels();
	if (ask_parse_channels(o->ask, &channels) < 0) {
		fprintf(stderr, "proctor: --ask takes tty, console, deny or "
			"allow (or a comma list)\n");
		goto out;
	}
	if (ask_new(&s.ask, channels, o->ask_timeout) < 0)
		goto out;
	if (!run_kernel_ok())
		goto out;

	if (o->audit_path) {
		snprintf(audit_path, sizeof(audit_path), "%s", o->audit_path);
	} else if (audit_default_path(audit_path, sizeof(audit_path)) < 0) {
		fprintf(stderr, "proctor: no place for the audit log: set "
			"--audit PATH\n");
		goto out;
	}
	r = run_mkdirs(audit_path);
	if (r < 0) {
		fprintf(stderr, "proctor: cannot create the directory of %s: "
			"%s\n", audit_path, strerror(-r));
		goto out;
	}
	r = audit_open(&s.audit, audit_path, AUDIT_OPEN_WRITE, err,
		       sizeof(err));
	if (r < 0) {
		fprintf(stderr, "proctor: cannot open the audit log %s: %s\n",
			audit_path, err);
		goto out;
	}
	if (o->sign_key) {
		unsigned char sk[64];

		r = audit_key_load_secret(o->sign_key, sk);
		if (r == 0)
			r = audit_set_signing_key(s.audit, sk,
						  o->checkpoint_every);
		sodium_memzero(sk, sizeof(sk));
		if (r == 0)
			r = protect_add_secret(&s.protect, o->sign_key,
					       false);
		if (r < 0) {
			fprintf(stderr, "proctor: cannot use the signing key "
				"%s: %s\n", o->sign_key,
				r == -EPERM ? "others can read it (chmod 600)" :
				strerror(-r));
			goto out;
		}
	}
	n = audit_protected_paths(s.audit, ppaths, 16);
	for (i = 0; i < n; i++)
		protect_add(&s.protect, ppaths[i], false);
	/* proctor's own /proc entry (its memory holds the signing key) and
	 * the device that hands out userfaultfds (refused by the filter as a
	 * system call) are out of reach whatever the policy says */
	snprintf(self_proc, sizeof(self_proc), "/proc/%d", (int)s.self);
	protect_add_secret(&s.protect, self_proc, true);
	protect_add_secret(&s.protect, "/dev/userfaultfd", false);

	memset(&si, 0, sizeof(si));
	si.start_ns = sup_real_ns();
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	si.host = host;
	si.uid = getuid();
	pw = getpwuid(getuid());
	si.user = pw ? pw->pw_name : "?";
	si.cwd = getcwd(cwd, sizeof(cwd)) ? cwd : "?";
	for (n = 0; o->command[n]; n++)
		;
	si.argv = (const char *const *)o->command;
	si.argc = n;
	proctor_argv = run_join_argv(argc, argv);
	si.proctor_argv = proctor_argv;
	si.version = PROCTOR_VERSION;
	si.policy_text = policy_source_text(policy, &policy_len);
	si.policy_len = policy_len;
	si.mode = o->mode == SUP_PERMISSIVE ? "permissive" : "enforce";
	r = audit_session_begin(s.audit, &si, &s.session_id);
	if (r < 0) {
		fprintf(stderr, "proctor: cannot write the audit log: %s\n",
			strerror(-r));
		goto out;
	}

	as.self = s.self;
	as.session_id = s.session_id;
	as.command = o->command;
	as.save_to = o->save_to;
	r = ask_start(s.ask, &as, &s.protect);
	if (r < 0)
		goto end;

	r = filter_build(&prog);
	if (r < 0) {
		fprintf(stderr, "proctor: cannot build the seccomp filter: "
			"%s\n", strerror(-r));
		goto end;
	}
	if (!o->no_preload) {
		r = run_find_preload(preload, sizeof(preload));
		if (r == 0) {
			s.preload_path = preload;
			agent_env = run_build_env(preload);
		} else if (!o->quiet) {
			fprintf(stderr, "proctor: warning: preload library not "
				"found or unusable; running without it (host "
				"names only from the policy's own names)\n");
		}
	}
	r = hints_start(policy);
	if (r < 0) {
		fprintf(stderr, "proctor: cannot start the name resolver: "
			"%s\n", strerror(-r));
		goto end;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	r = launch_start(&l, &prog, o->command,
			 agent_env ? agent_env : environ, o->keep_caps);
	if (r < 0)
		goto end;
	s.listener = l.listener;
	s.agent = l.pid;
	r = notify_start(&s);
	if (r < 0) {
		fprintf(stderr, "proctor: cannot start supervising: %s\n",
			strerror(-r));
		kill(l.pid, SIGKILL);
		goto end;
	}
	if (launch_go(&l) < 0) {
		kill(l.pid, SIGKILL);
	}
	status = tracer_run(&s, l.pid);
	notify_stop(&s);
end:
	r = audit_session_end(s.audit, sup_real_ns(), status,
			      atomic_load(&s.failed) ? "supervisor-error" :
			      status >= 128 && status != 255 ? "signaled" :
			      "exited");
	if (r < 0) {
		fprintf(stderr, "proctor: cannot close the audit session: "
			"%s\n", strerror(-r));
		status = 125;
	}
out:
	if (s.listener >= 0)
		close(s.listener);
	audit_close(s.audit);
	filter_release(&prog);
	ask_free(s.ask);
	policy_free(policy);
	protect_release(&s.protect);
	free(proctor_argv);
	hints_stop();
	run_env_free(agent_env);
	return status;
}

int run_main(int argc, char **argv)
{
	struct run_options o;
	int r = run_parse(argc, argv, &o);

	if (r < 0)
		return 125;
	if (r > 0)
		return 0;
	return run_session(&o, argc, argv);
}
