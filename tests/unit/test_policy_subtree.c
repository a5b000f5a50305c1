/*
 * test_policy_subtree.c - policy_subtree_restricted() and
 * policy_move_restricted(): which directories hold paths the policy
 * restricts, and which renames of a directory would carry such a path to
 * where it is no longer restricted. Table-driven: policy x operations x
 * directory (x destination) -> restricted?, by which rule line (0: the
 * default).
 */
#include "test_policy_util.h"

#define RW (POLICY_OP_READ | POLICY_OP_WRITE)
#define R POLICY_OP_READ
#define W POLICY_OP_WRITE

/* A workspace policy in the style of the built-in one (cwd /work, home
 * /home/u). Line numbers matter: the tables name them. */
static const char ws_policy[] =
	"default deny\n"				/* 1 */
	"allow read /**\n"				/* 2 */
	"deny write /**\n"				/* 3 */
	"allow write ${CWD}/** /tmp/**\n"		/* 4 */
	"deny read **/.env **/.env.*\n"			/* 5 */
	"allow read **/.env.example\n"			/* 6 */
	"deny write ${CWD}/wprot/file\n"		/* 7 */
	"ask write ${CWD}/.git/hooks/** ${CWD}/.git/config\n" /* 8 */
	"deny read,write ~/.ssh/**\n"			/* 9 */
	"deny write ${CWD}/{a,b}/secret\n"		/* 10 */
	"allow read ${CWD}/public/**\n";		/* 11 */

struct subtree_case {
	unsigned ops;
	const char *dir;
	int restricted;
	unsigned line;		/* of the restricting rule; 0: default */
};

static const struct subtree_case subtree_cases[] = {
	/* an ordinary build directory: writes allowed throughout */
	{ W, "/work/build", 0, 0 },
	{ W, "/tmp/x", 0, 0 },
	/* `**` + `/.env` may match below any directory */
	{ R, "/work/build", 1, 5 },
	{ R, "/usr", 1, 5 },
	{ RW, "/tmp/x", 1, 5 },
	/* ...except where a later rule takes the whole tree back */
	{ R, "/work/public", 0, 0 },
	{ R, "/work/public/deep/er", 0, 0 },
	/* a literal rule below the directory */
	{ W, "/work/wprot", 1, 7 },
	{ W, "/work", 1, 10 },
	{ W, "/", 1, 10 },
	{ W, "/work/wprot/file", 0, 0 },	/* strictly below: nothing */
	{ W, "/work/wprot/other", 0, 0 },
	/* ask counts as restricting */
	{ W, "/work/.git", 1, 8 },
	{ W, "/work/.git/hooks", 1, 8 },
	{ W, "/work/.git/objects", 0, 0 },
	/* brace alternatives */
	{ W, "/work/a", 1, 10 },
	{ W, "/work/b", 1, 10 },
	{ W, "/work/c", 0, 0 },
	/* outside the allowed trees the catch-all deny decides */
	{ W, "/var/lib", 1, 3 },
	{ W, "/home/u/.ssh", 1, 9 },
	{ W, "/home/u/src", 1, 3 },
	/* operations not asked about do not count */
	{ POLICY_OP_EXEC, "/home/u/.ssh", 0, 0 },
	{ 0, "/work/wprot", 0, 0 },
};

static void test_subtree_table(void **state)
{
	struct policy *p = tp_load(ws_policy);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(subtree_cases) / sizeof(subtree_cases[0]);
	     i++) {
		const struct subtree_case *c = &subtree_cases[i];
		const struct policy_rule *rule = NULL;
		bool got;
		unsigned line;

		got = policy_subtree_restricted(p, c->ops, c->dir,
						strlen(c->dir), &rule);
		line = rule ? policy_rule_line(rule) : 0;
		if (got != (c->restricted == 1) || (got && line != c->line))
			fail_msg("case %zu: ops %u dir %s: expected %s (line "
				 "%u), got %s (line %u)", i, c->ops, c->dir,
				 c->restricted ? "restricted" : "free",
				 c->line, got ? "restricted" : "free", line);
	}
	policy_free(p);
}

struct move_case {
	unsigned ops;
	const char *src;
	const char *dst;
	int restricted;
	unsigned line;
	enum policy_op op;	/* of the restricting rule */
};

