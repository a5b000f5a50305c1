/*
 * test_resolve.c - resolve_normalize: the lexical real path used when
 * resolution crossed no symlink.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "resolve.h"

static void expect_norm(const char *in, const char *want)
{
	char buf[PATH_MAX];

	assert_int_equal(resolve_normalize(in, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_plain_paths(void **state)
{
	(void)state;
	expect_norm("/", "/");
	expect_norm("/etc/hostname", "/etc/hostname");
	expect_norm("/usr/include/", "/usr/include");
}

static void test_slashes_and_dots(void **state)
{
	(void)state;
	expect_norm("//etc///hostname", "/etc/hostname");
	expect_norm("/./etc/./hostname/.", "/etc/hostname");
	expect_norm("/a/b/../c", "/a/c");
	expect_norm("/a/b/../../c", "/c");
	expect_norm("/..", "/");
	expect_norm("/../../etc", "/etc");
	expect_norm("/a/..", "/");
	expect_norm("/a/.../b", "/a/.../b");	/* "..." is a name */
	expect_norm("/a/..b/c", "/a/..b/c");
}

static void test_bytes_are_kept(void **state)
{
	(void)state;
	expect_norm("/tmp/\xff\xfe/x y", "/tmp/\xff\xfe/x y");
}

static void test_errors(void **state)
{
	char small[8];

	(void)state;
	assert_int_equal(resolve_normalize("relative", small, sizeof(small)),
			 -EINVAL);
	assert_int_equal(resolve_normalize("/abcdefghijk", small,
					   sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(resolve_normalize("/abc/defg", small, sizeof(small)),
			 -ENAMETOOLONG);
	assert_int_equal(resolve_normalize("/abc/de", small, sizeof(small)),
			 0);
	assert_string_equal(small, "/abc/de");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_paths),
		cmocka_unit_test(test_slashes_and_dots),
		cmocka_unit_test(test_bytes_are_kept),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
