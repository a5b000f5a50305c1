/*
 * audit_recover.h - crash recovery of leftover journals (internal).
 */
#ifndef PROCTOR_AUDIT_RECOVER_H
#define PROCTOR_AUDIT_RECOVER_H

#include <stddef.h>

#include "audit_fold.h"

/*
 * For each journal slot of db_path that no live proctor holds: folds its
 * records, ends the sessions written through that slot that have no end
 * as "supervisor-killed", and empties it. The first such slot stays
 * locked for the caller: *slot, *fd (owned by the caller) and its path in
 * jpath. Returns 0, -EAGAIN when every slot is held by a live proctor, or
 * -errno with one line in err (e.g. a corrupt journal, which is left as
 * it is for a person to inspect).
 */
int audit_recover(struct audit_fold *f, const char *db_path, int *slot,
		  int *fd, char *jpath, size_t jpathlen, char *err,
		  size_t errlen);

#endif