static const struct move_case move_cases[] = {
	/* renames inside the workspace */
	{ RW, "/work/build", "/work/build.old", 0, 0, 0 },
	{ RW, "/work/src/a", "/work/lib/a", 0, 0, 0 },
	/* `**` + `/.env` matches below the old and the new place alike */
	{ R, "/usr/share", "/work/share", 0, 0, 0 },
	{ R, "/work/x/.env", "/work/y", 0, 0, 0 },
	/* ...unless a later allow takes the new place back */
	{ R, "/work/secret", "/work/public/secret", 1, 5, R },
	{ R, "/work/public/x", "/work/y", 0, 0, 0 },
	/* the hole: a write-denied file's directory */
	{ RW, "/work/wprot", "/work/moved", 1, 7, W },
	{ RW, "/work/wprot", "/tmp/wprot", 1, 7, W },
	{ RW, "/work/a", "/work/c", 1, 10, W },
	{ RW, "/work/a", "/work/b", 0, 0, 0 },	/* same rule, same REST */
	{ RW, "/work/.git", "/work/.git.bak", 1, 8, W },
	{ RW, "/work/c", "/work/a", 0, 0, 0 },	/* into a restriction */
	/* the catch-all deny: below src writes are denied, below dst not */
	{ W, "/home/u/src", "/work/src", 1, 3, W },
	{ W, "/var/x", "/var/y", 0, 0, 0 },
	{ W, "/work/x", "/var/x", 0, 0, 0 },	/* tighter: fine */
	{ RW, "/tmp/x", "/work/x", 0, 0, 0 },
	{ RW, "/home/u/.ssh", "/work/keys", 1, 9, R },
	{ W, "/home/u/.ssh", "/work/keys", 1, 9, W },
};

static void test_move_table(void **state)
{
	struct policy *p = tp_load(ws_policy);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(move_cases) / sizeof(move_cases[0]); i++) {
		const struct move_case *c = &move_cases[i];
		const struct policy_rule *rule = NULL;
		enum policy_op op = 0;
		bool got;
		unsigned line;

		got = policy_move_restricted(p, NULL, c->ops, c->src,
					     strlen(c->src), c->dst,
					     strlen(c->dst), &rule, &op);
		line = rule ? policy_rule_line(rule) : 0;
		if (got != (c->restricted == 1) ||
		    (got && (line != c->line || op != c->op)))
			fail_msg("case %zu: %s -> %s: expected %s (line %u "
				 "op %u), got %s (line %u op %u)", i, c->src,
				 c->dst, c->restricted ? "restricted" : "free",
				 c->line, c->op,
				 got ? "restricted" : "free", line, op);
	}
	policy_free(p);
}

/* The default decides where no rule reaches; a later rule covering the
 * whole tree shadows it. */
static void test_default(void **state)
{
	struct policy *p = tp_load("default ask\n"
				   "allow write /work/**\n"
				   "allow read /**\n");
	const struct policy_rule *rule = (const void *)1;

	(void)state;
	assert_true(policy_subtree_restricted(p, W, "/opt", 4, &rule));
	assert_null(rule);
	assert_false(policy_subtree_restricted(p, RW, "/work/a", 7, NULL));
	/* moving from the default's domain to an allowed one */
	assert_true(policy_move_restricted(p, NULL, W, "/opt/a", 6,
					   "/work/a", 7, &rule, NULL));
	assert_null(rule);
	assert_false(policy_move_restricted(p, NULL, W, "/opt/a", 6,
					    "/opt/b", 6, NULL, NULL));
	policy_free(p);

	/* deny moved to where it is only asked about: weaker */
	p = tp_load("default ask\n"
		    "allow write /**\n"
		    "deny write /keys/**\n"
		    "ask write /work/**\n");
	assert_true(policy_move_restricted(p, NULL, W, "/keys", 5, "/work/k",
					   7, &rule, NULL));
	assert_int_equal(policy_rule_line(rule), 3);
	/* conservative: ask does not follow to /keys, and what decides
	 * there (a stricter deny) is not looked at */
	assert_true(policy_move_restricted(p, NULL, W, "/work/k", 7,
					   "/keys/k", 7, NULL, NULL));
	assert_false(policy_move_restricted(p, NULL, W, "/opt/a", 6,
					    "/opt/b", 6, NULL, NULL));
	policy_free(p);

	p = tp_load("default allow\ndeny write /work/x/**\n");
	assert_false(policy_subtree_restricted(p, W, "/opt", 4, NULL));
	assert_true(policy_subtree_restricted(p, W, "/work", 5, NULL));
	policy_free(p);
}

