/*
 * test-core: the agent's pure pieces: the event bus (seq, replay ring,
 * event log restore and compaction, resync), token checks and the slowing
 * of guessers, key names, snapshots as terminal data, and configuration
 * from flags and files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/transport/auth.h"
#include "agent/transport/hostcheck.h"
#include "agent/sessions/bus.h"
#include "agent/settings/config.h"
#include "agent/sessions/frame.h"
#include "agent/screen/keys.h"
#include "agent/sessions/output.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

static uint64_t seen[64];
static size_t n_seen;

/* Records replayed seqs. */
static void
collect(void *arg, struct frame *f)
{
	(void)arg;
	if (n_seen < 64)
		seen[n_seen++] = f->seq;
}

/* Publishes n events of type t. */
static void
publish(struct bus *bus, int n)
{
	for (int i = 0; i < n; i++)
		bus_publish(bus, json_pack("{s:s, s:i}", "type", "test", "n", i), 0);
}

/* seq increases; since() replays exactly what is held; older -> resync. */
static void
test_bus_ring(void **state)
{
	struct bus bus;
	size_t count;

	(void)state;
	bus_init(&bus, 4, NULL);
	publish(&bus, 6);
	assert_int_equal(bus.seq, 6);
	assert_int_equal(bus_oldest(&bus), 3);
	n_seen = 0;
	assert_int_equal(bus_since(&bus, 3, collect, NULL, &count), 0);
	assert_int_equal(count, 3);
	assert_int_equal(seen[0], 4);
	assert_int_equal(seen[2], 6);
	assert_int_equal(bus_since(&bus, 2, collect, NULL, &count), 0); /* 3..6 held */
	assert_int_equal(bus_since(&bus, 1, collect, NULL, &count), CM_ERESYNC);
	assert_int_equal(bus_since(&bus, 7, collect, NULL, &count), CM_ERESYNC);
	assert_int_equal(bus_since(&bus, 6, collect, NULL, &count), 0);
	assert_int_equal(count, 0);
	bus_release(&bus);
}

