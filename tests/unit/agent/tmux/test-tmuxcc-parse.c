/*
 * test-tmuxcc-parse: the control-mode parser on hand-written lines, on a
 * transcript captured from tmux 3.3a (tests/data/tmuxcc-parse/), split at
 * every byte boundary, and on hostile input.
 *
 * Every callback appends one record to a text log, so that two runs can be
 * compared with a single string comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/tmux/tmuxcc-parse.h"
#include "common/buf.h"

/* Maximum log size kept by one test. */
#define LOG_MAX (8u * 1024 * 1024)

/* The records of one run. */
struct rec {
	struct buf log;	 /* one record per callback */
	int nreply;	 /* reply callbacks */
	int noutput;	 /* output callbacks */
	int nnotify;	 /* notify callbacks */
	int nexit;	 /* exit callbacks */
	struct buf last; /* data of the last reply or output */
	unsigned pane;	 /* pane of the last output */
	int is_error;	 /* of the last reply */
	int truncated;	 /* of the last reply */
	unsigned num;	 /* of the last reply */
	unsigned flags;	 /* of the last reply */
};

/* Records a reply. */
static void
rec_reply(void *arg, const struct tmuxcc_reply *r)
{
	struct rec *x = arg;

	x->nreply++;
	x->is_error = r->is_error;
	x->truncated = r->truncated;
	x->num = r->num;
	x->flags = r->flags;
	assert_int_equal(r->body[r->len], '\0');
	buf_reset(&x->last);
	buf_append(&x->last, r->body, r->len);
	buf_printf(&x->log, "R %lld %u %u %d %d %zu:", r->time, r->num, r->flags, r->is_error,
		   r->truncated, r->len);
	buf_append(&x->log, r->body, r->len);
	buf_append(&x->log, "|", 1);
}

/* Records pane output. */
static void
rec_output(void *arg, unsigned pane, const char *data, size_t len)
{
	struct rec *x = arg;

	x->noutput++;
	x->pane = pane;
	buf_reset(&x->last);
	buf_append(&x->last, data, len);
	buf_printf(&x->log, "O %u %zu:", pane, len);
	buf_append(&x->log, data, len);
	buf_append(&x->log, "|", 1);
}

/* Records a notification. */
static void
rec_notify(void *arg, const char *name, const char *args)
{
	struct rec *x = arg;

	x->nnotify++;
	buf_printf(&x->log, "N %s|%s|", name, args);
}

/* Records %exit. */
static void
rec_exit(void *arg, const char *reason)
{
	struct rec *x = arg;

	x->nexit++;
	buf_printf(&x->log, "X %s|", reason != NULL ? reason : "(null)");
}

static const struct tmuxcc_parse_cb rec_cb = {rec_reply, rec_output, rec_notify, rec_exit};

/* Prepares a record and a parser writing to it. */
static void
rec_start(struct rec *x, struct tmuxcc_parse *p, size_t max_line, size_t max_body)
{
	memset(x, 0, sizeof(*x));
	buf_init(&x->log, LOG_MAX);
	buf_init(&x->last, LOG_MAX);
	tmuxcc_parse_init(p, &rec_cb, x, max_line, max_body);
}

/* Frees a record and its parser. */
static void
rec_stop(struct rec *x, struct tmuxcc_parse *p)
{
	tmuxcc_parse_release(p);
	buf_release(&x->log);
	buf_release(&x->last);
}

/* Feeds a C string. */
static void
feed(struct tmuxcc_parse *p, const char *s)
{
	tmuxcc_parse_feed(p, s, strlen(s));
}

