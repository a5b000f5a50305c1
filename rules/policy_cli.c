/*
 * policy_cli.c - `proctor policy check|eval|test|show` (policy_cli.h).
 *
 * Exit status, for every command: 2 for bad usage or a policy that does not
 * load; otherwise 0, or 1 when `check` finds an invalid file or `test` a
 * failing case. Diagnostics go to stderr as FILE:LINE:COL: error: MESSAGE,
 * results to stdout. Bytes that come from files or variables are escaped
 * before they reach the terminal.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy.h"
#include "policy_buf.h"
#include "policy_cli.h"
#include "policy_lex.h"
#include "policy_query.h"

#define CLI_MAX_POLICIES 64
#define CLI_MAX_CASES_FILE (16u << 20)

static const char cli_usage[] =
"Usage: proctor policy COMMAND [OPTION]... [ARG]...\n"
"\n"
"Check, query and test proctor policies. Nothing here runs or opens the\n"
"files and hosts a query names: decisions are computed from the policy.\n"
"\n"
"Commands:\n"
"  check FILE...                  validate policy files; problems are\n"
"                                 printed as FILE:LINE:COL: error: MESSAGE\n"
"  eval [--policy FILE]... [--json] OP TARGET [ARG...]\n"
"                                 decide one operation, e.g.\n"
"                                   eval read /etc/shadow\n"
"                                   eval exec /usr/bin/git push origin main\n"
"                                   eval connect github.com:443\n"
"  test [--policy FILE]... CASES...\n"
"                                 run cases files (lines: expect DECISION\n"
"                                 OP TARGET [ARG...])\n"
"  show [--policy FILE]...        print the effective policy\n"
"\n"
"OP is read, write, exec or connect. Without --policy the built-in default\n"
"policy (" POLICY_BUILTIN_NAME ") is used; several --policy options are\n"
"read in order, and the name " POLICY_BUILTIN_NAME " means the built-in.\n"
"\n"
"Exit status: 0 on success; 1 when check finds an invalid file or test a\n"
"failing case; 2 for bad usage or a policy that does not load.\n"
"Run 'proctor policy COMMAND --help' for the details of a command.\n";

static const char cli_check_usage[] =
"Usage: proctor policy check [--quiet] FILE...\n"
"\n"
"Validate each policy FILE, and the files it includes, on its own. Every\n"
"problem is printed to stderr as FILE:LINE:COL: error: MESSAGE, warnings\n"
"(such as a rule that a later rule always overrides) as\n"
"FILE:LINE:COL: warning: MESSAGE. For each valid file a line\n"
"'FILE: ok (N rules)' is printed to stdout unless --quiet is given.\n"
"FILE may be " POLICY_BUILTIN_NAME " for the built-in default.\n"
"\n"
"Options:\n"
"  -q, --quiet   print problems only\n"
"  -h, --help    show this help\n"
"\n"
"Exit status: 0 when every file is valid (warnings allowed), 1 when one is\n"
"not, 2 for bad usage.\n";

static const char cli_eval_usage[] =
"Usage: proctor policy eval [--policy FILE]... [--json] OP TARGET [ARG...]\n"
"\n"
"Decide one hypothetical operation without touching the file system:\n"
"  read PATH, write PATH          an absolute path\n"
"  exec PATH [ARG...]             the executed file and its arguments\n"
"  connect ADDR:PORT              10.1.2.3:443, [::1]:22\n"
"  connect NAME:PORT              github.com:443 (a host name: only host\n"
"                                 name rules and '*' match it)\n"
"  connect unix:PATH              a pathname unix socket\n"
"  connect unix:@NAME             an abstract unix socket\n"
"'~', ${CWD} and ${NAME} are expanded in TARGET and ARG as in policies\n"
"(write \\$ or \\~ for a literal '$' or '~').\n"
"\n"
"Prints the decision, the rule that made it as FILE:LINE (or 'default'\n"
"when no rule matched) and the rule's text, e.g.\n"
"  deny builtin:default.policy:75 deny read,write ~/.ssh/** ~/.gnupg/**\n"
"\n"
"Options:\n"
"  -p, --policy FILE   use FILE (repeatable; default: the built-in policy)\n"
"  -j, --json          print one JSON object instead\n"
"  -h, --help          show this help\n"
"Options must come before OP; everything after OP is the operation.\n"
"\n"
"Exit status: 0 whatever the decision, 2 for bad usage or a policy that\n"
"does not load.\n";

static const char cli_test_usage[] =
"Usage: proctor policy test [--policy FILE]... [--verbose] CASES...\n"
"\n"
"Run cases files against a policy. Each line of a CASES file is\n"
"  expect DECISION OP TARGET [ARG...]\n"
"with OP, TARGET and ARG as for 'proctor policy eval'; blank lines and\n"
"# comments are ignored, words are quoted as in policies. Each failure is\n"
"printed as\n"
"  CASES:LINE: expected deny, got allow (by FILE:LINE)\n"
"and a malformed line as CASES:LINE:COL: error: MESSAGE (it counts as a\n"
"failure). The last line is 'N passed, N failed'.\n"
"\n"
"Options:\n"
"  -p, --policy FILE   use FILE (repeatable; default: the built-in policy)\n"
"  -v, --verbose       also print the cases that pass\n"
"  -h, --help          show this help\n"
"\n"
"Exit status: 0 when every case passed, 1 when one failed, 2 for bad usage,\n"
"a policy that does not load or a cases file that cannot be read.\n";

static const char cli_show_usage[] =
"Usage: proctor policy show [--policy FILE]...\n"
"\n"
"Print the effective policy: the effective default first, then every rule\n"
"in reading order with includes expanded in place, and after each rule\n"
"that uses '~' or ${...} a comment with the expanded patterns. The output\n"
"is itself a policy that decides like the one shown.\n"
"\n"
"Options:\n"
"  -p, --policy FILE   use FILE (repeatable; default: the built-in policy)\n"
"  -h, --help          show this help\n"
"\n"
"Exit status: 0, or 2 for bad usage or a policy that does not load.\n";

/* Writes s with control bytes escaped (UTF-8 passes through). */
static void cli_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

