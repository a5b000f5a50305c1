/*
 * tracer.h - ptrace over the agent's tree: exec verification, the process
 * table, and process life (exit codes, leftovers, signals).
 *
 * The tracer runs on proctor's main thread (ptrace requests must come from
 * the thread that attached). Other threads talk to it only through the
 * functions below, which are thread-safe.
 */
#ifndef PROCTOR_TRACER_H
#define PROCTOR_TRACER_H

#include <stdbool.h>
#include <sys/types.h>

#include "sup.h"

/* Is pid (a process or thread id) part of the supervised tree? */
bool tracer_in_tree(pid_t pid);

/* An execve/execveat by tid was allowed for the file at path (its real
 * path, "" when it has none): remember it so that the exec stop can check
 * that this is what really ran. argv: the words joined by spaces. */
void tracer_expect_exec(pid_t tid, const char *path, const char *argv);

/* Seize the agent (stopped before its first exec) and run the event loop
 * until the agent's main process has exited and its tree is gone. Returns
 * proctor's exit status for the agent (status, 128+N for signal N). */
int tracer_run(struct sup *s, pid_t agent);

#endif
