/*
 * test_policy_parse.c - the grammar of policy files and every error and
 * warning message the loader can produce, with its FILE:LINE:COL.
 */
#include "test_policy_util.h"

/* ---- the grammar ---------------------------------------------------- */

static void test_comments_blank_quotes(void **state)
{
	struct policy *p;
	const struct policy_rule *r;

	(void)state;
	p = tp_load("# a comment\n"
		    "\n"
		    "   \t  \n"
		    "  # indented comment\n"
		    "allow read /a#b\n"			/* 5: '#' inside */
		    "allow read /c # trailing comment\n"	/* 6 */
		    "allow read \"/d e/f\"\n"		/* 7 */
		    "allow read /x/\"g h\"/i\n"		/* 8 */
		    "allow read \"/q\\\"x\"\n"		/* 9: /q"x */
		    "allow\tread\t/tab\r\n"		/* 10: tabs, CRLF */
		    "allow read /hash # \"not a quote\n");	/* 11 */
	assert_int_equal(tp_read_line(p, "/a#b"), 5);
	assert_int_equal(tp_read_line(p, "/a"), 0);
	assert_int_equal(tp_read_line(p, "/c"), 6);
	assert_int_equal(tp_read_line(p, "/d e/f"), 7);
	assert_int_equal(tp_read_line(p, "/x/g h/i"), 8);
	assert_int_equal(tp_read_line(p, "/q\"x"), 9);
	assert_int_equal(tp_read_line(p, "/tab"), 10);
	assert_int_equal(tp_read_line(p, "/hash"), 11);
	r = policy_rule_at(p, 1);
	assert_string_equal(policy_rule_text(r), "allow read /c");
	assert_string_equal(policy_rule_file(r), "t");
	assert_int_equal(policy_rule_line(r), 6);
	policy_free(p);
}

static void test_default_decision(void **state)
{
	struct policy *p;

	(void)state;
	p = tp_load("allow read /a\n");
	assert_int_equal(policy_default(p), POLICY_DENY);
	assert_int_equal(tp_path(p, POLICY_OP_READ, "/b", NULL), POLICY_DENY);
	policy_free(p);
	p = tp_load("default allow\nallow read /a\ndefault ask\n");
	assert_int_equal(policy_default(p), POLICY_ASK);
	assert_int_equal(tp_path(p, POLICY_OP_WRITE, "/b", NULL), POLICY_ASK);
	policy_free(p);
	p = tp_load("default ask\ndefault allow\n");
	assert_int_equal(policy_default(p), POLICY_ALLOW);
	policy_free(p);
}

static void test_ops_and_last_match(void **state)
{
	struct policy *p;
	unsigned line;

	(void)state;
	p = tp_load("allow read,write /w/**\n"	/* 1 */
		    "deny write,read /w/secret\n"	/* 2 */
		    "ask write /w/x\n"		/* 3 */
		    "allow read /w/secret\n");	/* 4 */
	assert_int_equal(tp_path(p, POLICY_OP_READ, "/w/a", &line),
			 POLICY_ALLOW);
	assert_int_equal(line, 1);
	assert_int_equal(tp_path(p, POLICY_OP_WRITE, "/w/a", &line),
			 POLICY_ALLOW);
	assert_int_equal(tp_path(p, POLICY_OP_WRITE, "/w/secret", &line),
			 POLICY_DENY);
	assert_int_equal(line, 2);
	assert_int_equal(tp_path(p, POLICY_OP_READ, "/w/secret", &line),
			 POLICY_ALLOW);
	assert_int_equal(line, 4);
	assert_int_equal(tp_path(p, POLICY_OP_WRITE, "/w/x", &line),
			 POLICY_ASK);
	assert_int_equal(tp_path(p, POLICY_OP_READ, "/w/x", &line),
			 POLICY_ALLOW);
	assert_int_equal(line, 1);
	/* An exec query never matches a read rule. */
	assert_int_equal(tp_exec_line(p, "/w/a", NULL), 0);
	policy_free(p);
}