struct cli_diag {
	unsigned errors;
	unsigned warnings;
};

static void cli_diag(void *ctx, enum policy_diag_severity sev,
		     const char *file, unsigned line, unsigned col,
		     const char *msg)
{
	struct cli_diag *d = ctx;
	const char *what = sev == POLICY_DIAG_ERROR ? "error" : "warning";

	if (sev == POLICY_DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	cli_put(stderr, file);
	if (line)
		fprintf(stderr, ":%u:%u", line, col);
	fprintf(stderr, ": %s: ", what);
	cli_put(stderr, msg);
	fputc('\n', stderr);
}

static int cli_bad_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cli_bad_usage(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "proctor policy%s%s: ", cmd ? " " : "",
		cmd ? cmd : "");
	cli_put(stderr, msg);
	fprintf(stderr, "\nTry 'proctor policy %s%s--help'.\n",
		cmd ? cmd : "", cmd ? " " : "");
	return 2;
}

/* Reports getopt's complaint: c is ':' (missing argument) or '?'. */
static int cli_bad_option(const char *cmd, char **argv, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	char shortopt[3] = { '-', (char)optopt, '\0' };

	/* A short option inside a cluster (-qx): name the letter. */
	if (optopt > 0 && optopt < 128 && strncmp(arg, "--", 2) != 0)
		arg = shortopt;
	if (c == ':')
		return cli_bad_usage(cmd, "option '%s' needs an argument",
				     arg);
	return cli_bad_usage(cmd, "unknown option '%s'", arg);
}

