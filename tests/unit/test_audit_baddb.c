/*
 * test_audit_baddb.c - bad databases give one clear error and no crash,
 * in both modes: a missing file, an empty file, random bytes, a plain
 * SQLite database without proctor's meta, a newer schema version, a
 * directory. A write open never modifies a database that is not ours.
 */
#include "test_audit_util.h"

#include <fcntl.h>
#include <sys/stat.h>

static int teardown(void **state)
{
	(void)state;
	tu_cleanup();
	return 0;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	if (n)
		assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void expect_error(const char *path, enum audit_open_mode mode,
			 int want, const char *words)
{
	struct audit *a = (struct audit *)1;
	char err[256] = "";
	int rc;

	rc = audit_open(&a, path, mode, err, sizeof(err));
	if (rc != want)
		fail_msg("%s (mode %d): rc %d, want %d: %s", path, mode, rc,
			 want, err);
	assert_null(a);
	if (!strstr(err, words))
		fail_msg("%s: message '%s' lacks '%s'", path, err, words);
	assert_null(strchr(err, '\n'));
}

static void test_missing(void **state)
{
	(void)state;
	expect_error(tu_path("missing.db"), AUDIT_OPEN_READ, -ENOENT,
		     "No such file");
}

static void test_empty_file(void **state)
{
	struct audit *a;
	char err[256];

	(void)state;
	write_bytes(tu_path("empty.db"), "", 0);
	expect_error(tu_path("empty.db"), AUDIT_OPEN_READ, -EINVAL,
		     "not a proctor audit database");
	/* an empty file is a fine place to start a new database */
	assert_int_equal(audit_open(&a, tu_path("empty.db"), AUDIT_OPEN_WRITE,
				    err, sizeof(err)), 0);
	audit_close(a);
}

static void test_random_bytes(void **state)
{
	unsigned char junk[8192];
	unsigned seed = 7;
	struct stat before, after;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(junk); k++)
		junk[k] = (unsigned char)(rand_r(&seed) >> 5);
	write_bytes(tu_path("random.db"), junk, sizeof(junk));
	stat(tu_path("random.db"), &before);
	expect_error(tu_path("random.db"), AUDIT_OPEN_READ, -EINVAL,
		     "not an SQLite database");
	expect_error(tu_path("random.db"), AUDIT_OPEN_WRITE, -EINVAL,
		     "not an SQLite database");
	stat(tu_path("random.db"), &after);
	assert_int_equal(before.st_size, after.st_size);
}

static void test_plain_sqlite(void **state)
{
	(void)state;
	tu_sql(tu_path("plain.db"), "CREATE TABLE notes (t TEXT); "
	       "INSERT INTO notes VALUES ('mine')");
	expect_error(tu_path("plain.db"), AUDIT_OPEN_READ, -EINVAL,
		     "not a proctor audit database");
	expect_error(tu_path("plain.db"), AUDIT_OPEN_WRITE, -EINVAL,
		     "not a proctor audit database");
	/* same application id but no meta table */
	tu_sql(tu_path("nometa.db"), "PRAGMA application_id = 1347568468; "
	       "CREATE TABLE x (a)");
	expect_error(tu_path("nometa.db"), AUDIT_OPEN_READ, -EINVAL,
		     "no meta table");
}

static void test_newer_schema(void **state)
{
	(void)state;
	tu_write_session(tu_path("newer.db"), 3, NULL, 0);
	tu_sql(tu_path("newer.db"), "UPDATE meta SET value = '9' WHERE key = "
	       "'schema_version'");
	expect_error(tu_path("newer.db"), AUDIT_OPEN_READ, -ENOTSUP,
		     "schema version 9 is newer than this proctor (1)");
	expect_error(tu_path("newer.db"), AUDIT_OPEN_WRITE, -ENOTSUP,
		     "schema version 9 is newer");
}

static void test_directory(void **state)
{
	(void)state;
	mkdir(tu_path("dir.db"), 0700);
	expect_error(tu_path("dir.db"), AUDIT_OPEN_READ, -EINVAL,
		     "not a regular file");
}

static void test_unknown_session(void **state)
{
	struct audit_verify_result r;

	(void)state;
	tu_write_session(tu_path("ok.db"), 3, NULL, 0);
	assert_int_equal(tu_verify(tu_path("ok.db"), 42, NULL, &r), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_plain_sqlite),
		cmocka_unit_test(test_newer_schema),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_unknown_session),
	};

	return cmocka_run_group_tests_name("audit_baddb", tests, NULL,
					   teardown);
}