static void test_read_exec_one_word(void **state)
{
	struct policy *p;
	const char *argv0[] = { "tool", NULL };
	const char *argv1[] = { "tool", "x", NULL };

	(void)state;
	/* read,exec with one word: a path for read, a program for exec. */
	p = tp_load("allow read,exec /opt/tools/*\n");
	assert_int_equal(tp_read_line(p, "/opt/tools/tool"), 1);
	assert_int_equal(tp_exec_line(p, "/opt/tools/tool", argv0), 1);
	assert_int_equal(tp_exec_line(p, "/opt/tools/tool", argv1), 0);
	policy_free(p);
}

static void test_api_edges(void **state)
{
	struct policy *p = NULL;
	struct policy_query q;
	struct policy_result r;
	enum policy_decision d;
	enum policy_op op;
	size_t len;
	char buf[64];

	(void)state;
	memset(&q, 0, sizeof(q));
	q.op = POLICY_OP_READ;
	q.path = "/a";
	q.path_len = 2;
	/* Unfinished and NULL policies deny. */
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	assert_int_equal(policy_add_text(p, "t", "default allow\n", 14, NULL,
					 NULL), 0);
	policy_eval(p, &q, &r);
	assert_int_equal(r.decision, POLICY_DENY);
	assert_null(r.rule);
	policy_eval(NULL, &q, &r);
	assert_int_equal(r.decision, POLICY_DENY);
	assert_int_equal(policy_finish(p, NULL, NULL), 0);
	policy_eval(p, &q, &r);
	assert_int_equal(r.decision, POLICY_ALLOW);
	assert_int_equal(r.hostname_index, -1);
	/* A query with no single known op is denied. */
	q.op = POLICY_OP_READ | POLICY_OP_WRITE;
	policy_eval(p, &q, &r);
	assert_int_equal(r.decision, POLICY_DENY);
	/* No adding after policy_finish(). */
	assert_int_equal(policy_add_text(p, "t", "", 0, NULL, NULL), -EBUSY);
	/* Source text. */
	tp_assert_contains(policy_source_text(p, &len),
			   "# proctor-policy-source: t\ndefault allow\n");
	assert_int_equal(len, strlen(policy_source_text(p, NULL)));
	policy_free(p);
	/* A policy with an error cannot be finished. */
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	assert_int_equal(policy_add_text(p, "t", "bogus\n", 6, NULL, NULL),
			 -EINVAL);
	assert_int_equal(policy_finish(p, NULL, NULL), -EINVAL);
	policy_free(p);
	policy_free(NULL);
	/* Names. */
	assert_string_equal(policy_decision_name(POLICY_ASK), "ask");
	assert_int_equal(policy_decision_parse("deny", &d), 0);
	assert_int_equal(d, POLICY_DENY);
	assert_int_equal(policy_decision_parse("Deny", &d), -EINVAL);
	assert_string_equal(policy_op_name(POLICY_OP_CONNECT), "connect");
	assert_int_equal(policy_op_parse("exec", &op), 0);
	assert_int_equal(op, POLICY_OP_EXEC);
	assert_int_equal(policy_op_parse("read,write", &op), -EINVAL);
	policy_rule_location(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "default");
}

static int collect_host(void *ctx, const char *host)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 256 - n, "%s;", host);
	return 0;
}

static void test_foreach_hostname(void **state)
{
	struct policy *p;
	char out[256] = "";

	(void)state;
	p = tp_load("allow connect GitHub.com:443 *.npmjs.org:443\n"
		    "allow connect {a,b}.example.net:* 10.0.0.0/8:*\n");
	assert_int_equal(policy_foreach_hostname(p, collect_host, out), 0);
	assert_string_equal(out, "github.com;a.example.net;b.example.net;");
	policy_free(p);
}

