/*
 * audit_schema.h - the database schema, its identification and migrations
 * (internal to audit/). docs/audit.md describes every table and view.
 */
#ifndef PROCTOR_AUDIT_SCHEMA_H
#define PROCTOR_AUDIT_SCHEMA_H

#include <stddef.h>
#include <sqlite3.h>

#include "audit_codec.h"

#define AUDIT_SCHEMA_VERSION 1
#define AUDIT_APPLICATION_ID 0x50524354	/* "PRCT" in the file header */
#define AUDIT_MAGIC "proctor-audit"

/*
 * Checks that db is a proctor audit database this build understands. When
 * writable, an empty database is initialised and an older schema migrated.
 * Returns 0, or -errno with one line in err:
 *   -EINVAL   not an SQLite database, or not a proctor one
 *   -ENOTSUP  a newer (or, read-only, an older) schema version
 *   -EIO      SQLite failed otherwise
 */
int audit_schema_check(sqlite3 *db, int writable, char *err, size_t errlen);

/* Maps an SQLite result code to a negative errno (never 0 for an error). */
int audit_sqlite_errno(int rc);

/* Column i of st's current row as a value: INTEGER, NULL, else text
 * (borrowed from st until its next step or reset). */
struct audit_value audit_column_value(sqlite3_stmt *st, int i);

#endif
