/*
 * Unit tests of src/cli/sanitize.c, the filter between agents and the
 * terminal: hostile inputs (OSC 52, titles, CSI in 7-bit, 8-bit and UTF-8
 * forms, invalid UTF-8, cut sequences) come out as visible text, never as
 * a control character; honest text comes out unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "output.h"
#include "sanitize.h"

/* The sanitized form of len bytes (static buffer). */
static const char *
clean(const char *in, size_t len, int flags)
{
	static char out[1024];
	struct buf b;

	buf_init(&b, sizeof(out) - 1);
	assert_int_equal(sanitize(&b, in, len, flags), len);
	snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
	buf_release(&b);
	return out;
}

/* True if s holds no C0 (but \n \t), DEL or C1 control, raw or UTF-8, and is valid UTF-8. */
static int
terminal_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!utf8_valid(s, strlen(s)))
		return 0;
	for (; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return 0;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
			return 0;
	}
	return 1;
}

/* Honest text, with UTF-8, tabs and newlines, is left alone. */
static void
test_plain_text_unchanged(void **state)
{
	const char *t = "Fix the tests\tnow\n● Done — café ❯ 日本 😀\n";

	(void)state;
	assert_string_equal(clean(t, strlen(t), 0), t);
	assert_string_equal(clean("a\tb\nc", 5, SANITIZE_ONELINE), "a b c");
}

/* The 7-bit escapes: OSC 52 (clipboard), OSC 0 (title), CSI, BEL, CR, DEL. */
static void
test_seven_bit_controls(void **state)
{
	static const char osc52[] = "\033]52;c;aGVsbG8=\007";
	static const char title[] = "\033]0;pwned\033\\";
	static const char csi[] = "\033[2J\033[H\r\b\177";

	(void)state;
	assert_string_equal(clean(osc52, strlen(osc52), 0), "^[]52;c;aGVsbG8=^G");
	assert_string_equal(clean(title, strlen(title), 0), "^[]0;pwned^[\\");
	assert_string_equal(clean(csi, strlen(csi), 0), "^[[2J^[[H^M^H^?");
	assert_string_equal(clean("a\0b", 3, 0), "a^@b");
}

/* C1 controls as raw bytes and as UTF-8 (U+009B CSI, U+009D OSC). */
static void
test_c1_controls(void **state)
{
	(void)state;
	assert_string_equal(clean("\x9b"
				  "31m",
				  4, 0),
			    "\\x9b31m");
	assert_string_equal(clean("\x9d"
				  "52;c;x\x9c",
				  8, 0),
			    "\\x9d52;c;x\\x9c");
	assert_string_equal(clean("\xc2\x9b"
				  "2J",
				  4, 0),
			    "\\u009b2J");
	assert_string_equal(clean("\xc2\x9d"
				  "0;t\xc2\x9c",
				  7, 0),
			    "\\u009d0;t\\u009c");
	assert_string_equal(clean("\xc2\x85\xc2\x80\xc2\x9f", 6, 0), "\\u0085\\u0080\\u009f");
	/* U+00A0 and above are characters, not controls. */
	assert_string_equal(clean("\xc2\xa0\xc2\xbf", 4, 0), "\xc2\xa0\xc2\xbf");
}

/* Invalid UTF-8: stray continuations, overlongs, surrogates, cut sequences. */
static void
test_invalid_utf8(void **state)
{
	(void)state;
	assert_string_equal(clean("\x80\xff", 2, 0), "\\x80\\xff");
	/* An overlong ESC (C0 9B) must not become ESC anywhere. */
	assert_string_equal(clean("\xc0\x9b", 2, 0), "\\xc0\\x9b");
	assert_string_equal(clean("\xe0\x80\x9b", 3, 0), "\\xe0\\x80\\x9b");
	assert_string_equal(clean("\xed\xa0\x80", 3, 0), "\\xed\\xa0\\x80");
	assert_string_equal(clean("\xf4\x90\x80\x80", 4, 0), "\\xf4\\x90\\x80\\x80");
	assert_string_equal(clean("ok\xe2\x9d", 4, 0), "ok\\xe2\\x9d");
}