static void test_builtin_loads(void **state)
{
	struct policy *p = NULL;
	struct tp_diag d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	assert_int_equal(policy_add_builtin(p, tp_diag_fn, &d), 0);
	assert_int_equal(policy_finish(p, tp_diag_fn, &d), 0);
	assert_int_equal(d.errors + d.warnings, 0);
	assert_int_equal(policy_default(p), POLICY_ASK);
	assert_true(policy_rule_count(p) > 50);
	assert_string_equal(policy_rule_file(policy_rule_at(p, 0)),
			    POLICY_BUILTIN_NAME);
	policy_free(p);
}

/* ---- every error message ------------------------------------------ */

struct err_case {
	const char *text;
	const char *expect;	/* a substring of the diagnostics */
};

static const struct err_case err_cases[] = {
	/* lexical */
	{ "allow read /a \"b\n", "t:1:15: error: unterminated quoted string" },
	{ "allow read /a\\", "t:1:14: error: backslash at the end of the "
	  "line" },
	{ "\n\npermit read /a\n", "t:3:1: error: unknown word 'permit' (a line "
	  "starts with allow, deny, ask, default or include)" },
	{ "Allow read /a\n", "t:1:1: error: unknown word 'Allow'" },
	{ "\x1b[31m\n", "t:1:1: error: unknown word '\\x1b[31m'" },
	/* rules */
	{ "allow\n", "t:1:6: error: missing operation after 'allow'" },
	{ "allow rd /a\n", "t:1:7: error: unknown operation 'rd' (expected "
	  "read, write, exec or connect, or a comma list such as "
	  "read,write)" },
	{ "allow read,,write /a\n", "t:1:12: error: empty operation in the "
	  "list" },
	{ "allow read, /a\n", "t:1:12: error: empty operation" },
	{ "allow read , write /a\n", "t:1:12: error: path pattern ',' must "
	  "be absolute" },
	{ "allow read /a \"#x\"\n", "t:1:15: error: path pattern '#x' must "
	  "be absolute" },
	{ "allow /etc/passwd\n", "t:1:7: error: unknown operation "
	  "'/etc/passwd'" },
	{ "allow read\n", "t:1:11: error: missing pattern after 'read'" },
	{ "allow read,connect /a\n", "t:1:7: error: connect cannot be combined "
	  "with other operations" },
	{ "allow read,exec /a /b\n", "t:1:20: error: ambiguous rule: for exec "
	  "the words after the program are its arguments, for read/write "
	  "they would be more paths; write separate rules" },
	{ "allow read \"\"\n", "t:1:12: error: empty pattern" },
	/* default */
	{ "default\n", "t:1:8: error: missing decision after 'default' "
	  "(allow, deny or ask)" },
	{ "default maybe\n", "t:1:9: error: unknown decision 'maybe' "
	  "(expected allow, deny or ask)" },
	{ "default allow deny\n", "t:1:15: error: unexpected word after "
	  "'default allow'" },
	/* include (files: see test_policy_include.c) */
	{ "include\n", "t:1:8: error: missing file name after 'include'" },
	{ "include a b\n", "t:1:11: error: unexpected word after 'include "
	  "PATH'" },
	{ "include \"\"\n", "t:1:9: error: empty file name after 'include'" },
	{ "include /nonexistent/x.policy\n", "t:1:9: error: cannot include "
	  "'/nonexistent/x.policy': No such file or directory" },
	{ "include /\n", "t:1:9: error: cannot include '/': Is a directory" },
	{ "include /dev/null\n", "t:1:9: error: cannot include '/dev/null': "
	  "not a regular file" },
	{ "include ${NOPE}.policy\n", "t:1:9: error: undefined variable "
	  "${NOPE}" },
	/* expansion */
	{ "allow read ${NOPE}/x\n", "t:1:12: error: undefined variable "
	  "${NOPE}" },
	{ "allow read /a/${NOPE}\n", "t:1:15: error: undefined variable" },
	{ "allow read ${EMPTY}/x\n", "t:1:12: error: variable ${EMPTY} is "
	  "empty" },
	{ "allow read /${FOO\n", "t:1:13: error: unterminated '${' (missing "
	  "'}')" },
	{ "allow read /${1X}\n", "t:1:13: error: bad variable name '1X' in "
	  "'${...}' (letters, digits and '_' only)" },
	{ "allow read /${}\n", "t:1:13: error: bad variable name ''" },
	{ "allow read /${A-B}\n", "t:1:13: error: bad variable name 'A-B'" },
	/* path patterns */
	{ "allow read foo/bar\n", "t:1:12: error: path pattern 'foo/bar' must "
	  "be absolute: start it with '/', '**/', '~/' or a variable "
	  "holding an absolute path" },
	{ "allow read ~root/x\n", "t:1:12: error: path pattern '~root/x' must "
	  "be absolute: start it with '/', '**/', '~/' or a variable "
	  "holding an absolute path ('~user' is not supported)" },
	{ "allow read **\n", "(write '/**' for every path)" },
	{ "allow read ${FOO}/x\n", "t:1:12: error: path pattern 'bar/x' must "
	  "be absolute" },
	{ "allow read {,/a}\n", "t:1:12: error: empty path pattern" },
	{ "allow read /a[b\n", "t:1:14: error: unclosed '[' (write '\\[' for "
	  "a literal '[')" },
	{ "allow read /a{b\n", "t:1:14: error: unclosed '{' (write '\\{' for "
	  "a literal '{')" },
	{ "allow read /a}b\n", "t:1:14: error: unmatched '}' (write '\\}' "
	  "for a literal '}')" },
	{ "allow read \"/a\\\\\"\n", "t:1:12: error: backslash at the end of "
	  "a pattern escapes nothing" },
	{ "allow read /[z-a]\n", "t:1:14: error: bad range in character "
	  "class: the end is before the start" },
	{ "allow read /a[/]b\n", "t:1:15: error: '/' in a character class "
	  "never matches in a path" },
	{ "allow read /a[!.-0]b\n", "error: '/' in a character class" },
	{ "allow read /a[[:digit:]]\n", "t:1:15: error: POSIX classes such as "
	  "[:alpha:] are not supported: use ranges such as [a-zA-Z] (or '\\[' "
	  "for a literal '[')" },
	{ "allow read /a/b**\n", "t:1:16: error: '**' must be a whole path "
	  "component (use '*' within a name)" },
	{ "allow read /a/**b\n", "t:1:15: error: '**' must be a whole path "
	  "component" },
	{ "allow read /a//b\n", "t:1:15: error: empty path component ('//')" },
	{ "allow read /a/\n", "t:1:14: error: pattern ends with '/': write "
	  "DIR for the directory or DIR/** for it and everything below" },
	{ "allow read /a/../b\n", "t:1:15: error: '.' and '..' components are "
	  "not allowed: patterns match resolved absolute paths" },
	{ "allow read /a/./b\n", "t:1:15: error: '.' and '..' components" },
	{ "allow read /a\\/b\n", "t:1:14: error: '\\/' is not allowed: '/' "
	  "always separates components" },
	{ "allow read /{{{{{{{{{{{{{{{{{a}}}}}}}}}}}}}}}}}\n", "t:1:29: "
	  "error: braces nested too deeply (at most 16 levels)" },
	{ "allow read /{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"
	  "{a,b}\n", "t:1:12: error: braces expand to more than 1024 "
	  "alternatives" },
	/* exec */
	{ "allow exec \"\"\n", "t:1:12: error: empty pattern" },
	{ "allow exec {,git} *\n", "t:1:12: error: empty program name" },
	{ "allow exec bin/git *\n", "t:1:12: error: program pattern with '/' "
	  "must be an absolute path (a name without '/' matches the last "
	  "component)" },
	{ "allow exec git [x\n", "t:1:16: error: unclosed '['" },
	{ "allow exec /usr/bin/[/]x\n", "error: '/' in a character class" },
	/* connect */
	{ "allow connect example.com\n", "t:1:15: error: missing ':PORT' in "
	  "'example.com' (write HOST:* for any port)" },
	{ "allow connect ::1:22\n", "t:1:15: error: IPv6 addresses must be "
	  "written in brackets, e.g. [::1]:22" },
	{ "allow connect [::1\n", "t:1:15: error: unclosed '[' in IPv6 "
	  "address" },
	{ "allow connect [::1]\n", "t:1:20: error: missing ':PORT' after ']' "
	  "(write [ADDR]:* for any port)" },
	{ "allow connect [::1]:x\n", "t:1:21: error: bad port 'x' (expected a "
	  "number 0-65535, a range or '*')" },
	{ "allow connect :22\n", "t:1:15: error: missing host before ':' "
	  "(write *:PORT for any host)" },
	{ "allow connect a.com:\n", "t:1:21: error: missing port after ':' "
	  "(write '*' for any port)" },
	{ "allow connect 10.0.0.*:80\n", "t:1:15: error: '10.0.0.*' looks "
	  "like an IPv4 address with a wildcard; use a CIDR such as "
	  "10.0.0.0/8" },
	{ "allow connect 10.0.0.256:80\n", "t:1:15: error: bad IPv4 address "
	  "'10.0.0.256'" },
	{ "allow connect 10.0.0.0/33:80\n", "t:1:24: error: bad CIDR prefix "
	  "length in '10.0.0.0/33' (0-32)" },
	{ "allow connect 10.1.0.0/8:80\n", "t:1:15: error: CIDR '10.1.0.0/8' "
	  "has bits set after the first 8" },
	{ "allow connect [fd00::/200]:1\n", "t:1:23: error: bad CIDR prefix "
	  "length in 'fd00::/200' (0-128)" },
	{ "allow connect [fd00::1/8]:1\n", "t:1:16: error: CIDR 'fd00::1/8' "
	  "has bits set" },
	{ "allow connect [zz::]:1\n", "t:1:16: error: bad IPv6 address "
	  "'zz::'" },
	{ "allow connect a.com:70000\n", "t:1:21: error: bad port '70000'" },
	{ "allow connect a.com:90-80\n", "t:1:21: error: bad port range "
	  "'90-80': the last port is below the first" },
	{ "allow connect a.com:1-\n", "t:1:21: error: bad port range '1-' "
	  "(expected FIRST-LAST, 0-65535)" },
	{ "allow connect \"a b.com:80\"\n", "t:1:15: error: invalid character "
	  "in host name pattern" },
	{ "allow connect h\xc3\xa9.com:80\n", "t:1:16: error: host name "
	  "patterns must be ASCII (write IDN names in punycode, xn--...)" },
	{ "allow connect a/b:80\n", "t:1:16: error: invalid character in "
	  "host name pattern" },
	{ "allow connect {a,}:80\n", "t:1:15: error: empty host name in "
	  "braces" },
	{ "allow connect [a.com:80\n", "t:1:15: error: unclosed '['" },
	{ "allow connect unix:\n", "t:1:20: error: empty socket path after "
	  "'unix:'" },
	{ "allow connect unix:@\n", "t:1:20: error: empty abstract socket "
	  "name after 'unix:@'" },
	{ "allow connect unix:run/x\n", "t:1:20: error: unix socket pattern "
	  "must be an absolute path (unix:/PATH) or an abstract name "
	  "(unix:@NAME)" },
	{ "allow connect unix:/a[b\n", "t:1:22: error: unclosed '['" },
	{ "allow connect unix:@a{b\n", "t:1:22: error: unclosed '{'" },
	{ "allow connect unix:${NOPE}/x\n", "t:1:20: error: undefined "
	  "variable ${NOPE}" },
	{ "allow connect unix:@{a,}\n", "t:1:21: error: empty socket name in "
	  "braces" },
	/* brace limits */
	{ "allow read /{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}"
	  "{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}"
	  "{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}"
	  "{a}{a}{a}\n", "t:1:205: error: too many '{' groups in one pattern "
	  "(at most 64)" },
	{ "include builtin:default.policy\ninclude builtin:default.policy\n"
	  "include \"builtin:default.policy\"x\n", "t:3:9: error: cannot "
	  "include 'builtin:default.policyx': No such file or directory" },
	/* several errors in one file are all reported */
	{ "bad1\nallow read /ok\nbad2\n", "t:3:1: error: unknown word 'bad2'" },
};

