/*
 * audit_out.h - printing query results for people and machines
 * (internal to audit/, used by the `proctor audit` commands).
 *
 * Every function consumes the rows of an already bound statement and
 * leaves it reset. Values are printed as SQLite returns them; NULL is "-"
 * in tables, null in JSON, empty in CSV. A TEXT column named "argv" that
 * holds a JSON array is embedded as an array in JSON output.
 */
#ifndef PROCTOR_AUDIT_OUT_H
#define PROCTOR_AUDIT_OUT_H

#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>

/* The current row as a new JSON object (caller puts it). */
struct json_object *audit_out_row_json(sqlite3_stmt *st);

/* All rows as a new JSON array (caller puts it); NULL on error. */
struct json_object *audit_out_rows_json(sqlite3_stmt *st);

/* Aligned columns with a header line; cells wider than maxw (0: no
 * limit) are cut with "...". Returns 0 or -errno. */
int audit_out_table(sqlite3_stmt *st, FILE *f, size_t maxw);

/* A JSON array, one object per line, streamed. */
int audit_out_json(sqlite3_stmt *st, FILE *f);

/* One JSON object per line; "record": kind first when kind is set. */
int audit_out_jsonl(sqlite3_stmt *st, FILE *f, const char *kind);

/* RFC 4180 CSV with a header line. */
int audit_out_csv(sqlite3_stmt *st, FILE *f);

/* Prints a JSON value plainly, followed by a newline. */
void audit_out_print_json(struct json_object *o, FILE *f);

#endif
