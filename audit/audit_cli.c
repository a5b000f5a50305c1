/*
 * audit_cli.c - `proctor audit`: dispatch, shared helpers, verify, keygen.
 *
 * Purpose: the user interface of the audit store. It lies outside the
 * privileged core: it opens the database read-only (never blocking a live
 * writer) and reaches it only through audit.h and the internal headers.
 *
 * Invariants: every failure is one line on stderr and a non-zero exit;
 * bad input (a missing, corrupt or foreign database, an unknown session,
 * a newer schema) never crashes.
 */
#include "audit_cli.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_out.h"
#include "audit_store.h"
#include "audit_verify.h"

static const char usage_main[] =
	"usage: proctor audit COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  sessions            list the recorded sessions\n"
	"  show SESSION        summary of one session (counts, denials,\n"
	"                      asks, network, programs, process tree)\n"
	"  events              list decisions, with filters\n"
	"  export              dump events as JSON Lines or CSV\n"
	"  verify              check hash chains and signed checkpoints\n"
	"  keygen              create an Ed25519 key pair for signing\n"
	"\n"
	"Every command takes --db PATH (default $XDG_STATE_HOME/proctor/"
	"audit.db,\n"
	"else ~/.local/state/proctor/audit.db) and --help. SESSION is a "
	"number\n"
	"or \"latest\" (\"last\").\n";

int audit_cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("proctor audit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return AUDIT_EXIT_ERROR;
}

int audit_cli_open(const char *path, struct audit **out)
{
	char def[PATH_MAX], err[512];
	int rc;

	if (!path) {
		rc = audit_default_path(def, sizeof(def));
		if (rc < 0)
			return audit_cli_error("cannot find the default "
					       "database: %s", strerror(-rc));
		path = def;
	}
	rc = audit_open(out, path, AUDIT_OPEN_READ, err, sizeof(err));
	if (rc < 0)
		return audit_cli_error("%s: %s", path, err);
	return 0;
}

int audit_cli_parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int audit_cli_prepare(struct audit *a, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(audit_sqlite(a), sql, -1, st, NULL);

	if (rc != SQLITE_OK)
		return audit_cli_error("%s: query failed: %s",
				       audit_db_path(a),
				       sqlite3_errmsg(audit_sqlite(a)));
	return 0;
}

int audit_cli_session(struct audit *a, const char *arg, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int latest, rc;

	latest = strcmp(arg, "latest") == 0 || strcmp(arg, "last") == 0;
	if (!latest && (audit_cli_parse_int(arg, id) < 0 || *id <= 0))
		return audit_cli_error("bad session id '%s' (a number, "
				       "\"latest\" or \"last\")", arg);
	rc = audit_cli_prepare(a, latest ?
			       "SELECT max(id) FROM sessions" :
			       "SELECT id FROM sessions WHERE id = ?", &st);
	if (rc)
		return rc;
	if (!latest)
		sqlite3_bind_int64(st, 1, *id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		rc = latest ? audit_cli_error("%s: no sessions recorded",
					      audit_db_path(a)) :
			audit_cli_error("%s: no session %s", audit_db_path(a),
					arg);
	} else {
		rc = audit_cli_error("%s: %s", audit_db_path(a),
				     sqlite3_errmsg(audit_sqlite(a)));
	}
	sqlite3_finalize(st);
	return rc;
}

int audit_cli_parse_time(const char *s, int64_t *ns)
{
	static const char *const fmts[] = {
		"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
		"%Y-%m-%d %H:%M", "%Y-%m-%d",
	};
	struct tm tm;
	const char *end;
	char *unit;
	long long n;
	size_t k;
	int64_t mult = 0;

	errno = 0;
	n = strtoll(s, &unit, 10);
	if (!errno && unit != s && n >= 0 && unit[0] && !unit[1]) {
		switch (unit[0]) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: break;
		}
		if (mult) {
			*ns = ((int64_t)time(NULL) - n * mult) * 1000000000;
			return 0;
		}
	}
	for (k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, fmts[k], &tm);
		if (!end || (*end && strcmp(end, "Z") != 0))
			continue;
		if (timegm(&tm) > INT64_MAX / 1000000000)
			return -ERANGE;
		*ns = (int64_t)timegm(&tm) * 1000000000;
		return 0;
	}
	return -EINVAL;
}

