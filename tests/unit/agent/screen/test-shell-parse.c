/*
 * test-shell-parse: the shell parser reads words, quotes, expansions,
 * lists, pipelines, nesting, substitutions, redirections and here-documents
 * as a shell would, and refuses hostile input (NUL bytes, a 1 MB line,
 * 10000 nested parentheses, unterminated constructs) with a status rather
 * than a partial result. Invalid UTF-8 is read as bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/screen/shell-parse.h"
#include "common/xmalloc.h"

static struct shp_result R;

/* Parses s, expecting st. */
static void
parse(const char *s, enum shp_status st)
{
	shp_result_free(&R);
	if (shp_parse(s, strlen(s), &R) != st)
		fail_msg("%.60s: status %s (%s), expected %s", s, shp_status_name(R.status), R.why,
			 shp_status_name(st));
}

/* Word k of command c. */
static const struct shp_word *
arg(size_t c, size_t k)
{
	assert_true(c < R.ncmds);
	assert_true(k < R.cmds[c].argc);
	return &R.words[R.cmds[c].argv[k]];
}

static void
test_words_and_quotes(void **state)
{
	(void)state;
	parse("echo a   'b c' \"d $HOME e\" f\\ g", SHP_OK);
	assert_int_equal(R.ncmds, 1);
	assert_int_equal(R.cmds[0].argc, 5);
	assert_string_equal(arg(0, 1)->text, "a");
	assert_string_equal(arg(0, 2)->text, "b c");
	assert_true(arg(0, 2)->flags & SHP_W_QUOTED);
	assert_string_equal(arg(0, 3)->text, "d $HOME e");
	assert_true(arg(0, 3)->flags & SHP_W_VAR);
	assert_string_equal(arg(0, 4)->text, "f g");
	parse("r'm' \"-\"rf /", SHP_OK);
	assert_string_equal(arg(0, 0)->text, "rm");
	assert_string_equal(arg(0, 1)->text, "-rf");
	parse("echo $'a\\tb\\x41\\101\\u00e9\\n' $'it\\'s'", SHP_OK);
	assert_string_equal(arg(0, 1)->text, "a\tbAA\xc3\xa9\n");
	assert_string_equal(arg(0, 2)->text, "it's");
	parse("echo $'cut\\0here' x", SHP_OK);
	assert_string_equal(arg(0, 1)->text, "cut");
	parse("echo \"a\\\"b\\$c\\\\\" 'x\\y'", SHP_OK);
	assert_string_equal(arg(0, 1)->text, "a\"b$c\\");
	assert_string_equal(arg(0, 2)->text, "x\\y");
	parse("echo ~/x *.c ${A:-b} $1 $((1+2)) {a,b}", SHP_OK);
	assert_true(arg(0, 1)->flags & SHP_W_TILDE);
	assert_true(arg(0, 2)->flags & SHP_W_GLOB);
	assert_string_equal(arg(0, 3)->text, "${A:-b}");
	assert_true(arg(0, 4)->flags & SHP_W_VAR);
	assert_true(arg(0, 5)->flags & SHP_W_ARITH);
	assert_true(arg(0, 6)->flags & SHP_W_BRACE);
	parse("ls # rm -rf /", SHP_OK);
	assert_int_equal(R.cmds[0].argc, 1);
	parse("echo a\\\nb", SHP_OK);
	assert_string_equal(arg(0, 1)->text, "ab");
	parse("FOO=1 BAR=\"x y\" make -j2", SHP_OK);
	assert_int_equal(R.cmds[0].nassign, 2);
	assert_string_equal(R.words[R.cmds[0].assign[1]].text, "BAR=x y");
	assert_string_equal(arg(0, 0)->text, "make");
}

