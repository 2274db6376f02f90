/*
 * test-classify: every recorded fixture (tests/fixtures/labels.tsv) is
 * classified with its tool's profile, both the plain capture (.txt) and the
 * one with escapes (.ansi), and the answer must be one of the labelled
 * `accept` states. Then hand-made trap screens that imitate prompts must
 * never give a false waiting_confirm.
 *
 * Two fixtures are byte-identical but labelled differently
 * (codex-exited-01 and codex-pre-tui-01: the launcher's warning is all that
 * is on screen, before the TUI draws and after it has gone). No screen
 * classifier can tell them apart; the agent uses tmux's pane_dead for that.
 * For such groups the union of the accepted states is accepted, and the
 * test says so on stderr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/screen/autoconfirm.h"
#include "agent/screen/classify.h"
#include "agent/screen/profile.h"
#include "agent/screen/screen.h"
#include "common/buf.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

#define MAX_FIXTURES 256

struct fixture {
	char file[128];	  /* path relative to the fixtures directory */
	char tool[32];	  /* profile name */
	char accept[256]; /* '|'-separated states */
	char *txt;	  /* contents of the .txt capture */
	size_t txt_len;	  /* bytes in txt */
	char *ansi;	  /* contents of the .ansi capture, or NULL */
	size_t ansi_len;  /* bytes in ansi */
};

static struct profile_set *profiles;
static struct fixture fixtures[MAX_FIXTURES];
static size_t n_fixtures;

/* Loads the profiles of the source tree and every fixture. */
static int
setup(void **state)
{
	struct buf errors;
	char *tsv, *line, *save = NULL, *path, *dot, *apath = NULL;
	size_t len, i, j;

	(void)state;
	buf_init(&errors, 65536);
	if (profile_set_load(CM_SOURCE_DIR "/profiles", &profiles, &errors) != 0 || errors.len) {
		fprintf(stderr, "profile errors:\n%s", errors.data ? errors.data : "");
		return -1;
	}
	buf_release(&errors);
	if (fs_read_file(CM_FIXTURES_DIR "/labels.tsv", 1 << 20, &tsv, &len) != 0)
		return -1;
	for (line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct fixture *f = &fixtures[n_fixtures];
		char st[32];
		if (strncmp(line, "file\t", 5) == 0 || n_fixtures == MAX_FIXTURES)
			continue;
		if (sscanf(line, "%127[^\t]\t%31[^\t]\t%31[^\t]\t%127[^\t]", f->file, f->tool, st,
			   f->accept) != 4)
			continue;
		path = xasprintf(CM_FIXTURES_DIR "/%s", f->file);
		if (fs_read_file(path, 1 << 22, &f->txt, &f->txt_len) != 0) {
			fprintf(stderr, "cannot read %s\n", path);
			return -1;
		}
		dot = strrchr(path, '.');
		*dot = '\0';
		free(apath);
		apath = xasprintf("%s.ansi", path);
		if (fs_read_file(apath, 1 << 22, &f->ansi, &f->ansi_len) != 0)
			f->ansi = NULL;
		free(path);
		n_fixtures++;
	}
	free(tsv);
	free(apath);
	/* byte-identical screens with different labels: accept the union */
	for (i = 0; i < n_fixtures; i++)
		for (j = 0; j < n_fixtures; j++) {
			struct fixture *a = &fixtures[i], *b = &fixtures[j];
			if (i == j || a->txt_len != b->txt_len ||
			    memcmp(a->txt, b->txt, a->txt_len) != 0 || strstr(a->accept, b->accept))
				continue;
			fprintf(stderr, "note: %s is byte-identical to %s: accepting %s|%s\n",
				a->file, b->file, a->accept, b->accept);
			len = strlen(a->accept);
			snprintf(a->accept + len, sizeof(a->accept) - len, "|%s", b->accept);
		}
	return n_fixtures > 0 ? 0 : -1;
}

/* Frees what setup loaded. */
static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < n_fixtures; i++) {
		free(fixtures[i].txt);
		free(fixtures[i].ansi);
	}
	profile_set_free(profiles);
	return 0;
}