/* ---- verify ----------------------------------------------------------- */

static const char usage_verify[] =
	"usage: proctor audit verify [--db PATH] [--session ID] "
	"[--pubkey FILE] [--json]\n"
	"\n"
	"Recomputes each session's hash chain and checks its checkpoints.\n"
	"Reports the first bad sequence number and the kind of damage:\n"
	"edited, deleted, inserted, reordered, truncated, rewritten,\n"
	"bad-checkpoint, bad-signature, unsigned. With --pubkey, signatures\n"
	"must verify against that key (else against the stored one).\n"
	"Exit: 0 intact, 1 damaged, 2 usage or read error.\n";

static struct json_object *result_json(const struct audit_verify_result *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "session", json_object_new_int64(r->session));
	json_object_object_add(o, "intact", json_object_new_boolean(r->ok));
	json_object_object_add(o, "kind", r->kind ?
			       json_object_new_string(r->kind) : NULL);
	json_object_object_add(o, "bad_seq", r->ok ? NULL :
			       json_object_new_int64(r->bad_seq));
	json_object_object_add(o, "detail", r->ok ? NULL :
			       json_object_new_string(r->detail));
	json_object_object_add(o, "events",
			       json_object_new_int64((int64_t)r->events));
	json_object_object_add(o, "checkpoints",
			       json_object_new_int64((int64_t)r->checkpoints));
	json_object_object_add(o, "signed_checkpoints",
			       json_object_new_int64(
				       (int64_t)r->signed_checkpoints));
	json_object_object_add(o, "ended", json_object_new_boolean(r->ended));
	json_object_object_add(o, "warning", r->warning[0] ?
			       json_object_new_string(r->warning) : NULL);
	return o;
}

static void result_text(const struct audit_verify_result *r)
{
	if (r->ok)
		printf("session %lld: intact: %llu events, %llu checkpoints "
		       "(%llu signed)\n", (long long)r->session,
		       (unsigned long long)r->events,
		       (unsigned long long)r->checkpoints,
		       (unsigned long long)r->signed_checkpoints);
	else
		printf("session %lld: DAMAGED: %s at seq %lld: %s\n",
		       (long long)r->session, r->kind, (long long)r->bad_seq,
		       r->detail);
	if (r->warning[0])
		printf("  note: %s\n", r->warning);
}

