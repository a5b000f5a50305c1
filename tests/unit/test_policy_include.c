/*
 * test_policy_include.c - `include`: relative paths, reading order and
 * last-match-wins across files, cycles, depth, errors inside included
 * files, several policy_add_file() calls, the source text and `show`.
 */
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_policy_util.h"

static char tp_dir[256];

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tp_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *in_dir(const char *name)
{
	static char path[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tp_dir, name);
	return path[k];
}

static int setup(void **state)
{
	(void)state;
	snprintf(tp_dir, sizeof(tp_dir), "/tmp/test_policy_include.XXXXXX");
	assert_non_null(mkdtemp(tp_dir));
	snprintf(tp_dir + strlen(tp_dir), sizeof(tp_dir) - strlen(tp_dir),
		 "%s", "");
	assert_int_equal(mkdir(in_dir("sub"), 0700), 0);
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
	return nftw(tp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct policy *load_files(const char *const *files,
				 struct tp_diag *d)
{
	struct policy *p = NULL;
	int ret = 0;

	memset(d, 0, sizeof(*d));
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	for (; *files && ret == 0; files++)
		ret = policy_add_file(p, *files, tp_diag_fn, d);
	if (ret == 0)
		ret = policy_finish(p, tp_diag_fn, d);
	if (ret < 0) {
		policy_free(p);
		return NULL;
	}
	return p;
}

static void test_include_order(void **state)
{
	struct tp_diag d;
	struct policy *p;
	unsigned line;
	const char *src;

	(void)state;
	write_file("main.policy",
		   "allow read /data/**\n"		/* main:1 */
		   "include sub/a.policy\n"		/* main:2 */
		   "allow read /data/a/keep\n");	/* main:3 */
	write_file("sub/a.policy",
		   "deny read /data/a/**\n"		/* a:1 */
		   "include b.policy\n");		/* relative to sub/ */
	write_file("sub/b.policy",
		   "ask read /data/a/b/**\n");		/* b:1 */
	p = load_files((const char *[]){ in_dir("main.policy"), NULL }, &d);
	assert_non_null(p);
	assert_int_equal(d.errors + d.warnings, 0);
	assert_int_equal(tp_path(p, POLICY_OP_READ, "/data/x", &line),
			 POLICY_ALLOW);
	assert_int_equal(tp_path(p, POLICY_OP_READ, "/data/a/x", &line),
			 POLICY_DENY);
	assert_string_equal(policy_rule_file(policy_rule_at(p, 1)),
			    in_dir("sub/a.policy"));
	assert_int_equal(tp_path(p, POLICY_OP_READ, "/data/a/b/c", &line),
			 POLICY_ASK);
	assert_string_equal(policy_rule_file(policy_rule_at(p, 2)),
			    in_dir("sub/b.policy"));
	/* main:3 comes after the include: it wins. */
	assert_int_equal(tp_path(p, POLICY_OP_READ, "/data/a/keep", &line),
			 POLICY_ALLOW);
	assert_int_equal(line, 3);
	/* Source text: every file in reading order. */
	src = policy_source_text(p, NULL);
	assert_non_null(strstr(src, "# proctor-policy-source: "));
	assert_true(strstr(src, "main.policy\n") < strstr(src, "a.policy\n"));
	assert_true(strstr(src, "a.policy\n") < strstr(src, "b.policy\n"));
	policy_free(p);
}

static void test_include_several_files(void **state)
{
	struct tp_diag d;
	struct policy *p;

	(void)state;
	write_file("one.policy", "default allow\ndeny write /x/**\n");
	write_file("two.policy", "allow write /x/y\ndefault ask\n");
	p = load_files((const char *[]){ in_dir("one.policy"),
					 in_dir("two.policy"), NULL }, &d);
	assert_non_null(p);
	assert_int_equal(tp_path(p, POLICY_OP_WRITE, "/x/y", NULL),
			 POLICY_ALLOW);
	assert_int_equal(tp_path(p, POLICY_OP_WRITE, "/x/z", NULL),
			 POLICY_DENY);
	assert_int_equal(policy_default(p), POLICY_ASK);
	policy_free(p);
}

static void test_include_diamond(void **state)
{
	struct tp_diag d;
	struct policy *p;

	(void)state;
	/* The same file twice, not nested: fine. */
	write_file("common.policy", "deny read /c\n");
	write_file("d1.policy", "include common.policy\n");
	write_file("d2.policy", "include common.policy\n");
	write_file("top.policy", "include d1.policy\ninclude d2.policy\n");
	p = load_files((const char *[]){ in_dir("top.policy"), NULL }, &d);
	assert_non_null(p);
	assert_int_equal(d.errors, 0);
	assert_int_equal(policy_rule_count(p), 2);
	policy_free(p);
}

static void test_include_cycles(void **state)
{
	struct tp_diag d;
	char expect[600];

	(void)state;
	write_file("self.policy", "allow read /a\ninclude self.policy\n");
	assert_null(load_files((const char *[]){ in_dir("self.policy"),
						 NULL }, &d));
	snprintf(expect, sizeof(expect), "%s:2:9: error: include cycle: '%s' "
		 "is '%s', which is already being read",
		 in_dir("self.policy"), in_dir("self.policy"),
		 in_dir("self.policy"));
	tp_assert_contains(d.text, expect);

	write_file("c1.policy", "include c2.policy\n");
	write_file("c2.policy", "\ninclude ./c1.policy\n");
	assert_null(load_files((const char *[]){ in_dir("c1.policy"), NULL },
			       &d));
	snprintf(expect, sizeof(expect), "%s:2:9: error: include cycle: '%s' "
		 "is '%s'", in_dir("c2.policy"), in_dir("./c1.policy"),
		 in_dir("c1.policy"));
	tp_assert_contains(d.text, expect);
	assert_int_equal(d.errors, 1);
}

static void test_include_depth(void **state)
{
	struct tp_diag d;
	char name[32], text[64];
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "deep%d.policy", i);
		snprintf(text, sizeof(text), "include deep%d.policy\n", i + 1);
		write_file(name, text);
	}
	write_file("deep20.policy", "allow read /a\n");
	assert_null(load_files((const char *[]){ in_dir("deep0.policy"),
						 NULL }, &d));
	tp_assert_contains(d.text, "deep15.policy:1:9: error: includes nested "
			   "too deeply (at most 16 levels)");
}

