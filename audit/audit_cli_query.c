/*
 * audit_cli_query.c - `proctor audit sessions|show|events|export`.
 *
 * Purpose: answer the questions people ask of the record (what ran, what
 * was denied or asked, where did it connect) from the views documented in
 * docs/audit.md, as tables on a terminal or JSON for machines.
 *
 * Invariants: read-only connection; every value printed in a table goes
 * through audit_out (control characters neutralised).
 */
#include "audit_cli.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_codec.h"
#include "audit_out.h"
#include "audit_store.h"
#include "audit_verify.h"

/* Cells are cut on a terminal only; pipes get everything. */
static size_t table_width(void)
{
	return isatty(STDOUT_FILENO) ? 60 : 0;
}

/* Options every query command has besides --help. */
struct common {
	const char *db;
	int json;
};

/* ---- sessions ------------------------------------------------------------ */

static const char usage_sessions[] =
	"usage: proctor audit sessions [--db PATH] [--limit N] [--json]\n"
	"\n"
	"Lists sessions (the last N with --limit): when, who, how many\n"
	"decisions, how it ended and the agent's command line.\n";

int audit_cmd_sessions(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char sql[] =
		"SELECT * FROM (SELECT s.session, s.start, s.end, s.user, "
		"s.mode, s.events, s.allowed, s.denied, s.asked, "
		"s.processes, s.exit_status, s.end_reason, s.argv "
		"FROM v_session_summary s ORDER BY s.session DESC LIMIT ?) "
		"ORDER BY session";
	struct common o = { 0 };
	struct audit *a = NULL;
	sqlite3_stmt *st = NULL;
	int64_t limit = -1;
	int c, ret, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.db = optarg; break;
		case 'j': o.json = 1; break;
		case 'n':
			if (audit_cli_parse_int(optarg, &limit) < 0 ||
			    limit < 0)
				return audit_cli_error("bad --limit '%s'",
						       optarg);
			break;
		case 'h': fputs(usage_sessions, stdout); return 0;
		default:
			fputs(usage_sessions, stderr);
			return AUDIT_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fputs(usage_sessions, stderr);
		return AUDIT_EXIT_ERROR;
	}
	ret = audit_cli_open(o.db, &a);
	if (ret)
		return ret;
	ret = audit_cli_prepare(a, sql, &st);
	if (ret)
		goto out;
	sqlite3_bind_int64(st, 1, limit);
	rc = o.json ? audit_out_json(st, stdout) :
		audit_out_table(st, stdout, table_width());
	if (rc < 0)
		ret = audit_cli_error("%s: %s", audit_db_path(a),
				      sqlite3_errmsg(audit_sqlite(a)));
out:
	sqlite3_finalize(st);
	audit_close(a);
	return ret;
}

/* ---- events -------------------------------------------------------------- */

static const char usage_events[] =
	"usage: proctor audit events [--db PATH] [--session ID] "
	"[--decision D]\n"
	"                            [--final F] [--op OP] [--pid P] "
	"[--since T]\n"
	"                            [--limit N] [--json]\n"
	"\n"
	"Lists decisions in order. D is allow, deny or ask (what the rule\n"
	"said); F is allow or deny (what was done). OP is read, write, exec\n"
	"or connect. T is 30s, 15m, 2h, 7d ago or a UTC date\n"
	"YYYY-MM-DD[THH:MM[:SS]]. --json prints every column.\n";

static const char sel_all[] = "SELECT * FROM v_events WHERE 1";
static const char sel_short[] =
	"SELECT session, seq, time, pid, exe, op, syscall, target, decision, "
	"final, rule, errno_name FROM v_events WHERE 1";