int audit_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "session", required_argument, NULL, 's' },
		{ "pubkey", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_verify_result r;
	struct json_object *out = NULL, *arr = NULL, *gaps = NULL;
	const char *db = NULL, *sess = NULL, *keyfile = NULL;
	unsigned char pk[32];
	sqlite3_stmt *st = NULL;
	struct audit *a = NULL;
	int64_t id, prev = 0, g;
	int c, json = 0, ret = AUDIT_EXIT_OK, rc, n = 0, bad = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': sess = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage_verify, stdout); return 0;
		default: fputs(usage_verify, stderr); return AUDIT_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fputs(usage_verify, stderr);
		return AUDIT_EXIT_ERROR;
	}
	if (keyfile) {
		rc = audit_key_load_public(keyfile, pk);
		if (rc < 0)
			return audit_cli_error("%s: not a proctor public key "
					       "file: %s", keyfile,
					       strerror(-rc));
	}
	ret = audit_cli_open(db, &a);
	if (ret)
		return ret;
	if (sess) {
		ret = audit_cli_session(a, sess, &id);
		if (ret)
			goto out;
	}
	ret = audit_cli_prepare(a, sess ? "SELECT ?1" :
				"SELECT id FROM sessions ORDER BY id", &st);
	if (ret)
		goto out;
	if (sess)
		sqlite3_bind_int64(st, 1, id);
	if (json) {
		arr = json_object_new_array();
		gaps = json_object_new_array();
	}
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		id = sqlite3_column_int64(st, 0);
		/* session rows get the next id: a gap means a deletion */
		for (g = prev + 1; !sess && g < id; g++) {
			bad++;
			if (json)
				json_object_array_add(gaps,
					json_object_new_int64(g));
			else
				printf("session %lld: DAMAGED: deleted: the "
				       "whole session is missing\n",
				       (long long)g);
		}
		prev = id;
		rc = audit_verify_session(audit_sqlite(a), id,
					  keyfile ? pk : NULL, &r);
		if (rc < 0) {
			ret = audit_cli_error("%s: cannot verify session "
					      "%lld: %s", audit_db_path(a),
					      (long long)id, strerror(-rc));
			goto out;
		}
		n++;
		bad += !r.ok;
		if (json)
			json_object_array_add(arr, result_json(&r));
		else
			result_text(&r);
	}
	if (rc != SQLITE_DONE) {
		ret = audit_cli_error("%s: %s", audit_db_path(a),
				      sqlite3_errmsg(audit_sqlite(a)));
		goto out;
	}
	if (json) {
		out = json_object_new_object();
		json_object_object_add(out, "database",
				       json_object_new_string(
					       audit_db_path(a)));
		json_object_object_add(out, "intact",
				       json_object_new_boolean(bad == 0));
		json_object_object_add(out, "sessions", arr);
		json_object_object_add(out, "missing_sessions", gaps);
		arr = gaps = NULL;
		audit_out_print_json(out, stdout);
	} else if (n == 0) {
		printf("no sessions recorded\n");
	} else {
		printf("%s: %d session%s checked, %d damaged\n",
		       audit_db_path(a), n, n == 1 ? "" : "s", bad);
	}
	ret = bad ? AUDIT_EXIT_TAMPERED : AUDIT_EXIT_OK;
out:
	json_object_put(out);
	json_object_put(arr);
	json_object_put(gaps);
	sqlite3_finalize(st);
	audit_close(a);
	return ret;
}

/* ---- keygen ------------------------------------------------------------- */

static const char usage_keygen[] =
	"usage: proctor audit keygen --secret FILE --public FILE\n"
	"\n"
	"Creates an Ed25519 key pair for signed checkpoints. The secret file\n"
	"is mode 0600; existing files are never overwritten. Give the secret\n"
	"to `proctor run` and keep the public key where the agent cannot\n"
	"change it, for `proctor audit verify --pubkey`.\n";

int audit_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret", required_argument, NULL, 's' },
		{ "public", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sec = NULL, *pub = NULL;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sec = optarg; break;
		case 'p': pub = optarg; break;
		case 'h': fputs(usage_keygen, stdout); return 0;
		default: fputs(usage_keygen, stderr); return AUDIT_EXIT_ERROR;
		}
	}
	if (!sec || !pub || optind < argc) {
		fputs(usage_keygen, stderr);
		return AUDIT_EXIT_ERROR;
	}
	rc = audit_keygen(sec, pub);
	if (rc < 0)
		return audit_cli_error("cannot create the key pair: %s",
				       strerror(-rc));
	printf("secret key: %s\npublic key: %s\n", sec, pub);
	return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

int audit_cli_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "sessions", audit_cmd_sessions },
		{ "show", audit_cmd_show },
		{ "events", audit_cmd_events },
		{ "export", audit_cmd_export },
		{ "verify", audit_cmd_verify },
		{ "keygen", audit_cmd_keygen },
	};
	size_t k;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		return argc < 2 ? AUDIT_EXIT_ERROR : 0;
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (strcmp(argv[1], cmds[k].name) == 0)
			return cmds[k].fn(argc - 1, argv + 1);
	audit_cli_error("unknown command '%s'", argv[1]);
	fputs(usage_main, stderr);
	return AUDIT_EXIT_ERROR;
}