static void test_include_errors_inside(void **state)
{
	struct tp_diag d;
	char expect[600];

	(void)state;
	write_file("bad.policy", "allow read /ok\nallow read relative\n");
	write_file("incbad.policy", "include bad.policy\n"
		   "include missing.policy\n");
	assert_null(load_files((const char *[]){ in_dir("incbad.policy"),
						 NULL }, &d));
	snprintf(expect, sizeof(expect), "%s:2:12: error: path pattern "
		 "'relative' must be absolute", in_dir("bad.policy"));
	tp_assert_contains(d.text, expect);
	snprintf(expect, sizeof(expect), "%s:2:9: error: cannot include '%s': "
		 "No such file or directory", in_dir("incbad.policy"),
		 in_dir("missing.policy"));
	tp_assert_contains(d.text, expect);
}

static void test_add_file_errors(void **state)
{
	struct policy *p = NULL;
	struct tp_diag d;
	char expect[600];

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	assert_int_equal(policy_add_file(p, in_dir("nope.policy"), tp_diag_fn,
					 &d), -ENOENT);
	snprintf(expect, sizeof(expect), "%s:0:0: error: cannot read the "
		 "policy: No such file or directory", in_dir("nope.policy"));
	tp_assert_contains(d.text, expect);
	assert_int_equal(policy_add_file(p, tp_dir, tp_diag_fn, &d), -EISDIR);
	/* More than 16 MiB: refused before reading. */
	{
		int fd = open(in_dir("huge.policy"), O_CREAT | O_WRONLY, 0600);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (17 << 20)), 0);
		close(fd);
	}
	assert_int_equal(policy_add_file(p, in_dir("huge.policy"), tp_diag_fn,
					 &d), -EINVAL);
	tp_assert_contains(d.text, "huge.policy:0:0: error: cannot read the "
			   "policy: file is too large (at most 16 MiB)");
	assert_int_equal(policy_finish(p, NULL, NULL), -EINVAL);
	policy_free(p);
}

