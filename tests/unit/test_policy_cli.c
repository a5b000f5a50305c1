/*
 * test_policy_cli.c - `proctor policy check|eval|test|show`: output
 * formats, exit statuses and help, run in-process with stdout and stderr
 * captured. Runs in a scratch directory with HOME=/home/u.
 */
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_policy_util.h"
#include "policy_cli.h"

static char dir[256];
static char out[65536], err[65536];

static void slurp(int fd, char *buf, size_t n)
{
	ssize_t r;
	size_t o = 0;

	lseek(fd, 0, SEEK_SET);
	while (o + 1 < n && (r = read(fd, buf + o, n - o - 1)) > 0)
		o += (size_t)r;
	buf[o] = '\0';
}

/* Runs `proctor policy ARGS...` (NULL-terminated); returns the status. */
static int run(const char *first, ...)
{
	char *argv[64];
	int argc = 0, ret, fo, fe, so, se;
	const char *a;
	va_list ap;

	argv[argc++] = "policy";
	va_start(ap, first);
	for (a = first; a && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	fo = open(".", O_TMPFILE | O_RDWR, 0600);
	fe = open(".", O_TMPFILE | O_RDWR, 0600);
	assert_true(fo >= 0 && fe >= 0);
	so = dup(1);
	se = dup(2);
	dup2(fo, 1);
	dup2(fe, 2);
	ret = policy_cli_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(fo, out, sizeof(out));
	slurp(fe, err, sizeof(err));
	close(fo);
	close(fe);
	return ret;
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_policy_cli.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	setenv("HOME", "/home/u", 1);
	setenv("FOO", "bar", 1);
	put("good.policy", "default deny\n"
	    "allow read /**\n"
	    "deny read ~/.ssh/** # keys\n"
	    "allow write ${CWD}/**\n"
	    "ask exec git push *\n"
	    "allow connect 127.0.0.0/8:* [::1]:*\n"
	    "ask connect *.example.com:443\n"
	    "deny connect unix:/run/docker.sock unix:@evil*\n");
	put("bad.policy", "allow read /ok\nallow raed /x\nallow read /a[\n");
	put("warn.policy", "allow read /a\ndeny read /a\n");
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(chdir("/"), 0);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_cli_help(void **state)
{
	(void)state;
	assert_int_equal(run("--help", NULL), 0);
	tp_assert_contains(out, "Usage: proctor policy COMMAND");
	tp_assert_contains(out, "check FILE...");
	tp_assert_contains(out, POLICY_BUILTIN_NAME);
	assert_int_equal(run("check", "--help", NULL), 0);
	tp_assert_contains(out, "Usage: proctor policy check [--quiet] FILE");
	assert_int_equal(run("eval", "-h", NULL), 0);
	tp_assert_contains(out, "Usage: proctor policy eval [--policy FILE]");
	assert_int_equal(run("test", "--help", NULL), 0);
	tp_assert_contains(out, "expect DECISION OP TARGET [ARG...]");
	assert_int_equal(run("show", "--help", NULL), 0);
	tp_assert_contains(out, "Usage: proctor policy show");
}

static void test_cli_bad_usage(void **state)
{
	(void)state;
	assert_int_equal(run(NULL), 2);
	tp_assert_contains(err, "proctor policy: missing command");
	assert_int_equal(run("frob", NULL), 2);
	tp_assert_contains(err, "proctor policy: unknown command 'frob'\n"
			   "Try 'proctor policy --help'.");
	assert_int_equal(run("--frob", NULL), 2);
	tp_assert_contains(err, "unknown option '--frob'");
	assert_int_equal(run("check", NULL), 2);
	tp_assert_contains(err, "proctor policy check: no policy file given");
	assert_int_equal(run("check", "--bogus", "x", NULL), 2);
	tp_assert_contains(err, "proctor policy check: unknown option "
			   "'--bogus'\nTry 'proctor policy check --help'.");
	assert_int_equal(run("eval", NULL), 2);
	tp_assert_contains(err, "missing OP TARGET");
	assert_int_equal(run("eval", "--policy", NULL), 2);
	tp_assert_contains(err, "option '--policy' needs an argument");
	assert_int_equal(run("eval", "--json", "--verbose", "read", "/", NULL),
			 2);
	tp_assert_contains(err, "proctor policy eval: unknown option "
			   "'--verbose'");
	assert_int_equal(run("test", "-vx", "c", NULL), 2);
	tp_assert_contains(err, "proctor policy test: unknown option '-x'");
	assert_int_equal(run("eval", "frob", "/x", NULL), 2);
	tp_assert_contains(err, "'frob': unknown operation");
	assert_int_equal(run("eval", "read", NULL), 2);
	tp_assert_contains(err, "missing target after 'read'");
	assert_int_equal(run("eval", "read", "relative", NULL), 2);
	tp_assert_contains(err, "'relative': the path must be absolute");
	assert_int_equal(run("eval", "read", "/a", "/b", NULL), 2);
	tp_assert_contains(err, "only exec takes arguments");
	assert_int_equal(run("eval", "connect", "::1:22", NULL), 2);
	tp_assert_contains(err, "brackets");
	assert_int_equal(run("eval", "connect", "a.com:http", NULL), 2);
	tp_assert_contains(err, "bad port 'http'");
	assert_int_equal(run("eval", "read", "${NOPE}/x", NULL), 2);
	tp_assert_contains(err, "undefined variable ${NOPE}");
	assert_int_equal(run("test", NULL), 2);
	assert_int_equal(run("show", "extra", NULL), 2);
	tp_assert_contains(err, "unexpected argument 'extra'");
}

static void test_cli_check(void **state)
{
	(void)state;
	assert_int_equal(run("check", "good.policy", NULL), 0);
	assert_string_equal(out, "good.policy: ok (7 rules)\n");
	assert_string_equal(err, "");
	assert_int_equal(run("check", "-q", "good.policy",
			     POLICY_BUILTIN_NAME, NULL), 0);
	assert_string_equal(out, "");
	assert_int_equal(run("check", "good.policy", "bad.policy", NULL), 1);
	assert_string_equal(out, "good.policy: ok (7 rules)\n");
	assert_string_equal(err,
		"bad.policy:2:7: error: unknown operation 'raed' (expected "
		"read, write, exec or connect, or a comma list such as "
		"read,write)\n"
		"bad.policy:3:14: error: unclosed '[' (write '\\[' for a "
		"literal '[')\n");
	assert_int_equal(run("check", "missing.policy", NULL), 1);
	assert_string_equal(err, "missing.policy: error: cannot read the "
			    "policy: No such file or directory\n");
	/* Warnings do not make a file invalid. */
	assert_int_equal(run("check", "warn.policy", NULL), 0);
	tp_assert_contains(err, "warn.policy:1:1: warning: this rule never "
			   "decides");
}

static void test_cli_eval(void **state)
{
	(void)state;
	assert_int_equal(run("eval", "-p", "good.policy", "read",
			     "/home/u/.ssh/id_rsa", NULL), 0);
	assert_string_equal(out, "deny good.policy:3 deny read ~/.ssh/**\n");
	assert_int_equal(run("eval", "--policy", "good.policy", "read",
			     "~/.ssh/config", NULL), 0);
	assert_string_equal(out, "deny good.policy:3 deny read ~/.ssh/**\n");
	/* ${CWD} in the target too. */
	assert_int_equal(run("eval", "-p", "good.policy", "write",
			     "${CWD}/x", NULL), 0);
	assert_string_equal(out, "allow good.policy:4 allow write "
			    "${CWD}/**\n");
	assert_int_equal(run("eval", "-p", "good.policy", "write", "/etc/x",
			     NULL), 0);
	assert_string_equal(out, "deny default\n");
	/* Options end at OP: --force belongs to git. */
	assert_int_equal(run("eval", "-p", "good.policy", "exec",
			     "/usr/bin/git", "push", "--force", NULL), 0);
	assert_string_equal(out, "ask good.policy:5 ask exec git push *\n");
	assert_int_equal(run("eval", "-p", "good.policy", "connect",
			     "[::1]:22", NULL), 0);
	tp_assert_contains(out, "allow good.policy:6 ");
	assert_int_equal(run("eval", "-p", "good.policy", "connect",
			     "127.9.9.9:80", NULL), 0);
	tp_assert_contains(out, "allow good.policy:6 ");
	assert_int_equal(run("eval", "-p", "good.policy", "connect",
			     "api.example.com:443", NULL), 0);
	tp_assert_contains(out, "ask good.policy:7 ");
	/* A name-only target never matches address rules. */
	assert_int_equal(run("eval", "-p", "good.policy", "connect",
			     "localhost:80", NULL), 0);
	assert_string_equal(out, "deny default\n");
	assert_int_equal(run("eval", "-p", "good.policy", "connect",
			     "unix:/run/docker.sock", NULL), 0);
	tp_assert_contains(out, "deny good.policy:8 ");
	assert_int_equal(run("eval", "-p", "good.policy", "connect",
			     "unix:@evil-socket", NULL), 0);
	tp_assert_contains(out, "deny good.policy:8 ");
	/* The built-in policy by default. */
	assert_int_equal(run("eval", "read", "/etc/shadow", NULL), 0);
	tp_assert_contains(out, "deny " POLICY_BUILTIN_NAME ":");
	/* An invalid policy: exit 2 and the errors. */
	assert_int_equal(run("eval", "-p", "bad.policy", "read", "/x", NULL),
			 2);
	tp_assert_contains(err, "bad.policy:2:7: error: unknown operation");
	tp_assert_contains(err, "the policy is not valid");
	assert_int_equal(run("eval", "-p", "missing.policy", "read", "/x",
			     NULL), 2);
}

static void test_cli_eval_json(void **state)
{
	(void)state;
	assert_int_equal(run("eval", "-p", "good.policy", "--json", "exec",
			     "/usr/bin/git", "push", "origin", NULL), 0);
	assert_string_equal(out, "{\"decision\":\"ask\",\"rule\":"
		"\"good.policy:5\",\"file\":\"good.policy\",\"line\":5,"
		"\"text\":\"ask exec git push *\",\"op\":\"exec\",\"path\":"
		"\"/usr/bin/git\",\"args\":[\"push\",\"origin\"]}\n");
	assert_int_equal(run("eval", "-p", "good.policy", "-j", "write",
			     "/etc/x", NULL), 0);
	assert_string_equal(out, "{\"decision\":\"deny\",\"rule\":\"default\","
		"\"file\":null,\"line\":null,\"text\":null,\"op\":\"write\","
		"\"path\":\"/etc/x\"}\n");
	assert_int_equal(run("eval", "-p", "good.policy", "-j", "connect",
			     "a.example.com:443", NULL), 0);
	tp_assert_contains(out, "\"port\":443,\"host\":\"a.example.com\","
			   "\"hostname\":\"a.example.com\"}");
}

static void test_cli_test(void **state)
{
	(void)state;
	put("good.cases", "# cases\n"
	    "expect deny read ~/.ssh/id_rsa\n"
	    "expect allow read /etc/passwd\n"
	    "\n"
	    "expect allow write ${CWD}/src/a.c   # workspace\n"
	    "expect ask exec /usr/bin/git push origin main\n"
	    "expect deny connect unix:/run/docker.sock\n"
	    "expect deny connect \"unix:@evil thing\"\n");
	assert_int_equal(run("test", "-p", "good.policy", "good.cases", NULL),
			 0);
	assert_string_equal(out, "6 passed, 0 failed\n");
	put("bad.cases", "expect allow read ~/.ssh/id_rsa\n"
	    "expect deny write ${CWD}/x\n"
	    "expect maybe read /x\n"
	    "frob\n"
	    "expect deny read relative\n"
	    "expect deny read \"unterminated\n"
	    "expect deny read\n"
	    "expect allow read /etc/hosts\n");
	assert_int_equal(run("test", "--policy", "good.policy", "bad.cases",
			     NULL), 1);
	assert_string_equal(out,
		"bad.cases:1: expected allow, got deny (by good.policy:3)\n"
		"bad.cases:2: expected deny, got allow (by good.policy:4)\n"
		"bad.cases:3:8: error: unknown decision (expected allow, deny "
		"or ask)\n"
		"bad.cases:4:1: error: a case line starts with 'expect "
		"DECISION OP TARGET'\n"
		"bad.cases:5:18: error: the path must be absolute (it may "
		"start with ~ or ${CWD})\n"
		"bad.cases:6:18: error: unterminated quoted string\n"
		"bad.cases:7:17: error: expected 'expect DECISION OP TARGET "
		"[ARG...]'\n"
		"1 passed, 7 failed\n");
	put("default.cases", "expect allow write /nowhere\n");
	assert_int_equal(run("test", "-p", "good.policy", "default.cases",
			     NULL), 1);
	assert_string_equal(out, "default.cases:1: expected allow, got deny "
			    "(by default)\n0 passed, 1 failed\n");
	assert_int_equal(run("test", "-v", "-p", "good.policy", "good.cases",
			     NULL), 0);
	tp_assert_contains(out, "good.cases:2: ok deny (by good.policy:3)\n");
	assert_int_equal(run("test", "-p", "good.policy", "nope.cases", NULL),
			 2);
	tp_assert_contains(err, "nope.cases: No such file or directory");
	assert_int_equal(run("test", "-p", "bad.policy", "good.cases", NULL),
			 2);
}

static void test_cli_show(void **state)
{
	(void)state;
	assert_int_equal(run("show", "-p", "good.policy", NULL), 0);
	tp_assert_contains(out, "default deny\n#   set by good.policy:1\n");
	tp_assert_contains(out, "# --- source: good.policy\n");
	tp_assert_contains(out, "deny read ~/.ssh/**\n"
			   "#   ~/.ssh/** = /home/u/.ssh/**\n");
	assert_int_equal(run("show", NULL), 0);
	tp_assert_contains(out, "default ask\n#   set by "
			   POLICY_BUILTIN_NAME ":");
	tp_assert_contains(out, "# --- source: " POLICY_BUILTIN_NAME "\n");
	/* The output is a policy that checks clean. */
	put("shown.policy", out);
	assert_int_equal(run("check", "shown.policy", NULL), 0);
	assert_string_equal(err, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_help),
		cmocka_unit_test(test_cli_bad_usage),
		cmocka_unit_test(test_cli_check),
		cmocka_unit_test(test_cli_eval),
		cmocka_unit_test(test_cli_eval_json),
		cmocka_unit_test(test_cli_test),
		cmocka_unit_test(test_cli_show),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
