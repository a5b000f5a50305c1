/*
 * audit_fill.c - test helper: writes a realistic session through the
 * audit API, or runs `proctor audit` (audit_cli_main) directly.
 *
 *   audit_fill fill DB [N] [SECRET EVERY] [--no-end]
 *       one session of N events (default 40) with processes, denials,
 *       asks and connects; signed when SECRET (a key file) is given.
 *       --no-end leaves the process with _exit(0) and no audit_close,
 *       as a killed proctor would.
 *   audit_fill cli audit ARGS...
 *       the `proctor audit` command line, for tests run before the
 *       supervisor's main dispatches to it.
 *
 * Built by tests/integration/test_audit_cli.py against build/obj/audit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"

static int fill(const char *db, long n, const char *secret, unsigned every,
		int no_end)
{
	static const char policy[] = "allow read ~/**\ndeny write /etc/**\n";
	const char *argv[] = { "agent", "--task", "fix \"bug\", now" };
	struct audit_session_info si = {
		.start_ns = 0, .host = "testhost", .uid = 1000,
		.user = "alice", .cwd = "/home/alice/src", .argv = argv,
		.argc = 3, .proctor_argv = "proctor run -- agent",
		.version = "0.1.0", .policy_text = policy,
		.policy_len = sizeof(policy) - 1, .mode = "enforce",
	};
	struct audit_process p = { 0 };
	struct audit_event e;
	unsigned char sk[64];
	char err[256], target[64];
	struct audit *a;
	int64_t id;
	long k;
	int rc;

	rc = audit_open(&a, db, AUDIT_OPEN_WRITE, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	if (secret) {
		rc = audit_key_load_secret(secret, sk);
		if (rc == 0)
			rc = audit_set_signing_key(a, sk, every);
		if (rc < 0) {
			fprintf(stderr, "key: %s\n", strerror(-rc));
			return 1;
		}
	}
	if (audit_session_begin(a, &si, &id) < 0)
		return 1;
	p.pid = 100;
	p.ppid = 1;
	p.exe = "/usr/bin/agent";
	p.argv = "agent\0--task\0";
	p.argv_len = 13;
	p.cwd = "/home/alice/src";
	audit_process_start(a, &p);
	p.pid = 101;
	p.ppid = 100;
	p.exe = "/usr/bin/sh";
	p.argv = "sh\0-c\0make";
	p.argv_len = 11;
	audit_process_start(a, &p);
	p.exe = "/usr/bin/make";
	p.argv = "make";
	p.argv_len = 4;
	audit_process_exec(a, &p);
	for (k = 0; k < n; k++) {
		memset(&e, 0, sizeof(e));
		e.pid = k % 3 ? 101 : 100;
		e.tid = e.pid;
		e.exe = k % 3 ? "/usr/bin/make" : "/usr/bin/agent";
		e.op = "read";
		e.syscall = "openat";
		snprintf(target, sizeof(target), "/home/alice/src/f%ld.c", k);
		e.target = target;
		e.resolved = target;
		e.decision = "allow";
		e.final = "allow";
		e.mode = "enforce";
		e.rule = "default.policy:1";
		e.rule_text = "allow read ~/**";
		e.approver_uid = -1;
		e.approver_pid = -1;
		e.decision_ns = 1200 + k;
		if (k % 7 == 3) {
			e.op = "write";
			e.target = "/etc/passwd";
			e.resolved = "/etc/passwd";
			e.decision = "deny";
			e.final = "deny";
			e.rule = "default.policy:2";
			e.rule_text = "deny write /etc/**";
			e.errno_ret = 13;
		} else if (k % 7 == 5) {
			e.op = "connect";
			e.syscall = "connect";
			e.target = "140.82.112.3:443";
			e.resolved = NULL;
			e.hostname = "github.com";
			e.decision = "ask";
			e.final = k % 2 ? "allow" : "deny";
			e.errno_ret = k % 2 ? 0 : 111;
			e.approver_channel = "tty";
			e.approver_user = "alice";
			e.approver_uid = 1000;
			e.approver_pid = 4242;
			e.wait_ns = 1500000000;
			e.remember = "session";
		}
		if (audit_append(a, &e, NULL) < 0)
			return 1;
	}
	audit_process_exit(a, 101, 0, 0);
	if (no_end) {
		/* the journal holds what is not folded yet: a killed proctor */
		_exit(0);
	}
	if (audit_session_end(a, 0, 0, "exited") < 0)
		return 1;
	audit_close(a);
	printf("%lld\n", (long long)id);
	return 0;
}

int main(int argc, char **argv)
{
	int no_end = argc > 1 && strcmp(argv[argc - 1], "--no-end") == 0;

	if (no_end)
		argc--;
	if (argc >= 3 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], argc > 3 ? strtol(argv[3], NULL, 10) : 40,
			    argc > 5 ? argv[4] : NULL,
			    argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 0,
			    no_end);
	if (argc >= 3 && strcmp(argv[1], "cli") == 0)
		return audit_cli_main(argc - 2, argv + 2);
	fprintf(stderr, "usage: audit_fill fill DB [N] [SECRET EVERY] "
		"[--no-end] | cli audit ARGS...\n");
	return 2;
}