int audit_cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "session", required_argument, NULL, 's' },
		{ "decision", required_argument, NULL, 'D' },
		{ "final", required_argument, NULL, 'F' },
		{ "op", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "since", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct common o = { 0 };
	const char *sess = NULL, *dec = NULL, *fin = NULL, *op = NULL;
	int64_t pid = 0, since = 0, limit = -1, id = 0;
	int has_pid = 0, has_since = 0, c, ret, rc;
	struct audit_buf q;
	struct audit *a = NULL;
	sqlite3_stmt *st = NULL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.db = optarg; break;
		case 's': sess = optarg; break;
		case 'D': dec = optarg; break;
		case 'F': fin = optarg; break;
		case 'o': op = optarg; break;
		case 'j': o.json = 1; break;
		case 'p':
			if (audit_cli_parse_int(optarg, &pid) < 0)
				return audit_cli_error("bad --pid '%s'",
						       optarg);
			has_pid = 1;
			break;
		case 't':
			if (audit_cli_parse_time(optarg, &since) < 0)
				return audit_cli_error("bad --since '%s' (30s, "
					"15m, 2h, 7d or YYYY-MM-DD[THH:MM:SS])",
					optarg);
			has_since = 1;
			break;
		case 'n':
			if (audit_cli_parse_int(optarg, &limit) < 0 ||
			    limit < 0)
				return audit_cli_error("bad --limit '%s'",
						       optarg);
			break;
		case 'h': fputs(usage_events, stdout); return 0;
		default:
			fputs(usage_events, stderr);
			return AUDIT_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fputs(usage_events, stderr);
		return AUDIT_EXIT_ERROR;
	}
	ret = audit_cli_open(o.db, &a);
	if (ret)
		return ret;
	if (sess) {
		ret = audit_cli_session(a, sess, &id);
		if (ret)
			goto out;
	}
	audit_buf_init(&q);
	rc = audit_buf_put(&q, o.json ? sel_all : sel_short,
			   strlen(o.json ? sel_all : sel_short));
	if (rc == 0 && sess)
		rc = audit_buf_put(&q, " AND session = ?1", 17);
	if (rc == 0 && dec)
		rc = audit_buf_put(&q, " AND decision = ?2", 18);
	if (rc == 0 && fin)
		rc = audit_buf_put(&q, " AND final = ?3", 15);
	if (rc == 0 && op)
		rc = audit_buf_put(&q, " AND op = ?4", 12);
	if (rc == 0 && has_pid)
		rc = audit_buf_put(&q, " AND pid = ?5", 13);
	if (rc == 0 && has_since)
		rc = audit_buf_put(&q, " AND time_ns >= ?6", 18);
	if (rc == 0)
		rc = audit_buf_put(&q, " ORDER BY session, seq LIMIT ?7",
				   strlen(" ORDER BY session, seq LIMIT ?7") +
				   1);
	if (rc < 0) {
		audit_buf_release(&q);
		ret = audit_cli_error("out of memory");
		goto out;
	}
	ret = audit_cli_prepare(a, (const char *)q.p, &st);
	audit_buf_release(&q);
	if (ret)
		goto out;
	/* parameters by number: ?1 session ... ?7 limit */
	if (sess)
		sqlite3_bind_int64(st, 1, id);
	if (dec)
		sqlite3_bind_text(st, 2, dec, -1, SQLITE_STATIC);
	if (fin)
		sqlite3_bind_text(st, 3, fin, -1, SQLITE_STATIC);
	if (op)
		sqlite3_bind_text(st, 4, op, -1, SQLITE_STATIC);
	if (has_pid)
		sqlite3_bind_int64(st, 5, pid);
	if (has_since)
		sqlite3_bind_int64(st, 6, since);
	sqlite3_bind_int64(st, 7, limit);
	rc = o.json ? audit_out_json(st, stdout) :
		audit_out_table(st, stdout, table_width());
	if (rc < 0)
		ret = audit_cli_error("%s: %s", audit_db_path(a),
				      sqlite3_errmsg(audit_sqlite(a)));
out:
	sqlite3_finalize(st);
	audit_close(a);
	return ret;
}

/* ---- export -------------------------------------------------------------- */

static const char usage_export[] =
	"usage: proctor audit export [--db PATH] [--format jsonl|csv] "
	"[--session ID]\n"
	"\n"
	"jsonl (default): one object per line with \"record\" set to\n"
	"session, process, event or checkpoint, every column included.\n"
	"csv: the events (columns of the v_events view), one row each.\n";