/* SANITIZE_PARTIAL holds back a cut character so the next chunk completes it. */
static void
test_partial_chunks(void **state)
{
	struct buf b;
	size_t used;

	(void)state;
	buf_init(&b, 256);
	used = sanitize(&b, "ab\xe2\x9d", 4, SANITIZE_PARTIAL);
	assert_int_equal(used, 2);
	assert_string_equal(b.data, "ab");
	/* Not a possible start of a character: escaped at once. */
	used = sanitize(&b,
			"\xe2"
			"x",
			2, SANITIZE_PARTIAL);
	assert_int_equal(used, 2);
	assert_string_equal(b.data, "ab\\xe2x");
	/* A cut C1 (C2 then 9B in the next chunk) is still caught. */
	used = sanitize(&b, "\xc2", 1, SANITIZE_PARTIAL);
	assert_int_equal(used, 0);
	used = sanitize(&b, "\xc2\x9b", 2, SANITIZE_PARTIAL);
	assert_int_equal(used, 2);
	assert_string_equal(b.data, "ab\\xe2x\\u009b");
	buf_release(&b);
}

/* Every byte pair and a pseudo-random stream of bytes come out terminal-safe. */
static void
test_every_input_safe(void **state)
{
	unsigned char in[4096];
	unsigned int x = 12345;
	char *out;
	size_t i, j;

	(void)state;
	for (i = 0; i < 256; i++)
		for (j = 0; j < 256; j++) {
			char pair[3] = {(char)i, (char)j, 0};
			assert_true(terminal_safe(clean(pair, 2, 0)));
		}
	for (i = 0; i < sizeof(in); i++) {
		x = x * 1103515245u + 12345u;
		in[i] = (unsigned char)(x >> 16);
	}
	{
		struct buf b;
		buf_init(&b, 64 * sizeof(in));
		sanitize(&b, (const char *)in, sizeof(in), 0);
		assert_true(terminal_safe(b.data));
		buf_release(&b);
	}
	in[sizeof(in) - 1] = 0;
	out = sanitize_dup((const char *)in, SANITIZE_ONELINE);
	assert_true(terminal_safe(out));
	assert_null(strchr(out, '\n'));
	free(out);
}

/* The table and event paths go through it: output_clean cuts after sanitizing. */
static void
test_output_clean_uses_it(void **state)
{
	char buf[64];

	(void)state;
	output_clean("t\xc2\x9b"
		     "31m\033]0;x\007\nend",
		     0, buf, sizeof(buf));
	assert_string_equal(buf, "t\\u009b31m^[]0;x^G end");
	output_clean("日本語です", 3, buf, sizeof(buf));
	assert_string_equal(buf, "日本語");
	/* Cut by the buffer: never in the middle of a character. */
	output_clean("ééééé", 0, buf, 6);
	assert_string_equal(buf, "éé");
}

/* An event line with hostile fields holds no control characters. */
static void
test_event_line_safe(void **state)
{
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "x\033[2Jy", "sessionId",
			       "cm-1\xc2\x9b"
			       "5m",
			       "task", "t\033]52;c;aGk=\007", "prompt",
			       "p\xc2\x9d"
			       "0;t\xc2\x9c",
			       "command", "rm\r-rf");
	char line[512];

	(void)state;
	output_event_line("loc", ev, 0, line, sizeof(line));
	assert_true(terminal_safe(line));
	assert_non_null(strstr(line, "loc/cm-1\\u009b5m x^[[2Jy"));
	assert_non_null(strstr(line, "task=t^[]52;c;aGk=^G"));
	json_decref(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_text_unchanged), cmocka_unit_test(test_seven_bit_controls),
	    cmocka_unit_test(test_c1_controls),		 cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_partial_chunks),	 cmocka_unit_test(test_every_input_safe),
	    cmocka_unit_test(test_output_clean_uses_it), cmocka_unit_test(test_event_line_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
