/*
 * test_policy_exec.c - exec rules: PROGRAM as a path glob or a bare name,
 * ARG words matched by position, a final `*` for any further arguments,
 * and executed files with no path on disk.
 */
#include "test_policy_util.h"

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_exec_program_forms(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("allow exec /usr/bin/git *\n"	/* 1 */
		    "ask exec python3* *\n"		/* 2 */
		    "deny exec /opt/**/bin/* *\n"	/* 3 */
		    "ask exec {make,/usr/bin/cmake} *\n");	/* 4 */
	assert_int_equal(tp_exec_line(p, "/usr/bin/git", ARGV("git")), 1);
	assert_int_equal(tp_exec_line(p, "/usr/local/bin/git", ARGV("git")),
			 0);
	assert_int_equal(tp_exec_line(p, "/usr/bin/python3.11",
				      ARGV("python3", "-c", "1")), 2);
	assert_int_equal(tp_exec_line(p, "/home/u/venv/bin/python3",
				      ARGV("python")), 2);
	assert_int_equal(tp_exec_line(p, "/usr/bin/python", ARGV("p")), 0);
	assert_int_equal(tp_exec_line(p, "/opt/a/b/bin/tool", ARGV("t")), 3);
	assert_int_equal(tp_exec_line(p, "/opt/bin/tool", ARGV("t")), 3);
	/* A bare name matches the last component of any path. */
	assert_int_equal(tp_exec_line(p, "/tmp/x/make", ARGV("make")), 4);
	assert_int_equal(tp_exec_line(p, "/usr/bin/cmake", ARGV("cmake")), 4);
	assert_int_equal(tp_exec_line(p, "/usr/local/bin/cmake", ARGV("c")),
			 0);
	/* argv[0] plays no part. */
	assert_int_equal(tp_exec_line(p, "/usr/bin/git", ARGV("python3")), 1);
	policy_free(p);
}

static void test_exec_args(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("allow exec ls\n"			/* 1: no args */
		    "allow exec cat -n\n"		/* 2: exactly -n */
		    "allow exec git push *\n"		/* 3: push, then any */
		    "allow exec cp * *.bak\n"		/* 4: exactly two */
		    "allow exec rm -{rf,fr} /work/*\n"	/* 5 */
		    "allow exec echo \\*\n"		/* 6: a literal '*' */
		    "allow exec tar * *\n");		/* 7: one or more */
	assert_int_equal(tp_exec_line(p, "/bin/ls", ARGV("ls")), 1);
	assert_int_equal(tp_exec_line(p, "/bin/ls", ARGV("ls", "-l")), 0);
	assert_int_equal(tp_exec_line(p, "/bin/cat", ARGV("cat", "-n")), 2);
	assert_int_equal(tp_exec_line(p, "/bin/cat", ARGV("cat")), 0);
	assert_int_equal(tp_exec_line(p, "/bin/cat", ARGV("cat", "-n", "f")),
			 0);
	assert_int_equal(tp_exec_line(p, "/bin/git", ARGV("git", "push")), 3);
	assert_int_equal(tp_exec_line(p, "/bin/git",
				      ARGV("git", "push", "-f", "o", "m")), 3);
	assert_int_equal(tp_exec_line(p, "/bin/git", ARGV("git", "pull")), 0);
	assert_int_equal(tp_exec_line(p, "/bin/git", ARGV("git")), 0);
	assert_int_equal(tp_exec_line(p, "/bin/cp", ARGV("cp", "a", "a.bak")),
			 4);
	assert_int_equal(tp_exec_line(p, "/bin/cp",
				      ARGV("cp", "a", "b", "a.bak")), 0);
	/* In arguments `*` crosses '/': arguments are not paths. */
	assert_int_equal(tp_exec_line(p, "/bin/rm",
				      ARGV("rm", "-fr", "/work/a/b/c")), 5);
	assert_int_equal(tp_exec_line(p, "/bin/rm",
				      ARGV("rm", "-rF", "/work/a")), 0);
	assert_int_equal(tp_exec_line(p, "/bin/echo", ARGV("echo", "*")), 6);
	assert_int_equal(tp_exec_line(p, "/bin/echo", ARGV("echo", "x")), 0);
	assert_int_equal(tp_exec_line(p, "/bin/tar", ARGV("tar")), 0);
	assert_int_equal(tp_exec_line(p, "/bin/tar", ARGV("tar", "x")), 7);
	assert_int_equal(tp_exec_line(p, "/bin/tar", ARGV("tar", "x", "y")),
			 7);
	policy_free(p);
}