static int cli_add(struct policy *p, const char *name, struct cli_diag *d)
{
	if (strcmp(name, POLICY_BUILTIN_NAME) == 0)
		return policy_add_builtin(p, cli_diag, d);
	return policy_add_file(p, name, cli_diag, d);
}

/* Loads the given files (or the built-in). NULL on failure (reported). */
static struct policy *cli_load(char **files, size_t n,
			       const struct policy_vars *vars)
{
	struct cli_diag d = { 0, 0 };
	struct policy *p = NULL;
	size_t i;
	int ret;

	ret = policy_new(&p, vars);
	if (ret < 0) {
		fprintf(stderr, "proctor policy: %s\n", strerror(-ret));
		return NULL;
	}
	if (n == 0) {
		ret = policy_add_builtin(p, cli_diag, &d);
	} else {
		for (i = 0; i < n; i++) {
			int r = cli_add(p, files[i], &d);

			if (r < 0 && ret == 0)
				ret = r;
		}
	}
	if (ret == 0)
		ret = policy_finish(p, cli_diag, &d);
	if (ret < 0) {
		if (!d.errors)
			fprintf(stderr, "proctor policy: cannot load the "
				"policy: %s\n", strerror(-ret));
		fprintf(stderr, "proctor policy: the policy is not valid\n");
		policy_free(p);
		return NULL;
	}
	return p;
}

static int cli_vars(struct policy_vars *vars, char *cwd, size_t n)
{
	int ret = policy_vars_from_process(vars, cwd, n);

	if (ret < 0)
		fprintf(stderr, "proctor policy: cannot get the current "
			"directory: %s\n", strerror(-ret));
	return ret;
}

/* ---- check -------------------------------------------------------- */

static int cli_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_vars vars;
	char cwd[4096];
	int c, quiet = 0, bad = 0, i;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(cli_check_usage, stdout);
			return 0;
		default:
			return cli_bad_option("check", argv, c);
		}
	}
	if (optind >= argc)
		return cli_bad_usage("check", "%s", "no policy file given");
	if (cli_vars(&vars, cwd, sizeof(cwd)) < 0)
		return 2;
	for (i = optind; i < argc; i++) {
		struct cli_diag d = { 0, 0 };
		struct policy *p = NULL;
		int ret = policy_new(&p, &vars);

		if (ret == 0)
			ret = cli_add(p, argv[i], &d);
		if (ret == 0)
			ret = policy_finish(p, cli_diag, &d);
		if (ret < 0 || d.errors) {
			if (!d.errors) {
				cli_put(stderr, argv[i]);
				fprintf(stderr, ": error: %s\n",
					strerror(-ret));
			}
			bad = 1;
		} else if (!quiet) {
			cli_put(stdout, argv[i]);
			printf(": ok (%zu rule%s)\n", policy_rule_count(p),
			       policy_rule_count(p) == 1 ? "" : "s");
		}
		policy_free(p);
	}
	return bad;
}

/* ---- options shared by eval, test and show ------------------------ */

struct cli_opts {
	char *files[CLI_MAX_POLICIES];
	size_t nfiles;
	int json;
	int verbose;
};

static int cli_parse(const char *cmd, const char *usage, const char *short_,
		     int argc, char **argv, struct cli_opts *o)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_, opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		if (c == 'p') {
			if (o->nfiles == CLI_MAX_POLICIES)
				return cli_bad_usage(cmd, "%s",
						     "too many --policy files");
			o->files[o->nfiles++] = optarg;
		} else if (c == 'j' && strchr(short_, 'j')) {
			o->json = 1;
		} else if (c == 'v' && strchr(short_, 'v')) {
			o->verbose = 1;
		} else if (c == 'j' || c == 'v') {
			/* A long option another command has. */
			return cli_bad_usage(cmd, "unknown option '%s'",
					     argv[optind - 1]);
		} else {
			return cli_bad_option(cmd, argv, c);
		}
	}
	return -1;
}

