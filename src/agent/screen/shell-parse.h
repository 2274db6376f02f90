/*
 * shell-parse: reads a command line the way a POSIX shell (bash) would,
 * without running or expanding anything.
 *
 * The result is flat: every simple command found anywhere in the text (in
 * lists, pipelines, subshells, { } groups, function bodies, $(...) and
 * backticks, <(...) and >(...), unquoted here-document bodies) is one
 * struct shp_cmd, in source order. Each command belongs to a scope; a scope
 * says how it is nested (subshell, substitution of which word, ...). Words
 * carry their value with quotes removed and flags for what could not be
 * known: variables keep their written form ("$HOME/x", "${A:-b}"), command
 * substitutions read "$(...)" ("$(pwd)" reads "$PWD"), process
 * substitutions "/dev/fd/63".
 *
 * Understood: blanks, comments, backslashes, '...', "...", $'...' (ANSI-C
 * escapes), $"...", $VAR ${...} $((...)), $(...), `...`, <(...) >(...),
 * ;, &, &&, ||, |, |&, newlines, ( ), { }, name() { } and function name { },
 * redirections (<, >, >>, >|, <>, N>&M, &>, &>>, <<, <<-, <<<) and here-
 * document bodies, NAME=value prefixes, and the reserved words if then else
 * elif fi while until do done ! (skipped: their commands are what matters),
 * for (read as a command "for NAME in WORDS"), [[ ]] and (( )).
 * Not understood (status SHP_EUNSUPPORTED): case, select, coproc, arrays
 * NAME=(...), substitutions inside ${...} or $((...)).
 *
 * Invariants: pure (no I/O, no globals); bounded: input up to SHP_MAX_INPUT
 * bytes and no NUL, nesting up to SHP_MAX_DEPTH, at most SHP_MAX_WORDS
 * words and SHP_MAX_CMDS commands; recursion depth is bounded by
 * SHP_MAX_DEPTH. Anything else is an error status with a reason, never a
 * partial result to trust.
 */
#ifndef CM_AGENT_SHELL_PARSE_H
#define CM_AGENT_SHELL_PARSE_H

#include <stddef.h>

#define SHP_MAX_INPUT (64 * 1024) /* bytes of one command line */
#define SHP_MAX_DEPTH 32	  /* nested ( { $( ` <( and function bodies */
#define SHP_MAX_WORDS 4096	  /* words, here-document bodies included */
#define SHP_MAX_CMDS  1024	  /* simple commands (and scopes) */
#define SHP_WHY_MAX   96	  /* bytes of an error reason, NUL included */

enum shp_status {
	SHP_OK = 0,
	SHP_ENUL,	   /* a NUL byte */
	SHP_ELONG,	   /* longer than SHP_MAX_INPUT */
	SHP_EDEEP,	   /* nested deeper than SHP_MAX_DEPTH */
	SHP_EMANY,	   /* too many words or commands */
	SHP_EUNTERMINATED, /* quote, substitution, group or here-document left open */
	SHP_ESYNTAX,	   /* a shell would refuse it */
	SHP_EUNSUPPORTED   /* valid shell this parser does not read */
};

/* Word flags: what the value holds besides literal text. */
#define SHP_W_QUOTED  0x001 /* some part was quoted or escaped */
#define SHP_W_VAR     0x002 /* a parameter expansion ($X, ${X}, $1, $@ ...) */
#define SHP_W_CMDSUB  0x004 /* a command substitution other than $(pwd) */
#define SHP_W_PROCIN  0x008 /* is <(...) */
#define SHP_W_PROCOUT 0x010 /* is >(...) */
#define SHP_W_GLOB    0x020 /* an unquoted * ? or [ */
#define SHP_W_TILDE   0x040 /* starts with an unquoted ~ */
#define SHP_W_ARITH   0x080 /* an arithmetic expansion $((...)) */
#define SHP_W_BRACE   0x100 /* an unquoted { } brace expansion may apply */
#define SHP_W_HEREDOC 0x200 /* the body of a here-document */
#define SHP_W_UNKNOWN (SHP_W_VAR | SHP_W_CMDSUB | SHP_W_ARITH)

struct shp_word {
	char *text;	/* value, NUL-terminated (see above) */
	size_t len;	/* bytes in text */
	unsigned flags; /* SHP_W_* */
};

enum shp_redir_op {
	SHP_R_IN = 0,	 /* <  */
	SHP_R_OUT,	 /* > and >| */
	SHP_R_APPEND,	 /* >> */
	SHP_R_INOUT,	 /* <> */
	SHP_R_DUP,	 /* N>&M, N<&M (target is a descriptor or -) */
	SHP_R_OUTERR,	 /* &> and >&FILE */
	SHP_R_APPENDERR, /* &>> */
	SHP_R_HEREDOC,	 /* << and <<- (target: the body) */
	SHP_R_HERESTRING /* <<< */
};

struct shp_redir {
	enum shp_redir_op op; /* what */
	int fd;		      /* explicit descriptor, or -1 */
	int word;	      /* target word (index in words) */
};

enum shp_cmd_kind {
	SHP_C_SIMPLE = 0, /* words and redirections (maybe no words: "> f") */
	SHP_C_FUNCDEF	  /* name() body: argv[0] is the name, body_scope the body */
};

struct shp_cmd {
	enum shp_cmd_kind kind;	 /* what */
	int *argv;		 /* word indices of the arguments */
	size_t argc;		 /* entries in argv */
	int *assign;		 /* word indices of NAME=value prefixes */
	size_t nassign;		 /* entries in assign */
	struct shp_redir *redir; /* redirections, in order */
	size_t nredir;		 /* entries in redir */
	int scope;		 /* index in scopes */
	int body_scope;		 /* SHP_C_FUNCDEF: the body's scope, else -1 */
	int pipeline;		 /* id shared by the stages of one pipeline */
	int pipe_pos;		 /* 0-based stage in it */
	int pipe_len;		 /* stages in it */
	int stage_simple;	 /* the stage is this simple command (not ( ) or { }) */
	int background;		 /* the pipeline is followed by & */
};

enum shp_scope_kind {
	SHP_S_TOP = 0,	/* the command line itself */
	SHP_S_SUBSHELL, /* ( ... ) */
	SHP_S_GROUP,	/* { ...; } */
	SHP_S_CMDSUB,	/* $( ... ) or ` ... ` inside word */
	SHP_S_PROCIN,	/* <( ... ) (word) */
	SHP_S_PROCOUT,	/* >( ... ) (word) */
	SHP_S_FUNC	/* a function body (word: the name) */
};

struct shp_scope {
	enum shp_scope_kind kind; /* what */
	int parent;		  /* enclosing scope, -1 for the top */
	int word;		  /* word it belongs to, or -1 */
};

struct shp_result {
	enum shp_status status;	  /* SHP_OK or why not */
	char why[SHP_WHY_MAX];	  /* reason when not SHP_OK */
	struct shp_word *words;	  /* nwords words */
	size_t nwords;		  /* entries in words */
	struct shp_cmd *cmds;	  /* ncmds commands, in source order */
	size_t ncmds;		  /* entries in cmds */
	struct shp_scope *scopes; /* nscopes scopes; scopes[0] is the top */
	size_t nscopes;		  /* entries in scopes */
};

/*
 * Parses len bytes of s into r (always initialised: free it with
 * shp_result_free). Returns r->status.
 */
enum shp_status shp_parse(const char *s, size_t len, struct shp_result *r);
void shp_result_free(struct shp_result *r);
/* Short name of a status ("ok", "unterminated", ...). */
const char *shp_status_name(enum shp_status st);

#endif