/* Rules that take precedence (the session's remembered answers) count as
 * written after the policy's. */
static void test_over(void **state)
{
	struct policy *p = tp_load(ws_policy);
	struct policy *over = tp_load("allow read /work/x/.env\n");
	struct policy *deny = tp_load("deny write /work/keep/**\n");
	const struct policy_rule *rule = NULL;
	enum policy_op op = 0;

	(void)state;
	assert_false(policy_move_restricted(p, NULL, R, "/work/secret", 12,
					    "/work/x", 7, NULL, NULL));
	assert_true(policy_move_restricted(p, over, R, "/work/secret", 12,
					   "/work/x", 7, &rule, &op));
	assert_int_equal(policy_rule_line(rule), 5);
	assert_int_equal(op, POLICY_OP_READ);
	/* a remembered deny restricts like a policy rule */
	assert_true(policy_move_restricted(p, deny, W, "/work/keep", 10,
					   "/work/k2", 8, &rule, &op));
	assert_string_equal(policy_rule_file(rule), "t");
	assert_int_equal(policy_rule_line(rule), 1);
	assert_false(policy_move_restricted(p, deny, W, "/work/other", 11,
					    "/work/k2", 8, NULL, NULL));
	policy_free(deny);
	policy_free(over);
	policy_free(p);
}

/* When in doubt, restricted: a policy that is missing or unfinished, a
 * relative path, a glob too long to follow. */
static void test_conservative(void **state)
{
	struct policy *p = NULL;
	char text[4200];
	size_t o = 0;
	int i;

	(void)state;
	assert_true(policy_subtree_restricted(NULL, W, "/a", 2, NULL));
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	assert_true(policy_subtree_restricted(p, W, "/a", 2, NULL));
	policy_free(p);

	p = tp_load("allow write /**\n");
	assert_false(policy_subtree_restricted(p, W, "/a", 2, NULL));
	assert_true(policy_subtree_restricted(p, W, "a", 1, NULL));
	assert_true(policy_move_restricted(p, NULL, W, "/a", 2, NULL, 0,
					   NULL, NULL));
	policy_free(p);

	o += (size_t)snprintf(text, sizeof(text), "allow write /**\n"
			      "deny write ");
	for (i = 0; i < 1100; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "/a");
	snprintf(text + o, sizeof(text) - o, "\n");
	p = tp_load(text);
	assert_true(policy_subtree_restricted(p, W, "/b", 2, NULL));
	policy_free(p);
}

/* The built-in policy (cwd /work, home /home/u): ordinary renames in the
 * workspace and the temporary directories go through; moving .git (whose
 * hooks are asked about) or a tree out of the home directory does not. */
static void test_builtin(void **state)
{
	static const struct {
		const char *src, *dst;
		int restricted;
	} cases[] = {
		{ "/work/build", "/work/build.old", 0 },
		{ "/work/node_modules/.staging/x", "/work/node_modules/x", 0 },
		{ "/tmp/build-1", "/work/out", 0 },
		{ "/work/out", "/tmp/out", 0 },
		{ "/home/u/.cache/pip/x", "/home/u/.cache/pip/y", 0 },
		{ "/work/.git", "/work/.git.bak", 1 },
		{ "/work/.git/hooks", "/work/hooks", 1 },
		{ "/home/u/.config", "/work/config", 1 },
		{ "/home/u/.ssh", "/tmp/s", 1 },
	};
	struct tp_diag d;
	struct policy *p = NULL;
	size_t i;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	assert_int_equal(policy_add_builtin(p, tp_diag_fn, &d), 0);
	assert_int_equal(policy_finish(p, tp_diag_fn, &d), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = policy_move_restricted(p, NULL, RW, cases[i].src,
				strlen(cases[i].src), cases[i].dst,
				strlen(cases[i].dst), NULL, NULL);

		if (got != (cases[i].restricted == 1))
			fail_msg("%s -> %s: expected %s", cases[i].src,
				 cases[i].dst, cases[i].restricted ?
				 "restricted" : "free");
	}
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subtree_table),
		cmocka_unit_test(test_move_table),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_over),
		cmocka_unit_test(test_conservative),
		cmocka_unit_test(test_builtin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
