/*
 * writers.h - descriptors open for writing that proctor still holds after
 * handing them to a caller.
 *
 * A descriptor opened for writing is installed in the caller and the call
 * answered in one step (SECCOMP_ADDFD_FLAG_SEND); proctor closes its own
 * copy a few microseconds later. Until then the file counts as open for
 * writing, and an exec of it would fail with ETXTBSY. So the open file is
 * registered here for that window, and an exec that proctor lets run first
 * waits until no registered copy of its file is left (at most 100 ms:
 * a caller stopped before it installed the descriptor does not hold the
 * exec forever). Every exec of the agent passes through proctor, so no
 * process of the tree can see ETXTBSY because of proctor.
 *
 * Thread-safe; fixed size (a full table makes writers_begin fail, and the
 * caller then answers in two steps, closing its copy before the answer).
 */
#ifndef PROCTOR_WRITERS_H
#define PROCTOR_WRITERS_H

#include <stdbool.h>
#include <sys/types.h>

/* Register the file (dev, ino); false when the table is full. */
bool writers_begin(dev_t dev, ino_t ino);

/* proctor closed its copy of a registered file. */
void writers_end(dev_t dev, ino_t ino);

/* Wait (at most 100 ms) until no copy of (dev, ino) is registered. */
void writers_wait(dev_t dev, ino_t ino);

#endif
