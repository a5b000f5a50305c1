/*
 * protect.c - the protected-path set (see protect.h).
 *
 * Must never: allocate or block during protect_hit(), which runs on the
 * notification path for every write decision.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "protect.h"

void protect_init(struct protect *p)
{
	memset(p, 0, sizeof(*p));
}

void protect_release(struct protect *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->paths[i]);
		p->paths[i] = NULL;
	}
	p->n = 0;
	p->n_ino = 0;
}

int protect_add(struct protect *p, const char *path, bool is_dir)
{
	struct stat st;
	char *copy;
	size_t len;

	if (p->n >= PROTECT_MAX)
		return -ENOSPC;
	if (path[0] != '/')
		return -EINVAL;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	p->paths[p->n] = copy;
	p->len[p->n] = len;
	p->is_dir[p->n] = is_dir;
	p->n++;
	if (stat(copy, &st) == 0 && p->n_ino < PROTECT_MAX) {
		p->dev[p->n_ino] = st.st_dev;
		p->ino[p->n_ino] = st.st_ino;
		p->n_ino++;
	}
	return 0;
}

static bool protect_is_ancestor(const char *a, size_t alen, const char *b,
				size_t blen);

int protect_add_secret(struct protect *p, const char *path, bool is_dir)
{
	char real[PATH_MAX];
	int r;

	/* by its real path: a symlinked key path must not slip through */
	if (!realpath(path, real))
		return -errno;
	r = protect_add(p, real, is_dir);
	if (r == 0) {
		struct stat st;

		p->secret[p->n - 1] = true;
		if (!is_dir && stat(real, &st) == 0) {
			p->secret_dev[p->n - 1] = st.st_dev;
			p->secret_ino[p->n - 1] = st.st_ino;
		}
	}
	return r;
}

bool protect_hit_secret(const struct protect *p, const char *path,
			dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (!p->secret[i])
			continue;
		if (strcmp(p->paths[i], path) == 0)
			return true;
		if (p->is_dir[i] &&
		    protect_is_ancestor(p->paths[i], p->len[i], path,
					strlen(path)))
			return true;
		/* hard links: compare the object itself */
		if ((dev || ino) && p->secret_ino[i] &&
		    p->secret_dev[i] == dev && p->secret_ino[i] == ino)
			return true;
	}
	return false;
}

/* Is a (len bytes) a path prefix of b at a component boundary? */
static bool protect_is_ancestor(const char *a, size_t alen, const char *b,
				size_t blen)
{
	if (alen == 1 && a[0] == '/')
		return true;
	if (alen > blen || memcmp(a, b, alen) != 0)
		return false;
	return alen == blen || b[alen] == '/';
}

bool protect_hit(const struct protect *p, const char *path, dev_t dev,
		 ino_t ino, bool tree)
{
	size_t plen = strlen(path);
	size_t i;

	for (i = 0; i < p->n_ino; i++)
		if ((dev || ino) && p->dev[i] == dev && p->ino[i] == ino)
			return true;
	for (i = 0; i < p->n; i++) {
		/* the path itself, or inside a protected directory */
		if (protect_is_ancestor(p->paths[i], p->len[i], path, plen) &&
		    (p->is_dir[i] || plen == p->len[i]))
			return true;
		/* an ancestor of a protected path, when moving whole trees */
		if (tree && protect_is_ancestor(path, plen, p->paths[i],
						p->len[i]))
			return true;
	}
	return false;
}