static void test_error_messages(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const char *d = tp_errors(err_cases[i].text);

		if (!strstr(d, err_cases[i].expect))
			fail_msg("case %zu: expected \"%s\" in:\n%s", i,
				 err_cases[i].expect, d);
	}
}

static void test_error_nul_and_long_line(void **state)
{
	struct policy *p = NULL;
	struct tp_diag d;
	size_t n = 1u << 20, i;
	char *big;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	assert_int_equal(policy_add_text(p, "t", "allow read /a\0b\n", 16,
					 tp_diag_fn, &d), -EINVAL);
	tp_assert_contains(d.text, "t:1:14: error: NUL byte in policy text");
	policy_free(p);

	big = malloc(n + 32);
	assert_non_null(big);
	memcpy(big, "allow read /", 12);
	memset(big + 12, 'a', n - 12);
	memcpy(big + n, "\nallow read /ok\n", 16);
	memset(&d, 0, sizeof(d));
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	assert_int_equal(policy_add_text(p, "t", big, n + 16, tp_diag_fn, &d),
			 -EINVAL);
	tp_assert_contains(d.text, "t:1:1: error: line is too long (1048576 "
			   "bytes; at most 65536)");
	assert_int_equal(d.errors, 1);
	policy_free(p);
	free(big);

	/* Binary garbage: errors, no crash, never a rule. */
	big = malloc(4096);
	assert_non_null(big);
	for (i = 0; i < 4096; i++)
		big[i] = (char)((i * 7919u + 13u) % 251u);
	memset(&d, 0, sizeof(d));
	assert_int_equal(policy_new(&p, &tp_vars), 0);
	assert_int_equal(policy_add_text(p, "t", big, 4096, tp_diag_fn, &d),
			 -EINVAL);
	assert_true(d.errors > 0);
	assert_int_equal(policy_rule_count(p), 0);
	policy_free(p);
	free(big);
}

