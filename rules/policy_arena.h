/*
 * policy_arena.h - bump allocator for a compiled policy (rules/).
 *
 * Everything a loaded policy keeps (rules, compiled globs, strings) lives in
 * one arena and is freed at once by policy_arena_release(), so the compiler
 * never has to unwind half-built structures on error.
 *
 * Invariants: memory handed out is zeroed and 16-byte aligned; it is never
 * moved or freed before policy_arena_release().
 *
 * Ownership: the arena owns every block it returns.
 */
#ifndef PROCTOR_POLICY_ARENA_H
#define PROCTOR_POLICY_ARENA_H

#include <stddef.h>

struct policy_arena_chunk;

struct policy_arena {
	struct policy_arena_chunk *head;
	size_t used;		/* bytes used in head */
	size_t size;		/* usable bytes in head */
};

void policy_arena_init(struct policy_arena *a);
/* Frees every block; the arena can be used again. Idempotent. */
void policy_arena_release(struct policy_arena *a);

/* Zeroed block of n bytes, or NULL when out of memory. */
void *policy_arena_alloc(struct policy_arena *a, size_t n);
/* Copy of n bytes plus a terminating NUL, or NULL. */
char *policy_arena_strndup(struct policy_arena *a, const char *s, size_t n);
void *policy_arena_memdup(struct policy_arena *a, const void *p, size_t n);

#endif