static int export_jsonl(struct audit *a, int has_id, int64_t id)
{
	static const char *const sql[][2] = {
		{ "session", "SELECT * FROM sessions WHERE (?1 IS NULL OR "
		  "id = ?1) ORDER BY id" },
		{ "process", "SELECT * FROM processes WHERE (?1 IS NULL OR "
		  "session = ?1) ORDER BY session, id" },
		{ "event", "SELECT * FROM v_events WHERE (?1 IS NULL OR "
		  "session = ?1) ORDER BY session, seq" },
		{ "checkpoint", "SELECT * FROM checkpoints WHERE (?1 IS NULL "
		  "OR session = ?1) ORDER BY session, seq" },
	};
	sqlite3_stmt *st = NULL;
	size_t k;
	int ret = 0;

	for (k = 0; ret == 0 && k < sizeof(sql) / sizeof(sql[0]); k++) {
		ret = audit_cli_prepare(a, sql[k][1], &st);
		if (ret)
			break;
		if (has_id)
			sqlite3_bind_int64(st, 1, id);
		if (audit_out_jsonl(st, stdout, sql[k][0]) < 0)
			ret = audit_cli_error("%s: %s", audit_db_path(a),
					sqlite3_errmsg(audit_sqlite(a)));
		sqlite3_finalize(st);
		st = NULL;
	}
	return ret;
}

int audit_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "session", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *sess = NULL, *fmt = "jsonl";
	struct audit *a = NULL;
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': sess = optarg; break;
		case 'f': fmt = optarg; break;
		case 'h': fputs(usage_export, stdout); return 0;
		default:
			fputs(usage_export, stderr);
			return AUDIT_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fputs(usage_export, stderr);
		return AUDIT_EXIT_ERROR;
	}
	if (strcmp(fmt, "jsonl") != 0 && strcmp(fmt, "csv") != 0)
		return audit_cli_error("unknown --format '%s' (jsonl or csv)",
				       fmt);
	ret = audit_cli_open(db, &a);
	if (ret)
		return ret;
	if (sess) {
		ret = audit_cli_session(a, sess, &id);
		if (ret)
			goto out;
	}
	if (strcmp(fmt, "jsonl") == 0) {
		ret = export_jsonl(a, sess != NULL, id);
		goto out;
	}
	ret = audit_cli_prepare(a, "SELECT * FROM v_events WHERE (?1 IS NULL "
				"OR session = ?1) ORDER BY session, seq", &st);
	if (ret)
		goto out;
	if (sess)
		sqlite3_bind_int64(st, 1, id);
	if (audit_out_csv(st, stdout) < 0)
		ret = audit_cli_error("%s: %s", audit_db_path(a),
				      sqlite3_errmsg(audit_sqlite(a)));
out:
	sqlite3_finalize(st);
	audit_close(a);
	return ret;
}

/* ---- show ---------------------------------------------------------------- */

static const char usage_show[] =
	"usage: proctor audit show SESSION [--db PATH] [--json]\n"
	"\n"
	"Summary of one session: who ran what and how it ended, the chain's\n"
	"state, counts by decision and by operation, what was denied and\n"
	"asked, network destinations, programs run and the process tree.\n"
	"SESSION is a number or \"latest\".\n";

struct section {
	const char *key;	/* JSON key */
	const char *title;	/* table heading */
	const char *sql;	/* ?1 = session */
};

static const struct section sections[] = {
	{ "decisions", "Decisions",
	  "SELECT decision, final, count(*) AS count FROM events "
	  "WHERE session = ?1 GROUP BY decision, final ORDER BY count DESC" },
	{ "operations", "Operations",
	  "SELECT op, count(*) AS count, sum(final = 'allow') AS allowed, "
	  "sum(final = 'deny') AS denied, sum(decision = 'ask') AS asked "
	  "FROM events WHERE session = ?1 GROUP BY op ORDER BY count DESC" },
	{ "denied", "Denied (first 100)",
	  "SELECT seq, time, pid, exe, op, syscall, target, rule, "
	  "errno_name FROM v_denied WHERE session = ?1 ORDER BY seq "
	  "LIMIT 100" },
	{ "asked", "Asked (first 100)",
	  "SELECT seq, time, op, target, final, approver_channel AS channel, "
	  "approver_user AS approver, wait_ms, remember FROM v_asked "
	  "WHERE session = ?1 ORDER BY seq LIMIT 100" },
	{ "network", "Network destinations",
	  "SELECT hostname, target, final, count, first FROM v_network "
	  "WHERE session = ?1 ORDER BY count DESC" },
	{ "programs", "Programs run",
	  "SELECT program, runs, first FROM v_programs WHERE session = ?1 "
	  "UNION ALL SELECT target, count(*), min(time) FROM v_events "
	  "WHERE session = ?1 AND op = 'exec' AND final = 'allow' AND NOT "
	  "EXISTS (SELECT 1 FROM processes WHERE session = ?1) "
	  "GROUP BY target ORDER BY 2 DESC" },
};