/* ---- eval --------------------------------------------------------- */

static void cli_eval_json(const struct policy_qtext *qt,
			  const struct policy_result *res)
{
	struct json_object *o = json_object_new_object(), *args;
	const struct policy_rule *r = res->rule;
	char loc[4096 + 32];
	size_t i;

	policy_rule_location(r, loc, sizeof(loc));
	json_object_object_add(o, "decision", json_object_new_string(
				policy_decision_name(res->decision)));
	json_object_object_add(o, "rule", json_object_new_string(loc));
	json_object_object_add(o, "file", r ? json_object_new_string(
				policy_rule_file(r)) : NULL);
	json_object_object_add(o, "line", r ? json_object_new_int(
				(int)policy_rule_line(r)) : NULL);
	json_object_object_add(o, "text", r ? json_object_new_string(
				policy_rule_text(r)) : NULL);
	json_object_object_add(o, "op", json_object_new_string(
				policy_op_name(qt->q.op)));
	if (qt->q.op == POLICY_OP_CONNECT) {
		const struct policy_net_target *t = &qt->q.net;

		if (t->kind == POLICY_NET_INET) {
			json_object_object_add(o, "port",
					       json_object_new_int(t->port));
			if (t->n_hostnames)
				json_object_object_add(o, "host",
					json_object_new_string(qt->host));
		} else {
			json_object_object_add(o, "socket",
				json_object_new_string_len(t->unix_name,
							   (int)t->unix_len));
			json_object_object_add(o, "abstract",
				json_object_new_boolean(t->kind ==
					POLICY_NET_UNIX_ABSTRACT));
		}
		if (res->hostname_index >= 0)
			json_object_object_add(o, "hostname",
				json_object_new_string(qt->host));
	} else {
		json_object_object_add(o, "path", json_object_new_string_len(
					qt->q.path, (int)qt->q.path_len));
	}
	if (qt->q.op == POLICY_OP_EXEC) {
		args = json_object_new_array();
		for (i = 1; i < qt->argc; i++)
			json_object_array_add(args,
				json_object_new_string(qt->argv[i]));
		json_object_object_add(o, "args", args);
	}
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int cli_eval(int argc, char **argv)
{
	struct cli_opts o;
	struct policy_vars vars;
	struct policy_qtext qt;
	struct policy_result res;
	struct policy_err err;
	struct policy *p;
	char cwd[4096], loc[4096 + 32];
	size_t bad;
	int ret;

	ret = cli_parse("eval", cli_eval_usage, "+:p:jh", argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return cli_bad_usage("eval", "%s", "missing OP TARGET");
	if (cli_vars(&vars, cwd, sizeof(cwd)) < 0)
		return 2;
	policy_qtext_init(&qt);
	ret = policy_qtext_parse(&qt, &vars, argv[optind],
				 (const char *const *)argv + optind + 1, NULL,
				 (size_t)(argc - optind - 1), &bad, &err);
	if (ret < 0) {
		policy_qtext_release(&qt);
		if (ret == -ENOMEM)
			return cli_bad_usage("eval", "%s", strerror(ENOMEM));
		if (bad == SIZE_MAX)
			return cli_bad_usage("eval", "'%s': %s", argv[optind],
					     err.msg);
		if (bad < (size_t)(argc - optind - 1))
			return cli_bad_usage("eval", "'%s': %s",
					     argv[optind + 1 + bad], err.msg);
		return cli_bad_usage("eval", "%s", err.msg);
	}
	p = cli_load(o.files, o.nfiles, &vars);
	if (!p) {
		policy_qtext_release(&qt);
		return 2;
	}
	policy_eval(p, &qt.q, &res);
	if (o.json) {
		cli_eval_json(&qt, &res);
	} else {
		policy_rule_location(res.rule, loc, sizeof(loc));
		printf("%s ", policy_decision_name(res.decision));
		cli_put(stdout, loc);
		if (res.rule) {
			fputc(' ', stdout);
			cli_put(stdout, policy_rule_text(res.rule));
		}
		fputc('\n', stdout);
	}
	policy_free(p);
	policy_qtext_release(&qt);
	return 0;
}

/* ---- test --------------------------------------------------------- */

static int cli_read(const char *path, char **out, size_t *len)
{
	struct policy_buf b;
	char chunk[65536];
	FILE *f = fopen(path, "re");
	size_t n;
	int ret = 0;

	policy_buf_init(&b);
	if (!f)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > CLI_MAX_CASES_FILE) {
			ret = -EFBIG;
			break;
		}
		ret = policy_buf_add(&b, chunk, n);
		if (ret < 0)
			break;
	}
	if (ret == 0 && ferror(f))
		ret = -EIO;
	fclose(f);
	if (ret < 0) {
		policy_buf_release(&b);
		return ret;
	}
	*len = b.len;
	*out = policy_buf_detach(&b);
	return *out ? 0 : -ENOMEM;
}