static void test_error_brace_sizes(void **state)
{
	char *text = malloc(70000);
	size_t o = 0, i;

	(void)state;
	assert_non_null(text);
	/* One group with more than 1024 alternatives. */
	o += (size_t)snprintf(text, 70000, "allow read /{");
	for (i = 0; i < 1100; i++)
		o += (size_t)snprintf(text + o, 70000 - o, "a%zu,", i);
	snprintf(text + o - 1, 70000 - o + 1, "}\n");
	/* Pointed at the comma where the count runs over. */
	tp_assert_contains(tp_errors(text), "t:1:5047: error: too many "
			   "alternatives in braces");
	/* 1024 alternatives of 1,000 bytes each: more than 1 MiB. */
	o = (size_t)snprintf(text, 70000, "allow read /");
	memset(text + o, 'x', 1000);
	o += 1000;
	for (i = 0; i < 10; i++)
		o += (size_t)snprintf(text + o, 70000 - o, "{a,b}");
	snprintf(text + o, 70000 - o, "\n");
	tp_assert_contains(tp_errors(text), "t:1:12: error: braces expand to "
			   "too much text");
	free(text);
}

static void test_error_unknown_vars(void **state)
{
	static const struct policy_vars bare = { NULL, NULL, NULL };
	struct policy *p = NULL;
	struct tp_diag d;
	const char *text = "allow read ~/x ${CWD}\n"
			   "allow read ${CWD}/x\n"
			   "allow read ${HOME}/x\n";

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(policy_new(&p, &bare), 0);
	assert_int_equal(policy_add_text(p, "t", text, strlen(text),
					 tp_diag_fn, &d), -EINVAL);
	tp_assert_contains(d.text, "t:1:12: error: '~' used but the home "
			   "directory is not known");
	tp_assert_contains(d.text, "t:2:12: error: ${CWD} is not known here");
	tp_assert_contains(d.text, "t:3:12: error: undefined variable "
			   "${HOME}");
	policy_free(p);
	/* policy_new(vars = NULL) works the same. */
	assert_int_equal(policy_new(&p, NULL), 0);
	assert_int_equal(policy_add_text(p, "t", "allow read ~/x\n", 15,
					 NULL, NULL), -EINVAL);
	policy_free(p);
}

