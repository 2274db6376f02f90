/*
 * Unit tests of src/cli/contexts.c: parsing, validation, atomic save with
 * mode 0600, corrupt files reported and left alone, token sources.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "contexts.h"
#include "common/err.h"

/* A private temporary directory per test. */
static char tmpdir[64];

/* Creates the directory. */
static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cm-ctx-test.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

/* Removes the directory. */
static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to DIR/name and returns the path (static buffer). */
static const char *
write_file(const char *name, const char *text, int mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
	return path;
}

/* The seed's context object is read as written. */
static void
test_seed_context(void **state)
{
	const char *p =
	    write_file("c.json",
		       "[{\"id\": \"ctx-remote\", \"name\": \"prod-server\", \"path\": "
		       "\"/var/www/app\", \"machine\": {\"type\": \"agent\", \"host\": "
		       "\"prod.example.com\", \"user\": \"deploy\", \"agentPort\": 9876, "
		       "\"authToken\": \"tok\"}}]",
		       0600);
	struct contexts cs;
	struct ctx c;
	char err[256];

	(void)state;
	assert_int_equal(contexts_load(&cs, p, err, sizeof(err)), 0);
	assert_int_equal(contexts_count(&cs), 1);
	assert_int_equal(contexts_find(&cs, "prod-server", &c), 0);
	assert_int_equal(c.type, CTX_AGENT);
	assert_string_equal(c.host, "prod.example.com");
	assert_string_equal(c.user, "deploy");
	assert_int_equal(c.agent_port, 9876);
	assert_string_equal(c.path, "/var/www/app");
	assert_string_equal(c.token, "tok");
	assert_int_equal(contexts_find(&cs, "nope", &c), CM_ENOENT);
	contexts_release(&cs);
}

/* A missing file is an empty list; add + save writes 0600 and reloads. */
static void
test_add_save_reload(void **state)
{
	char path[128], err[256];
	struct contexts cs, again;
	struct stat st;
	struct ctx c;

	(void)state;
	snprintf(path, sizeof(path), "%s/sub/dir/contexts.json", tmpdir);
	assert_int_equal(contexts_load(&cs, path, err, sizeof(err)), 0);
	assert_int_equal(contexts_count(&cs), 0);
	assert_int_equal(
	    contexts_add(&cs,
			 json_pack("{s:s, s:{s:s, s:i, s:s}}", "name", "loc", "machine", "type",
				   "local", "agentPort", 1234, "authTokenEnv", "TOKVAR"),
			 err, sizeof(err)),
	    0);
	assert_int_equal(contexts_set_current(&cs, "loc"), 0);
	assert_int_equal(contexts_save(&cs, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(contexts_load(&again, path, err, sizeof(err)), 0);
	assert_string_equal(contexts_current(&again), "loc");
	assert_int_equal(contexts_find(&again, "loc", &c), 0);
	assert_string_equal(c.id, "ctx-loc");
	assert_int_equal(c.type, CTX_LOCAL);
	assert_int_equal(c.agent_port, 1234);
	/* A duplicate is refused and changes nothing. */
	assert_int_equal(contexts_add(&again,
				      json_pack("{s:s, s:{s:s, s:s}}", "name", "loc", "machine",
						"type", "local", "authToken", "t"),
				      err, sizeof(err)),
			 CM_EEXIST);
	assert_int_equal(contexts_count(&again), 1);
	assert_int_equal(contexts_remove(&again, "loc"), 0);
	assert_null(contexts_current(&again));
	assert_int_equal(contexts_remove(&again, "loc"), CM_ENOENT);
	contexts_release(&cs);
	contexts_release(&again);
}

/* Corrupt and invalid files are reported with path and reason. */
static void
test_bad_files(void **state)
{
	static const struct {
		const char *text; /* file contents */
		const char *want; /* expected in the message */
	} cases[] = {
	    {"{\"contexts\": [", "line 1"},
	    {"42", "must hold a JSON object"},
	    {"{\"contexts\": {}}", "must be a list"},
	    {"{\"contexts\": [{\"name\": \"a\"}]}", "machine"},
	    {"{\"contexts\": [{\"name\": \"-a\", \"machine\": {\"type\": \"local\", "
	     "\"authToken\": \"t\"}}]}",
	     "name"},
	    {"{\"contexts\": [{\"name\": \"a\", \"machine\": {\"type\": \"ufo\", \"authToken\": "
	     "\"t\"}}]}",
	     "machine.type"},
	    {"{\"contexts\": [{\"name\": \"a\", \"machine\": {\"type\": \"agent\", \"authToken\": "
	     "\"t\"}}]}",
	     "host"},
	    {"{\"contexts\": [{\"name\": \"a\", \"machine\": {\"type\": \"local\", \"agentPort\": "
	     "70000, \"authToken\": \"t\"}}]}",
	     "agentPort"},
	    {"{\"contexts\": [{\"name\": \"a\", \"machine\": {\"type\": \"local\"}}]}",
	     "exactly one of authToken"},
	    {"{\"contexts\": [{\"name\": \"a\", \"machine\": {\"type\": \"local\", \"authToken\": "
	     "\"t\"}}, {\"name\": \"a\", \"machine\": {\"type\": \"local\", \"authToken\": "
	     "\"t\"}}]}",
	     "used twice"},
	    {"{\"current\": \"zz\", \"contexts\": []}", "current"},
	};
	struct contexts cs;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = write_file("bad.json", cases[i].text, 0600);
		assert_true(contexts_load(&cs, p, err, sizeof(err)) < 0);
		if (!strstr(err, cases[i].want) || !strstr(err, "bad.json"))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].want);
		contexts_release(&cs);
	}
}

