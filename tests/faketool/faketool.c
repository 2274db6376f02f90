/*
 * faketool: a scripted fake of Claude Code's terminal UI for tests.
 *
 * It draws the screens recorded in tests/fixtures/claude (welcome box, the
 * input box between two rules with "❯" + NO-BREAK SPACE, the "? for
 * shortcuts" footer, the spinner line and "esc to interrupt" while busy,
 * "● Write(...)" tool lines, the permission prompt with "❯ 1. Yes" and
 * "Esc to cancel · Tab to amend", "● Done." + "✻ Worked for Ns", and
 * "Resume this session with:" on exit) and reacts to keys the same way: 1
 * or Enter approves, Esc rejects or interrupts, typed text + Enter submits a
 * task, /exit or Ctrl-C twice exits. Bracketed paste is enabled and pasted
 * text lands in the input box.
 *
 * What a task does comes from a script (--script FILE or $FAKETOOL_SCRIPT,
 * else a built-in one): one step per line,
 *
 *   think MS          spinner for MS milliseconds
 *   say TEXT          "● TEXT"
 *   ask bash CMD      permission prompt for a command (shown, never run)
 *   ask write FILE    permission prompt to create FILE (nothing is written)
 *   ask edit FILE     permission prompt to edit FILE (nothing is written)
 *   error TEXT        "● API Error: TEXT" and the turn ends
 *   done              "● Done." + "✻ Worked for Ns" and the turn ends
 *   exit N            exit at once with status N
 *   deaf MS           the next prompt drops keys that come within MS
 *                     milliseconds of drawing it (as Codex does its first)
 *   append FILE TEXT  "● Update(FILE)" and TEXT + newline appended to FILE,
 *                     a path under the current directory ("%task" in TEXT
 *                     is the task's text): worktree tests edit files this way
 *   hang MS           busy for MS milliseconds without drawing anything
 *   limit TEXT        "  ⎿  TEXT" (Claude Code's usage-limit line) and the
 *                     turn ends
 *
 * "---" on a line of its own starts the script of the next task; the last
 * one is used for any further task. '#' starts a comment. Other flags:
 * --exit-code N (exit at once with N), --api-error (every task ends with an
 * API error 401), --session-id ID and --resume ID (taken as Claude Code
 * takes them: a resumed conversation starts with no task). A first
 * non-flag argument is submitted as a task. With $FAKETOOL_RESUME_FAIL set,
 * --resume fails as Claude Code's does for a conversation it has not saved
 * (a message, status 1). With $FAKETOOL_ARGV_FILE set,
 * each start appends one line to that file: its directory and its argv.
 *
 * Invariant: it never runs or deletes anything, and writes only what an
 * `append` step names, inside its directory; otherwise it only prints.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define FT_MAX_LINES 400  /* transcript lines kept */
#define FT_MAX_STEPS 64	  /* steps per task script */
#define FT_MAX_TASKS 8	  /* task scripts */
#define FT_LINE	     512  /* bytes of one transcript line */
#define FT_INPUT     1024 /* bytes of the input box */
#define FT_TICK_MS   200  /* spinner redraw interval */
#define FT_CTRLC_MS  2000 /* second Ctrl-C within this exits */

enum ft_mode {
	FT_IDLE = 0, /* waiting at the input box */
	FT_BUSY,     /* running a task's steps */
	FT_PROMPT    /* a permission prompt is shown */
};

enum ft_op {
	FT_THINK,
	FT_SAY,
	FT_ASK_BASH,
	FT_ASK_WRITE,
	FT_ASK_EDIT,
	FT_ERROR,
	FT_DONE,
	FT_EXIT,
	FT_DEAF,
	FT_APPEND,
	FT_HANG,
	FT_LIMIT
};

struct ft_step {
	enum ft_op op;	   /* what to do */
	long ms;	   /* think duration, or exit status */
	char arg[FT_LINE]; /* text, command or file */
};

struct ft_task {
	struct ft_step steps[FT_MAX_STEPS]; /* in order */
	int n;				    /* entries in steps */
};