static void test_include_builtin_and_text(void **state)
{
	struct policy *p;
	struct tp_diag d;
	char cwd[512], text[600];

	(void)state;
	/* A user policy that extends the built-in one. */
	p = tp_load("include builtin:default.policy\n"
		    "allow exec git push origin *\n");
	assert_int_equal(tp_exec_line(p, "/usr/bin/git",
			 (const char *const[]){ "git", "push", "origin",
						NULL }),
			 2);
	assert_int_equal(tp_path(p, POLICY_OP_READ, "/home/u/.ssh/id_rsa",
				 NULL), POLICY_DENY);
	policy_free(p);
	/* Twice in a row is no cycle (every rule of the first copy is then
	 * overridden by its twin, hence warnings). */
	p = tp_load_d("include builtin:default.policy\n"
		      "include builtin:default.policy\n", &d);
	assert_non_null(p);
	assert_int_equal(d.errors, 0);
	policy_free(p);
	/* Text sources resolve relative includes from the cwd. */
	write_file("rel.policy", "deny read /rel\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tp_dir), 0);
	p = tp_load("include rel.policy\n");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(tp_read_line(p, "/rel"), 1);
	policy_free(p);
	/* ~ and variables in include paths. */
	snprintf(text, sizeof(text), "include %s/rel.policy\n", tp_dir);
	p = tp_load(text);
	policy_free(p);
}

/* `show` prints a policy that decides like the one it shows. */
static void test_show_round_trip(void **state)
{
	static const char *const paths[] = {
		"/data/x", "/data/a/x", "/data/a/b/c", "/data/a/keep",
		"/home/u/.ssh/id", "/work/src/a.c", "/etc/passwd", "/",
	};
	struct tp_diag d;
	struct policy *p, *q;
	char *text;
	size_t i;

	(void)state;
	write_file("show.policy",
		   "default ask\n"
		   "include main.policy\n"
		   "deny read ~/.ssh/** \"/with space\"\n"
		   "allow write ${CWD}/** # workspace\n"
		   "default deny\n");
	p = load_files((const char *[]){ in_dir("show.policy"), NULL }, &d);
	assert_non_null(p);
	text = policy_show(p);
	assert_non_null(text);
	tp_assert_contains(text, "default deny\n#   set by ");
	tp_assert_contains(text, "# --- include: ");
	tp_assert_contains(text, "deny read ~/.ssh/** \"/with space\"\n"
			   "#   ~/.ssh/** = /home/u/.ssh/**\n");
	tp_assert_contains(text, "allow write ${CWD}/**\n#   ${CWD}/** = "
			   "/work/**\n");
	tp_assert_contains(text, "# default ask (");
	q = tp_load_d(text, &d);
	assert_non_null(q);
	assert_int_equal(d.errors, 0);
	assert_int_equal(policy_rule_count(q), policy_rule_count(p));
	assert_int_equal(policy_default(q), policy_default(p));
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		enum policy_op ops[] = { POLICY_OP_READ, POLICY_OP_WRITE };
		size_t k;

		for (k = 0; k < 2; k++)
			assert_int_equal(tp_path(p, ops[k], paths[i], NULL),
					 tp_path(q, ops[k], paths[i], NULL));
	}
	free(text);
	policy_free(q);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_include_order),
		cmocka_unit_test(test_include_several_files),
		cmocka_unit_test(test_include_diamond),
		cmocka_unit_test(test_include_cycles),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_include_errors_inside),
		cmocka_unit_test(test_add_file_errors),
		cmocka_unit_test(test_include_builtin_and_text),
		cmocka_unit_test(test_show_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