static const char sql_head[] =
	"SELECT id AS session, start, end, duration_s, host, uid, user, cwd, "
	"argv, proctor_argv, proctor_version, policy_sha256, mode, "
	"exit_status, end_reason, signed, events FROM v_sessions "
	"WHERE id = ?1";

static const char sql_procs[] =
	"SELECT pid, ppid, exe, argv, exit_status FROM processes "
	"WHERE session = ?1 ORDER BY id";

struct proc {
	int64_t pid, ppid;
	int has_status;
	int64_t status;
	char *label;
	long parent;		/* index or -1 */
	long child, sibling;	/* first child, next sibling: -1 none */
	struct json_object *node;
};

static void free_procs(struct proc *p, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		free(p[k].label);
	free(p);
}

/* Loads the processes and links each to the latest earlier row that has
 * its parent's pid. */
static int load_procs(struct audit *a, int64_t id, struct proc **out,
		      size_t *nout)
{
	sqlite3_stmt *st = NULL;
	struct proc *p = NULL, *grown, *last;
	size_t n = 0, cap = 0;
	long j;
	const char *exe, *av;
	int rc, ret;

	ret = audit_cli_prepare(a, sql_procs, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(p, cap * sizeof(*p));
			if (!grown)
				break;
			p = grown;
		}
		last = &p[n];
		memset(last, 0, sizeof(*last));
		last->pid = sqlite3_column_int64(st, 0);
		last->ppid = sqlite3_column_int64(st, 1);
		last->has_status = sqlite3_column_type(st, 4) != SQLITE_NULL;
		last->status = sqlite3_column_int64(st, 4);
		exe = (const char *)sqlite3_column_text(st, 2);
		av = (const char *)sqlite3_column_text(st, 3);
		if (asprintf(&last->label, "%s %s", exe ? exe : "?",
			     av ? av : "[]") < 0)
			last->label = NULL;
		last->parent = last->child = last->sibling = -1;
		for (j = (long)n - 1; j >= 0; j--) {
			if (p[j].pid == last->ppid) {
				last->parent = j;
				break;
			}
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free_procs(p, n);
		return audit_cli_error("%s: cannot read processes",
				       audit_db_path(a));
	}
	/* children in start order: link backwards */
	for (j = (long)n - 1; j >= 0; j--) {
		if (p[j].parent < 0)
			continue;
		p[j].sibling = p[p[j].parent].child;
		p[p[j].parent].child = j;
	}
	*out = p;
	*nout = n;
	return 0;
}

static void print_tree(const struct proc *p, size_t n)
{
	long stack[256], k;
	int depth[256], d, sp = 0;
	size_t r;

	for (r = 0; r < n; r++) {
		if (p[r].parent >= 0)
			continue;
		stack[0] = (long)r;
		depth[0] = 0;
		sp = 1;
		while (sp > 0) {
			sp--;
			k = stack[sp];
			d = depth[sp];
			printf("%*s%lld %s", 2 + 2 * d, "",
			       (long long)p[k].pid,
			       p[k].label ? p[k].label : "?");
			if (p[k].has_status)
				printf("  (exit %lld)", (long long)p[k].status);
			putchar('\n');
			/* push children in reverse so the first prints
			 * first */
			{
				long c, tmp[256];
				int nc = 0;

				for (c = p[k].child; c >= 0 && nc < 256;
				     c = p[c].sibling)
					tmp[nc++] = c;
				while (nc > 0 && sp < 256) {
					stack[sp] = tmp[--nc];
					depth[sp++] = d + 1;
				}
			}
		}
	}
}

static struct json_object *tree_json(struct audit *a, int64_t id,
				     struct proc *p, size_t n)
{
	struct json_object *roots = json_object_new_array(), *node, *kids;
	sqlite3_stmt *st = NULL;
	size_t k = 0;
	int rc;

	if (audit_cli_prepare(a, "SELECT id, pid, ppid, exe, argv, cwd, "
			      "start, exit, exit_status FROM v_processes "
			      "WHERE session = ?1 ORDER BY id", &st))
		return roots;
	sqlite3_bind_int64(st, 1, id);
	for (rc = sqlite3_step(st); rc == SQLITE_ROW && k < n;
	     rc = sqlite3_step(st)) {
		node = audit_out_row_json(st);
		json_object_object_del(node, "id");
		kids = json_object_new_array();
		json_object_object_add(node, "children", kids);
		p[k].node = kids;
		if (p[k].parent >= 0 && p[p[k].parent].node)
			json_object_array_add(p[p[k].parent].node, node);
		else
			json_object_array_add(roots, node);
		k++;
	}
	sqlite3_finalize(st);
	return roots;
}