static void test_exec_expansion_in_args(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("allow exec cat ~/notes ${CWD}/* /x/${GLOBBY}\n");
	assert_int_equal(tp_exec_line(p, "/bin/cat",
			 ARGV("cat", "/home/u/notes", "/work/a", "/x/a*b[c]")),
			 1);
	assert_int_equal(tp_exec_line(p, "/bin/cat",
			 ARGV("cat", "/home/u/notes", "/work/a", "/x/aXbc")),
			 0);
	policy_free(p);
}

static void test_exec_no_path(void **state)
{
	struct policy *p;
	struct policy_query q;
	struct policy_result r;

	(void)state;
	/* A file with no path on disk (memfd, deleted) matches no program
	 * pattern, not even a bare name or a catch-all: the default. */
	p = tp_load("default deny\n"
		    "allow exec * *\n"
		    "allow exec memfd:* *\n");
	assert_int_equal(tp_exec_line(p, "memfd:payload", ARGV("x")), 0);
	assert_int_equal(tp_exec_line(p, "", ARGV("x")), 0);
	assert_int_equal(tp_exec_line(p, "/proc/self/fd/3 (deleted)",
				      ARGV("x")), 2);
	policy_free(p);
	p = tp_load("allow exec /** *\n");
	assert_int_equal(tp_exec_line(p, "memfd:payload", ARGV("x")), 0);
	assert_int_equal(tp_exec_line(p, "/memfd:x", ARGV("x")), 1);
	/* A path ending in '/' has no last component: no bare name. */
	p = (policy_free(p), tp_load("allow exec * *\n"));
	assert_int_equal(tp_exec_line(p, "/usr/bin/", ARGV("x")), 0);
	/* argc == 0 and NULL entries. */
	memset(&q, 0, sizeof(q));
	q.op = POLICY_OP_EXEC;
	q.path = "/bin/true";
	q.path_len = 9;
	policy_eval(p, &q, &r);
	assert_non_null(r.rule);
	policy_free(p);
	p = tp_load("allow exec true \"\"\n");
	q.argv = ARGV("true", NULL);
	q.argc = 2;
	policy_eval(p, &q, &r);
	assert_non_null(r.rule);
	policy_free(p);
}

static void test_exec_last_match(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("allow exec /usr/** *\n"			/* 1 */
		    "ask exec git push *\n"			/* 2 */
		    "ask exec {sudo,su} *\n"			/* 3 */
		    "allow exec /usr/bin/sudo -n true\n");	/* 4 */
	assert_int_equal(tp_exec_line(p, "/usr/bin/git", ARGV("git", "log")),
			 1);
	assert_int_equal(tp_exec_line(p, "/usr/bin/git",
				      ARGV("git", "push", "origin")), 2);
	assert_int_equal(tp_exec_line(p, "/usr/bin/sudo", ARGV("sudo", "id")),
			 3);
	assert_int_equal(tp_exec_line(p, "/usr/bin/sudo",
				      ARGV("sudo", "-n", "true")), 4);
	assert_int_equal(tp_exec_line(p, "/bin/su", ARGV("su")), 3);
	policy_free(p);
}

/* Many rules: the name index and the path trie give the same answers as a
 * scan would. */
static void test_exec_many_rules(void **state)
{
	char text[64 * 1024];
	size_t o = 0;
	struct policy *p;
	int i;

	(void)state;
	o += (size_t)snprintf(text + o, sizeof(text) - o, "allow exec * *\n");
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "deny exec tool%d *\n"
				      "ask exec /opt/t%d/** *\n", i, i);
	p = tp_load(text);
	assert_int_equal(tp_exec_line(p, "/usr/bin/tool7", ARGV("t")), 2 + 14);
	assert_int_equal(tp_exec_line(p, "/opt/t7/x", ARGV("t")), 3 + 14);
	/* deny tool199 (line 400) comes after ask /opt/t7 (line 17). */
	assert_int_equal(tp_exec_line(p, "/opt/t7/tool199", ARGV("t")), 400);
	assert_int_equal(tp_exec_line(p, "/usr/bin/other", ARGV("t")), 1);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_program_forms),
		cmocka_unit_test(test_exec_args),
		cmocka_unit_test(test_exec_expansion_in_args),
		cmocka_unit_test(test_exec_no_path),
		cmocka_unit_test(test_exec_last_match),
		cmocka_unit_test(test_exec_many_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