/* Names: letters, digits, . _ -, starting with a letter or digit (src/proto's rule), at most 64. */
static void
test_names(void **state)
{
	(void)state;
	assert_true(contexts_valid_name("prod-server"));
	assert_true(contexts_valid_name("a.b_c-1"));
	assert_false(contexts_valid_name(""));
	assert_false(contexts_valid_name("-x"));
	assert_false(contexts_valid_name(".x"));
	/* The agent refuses a leading '_' (names_context_valid); so must the CLI. */
	assert_false(contexts_valid_name("_x"));
	assert_true(contexts_valid_name("x_"));
	assert_false(contexts_valid_name("a/b"));
	assert_false(contexts_valid_name("a b"));
	assert_false(contexts_valid_name(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

/* Tokens: inline, from env, from a private file; an open file is refused. */
static void
test_tokens(void **state)
{
	struct ctx c;
	char err[256], *tok = NULL;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.name = "t";
	c.token = "inline";
	assert_int_equal(contexts_token(&c, &tok, err, sizeof(err)), 0);
	assert_string_equal(tok, "inline");
	free(tok);
	c.token = NULL;
	c.token_env = "CM_UNIT_TOKEN";
	unsetenv("CM_UNIT_TOKEN");
	assert_true(contexts_token(&c, &tok, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "CM_UNIT_TOKEN"));
	setenv("CM_UNIT_TOKEN", "fromenv\n", 1);
	assert_int_equal(contexts_token(&c, &tok, err, sizeof(err)), 0);
	assert_string_equal(tok, "fromenv");
	free(tok);
	c.token_env = NULL;
	c.token_file = write_file("tok", "fromfile\n", 0600);
	assert_int_equal(contexts_token(&c, &tok, err, sizeof(err)), 0);
	assert_string_equal(tok, "fromfile");
	free(tok);
	c.token_file = write_file("tok2", "x\n", 0644);
	assert_int_equal(contexts_token(&c, &tok, err, sizeof(err)), CM_EPERM);
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(tok);
}

/* Files cm trusts: refused like sshd's StrictModes, with the file and the fix. */
static void
test_file_checks(void **state)
{
	char err[768], dir[160], path[200];
	const char *p;
	struct ctx c;
	FILE *f;
	char *tok = NULL;

	(void)state;
	p = write_file("plain.json", "{}", 0644);
	assert_int_equal(contexts_check_file(p, "contexts file", 0, err, sizeof(err)), 0);
	/* A file holding a token must not be readable by others. */
	assert_int_equal(contexts_check_file(p, "contexts file", 1, err, sizeof(err)), CM_EPERM);
	assert_non_null(strstr(err, "holds a token"));
	assert_non_null(strstr(err, "chmod 600 "));
	assert_non_null(strstr(err, p));
	p = write_file("open.json", "{}", 0666);
	assert_int_equal(contexts_check_file(p, "contexts file", 0, err, sizeof(err)), CM_EPERM);
	assert_non_null(strstr(err, "writable by group or others (mode 0666)"));
	p = write_file("group.json", "{}", 0620);
	assert_int_equal(contexts_check_file(p, "contexts file", 0, err, sizeof(err)), CM_EPERM);
	p = write_file("private.json", "{}", 0600);
	assert_int_equal(contexts_check_file(p, "contexts file", 1, err, sizeof(err)), 0);
	/* Owned by someone else (only root can make such a file here). */
	if (geteuid() == 0) {
		assert_int_equal(chown(p, 4242, (gid_t)-1), 0);
		assert_int_equal(contexts_check_file(p, "contexts file", 0, err, sizeof(err)),
				 CM_EPERM);
		assert_non_null(strstr(err, "owned by uid 4242"));
	}
	/* A directory others may write to, but not a sticky one such as /tmp. */
	snprintf(dir, sizeof(dir), "%s/open-dir", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/tok", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	chmod(path, 0600);
	chmod(dir, 0777);
	assert_int_equal(contexts_check_file(path, "token file", 1, err, sizeof(err)), CM_EPERM);
	assert_non_null(strstr(err, "chmod o-w"));
	chmod(dir, 01777);
	assert_int_equal(contexts_check_file(path, "token file", 1, err, sizeof(err)), 0);
	assert_int_equal(contexts_check_file("/nonexistent/x", "token file", 1, err, sizeof(err)),
			 CM_ENOENT);
	/* A token file that others may change is refused at use too. */
	memset(&c, 0, sizeof(c));
	c.name = "t";
	c.token_file = write_file("tok-w", "x\n", 0622);
	assert_int_equal(contexts_token(&c, &tok, err, sizeof(err)), CM_EPERM);
	assert_null(tok);
}

/* Only an inline authToken makes contexts.json a secret. */
static void
test_holds_token(void **state)
{
	struct contexts cs;
	char err[256];
	const char *p;

	(void)state;
	p = write_file("env.json",
		       "[{\"name\": \"a\", \"machine\": {\"type\": \"local\", "
		       "\"authTokenEnv\": \"V\"}}]",
		       0600);
	assert_int_equal(contexts_load(&cs, p, err, sizeof(err)), 0);
	assert_false(contexts_holds_token(&cs));
	contexts_release(&cs);
	p = write_file("inline.json",
		       "[{\"name\": \"a\", \"machine\": {\"type\": \"local\", "
		       "\"authToken\": \"T\"}}]",
		       0600);
	assert_int_equal(contexts_load(&cs, p, err, sizeof(err)), 0);
	assert_true(contexts_holds_token(&cs));
	contexts_release(&cs);
}

/* The redacted copy hides an inline token only. */
static void
test_redacted(void **state)
{
	json_t *o = json_pack("{s:s, s:{s:s, s:s}}", "name", "a", "machine", "type", "local",
			      "authToken", "secret");
	json_t *r = contexts_redacted(o);

	(void)state;
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r, "machine"), "authToken")), "***");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(o, "machine"), "authToken")),
	    "secret");
	json_decref(o);
	json_decref(r);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_seed_context, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_add_save_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_holds_token, setup, teardown),
	    cmocka_unit_test(test_redacted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
