/*
 * test_protect.c - the protected-path set: names, directories, ancestors
 * and inodes (hard links).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "protect.h"

static void test_exact_and_siblings(void **state)
{
	struct protect p;

	(void)state;
	protect_init(&p);
	assert_int_equal(protect_add(&p, "/var/lib/x/audit.db", false), 0);
	assert_true(protect_hit(&p, "/var/lib/x/audit.db", 0, 0, false));
	assert_false(protect_hit(&p, "/var/lib/x/audit.db2", 0, 0, false));
	assert_false(protect_hit(&p, "/var/lib/x/audit.d", 0, 0, false));
	assert_false(protect_hit(&p, "/var/lib/x", 0, 0, false));
	protect_release(&p);
}

static void test_ancestors_only_for_tree_ops(void **state)
{
	struct protect p;

	(void)state;
	protect_init(&p);
	assert_int_equal(protect_add(&p, "/var/lib/x/audit.db", false), 0);
	assert_true(protect_hit(&p, "/var/lib/x", 0, 0, true));
	assert_true(protect_hit(&p, "/var", 0, 0, true));
	assert_true(protect_hit(&p, "/", 0, 0, true));
	assert_false(protect_hit(&p, "/var/li", 0, 0, true));
	assert_false(protect_hit(&p, "/var/lib/xy", 0, 0, true));
	protect_release(&p);
}

static void test_directory_tree(void **state)
{
	struct protect p;

	(void)state;
	protect_init(&p);
	assert_int_equal(protect_add(&p, "/proc/4242/", true), 0);
	assert_true(protect_hit(&p, "/proc/4242", 0, 0, false));
	assert_true(protect_hit(&p, "/proc/4242/environ", 0, 0, false));
	assert_true(protect_hit(&p, "/proc/4242/task/4243/fd/3", 0, 0,
				false));
	assert_false(protect_hit(&p, "/proc/42420/environ", 0, 0, false));
	protect_release(&p);
}

static void test_inode_catches_hard_links(void **state)
{
	char dir[] = "/tmp/proctor-unit-XXXXXX";
	char file[64], alias[64];
	struct protect p;
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/db", dir);
	snprintf(alias, sizeof(alias), "%s/other-name", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(link(file, alias), 0);
	protect_init(&p);
	assert_int_equal(protect_add(&p, file, false), 0);
	assert_int_equal(stat(alias, &st), 0);
	assert_true(protect_hit(&p, alias, st.st_dev, st.st_ino, false));
	assert_false(protect_hit(&p, alias, 0, 0, false));
	protect_release(&p);
	unlink(alias);
	unlink(file);
	rmdir(dir);
}

static void test_bad_input(void **state)
{
	struct protect p;
	int i;

	(void)state;
	protect_init(&p);
	assert_int_equal(protect_add(&p, "relative/path", false), -EINVAL);
	for (i = 0; i < PROTECT_MAX; i++)
		assert_int_equal(protect_add(&p, "/a", false), 0);
	assert_int_equal(protect_add(&p, "/a", false), -ENOSPC);
	protect_release(&p);
	protect_release(&p);	/* idempotent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_siblings),
		cmocka_unit_test(test_ancestors_only_for_tree_ops),
		cmocka_unit_test(test_directory_tree),
		cmocka_unit_test(test_inode_catches_hard_links),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