/* Reads a file from the source tree into a buffer. */
static void
slurp(const char *rel, struct buf *out)
{
	char path[1024], chunk[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", CM_SOURCE_DIR, rel);
	f = fopen(path, "rb");
	assert_non_null(f);
	buf_init(out, LOG_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(out, chunk, n), 0);
	fclose(f);
}

/* A plain block becomes one reply with its lines joined by newlines. */
static void
test_block(void **state)
{
	struct tmuxcc_parse p;
	struct rec x;

	(void)state;
	rec_start(&x, &p, 0, 0);
	feed(&p, "%begin 1795612923 266 1\nhello\n\nworld\n%end 1795612923 266 1\n");
	assert_int_equal(x.nreply, 1);
	assert_int_equal(x.num, 266);
	assert_int_equal(x.flags, 1);
	assert_int_equal(x.is_error, 0);
	assert_int_equal(x.truncated, 0);
	assert_string_equal(x.last.data, "hello\n\nworld");
	assert_int_equal(tmuxcc_parse_in_block(&p), 0);

	feed(&p, "%begin 1795612923 260 0\n%end 1795612923 260 0\n");
	assert_int_equal(x.nreply, 2);
	assert_int_equal(x.flags, 0);
	assert_int_equal(x.last.len, 0);

	feed(&p, "%begin 5 268 1\nparse error: unknown command: badcmd\n%error 5 268 1\n");
	assert_int_equal(x.nreply, 3);
	assert_int_equal(x.is_error, 1);
	assert_string_equal(x.last.data, "parse error: unknown command: badcmd");
	assert_int_equal(x.nnotify + x.noutput + x.nexit, 0);
	rec_stop(&x, &p);
}

/* Lines that look like guards or notifications inside a block are body text. */
static void
test_nested_looking(void **state)
{
	struct tmuxcc_parse p;
	struct rec x;

	(void)state;
	rec_start(&x, &p, 0, 0);
	feed(&p, "%begin 10 20 1\n"
		 "%end 1 2 3\n"
		 "%end 10 20 0\n"
		 "%error 10 21 1\n"
		 "%end 10 20 1 \n"
		 "%begin 10 22 1\n"
		 "%output %0 x\n"
		 "%exit\n"
		 "%0 t\n"
		 "%end 10 20 1\n");
	assert_int_equal(x.nreply, 1);
	assert_int_equal(x.noutput + x.nnotify + x.nexit, 0);
	assert_string_equal(x.last.data, "%end 1 2 3\n%end 10 20 0\n%error 10 21 1\n%end 10 20 1 \n"
					 "%begin 10 22 1\n%output %0 x\n%exit\n%0 t");
	rec_stop(&x, &p);
}

/* %output unescapes \ooo (\134 is a backslash) and keeps malformed escapes as they are. */
static void
test_output_unescape(void **state)
{
	struct tmuxcc_parse p;
	struct rec x;
	char out[16];

	(void)state;
	rec_start(&x, &p, 0, 0);
	feed(&p, "%output %3 a\\134b\\015\\012\\000z\\033[A\n");
	assert_int_equal(x.noutput, 1);
	assert_int_equal(x.pane, 3);
	assert_int_equal(x.last.len, 10);
	assert_memory_equal(x.last.data, "a\\b\r\n\0z\033[A", 10);

	feed(&p, "%output %12 \\9\\12\\400\\1x\\\n");
	assert_int_equal(x.pane, 12);
	assert_string_equal(x.last.data, "\\9\\12\\400\\1x\\");

	feed(&p, "%output %7 \n%output %8\n");
	assert_int_equal(x.noutput, 4);
	assert_int_equal(x.pane, 8);
	assert_int_equal(x.last.len, 0);

	/* UTF-8 passes raw. */
	feed(&p, "%output %0 h\xc3\xa9\\134\\033[A\\011\\015\\012\n");
	assert_string_equal(x.last.data, "h\xc3\xa9\\\033[A\t\r\n");

	assert_int_equal(tmuxcc_parse_unescape(out, "\\377\\200", 8), 2);
	assert_memory_equal(out, "\xff\x80", 2);
	rec_stop(&x, &p);
}

/* Every byte value survives tmux's escaping and our unescaping. */
static void
test_output_binary(void **state)
{
	struct tmuxcc_parse p;
	struct rec x;
	struct buf line;

	(void)state;
	rec_start(&x, &p, 0, 0);
	buf_init(&line, 4096);
	buf_append_str(&line, "%output %42 ");
	for (int c = 0; c < 256; c++) {
		if (c < 0x20 || c == '\\')
			buf_printf(&line, "\\%03o", c);
		else {
			char ch = (char)c;

			buf_append(&line, &ch, 1);
		}
	}
	buf_append(&line, "\n", 1);
	tmuxcc_parse_feed(&p, line.data, line.len);
	assert_int_equal(x.noutput, 1);
	assert_int_equal(x.pane, 42);
	assert_int_equal(x.last.len, 256);
	for (int c = 0; c < 256; c++)
		assert_int_equal((unsigned char)x.last.data[c], c);
	buf_release(&line);
	rec_stop(&x, &p);
}

/* Notifications reach notify with name and arguments; %exit reaches exit. */
static void
test_notifications(void **state)
{
	struct tmuxcc_parse p;
	struct rec x;

	(void)state;
	rec_start(&x, &p, 0, 0);
	feed(&p, "%window-add @1\n"
		 "%sessions-changed\n"
		 "%session-changed $0 t\n"
		 "%window-close @2\n"
		 "%unlinked-window-close @1\n"
		 "%layout-change @0 c195,80x24,0,0 c195,80x24,0,0 *\n"
		 "%pane-mode-changed %1\n"
		 "%pause %1\n"
		 "%continue %1\n"
		 "%subscription-changed sub $0 @0 0 %0 : title\n"
		 "%client-detached /dev/pts/3\r\n"
		 "%some-new-thing  two  spaces\n"
		 "%extended-output %5 1234 : hi\\012\n"
		 "%extended-output %6 1 :\n"
		 "%exit\n"
		 "%exit server exited unexpectedly\n");
	assert_string_equal(x.log.data, "N window-add|@1|"
					"N sessions-changed||"
					"N session-changed|$0 t|"
					"N window-close|@2|"
					"N unlinked-window-close|@1|"
					"N layout-change|@0 c195,80x24,0,0 c195,80x24,0,0 *|"
					"N pane-mode-changed|%1|"
					"N pause|%1|"
					"N continue|%1|"
					"N subscription-changed|sub $0 @0 0 %0 : title|"
					"N client-detached|/dev/pts/3|"
					"N some-new-thing| two  spaces|"
					"O 5 3:hi\n|"
					"O 6 0:|"
					"X (null)|"
					"X server exited unexpectedly|");
	assert_int_equal(p.nmalformed, 0);
	rec_stop(&x, &p);
}

/* Junk outside blocks is counted and ignored; the parser stays usable. */
static void
test_garbage(void **state)
{
	struct tmuxcc_parse p;
	struct rec x;

	(void)state;
	rec_start(&x, &p, 0, 0);
	feed(&p, "hello\n"
		 "\n"
		 "\033\\\n"
		 "%\n"
		 "% x\n"
		 "%begin\n"
		 "%begin 1 2\n"
		 "%begin a b c\n"
		 "%begin 1 2 3 4\n"
		 "%begin 99999999999999999999999 1 1\n"
		 "%end 1 2 3\n"
		 "%error 1 2 3\n"
		 "%output\n"
		 "%output 3 x\n"
		 "%output %x y\n"
		 "%output %3x y\n"
		 "%output %99999999999 y\n"
		 "%extended-output %1 no separator\n"
		 "%Window-add @1\n"
		 "%window_add @1\n");
	assert_int_equal(x.nreply + x.noutput + x.nnotify + x.nexit, 0);
	assert_int_equal(p.nignored, 3);
	assert_int_equal(p.nmalformed, 17);
	assert_int_equal(tmuxcc_parse_in_block(&p), 0);
	/* A NUL byte inside a notification line does not confuse anything. */
	tmuxcc_parse_feed(&p, "%window-add @1\0x\n", 17);
	assert_int_equal(x.nnotify, 1);
	feed(&p, "%begin 1 2 1\nok\n%end 1 2 1\n");
	assert_int_equal(x.nreply, 1);
	assert_string_equal(x.last.data, "ok");
	rec_stop(&x, &p);
}

/* The DCS introducer of -CC before the first line is skipped. */
static void
test_dcs(void **state)
{
	struct tmuxcc_parse p;
	struct rec x;

	(void)state;
	rec_start(&x, &p, 0, 0);
	feed(&p, "\033P1000p%begin 1 260 0\n%end 1 260 0\n%exit\n\033\\");
	assert_int_equal(x.nreply, 1);
	assert_int_equal(x.num, 260);
	assert_int_equal(x.nexit, 1);
	rec_stop(&x, &p);
}

/* A line past max_line is dropped and counted, in one chunk or many; a reply losing it is marked.
 */
static void
test_overlong(void **state)
{
	struct tmuxcc_parse p;
	struct rec x;
	char big[1000];

	(void)state;
	rec_start(&x, &p, 300, 0);
	memset(big, 'a', sizeof(big));
	memcpy(big, "%output %1 ", 11);

	tmuxcc_parse_feed(&p, big, sizeof(big));
	feed(&p, "\n%window-add @1\n");
	assert_int_equal(p.noverlong, 1);
	assert_int_equal(x.noutput, 0);
	assert_int_equal(x.nnotify, 1);

	for (size_t i = 0; i < sizeof(big); i += 7)
		tmuxcc_parse_feed(&p, big + i, sizeof(big) - i < 7 ? sizeof(big) - i : 7);
	feed(&p, "\n%window-add @2\n");
	assert_int_equal(p.noverlong, 2);
	assert_int_equal(x.noutput, 0);
	assert_int_equal(x.nnotify, 2);

	/* Exactly max_line is kept, in one chunk and across chunks. */
	big[299] = '\n';
	tmuxcc_parse_feed(&p, big, 300);
	assert_int_equal(x.noutput, 1);
	assert_int_equal(x.last.len, 299 - 11);
	tmuxcc_parse_feed(&p, big, 150);
	tmuxcc_parse_feed(&p, big + 150, 150);
	assert_int_equal(x.noutput, 2);
	assert_int_equal(p.noverlong, 2);
	big[299] = 'a';

	feed(&p, "%begin 1 2 1\nfirst\n");
	tmuxcc_parse_feed(&p, big, sizeof(big));
	feed(&p, "\nlast\n%end 1 2 1\n");
	assert_int_equal(x.nreply, 1);
	assert_int_equal(x.truncated, 1);
	assert_string_equal(x.last.data, "first");
	assert_int_equal(p.noverlong, 3);
	rec_stop(&x, &p);
}

/* A reply past max_body is delivered cut short, with truncated set. */
static void
test_body_limit(void **state)
{
	struct tmuxcc_parse p;
	struct rec x;

	(void)state;
	rec_start(&x, &p, 0, 12);
	feed(&p, "%begin 1 2 1\n12345\n12345\n1\n%end 1 2 1\n");
	assert_int_equal(x.nreply, 1);
	assert_int_equal(x.truncated, 1);
	assert_string_equal(x.last.data, "12345\n12345");
	feed(&p, "%begin 1 3 1\n12345\n123456\n%end 1 3 1\n");
	assert_int_equal(x.truncated, 0);
	assert_string_equal(x.last.data, "12345\n123456");
	rec_stop(&x, &p);
}

/* Parses data in one go and returns the log (caller releases it). */
static void
parse_whole(const struct buf *in, struct buf *log)
{
	struct tmuxcc_parse p;
	struct rec x;

	rec_start(&x, &p, 0, 0);
	tmuxcc_parse_feed(&p, in->data, in->len);
	*log = x.log;
	buf_init(&x.log, LOG_MAX);
	rec_stop(&x, &p);
}

/* A captured transcript gives the same records however it is split. */
static void
test_split_everywhere(void **state)
{
	const char *files[] = {"tests/data/tmuxcc-parse/session-kill-server.txt",
			       "tests/data/tmuxcc-parse/session-detach.txt"};
	struct buf in, want;

	(void)state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		slurp(files[f], &in);
		parse_whole(&in, &want);
		assert_true(want.len > 100);
		assert_non_null(strstr(want.data, "X (null)|"));

		for (size_t i = 0; i <= in.len; i++) {
			struct tmuxcc_parse p;
			struct rec x;

			rec_start(&x, &p, 0, 0);
			tmuxcc_parse_feed(&p, in.data, i);
			tmuxcc_parse_feed(&p, in.data + i, in.len - i);
			assert_int_equal(x.log.len, want.len);
			assert_memory_equal(x.log.data, want.data, want.len);
			rec_stop(&x, &p);
		}
		{
			/* One byte at a time. */
			struct tmuxcc_parse p;
			struct rec x;

			rec_start(&x, &p, 0, 0);
			for (size_t i = 0; i < in.len; i++)
				tmuxcc_parse_feed(&p, in.data + i, 1);
			assert_int_equal(x.log.len, want.len);
			assert_memory_equal(x.log.data, want.data, want.len);
			rec_stop(&x, &p);
		}
		buf_release(&in);
		buf_release(&want);
	}
}

