/*
 * test_policy_glob.c - every glob feature of path patterns, as a table of
 * (pattern, path, match?) cases evaluated through a real policy, plus the
 * TEXT and HOST modes through the glob API.
 */
#include "test_policy_util.h"
#include "policy_glob.h"

struct glob_case {
	const char *pattern;
	const char *path;
	int match;
};

static const struct glob_case glob_cases[] = {
	/* literal */
	{ "/etc/passwd", "/etc/passwd", 1 },
	{ "/etc/passwd", "/etc/passwd2", 0 },
	{ "/etc/passwd", "/etc", 0 },
	{ "/etc/passwd", "/ETC/passwd", 0 },	/* bytes: case matters */
	{ "/", "/", 1 },
	{ "/", "/etc", 0 },
	{ "/", "//", 0 },
	{ "/*", "/", 1 },		/* "/" is one empty component */
	{ "/*/*", "/", 0 },
	{ "/*", "/etc", 1 },
	{ "/?", "/", 0 },
	/* `*`: any run within one component */
	{ "/src/*.c", "/src/main.c", 1 },
	{ "/src/*.c", "/src/.c", 1 },
	{ "/src/*.c", "/src/a/main.c", 0 },
	{ "/src/*.c", "/src/main.h", 0 },
	{ "/src/*", "/src/x", 1 },
	{ "/src/*", "/src", 0 },
	{ "/src/*", "/src/x/y", 0 },
	{ "/a*b*c", "/abc", 1 },
	{ "/a*b*c", "/aXXbYYc", 1 },
	{ "/a*b*c", "/aXXbYY", 0 },
	{ "/a*b*c", "/acb", 0 },
	{ "/*a*a*a*b", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	{ "/*/x", "/a/x", 1 },
	{ "/*/x", "/x", 0 },
	/* `?`: one byte, never '/' */
	{ "/f?o", "/foo", 1 },
	{ "/f?o", "/fo", 0 },
	{ "/f?o", "/fooo", 0 },
	{ "/a?b", "/a/b", 0 },
	/* classes */
	{ "/[abc].txt", "/b.txt", 1 },
	{ "/[abc].txt", "/d.txt", 0 },
	{ "/[a-c]x", "/bx", 1 },
	{ "/[a-c]x", "/dx", 0 },
	{ "/[!a-c]x", "/dx", 1 },
	{ "/[!a-c]x", "/ax", 0 },
	{ "/[^a-c]x", "/ax", 0 },
	{ "/[]]x", "/]x", 1 },
	{ "/[!]]x", "/]x", 0 },
	{ "/[!]]x", "/ax", 1 },
	{ "/[a-]x", "/-x", 1 },
	{ "/[\\]]x", "/]x", 1 },
	{ "/[0-9][0-9]", "/42", 1 },
	{ "/[0-9][0-9]", "/4a", 0 },
	/* braces */
	{ "/etc/{passwd,group}", "/etc/group", 1 },
	{ "/etc/{passwd,group}", "/etc/shadow", 0 },
	{ "/f{,.bak}", "/f", 1 },
	{ "/f{,.bak}", "/f.bak", 1 },
	{ "/f{,.bak}", "/f.ba", 0 },
	{ "/{a,b{c,d}}x", "/bdx", 1 },
	{ "/{a,b{c,d}}x", "/bx", 0 },
	{ "/{etc,usr/lib}/x", "/usr/lib/x", 1 },
	{ "/{etc,usr/lib}/x", "/usr/x", 0 },
	{ "/{a,**}/z", "/p/q/z", 1 },
	{ "/{a,[xy]}{1,2}", "/y2", 1 },
	/* escapes */
	{ "/a\\*b", "/a*b", 1 },
	{ "/a\\*b", "/aXb", 0 },
	{ "/a\\?", "/a?", 1 },
	{ "/a\\?", "/ab", 0 },
	{ "/\\[x\\]", "/[x]", 1 },
	{ "/\\{a,b\\}", "/{a,b}", 1 },
	{ "/a\\\\b", "/a\\b", 1 },
	{ "/a\\ b", "/a b", 1 },
	/* `**` as a whole component */
	{ "/a/**/b", "/a/b", 1 },
	{ "/a/**/b", "/a/x/b", 1 },
	{ "/a/**/b", "/a/x/y/z/b", 1 },
	{ "/a/**/b", "/a/xb", 0 },
	{ "/a/**/b", "/a/x/b/c", 0 },
	{ "/a/**/b/**/c", "/a/1/b/2/3/c", 1 },
	{ "/a/**/**/b", "/a/b", 1 },
	{ "/a/**", "/a", 1 },		/* the directory itself too */
	{ "/a/**", "/a/b/c/d", 1 },
	{ "/a/**", "/ab", 0 },
	{ "/a/**", "/", 0 },
	{ "/**", "/", 1 },
	{ "/**", "/anything/at/all", 1 },
	{ "/**/x", "/x", 1 },
	{ "**/.env", "/.env", 1 },	/* at any depth */
	{ "**/.env", "/w/p/.env", 1 },
	{ "**/.env", "/w/p/.envrc", 0 },
	{ "**/.env", "/w/p/.env/x", 0 },
	{ "**/.git/**", "/w/.git", 1 },
	{ "**/.git/**", "/w/.git/config", 1 },
	{ "**/*.pem", "/etc/ssl/k.pem", 1 },
	{ "/a/**/*.c", "/a/x.c", 1 },
	{ "/a/**/*.c", "/a/b/c/x.c", 1 },
	{ "/a/**/*.c", "/a/b/c/x.h", 0 },
	/* expansion: ~, ${CWD}, ${NAME}; values match literally */
	{ "~/.ssh/**", "/home/u/.ssh/id_rsa", 1 },
	{ "~", "/home/u", 1 },
	{ "${CWD}/**", "/work/src/a.c", 1 },
	{ "${CWD}/**", "/workshop/a.c", 0 },
	{ "/x/${FOO}", "/x/bar", 1 },
	{ "/x/${FOO}*", "/x/barista", 1 },
	{ "/x/${GLOBBY}", "/x/a*b[c]", 1 },
	{ "/x/${GLOBBY}", "/x/aZZbc", 0 },
	{ "/x/${GLOBBY}", "/x/a*bc", 0 },
	{ "${PROJ}/**", "/srv/proj/x", 1 },
	{ "/x/$FOO", "/x/$FOO", 1 },	/* no braces: literal '$' */
	{ "/x/a~b", "/x/a~b", 1 },
	/* bytes that are not UTF-8 */
	{ "/data/\xff\xfe/*", "/data/\xff\xfe/x", 1 },
	{ "/data/?", "/data/\xc3", 1 },
	{ "/data/?", "/data/\xc3\xa9", 0 },	/* `?` is one byte */
	{ "/data/*", "/data/\xc3\xa9t\xc3\xa9", 1 },
	{ "/data/[\x80-\xff]", "/data/\xe9", 1 },
	/* query paths are compared as given */
	{ "/a/**", "/a/", 1 },
	{ "/a", "/a/", 0 },
	{ "/**", "relative/path", 0 },
	{ "/**", "", 0 },
};

static void test_glob_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(glob_cases) / sizeof(glob_cases[0]); i++) {
		const struct glob_case *c = &glob_cases[i];
		char text[1100], esc[512];
		struct policy *p;
		unsigned line;
		size_t o = 0, k;

		/* Quoted, so the backslashes are doubled for the lexer. */
		for (k = 0; c->pattern[k] && o + 3 < sizeof(esc); k++) {
			if (c->pattern[k] == '\\' || c->pattern[k] == '"')
				esc[o++] = '\\';
			esc[o++] = c->pattern[k];
		}
		esc[o] = '\0';
		snprintf(text, sizeof(text), "allow read \"%s\"\n", esc);
		p = tp_load(text);
		line = tp_read_line(p, c->path);
		if ((line == 1) != (c->match == 1))
			fail_msg("pattern '%s' path '%s': expected %s",
				 c->pattern, c->path,
				 c->match ? "a match" : "no match");
		policy_free(p);
	}
}

