/*
 * test-common: the bounded buffer, UTF-8 repair, error names, private
 * directories and atomic writes, bounded reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/utf8.h"
#include "common/xmalloc.h"

/* A buffer never grows past its maximum and is unchanged by a refused append. */
static void
test_buf_limit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345", 5), 0);
	assert_int_equal(buf_append(&b, "6789", 4), CM_ETOOBIG);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "12345");
	assert_int_equal(buf_printf(&b, "%d", 123), 0);
	assert_string_equal(b.data, "12345123");
	assert_int_equal(buf_printf(&b, "x"), CM_ETOOBIG);
	buf_consume(&b, 3);
	assert_string_equal(b.data, "45123");
	buf_release(&b);
}

/* Valid text is kept; every invalid byte becomes U+FFFD. */
static void
test_utf8_repair(void **state)
{
	static const char bad[] = "a\xff"
				  "b\xc3"
				  "\xe2\x82"
				  "c\xed\xa0\x80"
				  "\xf4\x90\x80\x80";
	char *s;

	(void)state;
	assert_true(utf8_valid("héllo ✓ 𝄞", strlen("héllo ✓ 𝄞")));
	assert_false(utf8_valid("a\0b", 3));
	assert_false(utf8_valid("\xc0\xaf", 2)); /* overlong '/' */
	s = utf8_repair(bad, sizeof bad - 1);
	assert_true(utf8_valid(s, strlen(s)));
	assert_non_null(strstr(s, "a\xef\xbf\xbd"
				  "b"));
	assert_non_null(strstr(s, "c"));
	free(s);
	s = utf8_repair("plain", 5);
	assert_string_equal(s, "plain");
	free(s);
}

/* Error codes have stable names both ways. */
static void
test_err_names(void **state)
{
	(void)state;
	assert_string_equal(cm_errname(CM_ENOSESSION), "unknown_session");
	assert_int_equal(cm_errparse("unknown_session"), CM_ENOSESSION);
	assert_int_equal(cm_errparse("no such name"), CM_EINTERNAL);
	assert_string_equal(cm_strerror(CM_EAUTHFAILED), "authentication failed");
	assert_string_equal(cm_errname(0), "ok");
}

/* Private directories: created 0700; open, foreign or symlinked ones refused. */
static void
test_private_dir(void **state)
{
	char tmpl[] = "/tmp/cmtest.XXXXXX", *root = mkdtemp(tmpl), *p;
	const char *why;
	struct stat st;

	(void)state;
	assert_non_null(root);
	p = xasprintf("%s/a/b/c", root);
	assert_int_equal(fs_private_dir(p, &why), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	chmod(p, 0755);
	assert_int_equal(fs_private_dir(p, &why), CM_EPERM);
	assert_non_null(strstr(why, "group or others"));
	free(p);
	p = xasprintf("%s/link", root);
	assert_int_equal(symlink("/tmp", p), 0);
	assert_int_equal(fs_private_dir(p, &why), CM_EPERM);
	assert_non_null(strstr(why, "symbolic link"));
	unlink(p);
	free(p);
	p = xasprintf("rm -rf %s", root);
	assert_int_equal(system(p), 0);
	free(p);
}

/* Atomic writes are 0600 and complete; bounded reads refuse larger files. */
static void
test_write_read(void **state)
{
	char tmpl[] = "/tmp/cmtest.XXXXXX", *root = mkdtemp(tmpl);
	char *path = xasprintf("%s/f", root), *data;
	struct stat st;
	size_t len;

	(void)state;
	assert_int_equal(fs_write_atomic(path, "hello\n", 6), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fs_read_file(path, 100, &data, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(data, "hello\n");
	free(data);
	assert_int_equal(fs_read_file(path, 5, &data, &len), CM_ETOOBIG);
	assert_null(data);
	assert_int_equal(fs_read_file(root, 5, &data, &len), CM_EINVAL); /* a directory */
	unlink(path);
	assert_int_equal(fs_read_file(path, 5, &data, &len), CM_ENOENT);
	rmdir(root);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_limit),  cmocka_unit_test(test_utf8_repair),
	    cmocka_unit_test(test_err_names),  cmocka_unit_test(test_private_dir),
	    cmocka_unit_test(test_write_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