/* The log restores seq and ring across a restart, skips torn and bad lines, stays bounded. */
static void
test_bus_log(void **state)
{
	char tmpl[] = "/tmp/cmbus.XXXXXX", *dir = mkdtemp(tmpl);
	char *path = xasprintf("%s/events.log", dir), *text;
	struct bus bus;
	size_t count, len, lines = 0;
	FILE *f;

	(void)state;
	bus_init(&bus, 4, path);
	publish(&bus, 10); /* compaction at 9 lines */
	bus_release(&bus);
	f = fopen(path, "a");
	fputs("not json\n{\"seq\":\"x\"}\n{\"type\":\"torn\",\"seq\":99", f);
	fclose(f);
	bus_init(&bus, 4, path);
	assert_int_equal(bus.seq, 10);
	n_seen = 0;
	assert_int_equal(bus_since(&bus, 6, collect, NULL, &count), 0);
	assert_int_equal(count, 4);
	publish(&bus, 1);
	assert_int_equal(bus.seq, 11);
	bus_release(&bus);
	assert_int_equal(fs_read_file(path, 1 << 20, &text, &len), 0);
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	assert_true(lines <= 9);
	free(text);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* Only the exact token passes; guessers are slowed down, then forgiven. */
static void
test_auth(void **state)
{
	struct auth au;
	const char *tok = "0123456789abcdef0123";

	(void)state;
	auth_init(&au, tok);
	assert_true(auth_token_ok(&au, tok, strlen(tok)));
	assert_false(auth_token_ok(&au, tok, strlen(tok) - 1));
	assert_false(auth_token_ok(&au, "0123456789abcdef0124", 20));
	assert_false(auth_token_ok(&au, "0123456789abcdef01230", 21));
	assert_false(auth_token_ok(&au, "", 0));
	/* Failures are answered later and later, agent-wide, within a bound. */
	double d1 = auth_failed(&au, 100.0), d2 = auth_failed(&au, 100.0), d = 0;

	assert_true(d1 > 0 && d2 > d1);
	for (int i = 0; i < 1000; i++)
		d = auth_failed(&au, 100.0 + i * 0.001);
	assert_true(d <= GUESS_DELAY_MAX && d == GUESS_DELAY_MAX);
	/* ...and forgiven as time passes. */
	assert_true(auth_failed(&au, 101.0 + 2000 * GUESS_DRAIN) <= d1);
}

/* Host values that name the agent pass; a rebound name does not. */
static void
test_hostcheck(void **state)
{
	struct config cfg;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.bind = "127.0.0.1";
	assert_true(hostcheck_ok(&cfg, NULL));
	assert_true(hostcheck_ok(&cfg, "127.0.0.1:8765"));
	assert_true(hostcheck_ok(&cfg, "localhost"));
	assert_true(hostcheck_ok(&cfg, "LocalHost:9999"));
	assert_true(hostcheck_ok(&cfg, "[::1]:8765"));
	assert_true(hostcheck_ok(&cfg, "192.0.2.7"));
	assert_false(hostcheck_ok(&cfg, "evil.example"));
	assert_false(hostcheck_ok(&cfg, "evil.example:8765"));
	assert_false(hostcheck_ok(&cfg, "localhost.evil.example"));
	assert_false(hostcheck_ok(&cfg, "127.0.0.1.nip.io"));
	assert_false(hostcheck_ok(&cfg, "[::1"));
	assert_false(hostcheck_ok(&cfg, "localhost:80x"));
	assert_false(hostcheck_ok(&cfg, ""));
	cfg.bind = "devbox.lan";
	cfg.origins[0] = "https://cm.example.org:8443";
	cfg.n_origins = 1;
	assert_true(hostcheck_ok(&cfg, "devbox.lan:8765"));
	assert_true(hostcheck_ok(&cfg, "cm.example.org"));
	assert_false(hostcheck_ok(&cfg, "example.org"));
}

/* Key names: a fixed grammar, nothing that could become a tmux command. */
static void
test_keys(void **state)
{
	struct buf b;

	(void)state;
	assert_true(keys_name_valid("Enter"));
	assert_true(keys_name_valid("C-c"));
	assert_true(keys_name_valid("M-S-Up"));
	assert_true(keys_name_valid("y"));
	assert_true(keys_name_valid(";"));
	assert_false(keys_name_valid("Enter;kill-server"));
	assert_false(keys_name_valid("C-"));
	assert_false(keys_name_valid(" "));
	assert_false(keys_name_valid("é"));
	assert_false(keys_name_valid(""));
	buf_init(&b, 256);
	assert_int_equal(keys_cmd_key(&b, ";"), 0);
	assert_string_equal(b.data, "send-keys -- \";\"");
	buf_reset(&b);
	assert_int_equal(keys_cmd_text(&b, "a\"$b", 4), 0);
	assert_string_equal(b.data, "send-keys -l -- \"a\\\"\\$b\"");
	buf_release(&b);
}

/* A snapshot redraws: reset, clear, CRLF lines, cursor last (1-based). */
static void
test_snapshot(void **state)
{
	size_t len;
	char *s = output_snapshot_data("one\n\033[1mtwo\n\n", 12, 4, 1, &len);

	(void)state;
	assert_string_equal(s, "\033[0m\033[H\033[2Jone\033[0m\r\n\033[1mtwo\033[0m\033[2;5H");
	assert_int_equal(len, strlen(s));
	free(s);
}

/* Writes a C string to path. */
static void
write_text(const char *path, const char *text)
{
	assert_int_equal(fs_write_atomic(path, text, strlen(text)), 0);
}

/* Flags and config files; the token never comes from a config file. */
static void
test_config(void **state)
{
	char tmpl[] = "/tmp/cmcfg.XXXXXX", *dir = mkdtemp(tmpl);
	char *file = xasprintf("%s/c.json", dir), *why = NULL;
	char *argv[] = {"cm-agent",
			"--port",
			"0",
			"--max-sessions",
			"7",
			"--auto-confirm",
			"--profiles-dir",
			"/a",
			"--profiles-dir",
			"/b",
			NULL};
	struct config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_parse_args(&cfg, 10, argv), 0);
	assert_int_equal(cfg.port, 0);
	assert_int_equal(cfg.max_sessions, 7);
	assert_true(cfg.auto_confirm);
	assert_int_equal(cfg.n_profile_dirs, 2);
	assert_string_equal(cfg.profile_dirs[1], "/b");
	write_text(file,
		   "{\"max_clients\": 3, \"bind\": \"::1\", \"danger_rule\": [\"x\", \"y\"]}");
	assert_int_equal(config_load_file(&cfg, file, &why), 0);
	assert_int_equal(cfg.max_clients, 3);
	assert_string_equal(cfg.bind, "::1");
	assert_int_equal(cfg.n_danger_rules, 2);
	write_text(file, "{\"max_clients\": 0}");
	assert_int_equal(config_load_file(&cfg, file, &why), -1);
	assert_non_null(strstr(why, "max_clients"));
	free(why);
	write_text(file, "{\"max_clients\": \"many\"}");
	assert_int_equal(config_load_file(&cfg, file, &why), -1);
	free(why);
	write_text(file, "[]");
	assert_int_equal(config_load_file(&cfg, file, &why), -1);
	assert_non_null(strstr(why, "JSON object"));
	free(why);
	config_release(&cfg);
	unlink(file);
	rmdir(dir);
	free(file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bus_ring), cmocka_unit_test(test_bus_log),
	    cmocka_unit_test(test_auth),     cmocka_unit_test(test_hostcheck),
	    cmocka_unit_test(test_keys),     cmocka_unit_test(test_snapshot),
	    cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