struct ft {
	struct ft_task tasks[FT_MAX_TASKS]; /* scripts, one per task */
	int n_tasks;			    /* entries in tasks */
	int task_no;			    /* tasks started so far */
	char *lines[FT_MAX_LINES];	    /* transcript */
	int n_lines;			    /* entries in lines */
	enum ft_mode mode;		    /* what is on screen */
	const struct ft_task *task;	    /* running task */
	int step;			    /* next step of task */
	long long step_end;		    /* end of the current think (ms) */
	long long turn_start;		    /* when the task started (ms) */
	int glyph;			    /* spinner glyph index */
	char input[FT_INPUT];		    /* input box text */
	char task_text[FT_INPUT];	    /* the running task's text */
	size_t input_len;		    /* bytes in input */
	int in_paste;			    /* inside a bracketed paste */
	long long ctrlc_at;		    /* time of the last Ctrl-C, 0 = none */
	const struct ft_step *ask;	    /* the prompt shown */
	long long ask_at;		    /* when it was drawn (ms) */
	long deaf_ms;			    /* keys within this of ask_at are dropped */
	const struct ft_step *running;	    /* approved command shown as running */
	int running_line;		    /* its "Running…" transcript line */
	int running_step;		    /* the step that "runs" it */
	int api_error;			    /* --api-error */
	int quiet;			    /* a hang step: nothing is drawn */
	int rows;			    /* terminal rows */
	int cols;			    /* terminal columns */
	struct termios saved;		    /* terminal state to restore */
	int raw;			    /* raw mode is on */
};

static const char *const ft_glyphs[] = {"·", "✢", "*", "✶", "✻", "✽"};