struct cli_case {
	const char *file;
	unsigned line;
	unsigned passed;
	unsigned failed;
	int verbose;
};

static void cli_case_error(struct cli_case *cc, size_t off, const char *msg)
{
	cli_put(stdout, cc->file);
	printf(":%u:%zu: error: ", cc->line, off + 1);
	cli_put(stdout, msg);
	fputc('\n', stdout);
	cc->failed++;
}

static int cli_case(struct cli_case *cc, const struct policy *p,
		    const struct policy_vars *vars, const struct policy_lex *lx)
{
	const char *words[4096];
	size_t lens[4096];
	enum policy_decision want;
	struct policy_qtext qt;
	struct policy_result res;
	struct policy_err err;
	char loc[4096 + 32], msg[POLICY_ERR_MSG + 64];
	size_t i, n, bad;
	int ret;

	if (strcmp(lx->w[0].s, "expect") != 0) {
		cli_case_error(cc, lx->w[0].off, "a case line starts with "
			       "'expect DECISION OP TARGET'");
		return 0;
	}
	if (lx->n < 4) {
		cli_case_error(cc, lx->text_end, "expected 'expect DECISION "
			       "OP TARGET [ARG...]'");
		return 0;
	}
	if (policy_decision_parse(lx->w[1].s, &want) < 0) {
		cli_case_error(cc, lx->w[1].off, "unknown decision (expected "
			       "allow, deny or ask)");
		return 0;
	}
	n = lx->n - 3;
	if (n > sizeof(words) / sizeof(words[0])) {
		cli_case_error(cc, lx->w[3].off, "too many words");
		return 0;
	}
	for (i = 0; i < n; i++) {
		words[i] = lx->w[3 + i].s;
		lens[i] = lx->w[3 + i].len;
	}
	policy_qtext_init(&qt);
	ret = policy_qtext_parse(&qt, vars, lx->w[2].s, words, lens, n, &bad,
				 &err);
	if (ret == -EINVAL) {
		size_t off = bad == SIZE_MAX ? lx->w[2].off :
			     bad >= n ? lx->text_end : lx->w[3 + bad].off;

		snprintf(msg, sizeof(msg), "%s", err.msg);
		cli_case_error(cc, off, msg);
		ret = 0;
		goto out;
	}
	if (ret < 0)
		goto out;
	policy_eval(p, &qt.q, &res);
	policy_rule_location(res.rule, loc, sizeof(loc));
	if (res.decision == want) {
		cc->passed++;
		if (cc->verbose) {
			cli_put(stdout, cc->file);
			printf(":%u: ok %s (by ", cc->line,
			       policy_decision_name(want));
			cli_put(stdout, loc);
			printf(")\n");
		}
	} else {
		cc->failed++;
		cli_put(stdout, cc->file);
		printf(":%u: expected %s, got %s (by ", cc->line,
		       policy_decision_name(want),
		       policy_decision_name(res.decision));
		cli_put(stdout, loc);
		printf(")\n");
	}
out:
	policy_qtext_release(&qt);
	return ret;
}