static void
test_lists_and_pipes(void **state)
{
	(void)state;
	parse("a | b |& c && d || e; f & g\nh", SHP_OK);
	assert_int_equal(R.ncmds, 8);
	assert_int_equal(R.cmds[0].pipe_len, 3);
	assert_int_equal(R.cmds[2].pipe_pos, 2);
	assert_int_equal(R.cmds[1].pipeline, R.cmds[0].pipeline);
	assert_true(R.cmds[5].background);
	assert_false(R.cmds[6].background);
	parse("a &&\n b ||\n c |\n d", SHP_OK);
	assert_int_equal(R.ncmds, 4);
	parse("(cd /; ls) && { echo a; echo b; }", SHP_OK);
	assert_int_equal(R.ncmds, 4);
	assert_int_equal(R.scopes[R.cmds[0].scope].kind, SHP_S_SUBSHELL);
	assert_int_equal(R.scopes[R.cmds[2].scope].kind, SHP_S_GROUP);
	parse("if [ -f x ]; then make; else echo no; fi", SHP_OK);
	assert_string_equal(arg(1, 0)->text, "make");
	parse("for f in *.c; do gcc -c $f; done < list", SHP_OK);
	assert_string_equal(arg(0, 0)->text, "for");
	assert_string_equal(arg(1, 0)->text, "gcc");
	assert_int_equal(R.cmds[2].argc, 0);
	assert_int_equal(R.cmds[2].nredir, 1);
	parse("while read l; do echo $l; done", SHP_OK);
	parse("f() { echo hi; }; f", SHP_OK);
	assert_int_equal(R.cmds[0].kind, SHP_C_FUNCDEF);
	assert_int_equal(R.scopes[R.cmds[1].scope].kind, SHP_S_FUNC);
	parse(":(){ :|:& };:", SHP_OK);
	assert_int_equal(R.cmds[0].kind, SHP_C_FUNCDEF);
	parse("function g { ls; }", SHP_OK);
	parse("(( i++ )) && [[ -f x && -d y ]]", SHP_OK);
	parse("! false", SHP_OK);
	assert_string_equal(arg(0, 0)->text, "false");
}

static void
test_substitutions(void **state)
{
	const struct shp_scope *sc;

	(void)state;
	parse("echo $(rm -rf /) `ls -l` \"$(pwd)/x\"", SHP_OK);
	assert_int_equal(R.ncmds, 4); /* rm, ls, pwd, echo */
	assert_string_equal(arg(0, 0)->text, "rm");
	sc = &R.scopes[R.cmds[0].scope];
	assert_int_equal(sc->kind, SHP_S_CMDSUB);
	assert_int_equal(sc->word, R.cmds[3].argv[1]);
	assert_string_equal(arg(1, 0)->text, "ls");
	assert_string_equal(arg(3, 1)->text, "$(...)");
	assert_true(arg(3, 1)->flags & SHP_W_CMDSUB);
	assert_string_equal(arg(3, 3)->text, "$PWD/x");
	parse("diff <(sort a) >(cat)", SHP_OK);
	assert_int_equal(R.scopes[R.cmds[0].scope].kind, SHP_S_PROCIN);
	assert_int_equal(R.scopes[R.cmds[1].scope].kind, SHP_S_PROCOUT);
	assert_true(arg(2, 1)->flags & SHP_W_PROCIN);
	parse("echo $(echo $(echo `echo \\`id\\``))", SHP_OK);
	assert_int_equal(R.ncmds, 5);
	parse("echo \"$(printf ')')\"", SHP_OK);
	parse("echo ${x:-$(id)}", SHP_EUNSUPPORTED);
	parse("case $x in a) ls;; esac", SHP_EUNSUPPORTED);
	parse("a=(1 2 3)", SHP_EUNSUPPORTED);
}

static void
test_redirections(void **state)
{
	const struct shp_cmd *c;

	(void)state;
	parse("cmd >out 2>&1 <in >>log &>all 2>/dev/null 3<>rw >|clob", SHP_OK);
	c = &R.cmds[0];
	assert_int_equal(c->argc, 1);
	assert_int_equal(c->nredir, 8);
	assert_int_equal(c->redir[0].op, SHP_R_OUT);
	assert_int_equal(c->redir[1].op, SHP_R_DUP);
	assert_int_equal(c->redir[1].fd, 2);
	assert_int_equal(c->redir[2].op, SHP_R_IN);
	assert_int_equal(c->redir[3].op, SHP_R_APPEND);
	assert_int_equal(c->redir[4].op, SHP_R_OUTERR);
	assert_int_equal(c->redir[6].op, SHP_R_INOUT);
	assert_string_equal(R.words[c->redir[6].word].text, "rw");
	parse("echo x >&file", SHP_OK);
	assert_int_equal(R.cmds[0].redir[0].op, SHP_R_OUTERR);
	parse("cat <<EOF >f\nline $HOME\n$(id)\nEOF\necho after", SHP_OK);
	assert_int_equal(R.ncmds, 3); /* cat, then id (read with the body), echo */
	c = &R.cmds[0];
	assert_int_equal(c->redir[0].op, SHP_R_HEREDOC);
	assert_string_equal(R.words[c->redir[0].word].text, "line $HOME\n$(...)\n");
	assert_string_equal(arg(1, 0)->text, "id");
	assert_string_equal(arg(2, 0)->text, "echo");
	parse("cat <<'EOF'\n$(id)\nEOF", SHP_OK);
	assert_int_equal(R.ncmds, 1);
	assert_string_equal(R.words[R.cmds[0].redir[0].word].text, "$(id)\n");
	parse("cat <<-X\n\tindented\n\tX", SHP_OK);
	assert_string_equal(R.words[R.cmds[0].redir[0].word].text, "indented\n");
	parse("a <<A; b <<B\n1\nA\n2\nB", SHP_OK);
	assert_string_equal(R.words[R.cmds[1].redir[0].word].text, "2\n");
	parse("bash <<< 'rm -rf /'", SHP_OK);
	assert_int_equal(R.cmds[0].redir[0].op, SHP_R_HERESTRING);
	parse("> truncated", SHP_OK);
	assert_int_equal(R.cmds[0].argc, 0);
}

