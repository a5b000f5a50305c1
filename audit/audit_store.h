/*
 * audit_store.h - internal accessors of struct audit, for the CLI and the
 * unit tests (internal to audit/).
 */
#ifndef PROCTOR_AUDIT_STORE_H
#define PROCTOR_AUDIT_STORE_H

#include <sqlite3.h>

#include "audit.h"

/* The connection (owned by the store). On a WRITE handle the writer
 * thread uses it too: call only after audit_sync() with no appends in
 * flight (tests do this for fault injection). */
sqlite3 *audit_sqlite(struct audit *a);

/* The absolute database path (owned by the store). */
const char *audit_db_path(const struct audit *a);

/* Percent-encodes path into a "file:...?mode=ro" URI (caller frees). */
char *audit_ro_uri(const char *path);

#endif