static int cli_cases_file(struct cli_case *cc, const struct policy *p,
			  const struct policy_vars *vars, const char *path)
{
	struct policy_lex lx;
	struct policy_err err;
	char *text = NULL;
	size_t len = 0, pos = 0;
	int ret;

	ret = cli_read(path, &text, &len);
	if (ret < 0) {
		fprintf(stderr, "proctor policy test: ");
		cli_put(stderr, path);
		fprintf(stderr, ": %s\n", strerror(-ret));
		return ret;
	}
	policy_lex_init(&lx);
	cc->file = path;
	cc->line = 0;
	while (pos < len && ret == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text) - pos : len - pos;

		cc->line++;
		ret = policy_lex_line(&lx, text + pos, n, &err);
		if (ret == -EINVAL) {
			cli_case_error(cc, err.off, err.msg);
			ret = 0;
		} else if (ret == 0 && lx.n > 0) {
			ret = cli_case(cc, p, vars, &lx);
		}
		pos += n + 1;
	}
	policy_lex_release(&lx);
	free(text);
	return ret;
}

static int cli_test(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_case cc;
	struct policy_vars vars;
	struct policy *p;
	char cwd[4096];
	int ret, i;

	ret = cli_parse("test", cli_test_usage, "+:p:vh", argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return cli_bad_usage("test", "%s", "no cases file given");
	if (cli_vars(&vars, cwd, sizeof(cwd)) < 0)
		return 2;
	p = cli_load(o.files, o.nfiles, &vars);
	if (!p)
		return 2;
	memset(&cc, 0, sizeof(cc));
	cc.verbose = o.verbose;
	for (i = optind; i < argc; i++) {
		ret = cli_cases_file(&cc, p, &vars, argv[i]);
		if (ret < 0)
			break;
	}
	policy_free(p);
	if (ret < 0)
		return 2;
	printf("%u passed, %u failed\n", cc.passed, cc.failed);
	return cc.failed ? 1 : 0;
}

/* ---- show --------------------------------------------------------- */

static int cli_show(int argc, char **argv)
{
	struct cli_opts o;
	struct policy_vars vars;
	struct policy *p;
	char cwd[4096], *text;
	int ret;

	ret = cli_parse("show", cli_show_usage, "+:p:h", argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return cli_bad_usage("show", "unexpected argument '%s'",
				     argv[optind]);
	if (cli_vars(&vars, cwd, sizeof(cwd)) < 0)
		return 2;
	p = cli_load(o.files, o.nfiles, &vars);
	if (!p)
		return 2;
	text = policy_show(p);
	policy_free(p);
	if (!text) {
		fprintf(stderr, "proctor policy show: %s\n", strerror(ENOMEM));
		return 2;
	}
	fputs(text, stdout);
	free(text);
	return 0;
}

int policy_cli_main(int argc, char **argv)
{
	const char *cmd;
	int ret;

	if (argc < 2)
		return cli_bad_usage(NULL, "%s", "missing command (check, "
				     "eval, test or show)");
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(cli_usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "check") == 0)
		ret = cli_check(argc - 1, argv + 1);
	else if (strcmp(cmd, "eval") == 0)
		ret = cli_eval(argc - 1, argv + 1);
	else if (strcmp(cmd, "test") == 0)
		ret = cli_test(argc - 1, argv + 1);
	else if (strcmp(cmd, "show") == 0)
		ret = cli_show(argc - 1, argv + 1);
	else if (cmd[0] == '-')
		ret = cli_bad_usage(NULL, "unknown option '%s'", cmd);
	else
		ret = cli_bad_usage(NULL, "unknown command '%s'", cmd);
	fflush(stdout);
	return ret;
}