/* Random bytes and random splits never crash and leave the parser usable. */
static void
test_random(void **state)
{
	unsigned seed = 12345;
	char junk[4096];

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct tmuxcc_parse p;
		struct rec x;

		rec_start(&x, &p, 256, 1024);
		for (size_t i = 0; i < sizeof(junk); i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly '%', digits, spaces, newlines and backslashes. */
			junk[i] = "%%\n \\0123begin end output @$x\r\xff"[(seed >> 16) % 32];
		}
		for (size_t off = 0; off < sizeof(junk);) {
			seed = seed * 1103515245u + 12345u;
			size_t n = (seed >> 16) % 97;

			if (n > sizeof(junk) - off)
				n = sizeof(junk) - off;
			tmuxcc_parse_feed(&p, junk + off, n);
			off += n;
		}
		/* Close any block the junk opened, whatever its guard was. */
		if (tmuxcc_parse_in_block(&p)) {
			char end[128];

			snprintf(end, sizeof(end), "\n%%end %.*s\n", (int)p.guard_len, p.guard);
			feed(&p, end);
		}
		feed(&p, "\n%begin 7 7 1\nok\n%end 7 7 1\n");
		assert_string_equal(x.last.data, "ok");
		rec_stop(&x, &p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_block),
	    cmocka_unit_test(test_nested_looking),
	    cmocka_unit_test(test_output_unescape),
	    cmocka_unit_test(test_output_binary),
	    cmocka_unit_test(test_notifications),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_dcs),
	    cmocka_unit_test(test_overlong),
	    cmocka_unit_test(test_body_limit),
	    cmocka_unit_test(test_split_everywhere),
	    cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