/* Monotonic time in milliseconds. */
static long long
ft_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes all of s to the terminal. */
static void
ft_out(const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(STDOUT_FILENO, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* printf to the terminal. */
static void __attribute__((format(printf, 1, 2))) ft_printf(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		ft_out(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Appends a transcript line. */
static void __attribute__((format(printf, 2, 3))) ft_line(struct ft *ft, const char *fmt, ...)
{
	char buf[FT_LINE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ft->n_lines == FT_MAX_LINES) {
		free(ft->lines[0]);
		memmove(ft->lines, ft->lines + 1, (FT_MAX_LINES - 1) * sizeof(char *));
		ft->n_lines--;
	}
	ft->lines[ft->n_lines++] = strdup(buf);
}

/* Restores the terminal. */
static void
ft_restore(struct ft *ft)
{
	if (!ft->raw)
		return;
	ft_printf("\x1b[?2004l");
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &ft->saved);
	ft->raw = 0;
}

static volatile sig_atomic_t ft_resized; /* SIGWINCH arrived */

/* Notes a terminal resize; the main loop redraws at the new size. */
static void
ft_on_winch(int sig)
{
	(void)sig;
	ft_resized = 1;
}

/* Reads the terminal size (120x40 when there is no terminal). */
static void
ft_size(struct ft *ft)
{
	struct winsize ws;

	ft->rows = 40;
	ft->cols = 120;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		ft->rows = ws.ws_row;
		ft->cols = ws.ws_col;
	}
}

/* Puts the terminal in raw mode and enables bracketed paste. */
static void
ft_raw(struct ft *ft)
{
	struct termios t;

	ft_size(ft);
	if (tcgetattr(STDIN_FILENO, &ft->saved) != 0)
		return;
	t = ft->saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	ft->raw = 1;
	ft_printf("\x1b[?2004h");
}

/* Appends a rule of the terminal's width to buf. */
static size_t
ft_rule(char *buf, size_t max, int cols, const char *ch)
{
	size_t o = 0, l = strlen(ch);
	int i;

	for (i = 0; i < cols && o + l + 1 < max; i++) {
		memcpy(buf + o, ch, l);
		o += l;
	}
	buf[o] = '\0';
	return o;
}

/* Collects the lines of the screen below the transcript. */
static int
ft_bottom(struct ft *ft, char out[][FT_LINE], int max)
{
	char rule[FT_LINE]; /* at most 160 rule glyphs of 3 bytes: fits */
	const struct ft_step *a = ft->ask;
	int n = 0;
	long long secs;

	ft_rule(rule, sizeof(rule), ft->cols < 160 ? ft->cols : 160, "─");
#define FT_ADD(...) (n < max ? snprintf(out[n++], FT_LINE, __VA_ARGS__) : 0)
	if (ft->mode == FT_PROMPT && a != NULL) {
		FT_ADD("%s", rule);
		if (a->op == FT_ASK_BASH) {
			FT_ADD(" Bash command");
			FT_ADD("%s", "");
			FT_ADD("   %s", a->arg);
			FT_ADD("   Run %s", a->arg);
			FT_ADD("%s", "");
			FT_ADD(" Do you want to proceed?");
			FT_ADD(" ❯ 1. Yes");
			FT_ADD("   2. Yes, and always allow access to proj/ from this project");
			FT_ADD("   3. No");
			FT_ADD("%s", "");
			FT_ADD(" Esc to cancel · Tab to amend · ctrl+e to explain");
		} else {
			int create = a->op == FT_ASK_WRITE;
			FT_ADD(" %s", create ? "Create file" : "Edit file");
			FT_ADD(" %s", a->arg);
			FT_ADD("╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌");
			FT_ADD("  1 Hello from the fake tool!");
			FT_ADD("╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌");
			if (create)
				FT_ADD(" Do you want to create %s?", a->arg);
			else
				FT_ADD(" Do you want to make this edit to %s?", a->arg);
			FT_ADD(" ❯ 1. Yes");
			FT_ADD("   2. Yes, allow all edits during this session (shift+tab)");
			FT_ADD("   3. No");
			FT_ADD("%s", "");
			FT_ADD(" Esc to cancel · Tab to amend");
		}
		return n;
	}
	if (ft->mode == FT_BUSY) {
		secs = (ft_now() - ft->turn_start) / 1000;
		FT_ADD("%s", "");
		FT_ADD("%s Thinking… (%llds · esc to interrupt)", ft_glyphs[ft->glyph % 6], secs);
	}
	FT_ADD("%s", "");
	FT_ADD("%s", rule);
	FT_ADD("❯\u00a0%.*s", (int)ft->input_len, ft->input);
	FT_ADD("%s", rule);
	if (ft->ctrlc_at && ft_now() - ft->ctrlc_at < FT_CTRLC_MS)
		FT_ADD("  Press Ctrl-C again to exit");
	else if (ft->mode == FT_BUSY)
		FT_ADD("  esc to interrupt · ← for agents");
	else if (ft->input_len == 0)
		FT_ADD("  ? for shortcuts · ← for agents");
#undef FT_ADD
	return n;
}

/* Redraws the whole screen. */
static void
ft_draw(struct ft *ft, const char *tail)
{
	static const char *const box[] = {
	    "╭─── Claude Code v2.1.197 (fake) ──────────────────────────────────────────╮",
	    "│                         Welcome back!                                    │",
	    "│                 Opus 4.8 (1M context) · API Usage Billing                │",
	    "╰──────────────────────────────────────────────────────────────────────────╯", ""};
	char bottom[32][FT_LINE];
	int nb = ft_bottom(ft, bottom, 32), avail, first, i, nbox = 5, ntail = tail ? 3 : 0;

	avail = ft->rows - nb - ntail - 1;
	if (avail < 0)
		avail = 0;
	ft_printf("\x1b[H\x1b[2J");
	if (ft->n_lines + nbox > avail)
		nbox = 0;
	for (i = 0; i < nbox; i++)
		ft_printf("%s\r\n", box[i]);
	first = ft->n_lines > avail ? ft->n_lines - avail : 0;
	for (i = first; i < ft->n_lines; i++)
		ft_printf("%s\r\n", ft->lines[i]);
	for (i = 0; i < nb; i++)
		ft_printf("%s\r\n", bottom[i]);
	if (tail)
		ft_printf("%s", tail);
}

/* An append step: "FILE TEXT", TEXT's "%task" replaced by the task's text. */
static void
ft_append(struct ft *ft, const char *arg)
{
	const char *sp = strchr(arg, ' '), *text = sp + 1, *mark = strstr(text, "%task");
	char file[FT_LINE];
	FILE *f;

	snprintf(file, sizeof file, "%.*s", (int)(sp - arg), arg);
	ft_line(ft, "● Update(%s)", file);
	ft_line(ft, "%s", "");
	if ((f = fopen(file, "a")) == NULL)
		return;
	if (mark)
		fprintf(f, "%.*s%s%s\n", (int)(mark - text), text, ft->task_text, mark + 5);
	else
		fprintf(f, "%s\n", text);
	fclose(f);
}

/* Parses one script line into a step; 0 if it is empty or a comment. */
static int
ft_parse_step(char *line, struct ft_step *st)
{
	char *arg;

	line[strcspn(line, "\r\n")] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	memset(st, 0, sizeof(*st));
	arg = strchr(line, ' ');
	if (arg)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	snprintf(st->arg, sizeof(st->arg), "%s", arg);
	if (strcmp(line, "think") == 0) {
		st->op = FT_THINK;
		st->ms = atol(arg);
	} else if (strcmp(line, "say") == 0) {
		st->op = FT_SAY;
	} else if (strcmp(line, "ask") == 0 && strncmp(arg, "bash ", 5) == 0) {
		st->op = FT_ASK_BASH;
		snprintf(st->arg, sizeof(st->arg), "%s", arg + 5);
	} else if (strcmp(line, "ask") == 0 && strncmp(arg, "write ", 6) == 0) {
		st->op = FT_ASK_WRITE;
		snprintf(st->arg, sizeof(st->arg), "%s", arg + 6);
	} else if (strcmp(line, "ask") == 0 && strncmp(arg, "edit ", 5) == 0) {
		st->op = FT_ASK_EDIT;
		snprintf(st->arg, sizeof(st->arg), "%s", arg + 5);
	} else if (strcmp(line, "error") == 0) {
		st->op = FT_ERROR;
	} else if (strcmp(line, "done") == 0) {
		st->op = FT_DONE;
	} else if (strcmp(line, "exit") == 0) {
		st->op = FT_EXIT;
		st->ms = atol(arg);
	} else if (strcmp(line, "hang") == 0) {
		st->op = FT_HANG;
		st->ms = atol(arg);
	} else if (strcmp(line, "limit") == 0) {
		st->op = FT_LIMIT;
	} else if (strcmp(line, "deaf") == 0) {
		st->op = FT_DEAF;
		st->ms = atol(arg);
	} else if (strcmp(line, "append") == 0 && strchr(arg, ' ') && arg[0] != '/' &&
		   !strstr(arg, "..")) {
		st->op = FT_APPEND;
	} else {
		fprintf(stderr, "faketool: unknown script step \"%s\"\n", line);
		exit(2);
	}
	return 1;
}

/* Loads the script (file, or the built-in one). */
static void
ft_load_script(struct ft *ft, const char *path)
{
	static const char *const builtin[] = {"think 1500",
					      "say I'll create hello.txt for you.",
					      "ask write hello.txt",
					      "think 800",
					      "say Let me run a command.",
					      "ask bash touch ok.txt",
					      "think 500",
					      "done",
					      NULL};
	char line[FT_LINE + 64];
	struct ft_task *t;
	FILE *f = NULL;
	int i = 0;

	ft->n_tasks = 1;
	if (path != NULL && (f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "faketool: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	for (;;) {
		if (f != NULL) {
			if (fgets(line, sizeof(line), f) == NULL)
				break;
		} else {
			if (builtin[i] == NULL)
				break;
			snprintf(line, sizeof(line), "%s", builtin[i++]);
		}
		if (strncmp(line, "---", 3) == 0) {
			if (ft->n_tasks < FT_MAX_TASKS)
				ft->n_tasks++;
			continue;
		}
		t = &ft->tasks[ft->n_tasks - 1];
		if (t->n < FT_MAX_STEPS && ft_parse_step(line, &t->steps[t->n]))
			t->n++;
	}
	if (f != NULL)
		fclose(f);
}

/* Leaves: the exit text below the last screen, then the terminal restored. */
static void
ft_exit(struct ft *ft, int status)
{
	ft->mode = FT_IDLE;
	ft->input_len = 0;
	ft_draw(ft, "Resume this session with:\r\nclaude --resume "
		    "00000000-0000-4000-8000-00000000fa6e\r\n");
	ft_restore(ft);
	/* tmux 3.3a can lose what a process wrote just before it exited. */
	usleep(200 * 1000);
	exit(status);
}

/* Ends the turn: back to the input box. */
static void
ft_end_turn(struct ft *ft, int worked)
{
	long long secs = (ft_now() - ft->turn_start + 999) / 1000;

	if (worked)
		ft_line(ft, "✻ Worked for %llds", secs < 1 ? 1 : secs);
	ft_line(ft, "%s", "");
	ft->mode = FT_IDLE;
	ft->task = NULL;
	ft->ask = NULL;
}

/* Runs steps until one waits (think, ask) or the turn ends. */
static void
ft_run(struct ft *ft)
{
	const struct ft_step *st;

	while (ft->mode == FT_BUSY) {
		if (ft->step_end && ft_now() < ft->step_end)
			return;
		ft->step_end = 0;
		ft->quiet = 0;
		if (ft->running != NULL && ft->step > ft->running_step) {
			/* The approved command "ran" during the step that just ended. */
			char done[FT_LINE];

			snprintf(done, sizeof(done), "  ⎿  (fake: %s not run)", ft->running->arg);
			if (ft->running_line >= 0 && ft->running_line < ft->n_lines) {
				free(ft->lines[ft->running_line]);
				ft->lines[ft->running_line] = strdup(done);
			}
			ft->running = NULL;
		}
		if (ft->step >= ft->task->n) {
			if (ft->api_error) {
				ft_line(
				    ft,
				    "● API Error: 401 {\"type\":\"error\",\"error\":{\"type\":"
				    "\"authentication_error\",\"message\":\"invalid x-api-key\"}}");
				ft_end_turn(ft, 1);
				return;
			}
			ft_line(ft, "● Done.");
			ft_end_turn(ft, 1);
			return;
		}
		st = &ft->task->steps[ft->step++];
		switch (st->op) {
		case FT_THINK:
			ft->step_end = ft_now() + (st->ms > 0 ? st->ms : 1);
			break;
		case FT_SAY:
			ft_line(ft, "● %s", st->arg);
			ft_line(ft, "%s", "");
			break;
		case FT_APPEND:
			ft_append(ft, st->arg);
			break;
		case FT_ASK_BASH:
			ft_line(ft, "● Bash(%s)", st->arg);
			ft_line(ft, "  ⎿  Waiting…");
			ft->ask = st;
			ft->ask_at = ft_now();
			ft->mode = FT_PROMPT;
			break;
		case FT_ASK_WRITE:
		case FT_ASK_EDIT:
			ft_line(ft, "● %s(%s)", st->op == FT_ASK_WRITE ? "Write" : "Update",
				st->arg);
			ft->ask = st;
			ft->ask_at = ft_now();
			ft->mode = FT_PROMPT;
			break;
		case FT_DEAF:
			ft->deaf_ms = st->ms;
			break;
		case FT_HANG:
			ft->step_end = ft_now() + (st->ms > 0 ? st->ms : 1);
			ft->quiet = 1;
			break;
		case FT_LIMIT:
			ft_line(ft, "  ⎿  %s", st->arg);
			ft_end_turn(ft, 1);
			break;
		case FT_ERROR:
			ft_line(ft, "● API Error: %s", st->arg);
			ft_end_turn(ft, 1);
			break;
		case FT_DONE:
			ft_line(ft, "● Done.");
			ft_end_turn(ft, 1);
			break;
		case FT_EXIT:
			ft_restore(ft);
			exit((int)st->ms);
		}
	}
}

/* Starts a task typed or given on the command line. */
static void
ft_submit(struct ft *ft, const char *text)
{
	int i = ft->task_no < ft->n_tasks ? ft->task_no : ft->n_tasks - 1;

	if (strcmp(text, "/exit") == 0 || strcmp(text, "/quit") == 0)
		ft_exit(ft, 0);
	ft_line(ft, "❯ %s", text);
	ft_line(ft, "%s", "");
	snprintf(ft->task_text, sizeof ft->task_text, "%s", text);
	ft->task_no++;
	ft->task = &ft->tasks[i];
	ft->step = 0;
	ft->step_end = 0;
	ft->turn_start = ft_now();
	ft->mode = FT_BUSY;
	ft_run(ft);
}

/* Answers the prompt: approve (1, 2, Enter) or reject (3, Esc). */
static void
ft_answer(struct ft *ft, int yes)
{
	const struct ft_step *a = ft->ask;

	ft->ask = NULL;
	if (a->op == FT_ASK_BASH) {
		free(ft->lines[--ft->n_lines]); /* the "Waiting…" line */
		if (yes) {
			/* As Claude Code does while a command runs, until the next step. */
			ft_line(ft, "  ⎿  Running…");
			ft->running = a;
			ft->running_line = ft->n_lines - 1;
			ft->running_step = ft->step;
		} else
			ft_line(ft, "  ⎿  User rejected running %s", a->arg);
	} else if (yes) {
		ft_line(ft, "  ⎿  %s 1 lines to %s (fake: nothing written)",
			a->op == FT_ASK_WRITE ? "Wrote" : "Updated", a->arg);
	} else {
		ft_line(ft, "  ⎿  User rejected %s to %s",
			a->op == FT_ASK_WRITE ? "write" : "update", a->arg);
	}
	ft_line(ft, "%s", "");
	if (!yes) {
		ft_end_turn(ft, 0);
		return;
	}
	ft->mode = FT_BUSY;
	ft_run(ft);
}

/* Handles the Escape key. */
static void
ft_escape(struct ft *ft)
{
	if (ft->mode == FT_PROMPT)
		ft_answer(ft, 0);
	else if (ft->mode == FT_BUSY) {
		ft_line(ft, "  ⎿  Interrupted by user");
		ft_end_turn(ft, 0);
	}
}

/* Handles one byte of input (escape sequences already removed). */
static void
ft_key(struct ft *ft, unsigned char c)
{
	if (c == 0x03) { /* Ctrl-C */
		if (ft->input_len > 0) {
			ft->input_len = 0;
			return;
		}
		if (ft->ctrlc_at && ft_now() - ft->ctrlc_at < FT_CTRLC_MS)
			ft_exit(ft, 0);
		ft->ctrlc_at = ft_now();
		if (ft->mode != FT_IDLE)
			ft_escape(ft);
		return;
	}
	if (ft->mode == FT_PROMPT) {
		if (ft->deaf_ms > 0 && ft_now() - ft->ask_at < ft->deaf_ms)
			return; /* still drawing: the key is lost */
		ft->deaf_ms = 0;
		if (c == '1' || c == '2' || c == '\r' || c == '\n')
			ft_answer(ft, 1);
		else if (c == '3')
			ft_answer(ft, 0);
		return;
	}
	if ((c == '\r' || c == '\n') && !ft->in_paste) {
		if (ft->input_len > 0 && ft->mode == FT_IDLE) {
			char text[FT_INPUT + 1];
			memcpy(text, ft->input, ft->input_len);
			text[ft->input_len] = '\0';
			ft->input_len = 0;
			ft->ctrlc_at = 0;
			ft_submit(ft, text);
		}
		return;
	}
	if (c == 0x7f || c == 0x08) {
		while (ft->input_len > 0 && (ft->input[ft->input_len - 1] & 0xc0) == 0x80)
			ft->input_len--;
		if (ft->input_len > 0)
			ft->input_len--;
		return;
	}
	if (c == '\r' || c == '\n' || c == '\t')
		c = ' ';
	if (c < 0x20)
		return;
	if (ft->input_len + 1 < FT_INPUT)
		ft->input[ft->input_len++] = (char)c;
}

/* Reads and dispatches what the terminal sent. */
static void
ft_input(struct ft *ft, const unsigned char *b, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		if (b[i] != 0x1b) {
			ft_key(ft, b[i++]);
			continue;
		}
		if (i + 1 >= n) { /* a lone ESC: the Escape key */
			ft_escape(ft);
			i++;
			continue;
		}
		if (b[i + 1] == '[') {
			for (j = i + 2; j < n && !(b[j] >= 0x40 && b[j] <= 0x7e); j++)
				;
			if (j < n && b[j] == '~' && j - i == 5 && memcmp(b + i + 2, "200", 3) == 0)
				ft->in_paste = 1;
			else if (j < n && b[j] == '~' && j - i == 5 &&
				 memcmp(b + i + 2, "201", 3) == 0)
				ft->in_paste = 0;
			i = j + 1;
			continue;
		}
		if (b[i + 1] == 0x1b) { /* ESC ESC */
			ft_escape(ft);
			i++;
			continue;
		}
		i += 2; /* ESC + key (Alt): ignored */
	}
}

/* Appends "DIR ARG..." to $FAKETOOL_ARGV_FILE, for tests to see how it was started. */
static void
ft_note_argv(int argc, char **argv)
{
	const char *path = getenv("FAKETOOL_ARGV_FILE");
	char cwd[4096];
	FILE *f;

	if (path == NULL || *path == '\0' || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s", getcwd(cwd, sizeof cwd) ? cwd : "?");
	for (int i = 0; i < argc; i++)
		fprintf(f, " %s", argv[i]);
	fprintf(f, "\n");
	fclose(f);
}

int
main(int argc, char **argv)
{
	static struct ft ft;
	const char *script = getenv("FAKETOOL_SCRIPT"), *task = NULL;
	unsigned char buf[4096];
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	long long next_tick;
	ssize_t r;
	int i, timeout, resumed = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--script") == 0 && i + 1 < argc)
			script = argv[++i];
		else if (strcmp(argv[i], "--exit-code") == 0 && i + 1 < argc)
			return atoi(argv[++i]);
		else if (strcmp(argv[i], "--api-error") == 0)
			ft.api_error = 1;
		else if (strcmp(argv[i], "--session-id") == 0 && i + 1 < argc)
			i++;
		else if (strcmp(argv[i], "--resume") == 0 && i + 1 < argc) {
			i++;
			resumed = 1;
		} else if (strcmp(argv[i], "--help") == 0) {
			printf("usage: cm-faketool [--script FILE] [--exit-code N] [--api-error] "
			       "[TASK]\n");
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2] == '\0') {
			if (i + 1 < argc)
				task = argv[i + 1];
			break;
		} else if (argv[i][0] != '-' && task == NULL)
			task = argv[i];
	}
	if (script != NULL && script[0] == '\0')
		script = NULL;
	ft_note_argv(argc, argv);
	if (resumed && getenv("FAKETOOL_RESUME_FAIL") != NULL) {
		printf("No conversation found with session ID\n");
		return 1;
	}
	if (resumed)
		task = NULL; /* the conversation goes on where it was */
	ft_load_script(&ft, script);
	signal(SIGPIPE, SIG_IGN);
	{
		/* No SA_RESTART: poll() returns so a resize is drawn at once. */
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = ft_on_winch;
		sigaction(SIGWINCH, &sa, NULL);
	}
	ft_raw(&ft);
	ft_draw(&ft, NULL);
	if (task != NULL && task[0] != '\0') {
		usleep(300 * 1000); /* the real tool shows its idle screen first */
		ft_submit(&ft, task);
		ft_draw(&ft, NULL);
	}
	next_tick = ft_now() + FT_TICK_MS;
	for (;;) {
		timeout = (int)(next_tick - ft_now());
		if (ft.mode == FT_BUSY && ft.step_end && ft.step_end - ft_now() < timeout)
			timeout = (int)(ft.step_end - ft_now());
		if (timeout < 0)
			timeout = 0;
		if (ft.mode == FT_IDLE && !ft.ctrlc_at)
			timeout = -1;
		i = poll(&pfd, 1, timeout);
		if (i < 0 && errno != EINTR)
			break;
		if (i > 0) {
			r = read(STDIN_FILENO, buf, sizeof(buf));
			if (r <= 0)
				break;
			/* a lone ESC may be followed by more bytes of a sequence: wait briefly */
			if (r == 1 && buf[0] == 0x1b && poll(&pfd, 1, 30) > 0) {
				ssize_t r2 = read(STDIN_FILENO, buf + 1, sizeof(buf) - 1);
				if (r2 > 0)
					r += r2;
			}
			ft_input(&ft, buf, (size_t)r);
		}
		if (ft_resized) {
			ft_resized = 0;
			ft_size(&ft);
		}
		if (ft.ctrlc_at && ft_now() - ft.ctrlc_at >= FT_CTRLC_MS)
			ft.ctrlc_at = 0;
		if (ft_now() >= next_tick) {
			ft.glyph++;
			next_tick = ft_now() + FT_TICK_MS;
		}
		ft_run(&ft);
		if (!ft.quiet)
			ft_draw(&ft, NULL);
	}
	ft_restore(&ft);
	return 0;
}
