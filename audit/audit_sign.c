/*
 * audit_sign.c - Ed25519 key files for signed checkpoints.
 *
 * Purpose: create and read the key files that `proctor audit keygen`
 * writes and `proctor run` / `proctor audit verify` read. All cryptography
 * is libsodium's (crypto_sign_*); this file only moves bytes.
 *
 * Format (docs/audit.md): one line of text,
 *   secret: "ed25519-secret:" and 128 hex digits (libsodium's 64-byte
 *           secret key: seed then public key), file mode 0600;
 *   public: "ed25519-public:" and 64 hex digits, file mode 0644.
 *
 * Invariants: a secret key file readable by group or others is refused;
 * existing files are never overwritten; secret bytes are wiped after use.
 *
 * Must never: print or log key material.
 */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_codec.h"

#define SECRET_TAG "ed25519-secret:"
#define PUBLIC_TAG "ed25519-public:"

static int write_new(const char *path, mode_t mode, const char *text,
		     size_t len)
{
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	if (fd < 0)
		return -errno;
	while (len) {
		n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		text += n;
		len -= (size_t)n;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

int audit_keygen(const char *secret_path, const char *public_path)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char text[sizeof(SECRET_TAG) + 2 * crypto_sign_SECRETKEYBYTES + 2];
	size_t tl;
	int rc;

	if (sodium_init() < 0)
		return -EIO;
	crypto_sign_keypair(pk, sk);
	memcpy(text, PUBLIC_TAG, sizeof(PUBLIC_TAG) - 1);
	tl = sizeof(PUBLIC_TAG) - 1;
	audit_hex(pk, sizeof(pk), text + tl);
	tl += 2 * sizeof(pk);
	text[tl++] = '\n';
	rc = write_new(public_path, 0644, text, tl);
	if (rc < 0)
		goto out;
	memcpy(text, SECRET_TAG, sizeof(SECRET_TAG) - 1);
	tl = sizeof(SECRET_TAG) - 1;
	audit_hex(sk, sizeof(sk), text + tl);
	tl += 2 * sizeof(sk);
	text[tl++] = '\n';
	rc = write_new(secret_path, 0600, text, tl);
	if (rc < 0)
		unlink(public_path);
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(text, sizeof(text));
	return rc;
}

/* Reads "TAG<hex>" (optional trailing white space) into out[n]. */
static int load_key(const char *path, const char *tag, int secret,
		    unsigned char *out, size_t n)
{
	char text[512];
	struct stat stt;
	size_t len = 0, tl = strlen(tag);
	ssize_t r;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &stt) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(stt.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	if (secret && (stt.st_mode & 077)) {
		rc = -EPERM;	/* readable by others: refuse, as ssh does */
		goto out;
	}
	while (len < sizeof(text) - 1) {
		r = read(fd, text + len, sizeof(text) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
		       text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len < tl || memcmp(text, tag, tl) != 0)
		rc = -EINVAL;
	else
		rc = audit_unhex(text + tl, len - tl, out, n);
out:
	sodium_memzero(text, sizeof(text));
	close(fd);
	return rc;
}

int audit_key_load_secret(const char *path, unsigned char sk[64])
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk2[crypto_sign_SECRETKEYBYTES];
	int rc;

	if (sodium_init() < 0)
		return -EIO;
	rc = load_key(path, SECRET_TAG, 1, sk, crypto_sign_SECRETKEYBYTES);
	if (rc < 0)
		return rc;
	/* the public half must be the one the seed gives */
	crypto_sign_seed_keypair(pk, sk2, sk);
	if (sodium_memcmp(sk2, sk, sizeof(sk2)) != 0)
		rc = -EINVAL;
	sodium_memzero(sk2, sizeof(sk2));
	if (rc < 0)
		sodium_memzero(sk, crypto_sign_SECRETKEYBYTES);
	return rc;
}

int audit_key_load_public(const char *path, unsigned char pk[32])
{
	return load_key(path, PUBLIC_TAG, 0, pk, crypto_sign_PUBLICKEYBYTES);
}
