/*
 * policy_arena.c - bump allocator (policy_arena.h).
 *
 * Chunks of 64 KiB are chained; a request larger than a quarter of a chunk
 * gets a chunk of its own so that big blocks do not waste the current one.
 * Never frees individual blocks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_arena.h"

#define ARENA_CHUNK (64u * 1024u)
#define ARENA_ALIGN 16u

struct policy_arena_chunk {
	struct policy_arena_chunk *next;
	size_t pad;		/* keeps data 16-byte aligned */
	unsigned char data[];
};

void policy_arena_init(struct policy_arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->size = 0;
}

void policy_arena_release(struct policy_arena *a)
{
	struct policy_arena_chunk *c = a->head;

	while (c) {
		struct policy_arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	policy_arena_init(a);
}

static struct policy_arena_chunk *arena_chunk_new(size_t size)
{
	struct policy_arena_chunk *c;

	if (size > SIZE_MAX - sizeof(*c))
		return NULL;
	c = calloc(1, sizeof(*c) + size);
	return c;
}

void *policy_arena_alloc(struct policy_arena *a, size_t n)
{
	struct policy_arena_chunk *c;
	size_t need;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need > ARENA_CHUNK / 4) {
		/* A private chunk, linked behind the current head. */
		c = arena_chunk_new(need);
		if (!c)
			return NULL;
		if (a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			a->head = c;
			a->used = need;
			a->size = need;
		}
		return c->data;
	}
	if (!a->head || a->size - a->used < need) {
		c = arena_chunk_new(ARENA_CHUNK);
		if (!c)
			return NULL;
		c->next = a->head;
		a->head = c;
		a->used = 0;
		a->size = ARENA_CHUNK;
	}
	p = a->head->data + a->used;
	a->used += need;
	return p;
}

void *policy_arena_memdup(struct policy_arena *a, const void *p, size_t n)
{
	void *q = policy_arena_alloc(a, n);

	if (q && n)
		memcpy(q, p, n);
	return q;
}

char *policy_arena_strndup(struct policy_arena *a, const char *s, size_t n)
{
	char *q;

	if (n == SIZE_MAX)
		return NULL;
	q = policy_arena_alloc(a, n + 1);
	if (!q)
		return NULL;
	if (n)
		memcpy(q, s, n);
	q[n] = '\0';
	return q;
}