/* The same patterns unquoted, where backslashes reach the glob as is. */
static void test_glob_unquoted_escapes(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("allow read /a\\ b/\\*\n"
		    "allow read /c/\\{x\\}\n");
	assert_int_equal(tp_read_line(p, "/a b/*"), 1);
	assert_int_equal(tp_read_line(p, "/a b/x"), 0);
	assert_int_equal(tp_read_line(p, "/c/{x}"), 2);
	assert_int_equal(tp_read_line(p, "/c/x"), 0);
	policy_free(p);
}

/* Several pattern words are alternatives. */
static void test_glob_several_words(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("deny read /etc/shadow ~/.ssh/** **/.env\n");
	assert_int_equal(tp_read_line(p, "/etc/shadow"), 1);
	assert_int_equal(tp_read_line(p, "/home/u/.ssh/id_ed25519"), 1);
	assert_int_equal(tp_read_line(p, "/w/.env"), 1);
	assert_int_equal(tp_read_line(p, "/etc/passwd"), 0);
	policy_free(p);
}

/* The trie index must not change results: many rules sharing prefixes. */
static void test_glob_index_consistency(void **state)
{
	const char *text =
		"allow read /**\n"			/* 1 */
		"deny read /home/**\n"			/* 2 */
		"allow read /home/u/**\n"		/* 3 */
		"deny read /home/u/.ssh/**\n"		/* 4 */
		"allow read /home/u/.ssh/*.pub\n"	/* 5 */
		"deny read /home/*/secret\n"		/* 6 */
		"ask read /home/u/.ssh\n"		/* 7 */
		"deny read **/x.pub\n";			/* 8 */
	struct policy *p = tp_load(text);

	(void)state;
	assert_int_equal(tp_read_line(p, "/etc/hosts"), 1);
	assert_int_equal(tp_read_line(p, "/home/v/a"), 2);
	assert_int_equal(tp_read_line(p, "/home/u/a"), 3);
	assert_int_equal(tp_read_line(p, "/home/u/.ssh/id"), 4);
	assert_int_equal(tp_read_line(p, "/home/u/.ssh/id.pub"), 5);
	assert_int_equal(tp_read_line(p, "/home/u/secret"), 6);
	assert_int_equal(tp_read_line(p, "/home/u/.ssh"), 7);
	assert_int_equal(tp_read_line(p, "/home/u/.ssh/x.pub"), 8);
	assert_int_equal(tp_read_line(p, "/"), 1);
	policy_free(p);
}