static struct json_object *verify_json(const struct audit_verify_result *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "intact", json_object_new_boolean(r->ok));
	json_object_object_add(o, "kind", r->kind ?
			       json_object_new_string(r->kind) : NULL);
	json_object_object_add(o, "bad_seq", r->ok ? NULL :
			       json_object_new_int64(r->bad_seq));
	json_object_object_add(o, "detail", r->ok ? NULL :
			       json_object_new_string(r->detail));
	json_object_object_add(o, "warning", r->warning[0] ?
			       json_object_new_string(r->warning) : NULL);
	return o;
}

/* The session row as "key  value" lines. */
static int print_head(sqlite3_stmt *st)
{
	const char *name;
	int i, n, rc = sqlite3_step(st);

	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return -ENOENT;
	}
	n = sqlite3_column_count(st);
	for (i = 0; i < n; i++) {
		name = sqlite3_column_name(st, i);
		printf("  %-16s %s\n", name,
		       sqlite3_column_type(st, i) == SQLITE_NULL ? "-" :
		       (const char *)sqlite3_column_text(st, i));
	}
	sqlite3_reset(st);
	return 0;
}

int audit_cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct common o = { 0 };
	struct audit_verify_result vr;
	struct json_object *out = NULL, *rows;
	struct audit *a = NULL;
	struct proc *procs = NULL;
	sqlite3_stmt *st = NULL;
	size_t k, nprocs = 0;
	int64_t id;
	int c, ret, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.db = optarg; break;
		case 'j': o.json = 1; break;
		case 'h': fputs(usage_show, stdout); return 0;
		default:
			fputs(usage_show, stderr);
			return AUDIT_EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage_show, stderr);
		return AUDIT_EXIT_ERROR;
	}
	ret = audit_cli_open(o.db, &a);
	if (ret)
		return ret;
	ret = audit_cli_session(a, argv[optind], &id);
	if (ret)
		goto out;
	rc = audit_verify_session(audit_sqlite(a), id, NULL, &vr);
	if (rc < 0) {
		ret = audit_cli_error("%s: cannot verify session %lld: %s",
				      audit_db_path(a), (long long)id,
				      strerror(-rc));
		goto out;
	}
	ret = load_procs(a, id, &procs, &nprocs);
	if (ret)
		goto out;
	ret = audit_cli_prepare(a, sql_head, &st);
	if (ret)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if (o.json) {
		out = json_object_new_object();
		rows = audit_out_rows_json(st);
		json_object_object_add(out, "session", rows &&
			json_object_array_length(rows) ?
			json_object_get(json_object_array_get_idx(rows, 0)) :
			NULL);
		json_object_put(rows);
		json_object_object_add(out, "chain", verify_json(&vr));
	} else {
		printf("Session %lld\n", (long long)id);
		print_head(st);
		if (vr.ok)
			printf("  %-16s intact (%llu checkpoints, %llu "
			       "signed)\n", "chain",
			       (unsigned long long)vr.checkpoints,
			       (unsigned long long)vr.signed_checkpoints);
		else
			printf("  %-16s DAMAGED: %s at seq %lld: %s\n",
			       "chain", vr.kind, (long long)vr.bad_seq,
			       vr.detail);
		if (vr.warning[0])
			printf("  %-16s %s\n", "note", vr.warning);
	}
	sqlite3_finalize(st);
	st = NULL;
	for (k = 0; k < sizeof(sections) / sizeof(sections[0]); k++) {
		ret = audit_cli_prepare(a, sections[k].sql, &st);
		if (ret)
			goto out;
		sqlite3_bind_int64(st, 1, id);
		if (o.json) {
			json_object_object_add(out, sections[k].key,
					       audit_out_rows_json(st));
		} else {
			printf("\n%s\n", sections[k].title);
			audit_out_table(st, stdout, table_width());
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (o.json) {
		json_object_object_add(out, "processes",
				       tree_json(a, id, procs, nprocs));
		audit_out_print_json(out, stdout);
	} else {
		printf("\nProcess tree\n");
		print_tree(procs, nprocs);
	}
out:
	json_object_put(out);
	free_procs(procs, nprocs);
	sqlite3_finalize(st);
	audit_close(a);
	return ret;
}
