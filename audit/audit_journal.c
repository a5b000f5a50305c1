/*
 * audit_journal.c - record framing and the journal file.
 *
 * Purpose: make each decision durable against a kill -9 of proctor with a
 * single write(2) of a framed record, and read such a file back after a
 * crash without trusting a byte of it.
 *
 * Invariants: a journal file is written only by the process holding its
 * flock; the lock is taken on the inode that is at the path (checked after
 * locking, since a rotation may have renamed a new file over it).
 *
 * Must never: crash or loop on a damaged journal; silently skip damage
 * that is followed by valid records.
 */
#include "audit_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char rec_magic[4] = { 'P', 'J', 'R', '1' };

int audit_record_encode(struct audit_buf *b, uint8_t type, uint64_t jseq,
			const struct audit_value *v, size_t n)
{
	size_t body = audit_values_size(v, n), plen = 10 + body;
	unsigned char *h, *pl;
	int rc;

	if (n > AUDIT_RECORD_MAXV || plen > UINT32_MAX)
		return -EINVAL;
	rc = audit_buf_reserve(b, AUDIT_RECORD_HDR + plen);
	if (rc < 0)
		return rc;
	h = b->p + b->len;
	pl = h + AUDIT_RECORD_HDR;
	pl[0] = type;
	pl[1] = (unsigned char)n;
	audit_put_be64(pl + 2, jseq);
	audit_values_write(pl + 10, v, n);
	memcpy(h, rec_magic, 4);
	audit_put_be32(h + 4, (uint32_t)plen);
	audit_put_be32(h + 8, audit_crc32c(pl, plen));
	b->len += AUDIT_RECORD_HDR + plen;
	return 0;
}

int audit_record_parse(const unsigned char *p, size_t avail,
		       struct audit_record *r, size_t *used)
{
	uint32_t plen;
	const unsigned char *pl;

	if (avail < AUDIT_RECORD_HDR)
		return memcmp(p, rec_magic, avail < 4 ? avail : 4) ?
			-EBADMSG : -EAGAIN;
	if (memcmp(p, rec_magic, 4) != 0)
		return -EBADMSG;
	plen = audit_get_be32(p + 4);
	if (plen < 10 || plen > AUDIT_RECORD_MAX)
		return -EBADMSG;
	if (avail - AUDIT_RECORD_HDR < plen)
		return -EAGAIN;
	pl = p + AUDIT_RECORD_HDR;
	if (audit_crc32c(pl, plen) != audit_get_be32(p + 8))
		return -EBADMSG;
	r->type = pl[0];
	r->n = pl[1];
	r->jseq = audit_get_be64(pl + 2);
	if (r->n == 0 || r->n > AUDIT_RECORD_MAXV)
		return -EBADMSG;
	if (audit_values_decode(pl + 10, plen - 10, r->v, r->n) < 0)
		return -EBADMSG;
	r->enc = pl + 10;
	r->enc_len = plen - 10;
	*used = AUDIT_RECORD_HDR + plen;
	return 0;
}

/* Is there a valid record anywhere in p[from..len)? */
static int valid_record_after(const unsigned char *p, size_t len, size_t from,
			      struct audit_record *r)
{
	const unsigned char *hit;
	size_t off = from, used;

	while (off + 4 <= len) {
		hit = memmem(p + off, len - off, rec_magic, 4);
		if (!hit)
			return 0;
		off = (size_t)(hit - p);
		if (audit_record_parse(p + off, len - off, r, &used) == 0)
			return 1;
		off++;
	}
	return 0;
}

int audit_journal_scan(const unsigned char *p, size_t len, audit_record_fn fn,
		       void *ctx, size_t *dropped, size_t *bad_off)
{
	struct audit_record r;
	size_t off = 0, used;
	int rc;

	*dropped = 0;
	*bad_off = 0;
	while (off < len) {
		rc = audit_record_parse(p + off, len - off, &r, &used);
		if (rc == 0) {
			rc = fn(ctx, &r);
			if (rc)
				return rc;
			off += used;
			continue;
		}
		if (valid_record_after(p, len, off + 1, &r)) {
			*bad_off = off;
			return -EBADMSG;
		}
		*dropped = len - off;
		return 0;
	}
	return 0;
}

int audit_journal_path(char *buf, size_t n, const char *db, int slot)
{
	int w;

	if (slot == 0)
		w = snprintf(buf, n, "%s.pjournal", db);
	else
		w = snprintf(buf, n, "%s.pjournal.%d", db, slot);
	if (w < 0 || (size_t)w >= n)
		return -ENAMETOOLONG;
	return 0;
}

/* Locks fd and checks that it is still the file at path. 1: yes, 0: the
 * path moved on (retry), <0: -errno. */
static int lock_checked(int fd, const char *path)
{
	struct stat a, b;

	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (fstat(fd, &a) < 0)
		return -errno;
	if (stat(path, &b) < 0)
		return errno == ENOENT ? 0 : -errno;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int audit_journal_lock(const char *path, int *fd)
{
	int tries, f, rc = -EAGAIN;

	for (tries = 0; tries < 8; tries++) {
		f = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC |
			 O_NOFOLLOW, 0600);
		if (f < 0)
			return -errno;
		rc = lock_checked(f, path);
		if (rc == 1) {
			*fd = f;
			return 0;
		}
		close(f);
		if (rc < 0)
			return rc;
	}
	return -EAGAIN;
}

int audit_journal_read(int fd, struct audit_buf *b)
{
	ssize_t n;
	off_t off = 0;
	int rc;

	b->len = 0;
	for (;;) {
		rc = audit_buf_reserve(b, 65536);
		if (rc < 0)
			return rc;
		n = pread(fd, b->p + b->len, 65536, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		off += n;
	}
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int audit_journal_replace(const char *path, int *fd, const void *data,
			  size_t len)
{
	char tmp[4096];
	int nfd = -1, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	nfd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC |
		   O_NOFOLLOW, 0600);
	if (nfd < 0)
		return -errno;
	if (flock(nfd, LOCK_EX | LOCK_NB) < 0) {
		rc = -errno;
		goto out;
	}
	rc = write_all(nfd, data, len);
	if (rc < 0)
		goto out;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto out;
	}
	close(*fd);
	*fd = nfd;
	nfd = -1;
out:
	if (nfd >= 0) {
		unlink(tmp);
		close(nfd);
	}
	return rc;
}