static int glob_text(enum policy_glob_mode mode, const char *pat,
		     const char *s)
{
	struct policy_arena a;
	struct policy_glob_alts alts;
	struct policy_err err;
	size_t i;
	int hit = 0;

	policy_arena_init(&a);
	assert_int_equal(policy_glob_check(pat, strlen(pat), mode, &err), 0);
	assert_int_equal(policy_glob_braces(pat, strlen(pat), &alts, &err), 0);
	for (i = 0; i < alts.n; i++) {
		struct policy_glob g;

		assert_int_equal(policy_glob_compile(&a, alts.s[i],
						     alts.len[i], mode, &g,
						     &err), 0);
		hit |= policy_glob_match(&g, s, strlen(s));
	}
	policy_glob_alts_release(&alts);
	policy_arena_release(&a);
	return hit;
}

static void test_glob_text_mode(void **state)
{
	(void)state;
	/* In arguments `*` and `?` cross '/'. */
	assert_true(glob_text(POLICY_GLOB_TEXT, "*", ""));
	assert_true(glob_text(POLICY_GLOB_TEXT, "*", "/a/b"));
	assert_true(glob_text(POLICY_GLOB_TEXT, "/work/*", "/work/a/b/c"));
	assert_true(glob_text(POLICY_GLOB_TEXT, "a?b", "a/b"));
	assert_true(glob_text(POLICY_GLOB_TEXT, "[!x]", "/"));
	assert_true(glob_text(POLICY_GLOB_TEXT, "**", "a/b"));
	assert_true(glob_text(POLICY_GLOB_TEXT, "--{force,f}", "--f"));
	assert_false(glob_text(POLICY_GLOB_TEXT, "-f", "-F"));
	/* Host names: case-insensitive, `*` crosses dots. */
	assert_true(glob_text(POLICY_GLOB_HOST, "*.example.com",
			      "a.b.example.com"));
	assert_false(glob_text(POLICY_GLOB_HOST, "*.example.com",
			       "example.com"));
	assert_true(glob_text(POLICY_GLOB_HOST, "GitHub.COM", "github.com"));
	assert_true(glob_text(POLICY_GLOB_HOST, "[A-C]x.org", "bx.org"));
	assert_false(glob_text(POLICY_GLOB_HOST, "[!A]x.org", "ax.org"));
	/* Program names: one component. */
	assert_true(glob_text(POLICY_GLOB_NAME, "python3*", "python3.11"));
	assert_false(glob_text(POLICY_GLOB_NAME, "python", "python3"));
}

static void test_glob_braces_limits(void **state)
{
	struct policy_glob_alts alts;
	struct policy_err err;
	char big[512];
	size_t i, o = 0;

	(void)state;
	/* 2^11 = 2048 alternatives: refused, not expanded forever. */
	for (i = 0; i < 11; i++) {
		memcpy(big + o, "{a,b}", 5);
		o += 5;
	}
	big[o] = '\0';
	assert_int_equal(policy_glob_check(big, o, POLICY_GLOB_TEXT, &err), 0);
	assert_int_equal(policy_glob_braces(big, o, &alts, &err), -EINVAL);
	tp_assert_contains(err.msg, "more than 1024 alternatives");
	/* 2^10 is fine. */
	big[50] = '\0';
	assert_int_equal(policy_glob_braces(big, 50, &alts, &err), 0);
	assert_int_equal(alts.n, 1024);
	policy_glob_alts_release(&alts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_table),
		cmocka_unit_test(test_glob_unquoted_escapes),
		cmocka_unit_test(test_glob_several_words),
		cmocka_unit_test(test_glob_index_consistency),
		cmocka_unit_test(test_glob_text_mode),
		cmocka_unit_test(test_glob_braces_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
