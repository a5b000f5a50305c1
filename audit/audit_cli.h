/*
 * audit_cli.h - shared pieces of the `proctor audit` commands (internal).
 *
 * Exit codes of every command: 0 success; 1 verify found damage; 2 usage
 * errors and failures to read the database (missing, corrupt, not
 * proctor's, unknown session). Errors are one line on stderr.
 */
#ifndef PROCTOR_AUDIT_CLI_H
#define PROCTOR_AUDIT_CLI_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "audit.h"

#define AUDIT_EXIT_OK 0
#define AUDIT_EXIT_TAMPERED 1
#define AUDIT_EXIT_ERROR 2

/* Prints "proctor audit: ..." and a newline to stderr; returns 2. */
int audit_cli_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Opens the database read-only (path NULL: the default path). On error
 * prints the message and returns non-zero (an exit code). */
int audit_cli_open(const char *path, struct audit **out);

/* Resolves "N", "latest" or "last" to a session id that exists. Prints
 * the error and returns non-zero on failure. */
int audit_cli_session(struct audit *a, const char *arg, int64_t *id);

/* Parses --since: "30s", "15m", "2h", "7d" ago, or a UTC date
 * "YYYY-MM-DD[THH:MM[:SS]][Z]". Returns 0 and ns since the epoch. */
int audit_cli_parse_time(const char *s, int64_t *ns);

/* Parses a decimal integer (whole string). */
int audit_cli_parse_int(const char *s, int64_t *out);

/* Prepares sql on the store's connection; prints the error on failure. */
int audit_cli_prepare(struct audit *a, const char *sql, sqlite3_stmt **st);

int audit_cmd_sessions(int argc, char **argv);
int audit_cmd_show(int argc, char **argv);
int audit_cmd_events(int argc, char **argv);
int audit_cmd_export(int argc, char **argv);
int audit_cmd_verify(int argc, char **argv);
int audit_cmd_keygen(int argc, char **argv);

#endif