static void test_error_limit(void **state)
{
	char text[4096] = "";
	const char *d;
	int i;

	(void)state;
	for (i = 0; i < 60; i++)
		memcpy(text + 5 * i, "nope\n", 6);
	d = tp_errors(text);
	tp_assert_contains(d, "t:50:1: error: too many errors; not reading "
			   "the rest of this file");
	assert_null(strstr(d, "t:51:"));
}

/* ---- warnings ------------------------------------------------------- */

static void test_warnings(void **state)
{
	struct tp_diag d;
	struct policy *p;

	(void)state;
	/* The same pattern later: the first rule never decides. */
	p = tp_load_d("allow read /etc/passwd\n"
		      "deny read /etc/passwd\n", &d);
	assert_non_null(p);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	tp_assert_contains(d.text, "t:1:1: warning: this rule never decides: "
			   "everything it matches is also matched by the rule "
			   "at t:2, which comes later and wins");
	policy_free(p);
	/* A later catch-all overrides everything for its op. */
	p = tp_load_d("deny write ~/.ssh/**\n"
		      "allow read /etc/**\n"
		      "  allow write /**\n", &d);
	assert_int_equal(d.warnings, 1);
	tp_assert_contains(d.text, "t:1:1: warning: this rule never decides");
	policy_free(p);
	/* Several later rules together. */
	p = tp_load_d("deny read /a /b\n"
		      "allow read /a\n"
		      "allow read /b\n", &d);
	assert_int_equal(d.warnings, 1);
	tp_assert_contains(d.text, "matched by later rules, e.g. t:");
	policy_free(p);
	/* Partly covered: no warning. */
	p = tp_load("deny read,write /a\nallow read /a\n");
	policy_free(p);
	p = tp_load("deny read /a /b\nallow read /a\n");
	policy_free(p);
	/* exec, connect and unix catch-alls. */
	p = tp_load_d("deny exec git push *\nask exec * *\n"
		      "deny connect 10.0.0.0/8:*\nallow connect *:*\n"
		      "deny connect unix:/x\nallow connect unix:/**\n"
		      "deny connect unix:@x\nallow connect unix:@*\n", &d);
	assert_int_equal(d.warnings, 4);
	policy_free(p);
	/* A catch-all for one connect kind does not cover another. */
	p = tp_load("deny connect unix:/x\nallow connect *:*\n");
	policy_free(p);
	/* Operation listed twice. */
	p = tp_load_d("allow read,read /a\n", &d);
	tp_assert_contains(d.text, "t:1:12: warning: operation 'read' is "
			   "listed twice");
	policy_free(p);
	/* deny/ask exec without arguments matches only argc == 1. */
	p = tp_load_d("deny exec /usr/bin/sudo\n", &d);
	tp_assert_contains(d.text, "t:1:11: warning: this deny rule matches "
			   "the program only when it is run without "
			   "arguments; add '*' to match any arguments");
	policy_free(p);
	p = tp_load("allow exec /usr/bin/true\n");
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comments_blank_quotes),
		cmocka_unit_test(test_default_decision),
		cmocka_unit_test(test_ops_and_last_match),
		cmocka_unit_test(test_read_exec_one_word),
		cmocka_unit_test(test_api_edges),
		cmocka_unit_test(test_foreach_hostname),
		cmocka_unit_test(test_builtin_loads),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_error_nul_and_long_line),
		cmocka_unit_test(test_error_brace_sizes),
		cmocka_unit_test(test_error_unknown_vars),
		cmocka_unit_test(test_error_limit),
		cmocka_unit_test(test_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