static void
test_errors(void **state)
{
	(void)state;
	parse("echo 'open", SHP_EUNTERMINATED);
	parse("echo \"open", SHP_EUNTERMINATED);
	parse("echo $(ls", SHP_EUNTERMINATED);
	parse("echo `ls", SHP_EUNTERMINATED);
	parse("(ls", SHP_EUNTERMINATED);
	parse("{ ls;", SHP_EUNTERMINATED);
	parse("cat <<EOF\nno end", SHP_EUNTERMINATED);
	parse("echo ${x", SHP_EUNTERMINATED);
	parse("$'abc", SHP_EUNTERMINATED);
	parse("ls )", SHP_ESYNTAX);
	parse("| ls", SHP_ESYNTAX);
	parse("ls &&", SHP_EUNTERMINATED);
	parse("ls ||\n", SHP_EUNTERMINATED);
	parse("(ls &&)", SHP_EUNTERMINATED);
	parse("ls |", SHP_ESYNTAX);
	parse("echo >", SHP_ESYNTAX);
	parse("echo a (b)", SHP_ESYNTAX);
	parse("}", SHP_ESYNTAX);
	parse("ls ;; x", SHP_EUNSUPPORTED);
	parse("", SHP_OK);
	assert_int_equal(R.ncmds, 0);
}

/* NUL bytes, huge and deeply nested input, junk bytes. */
static void
test_hostile(void **state)
{
	size_t n = 1 << 20, i;
	char *big = xmalloc(n + 1);

	(void)state;
	shp_result_free(&R);
	assert_int_equal(shp_parse("ls\0rm -rf /", 11, &R), SHP_ENUL);
	memset(big, 'a', n);
	big[n] = '\0';
	shp_result_free(&R);
	assert_int_equal(shp_parse(big, n, &R), SHP_ELONG);
	/* 10000 nested parentheses, groups and substitutions */
	for (i = 0; i < 20000; i += 2)
		memcpy(big + i, "( ", 2);
	big[i] = '\0';
	parse(big, SHP_EDEEP);
	for (i = 0; i < 20000; i += 2)
		memcpy(big + i, "{ ", 2);
	big[i] = '\0';
	parse(big, SHP_EDEEP);
	for (i = 0; i < 5000; i++)
		memcpy(big + 2 * i, "$(", 2);
	big[2 * i] = '\0';
	parse(big, SHP_EDEEP);
	for (i = 0; i < 10000; i++)
		big[i] = '`';
	big[i] = '\0';
	shp_result_free(&R);
	shp_parse(big, strlen(big), &R); /* any status; must not crash or hang */
	/* SHP_MAX_DEPTH levels are fine */
	for (i = 0; i < SHP_MAX_DEPTH; i++)
		big[i] = '(';
	memcpy(big + i, "ls", 2);
	for (size_t k = 0; k < SHP_MAX_DEPTH; k++)
		big[i + 2 + k] = ')';
	big[i + 2 + SHP_MAX_DEPTH] = '\0';
	parse(big, SHP_OK);
	/* too many words */
	for (i = 0; i < 2 * (SHP_MAX_WORDS + 10); i += 2)
		memcpy(big + i, "a ", 2);
	big[i] = '\0';
	parse(big, SHP_EMANY);
	/* too many commands */
	for (i = 0; i < 3 * (SHP_MAX_CMDS + 10); i += 3)
		memcpy(big + i, "a;\n", 3);
	big[i] = '\0';
	parse(big, SHP_EMANY);
	/* invalid UTF-8 is bytes */
	parse("echo \xff\xfe\xc3 '\x80'", SHP_OK);
	assert_string_equal(arg(0, 1)->text, "\xff\xfe\xc3");
	free(big);
	shp_result_free(&R);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_words_and_quotes), cmocka_unit_test(test_lists_and_pipes),
	    cmocka_unit_test(test_substitutions),    cmocka_unit_test(test_redirections),
	    cmocka_unit_test(test_errors),	     cmocka_unit_test(test_hostile),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	shp_result_free(&R);
	return rc;
}