/* True if state name s is in the '|'-separated list. */
static int
accepted(const char *list, const char *s)
{
	size_t n = strlen(s);
	const char *p = list;

	while (*p) {
		if (strncmp(p, s, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return 1;
		p = strchr(p, '|');
		if (p == NULL)
			break;
		p++;
	}
	return 0;
}

/* True if two captures hold the same lines once cleaned. */
static int
same_frame(const char *a, size_t alen, const char *b, size_t blen)
{
	struct screen sa, sb;
	size_t i;
	int same;

	screen_parse(&sa, a, alen);
	screen_parse(&sb, b, blen);
	same = sa.n == sb.n;
	for (i = 0; same && i < sa.n; i++)
		same = strcmp(sa.lines[i].text, sb.lines[i].text) == 0;
	screen_release(&sa);
	screen_release(&sb);
	return same;
}

/*
 * Every fixture, .txt and .ansi, classifies to an accepted state. A few
 * .ansi captures were taken a frame later than their .txt (the screen
 * changed in between); those are reported, not scored.
 */
static void
test_fixtures(void **state)
{
	struct classify_result r, ra;
	size_t i, good = 0, total = 0;
	const struct profile *p;

	(void)state;
	for (i = 0; i < n_fixtures; i++) {
		struct fixture *f = &fixtures[i];
		p = profile_set_find(profiles, f->tool);
		assert_non_null(p);
		assert_int_equal(classify_screen(p, f->txt, f->txt_len, &r), 0);
		total++;
		if (accepted(f->accept, cm_state_name(r.state)))
			good++;
		else
			fprintf(stderr, "WRONG %s: %s (rule %s, evidence %s), accept %s\n", f->file,
				cm_state_name(r.state), r.rule, r.evidence, f->accept);
		if (f->ansi == NULL)
			continue;
		assert_int_equal(classify_screen(p, f->ansi, f->ansi_len, &ra), 0);
		if (!same_frame(f->txt, f->txt_len, f->ansi, f->ansi_len)) {
			fprintf(stderr, "note: %s.ansi is another frame than .txt: %s (rule %s)\n",
				f->file, cm_state_name(ra.state), ra.rule);
			continue;
		}
		total++;
		if (accepted(f->accept, cm_state_name(ra.state)) && ra.state == r.state &&
		    strcmp(ra.evidence, r.evidence) == 0)
			good++;
		else
			fprintf(stderr, "WRONG %s (.ansi): %s (rule %s), .txt gave %s\n", f->file,
				cm_state_name(ra.state), ra.rule, cm_state_name(r.state));
	}
	fprintf(stderr, "fixture score: %zu/%zu captures (%zu fixtures, .txt and .ansi)\n", good,
		total, n_fixtures);
	assert_int_equal(good, total);
}

/* Classifies text with a profile from the source tree. */
static void
classify_with(const char *tool, const char *text, struct classify_result *r)
{
	const struct profile *p = profile_set_find(profiles, tool);

	assert_non_null(p);
	assert_int_equal(classify_screen(p, text, strlen(text), r), 0);
}

/* Reads one fixture's .txt by name. */
static const struct fixture *
fixture(const char *file)
{
	size_t i;

	for (i = 0; i < n_fixtures; i++)
		if (strcmp(fixtures[i].file, file) == 0)
			return &fixtures[i];
	fail_msg("no fixture %s", file);
	return NULL;
}

/* The permission prompts give the question, options, keys and a fingerprint. */
static void
test_prompt_details(void **state)
{
	struct classify_result r, r2;
	const struct fixture *f;

	(void)state;
	f = fixture("claude/perm-bash-01.txt");
	classify_with("claude", f->txt, &r);
	assert_int_equal(r.state, CM_STATE_WAITING_CONFIRM);
	assert_true(r.has_prompt && r.prompt.known);
	assert_string_equal(r.prompt.question, "Do you want to proceed?");
	assert_int_equal(r.prompt.n_options, 3);
	assert_string_equal(r.prompt.options[0], "Yes");
	assert_string_equal(r.prompt.options[2], "No");
	assert_int_equal(r.prompt.selected, 0);
	assert_true(r.prompt.answerable);
	assert_string_equal(r.prompt.yes[0], "1");
	assert_string_equal(r.prompt.no[0], "Escape");
	assert_non_null(strstr(r.prompt.body, "touch bash_ok.txt"));
	assert_int_equal(r.prompt.kind, PROFILE_PROMPT_COMMAND);

	f = fixture("claude/perm-write-01.txt");
	classify_with("claude", f->txt, &r2);
	assert_string_equal(r2.prompt.question, "Do you want to create hello.txt?");
	assert_int_equal(r2.prompt.kind, PROFILE_PROMPT_EDIT);
	assert_true(r2.prompt.fingerprint != r.prompt.fingerprint);
	classify_with("claude", f->txt, &r);
	assert_true(r2.prompt.fingerprint == r.prompt.fingerprint);

	f = fixture("codex/codex-approval-01.txt");
	classify_with("codex", f->txt, &r);
	assert_int_equal(r.state, CM_STATE_WAITING_CONFIRM);
	assert_string_equal(r.prompt.question, "Would you like to run the following command?");
	assert_string_equal(r.prompt.yes[0], "y");
	assert_string_equal(r.prompt.options[0], "Yes, proceed (y)");
	assert_int_equal(r.prompt.selected, 0);

	f = fixture("claude/onboard-apikey-01.txt");
	classify_with("claude", f->txt, &r);
	assert_int_equal(r.state, CM_STATE_WAITING_CONFIRM);
	assert_false(r.prompt.answerable);
	assert_int_equal(r.prompt.selected, 1);

	f = fixture("claude/trust-01.txt");
	classify_with("claude", f->txt, &r);
	assert_false(r.prompt.answerable);
}

/* Claude's idle frame with transcript lines put above the input box. */
static char *
claude_idle_with(const char *transcript)
{
	return xasprintf("╭─── Claude Code v2.1.197 ──────────────╮\n"
			 "│          Welcome back!                 │\n"
			 "╰────────────────────────────────────────╯\n"
			 "\n%s\n"
			 "────────────────────────────────────────────────────\n"
			 "❯\u00a0\n"
			 "────────────────────────────────────────────────────\n"
			 "  ? for shortcuts\n",
			 transcript);
}

/*
 * A tool (or a tmux) that draws the input line as "❯" and a plain space,
 * which tmux trims at the end of a line: the box is known by its shape (a
 * line starting with ❯ between two rules), not by the NO-BREAK SPACE.
 */
static void
test_input_box_plain_space(void **state)
{
	static const char *const rule = "────────────────────────────────────────────────────\n";
	struct classify_result r;
	char *s;

	(void)state;
	s = xasprintf("╭─── Claude Code v2.1.197 ──╮\n╰───────────────────────────╯\n\n%s❯\n%s"
		      "  ? for shortcuts\n",
		      rule, rule);
	classify_with("claude", s, &r);
	assert_string_equal(cm_state_name(r.state), "idle");
	free(s);
	s = xasprintf("╭─── Claude Code v2.1.197 ──╮\n╰───────────────────────────╯\n\n%s❯ fix the "
		      "tests\n%s",
		      rule, rule);
	classify_with("claude", s, &r);
	assert_string_equal(cm_state_name(r.state), "idle");
	free(s);
	s = xasprintf("❯ write-run please\n\n● Done.\n\n✻ Brewed for 3s\n\n%s❯\n%s"
		      "  ? for shortcuts\n",
		      rule, rule);
	classify_with("claude", s, &r);
	assert_string_equal(cm_state_name(r.state), "done");
	free(s);
	s = xasprintf("❯ please\n\n● API Error: 400 injected\n\n%s❯\n%s  ? for shortcuts\n", rule,
		      rule);
	classify_with("claude", s, &r);
	assert_string_equal(cm_state_name(r.state), "error");
	free(s);
	/* The echoed message alone, with no box around it, is no input box. */
	classify_with("claude", "❯ write-run please\n\n● Working on it\n", &r);
	assert_string_not_equal(cm_state_name(r.state), "idle");
}

/* Asserts that no trap screen is an answerable prompt (or any prompt). */
static void
assert_not_prompt(const char *tool, const char *text, size_t len)
{
	const struct profile *p = profile_set_find(profiles, tool);
	struct autoconfirm_decision d;
	struct classify_result r;

	assert_int_equal(classify_screen(p, text, len, &r), 0);
	if (r.state == CM_STATE_WAITING_CONFIRM)
		fail_msg("trap classified as waiting_confirm by %s: %s", r.rule, r.evidence);
	assert_int_equal(autoconfirm_decide(&r, "/srv/p", NULL, &d), 0);
	assert_int_not_equal(d.action, AUTOCONFIRM_ANSWER);
}

/* Prompt text quoted in the conversation is not a prompt. */
static void
test_trap_quoted_prompt(void **state)
{
	struct classify_result r;
	char *s;

	(void)state;
	s = claude_idle_with("❯ Do you want to proceed?\n"
			     "● Here is what the prompt looks like:\n"
			     " Do you want to proceed?\n"
			     " ❯ 1. Yes\n"
			     "   2. Yes, and always allow access to proj/ from this project\n"
			     "   3. No\n"
			     " Esc to cancel · Tab to amend · ctrl+e to explain\n"
			     "✻ Worked for 2s");
	assert_not_prompt("claude", s, strlen(s));
	classify_with("claude", s, &r);
	assert_int_equal(r.state, CM_STATE_DONE);
	free(s);

	s = claude_idle_with("❯ what does 1. Yes mean\n"
			     "● Options:\n"
			     "  1. Yes\n"
			     "  2. No\n"
			     "  Do you want to create hello.txt?");
	assert_not_prompt("claude", s, strlen(s));
	classify_with("claude", s, &r);
	assert_int_equal(r.state, CM_STATE_IDLE);
	free(s);

	/* the user typing prompt text into the input box */
	s = xasprintf("────────────────────────────────────────────────────\n"
		      "❯\u00a0Do you want to proceed? ❯ 1. Yes Esc to cancel · Tab to amend\n"
		      "────────────────────────────────────────────────────\n");
	assert_not_prompt("claude", s, strlen(s));
	free(s);

	/* codex: approval text inside ordinary output */
	s = xasprintf("› explain the approval UI\n"
		      "• It looks like this:\n"
		      "  Would you like to run the following command?\n"
		      "  $ rm -rf /\n"
		      "› 1. Yes, proceed (y)\n"
		      "  Press enter to confirm or esc to cancel\n"
		      "  Worked for 3s • 11:50\n"
		      "› Ask Codex to do anything\n"
		      "  ? for shortcuts\n");
	assert_not_prompt("codex", s, strlen(s));
	free(s);
}

/* Slash menus, the model picker and the resume list are never answerable. */
static void
test_trap_menus(void **state)
{
	const struct profile *p;
	struct autoconfirm_decision d;
	struct classify_result r;
	const struct fixture *f;

	(void)state;
	f = fixture("claude/idle-slash-menu-01.txt");
	assert_not_prompt("claude", f->txt, f->txt_len);
	f = fixture("codex/codex-slash-01.txt");
	assert_not_prompt("codex", f->txt, f->txt_len);

	p = profile_set_find(profiles, "claude");
	const char *picker = " Select model\n"
			     " Switch between Claude models.\n"
			     " ❯ 1. Default (recommended)   Opus 4.8\n"
			     "   2. Sonnet                  Sonnet 4.6\n"
			     "   3. Haiku\n"
			     " Enter to confirm · Esc to exit\n";
	classify_screen(p, picker, strlen(picker), &r);
	assert_int_equal(r.state, CM_STATE_WAITING_CONFIRM);
	assert_false(r.prompt.answerable);
	autoconfirm_decide(&r, "/srv/p", NULL, &d);
	assert_int_equal(d.action, AUTOCONFIRM_ASK_PERSON);

	const char *resume = " Resume Session\n"
			     " ❯ 1. create hello.txt          2 minutes ago\n"
			     "   2. fix the tests              1 hour ago\n"
			     " ↑/↓ to select · Enter to confirm · Esc to cancel\n";
	classify_screen(p, resume, strlen(resume), &r);
	autoconfirm_decide(&r, "/srv/p", NULL, &d);
	assert_int_not_equal(d.action, AUTOCONFIRM_ANSWER);
}

/* Huge lines, invalid UTF-8 and escape floods never give a prompt. */
static void
test_trap_hostile_bytes(void **state)
{
	struct classify_result r;
	size_t n = 10000, i;
	char *s, *big;

	(void)state;
	/* a 10,000-column line full of prompt text */
	big = xmalloc(n * 4 + 1);
	for (i = 0; i + 40 < n * 4; i += 38)
		memcpy(big + i, "Do you want to proceed? ❯ 1. Yes Esc ", 38);
	big[i] = '\0';
	s = claude_idle_with(big);
	assert_not_prompt("claude", s, strlen(s));
	classify_with("claude", s, &r);
	assert_int_equal(r.state, CM_STATE_IDLE);
	assert_true(strlen(r.evidence) < CLASSIFY_EVIDENCE_MAX);
	free(s);
	free(big);

	/* invalid UTF-8 everywhere */
	s = xasprintf("\xff\xfe Do you want to proceed?\xc3\n \xe2\x9d 1. Yes\n"
		      " Esc to cancel \xc2 Tab to amend\n\xed\xa0\x80\xf5\x80\n");
	assert_not_prompt("claude", s, strlen(s));
	assert_not_prompt("codex", s, strlen(s));
	free(s);

	/* an escape flood, unterminated sequences, NULs */
	big = xmalloc(300000);
	for (i = 0; i + 8 < 300000; i += 8)
		memcpy(big + i, "\x1b[31;1m\x1b", 8);
	memcpy(big + 1000, "\0\0\0\x1b]0;title", 12);
	assert_not_prompt("claude", big, i);
	assert_not_prompt("codex", big, i);
	classify_with("claude", "", &r);
	assert_int_equal(r.state, CM_STATE_STARTING);
	free(big);
}

/* Escape sequences hiding a real prompt are stripped: it is still found. */
static void
test_ansi_prompt(void **state)
{
	const struct fixture *f = fixture("claude/perm-bash-01.txt");
	struct classify_result r, ra;

	(void)state;
	classify_with("claude", f->txt, &r);
	assert_non_null(f->ansi);
	classify_screen(profile_set_find(profiles, "claude"), f->ansi, f->ansi_len, &ra);
	assert_int_equal(ra.state, CM_STATE_WAITING_CONFIRM);
	assert_true(ra.prompt.fingerprint == r.prompt.fingerprint);
}

/* The screen helpers cut, strip and repair as promised. */
static void
test_screen(void **state)
{
	struct screen s;
	char *line = xmalloc(20001);

	(void)state;
	memset(line, 'x', 20000);
	line[20000] = '\0';
	screen_parse(&s, line, 20000);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.lines[0].len, SCREEN_MAX_LINE);
	assert_true(s.truncated);
	screen_release(&s);
	free(line);

	screen_parse(&s, "a  \t\n\x1b[1mb\x1b[0m\r\n\xff\n\n\n", 19);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.lines[0].text, "a");
	assert_string_equal(s.lines[1].text, "b");
	assert_string_equal(s.lines[2].text, "?");
	assert_int_equal(screen_last_nonblank(&s, 0, 3, 2), 1);
	screen_release(&s);

	screen_parse(&s, NULL, 0);
	assert_int_equal(s.n, 0);
	screen_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_prompt_details),
	    cmocka_unit_test(test_input_box_plain_space),
	    cmocka_unit_test(test_trap_quoted_prompt),
	    cmocka_unit_test(test_trap_menus),
	    cmocka_unit_test(test_trap_hostile_bytes),
	    cmocka_unit_test(test_ansi_prompt),
	    cmocka_unit_test(test_screen),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
