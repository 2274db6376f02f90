/*
 * cmd-completion: `cm completion bash|zsh|fish` prints a completion script,
 * and the hidden `cm __complete WORD...` answers it.
 *
 * The scripts hold the command names (from cmd_table[]) for the first word
 * and ask `cm __complete` for the rest, so that what is completed always
 * follows the binary: the flags of a command are read from its table row
 * (every `--flag` and `-x` in its usage and help text; one followed by an
 * upper-case placeholder takes a value), subcommands from its usage
 * ("add|ls|show..."), context and pool names from contexts.json, session
 * ids by asking the agents (as cm ls does, with a short timeout). A value
 * that is a local file (placeholder F or FILE) answers "__files__" and the
 * shell completes file names itself.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/xmalloc.h"
#include "conn.h"

extern const struct cli_cmd cmd_completion_entry, cmd_complete_entry;

#define COMPLETE_TIMEOUT_MS 3000 /* how long a session listing may take */

/* The global flags main.c takes before the command (and whether they take a value). */
static const struct {
	const char *name;
	int value;
} complete_globals[] = {
    {"--ctx", 1}, {"--json", 0},    {"--compact", 0}, {"--no-color", 0}, {"--verbose", 0},
    {"-v", 0},	  {"--version", 0}, {"--help", 0},    {NULL, 0},
};

/* Prints s if it starts with prefix. */
static void
complete_offer(const char *s, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (len >= pl && !strncmp(s, prefix, pl))
		printf("%.*s\n", (int)len, s);
}

/*
 * Finds flag in the command's usage and help text. Returns -1 if absent,
 * else 0 (no value), 1 (a value), 2 (a local file).
 */
static int
complete_flag_kind(const struct cli_cmd *c, const char *flag)
{
	const char *texts[] = {c->usage, c->help}, *p;
	size_t fl = strlen(flag), i;
	int found = -1;

	/* cli_getopt takes these two for any command that accepts them. */
	if (!strcmp(flag, "--ctx") || !strcmp(flag, "--pool"))
		return 1;

	for (i = 0; i < 2; i++) {
		for (p = texts[i]; p && (p = strstr(p, flag)); p += fl) {
			const char *v = p + fl;
			if ((p > texts[i] && (isalnum((unsigned char)p[-1]) || p[-1] == '-')) ||
			    isalnum((unsigned char)*v) || *v == '-')
				continue; /* part of a longer word */
			if (*v == ' ' &&
			    (isupper((unsigned char)v[1]) || !strncmp(v + 1, "on|off", 6))) {
				size_t n = strspn(v + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
				if ((n == 1 && v[1] == 'F') ||
				    (n == 4 && !strncmp(v + 1, "FILE", 4)))
					return 2;
				return 1;
			}
			found = 0;
		}
	}
	return found;
}

/* Prints every flag of the command that starts with prefix (once each). */
static void
complete_flags(const struct cli_cmd *c, const char *prefix)
{
	const char *texts[] = {c->usage, c->help}, *p;
	char seen[4096] = " ";
	size_t i;

	for (i = 0; i < 2; i++) {
		for (p = texts[i]; p && *p; p++) {
			char word[64];
			size_t n;
			if (*p != '-' || (p > texts[i] && !strchr(" [(|,", p[-1])))
				continue;
			n = 1 + (p[1] == '-');
			if (!isalpha((unsigned char)p[n]))
				continue;
			while (isalnum((unsigned char)p[n]) || p[n] == '-')
				n++;
			if (n >= sizeof(word) - 2 || (p[1] != '-' && n != 2))
				continue;
			snprintf(word, sizeof(word), " %.*s ", (int)n, p);
			if (strstr(seen, word) || strlen(seen) + n + 2 >= sizeof(seen))
				continue;
			strcat(seen, word + 1);
			complete_offer(p, n, prefix);
			p += n - 1;
		}
	}
}

/* Prints the subcommands a command's usage names ("add|ls|..." or "a ... | b ..."). */
static int
complete_subcommands(const struct cli_cmd *c, const char *prefix)
{
	const char *p = c->usage;
	int n = 0;

	if (!strchr(p, '|') || !islower((unsigned char)*p))
		return 0;
	if (strcspn(p, " ") > strcspn(p, "|")) {
		/* "add|ls|show|rm|use|close [NAME]" */
		size_t end = strcspn(p, " ");
		while (p < c->usage + end) {
			size_t l = strcspn(p, "| ");
			complete_offer(p, l, prefix);
			n++;
			p += l + (p[l] == '|');
		}
		return n;
	}
	/* "install HOST [...] | upgrade [...] | uninstall [...]" */
	while (p) {
		while (*p == ' ' || *p == '|')
			p++;
		if (islower((unsigned char)*p)) {
			complete_offer(p, strcspn(p, " |"), prefix);
			n++;
		}
		p = strstr(p, " | ");
	}
	return n;
}

/* Prints the context names (or the pools) that start with prefix. */
static void
complete_contexts(struct cli *cli, const char *prefix, int pools)
{
	char seen[4096] = " ", err[256];
	size_t i;

	if (cli_load_contexts(cli) != 0)
		return;
	for (i = 0; i < contexts_count(&cli->contexts); i++) {
		struct ctx x;
		char word[CTX_NAME_MAX + 3];
		const char *s;
		if (contexts_at(&cli->contexts, i, &x, err, sizeof(err)) < 0)
			continue;
		if (!(s = pools ? x.pool : x.name))
			continue;
		snprintf(word, sizeof(word), " %s ", s);
		if (strstr(seen, word) || strlen(seen) + strlen(word) >= sizeof(seen))
			continue;
		strcat(seen, word + 1);
		complete_offer(s, strlen(s), prefix);
	}
}

/* Prints the session ids of the agents (of one context if named) that start with prefix. */
static void
complete_sessions(struct cli *cli, const char *ctx_name, const char *prefix)
{
	struct conn *cns;
	size_t n = 0, i, k;
	int rc;

	if (cli_load_contexts(cli) != 0)
		return;
	cli->timeout_ms = COMPLETE_TIMEOUT_MS;
	if (ctx_name) {
		struct ctx x;
		if (contexts_find(&cli->contexts, ctx_name, &x) < 0)
			return;
		cns = xcalloc(1, sizeof(*cns));
		cns[0].ctx = x;
		n = 1;
	} else if (!(cns = conn_all_contexts(cli, NULL, &n, &rc))) {
		return;
	}
	conn_open_many(cli, cns, n, NULL, 1);
	for (i = 0; i < n; i++) {
		json_t *list = NULL;
		if (cns[i].status || cm_client_list_sessions(cns[i].client, &list) < 0)
			continue;
		for (k = 0; k < json_array_size(list); k++) {
			const char *id = json_string_value(
			    json_object_get(json_array_get(list, k), "sessionId"));
			if (id)
				complete_offer(id, strlen(id), prefix);
		}
		json_decref(list);
	}
	conn_close_many(cns, n);
}

/* True if the command's first positional argument is a session. */
static int
complete_takes_session(const struct cli_cmd *c)
{
	return !strncmp(c->usage, "ID", 2);
}

/*
 * cm __complete WORD... CUR: the candidates for CUR, the word being typed,
 * one per line (the words before it are the command line after "cm").
 */
static int
cmd_complete_exec(struct cli *cli, int argc, char **argv)
{
	const char *cur, *prev, *ctx_name = NULL, *sub = NULL;
	const struct cli_cmd *c = NULL;
	int i, k, npos = 0, kind;

	if (argc < 2) {
		return 0;
	}
	if (!strcmp(argv[1], "--"))
		argv++, argc--;
	if (argc < 2)
		return 0;
	cur = argv[argc - 1];
	prev = argc > 2 ? argv[argc - 2] : "";
	/* Global flags, then the command. */
	for (i = 1; i < argc - 1; i++) {
		if (argv[i][0] != '-')
			break;
		for (k = 0; complete_globals[k].name; k++)
			if (!strcmp(argv[i], complete_globals[k].name) && complete_globals[k].value)
				break;
		if (!complete_globals[k].name)
			continue;
		if (i + 1 == argc - 1) {
			/* Only --ctx takes a value among the global flags. */
			complete_contexts(cli, cur, 0);
			return 0;
		}
		ctx_name = argv[++i];
	}
	if (i == argc - 1) {
		if (cur[0] == '-') {
			for (k = 0; complete_globals[k].name; k++)
				complete_offer(complete_globals[k].name,
					       strlen(complete_globals[k].name), cur);
			return 0;
		}
		for (k = 0; cmd_table[k]; k++)
			if (!(cmd_table[k]->flags & CMD_HIDDEN))
				complete_offer(cmd_table[k]->name, strlen(cmd_table[k]->name), cur);
		return 0;
	}
	if (!(c = cmd_find(argv[i], NULL, 0)))
		return 0;
	/* The words after the command: flags (and their values), positionals. */
	for (i++; i < argc - 1; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			if (complete_flag_kind(c, argv[i]) > 0 && i + 1 < argc - 1) {
				if (!strcmp(argv[i], "--ctx"))
					ctx_name = argv[i + 1];
				i++;
			}
			continue;
		}
		if (npos++ == 0)
			sub = argv[i];
	}
	if (prev[0] == '-' && (kind = complete_flag_kind(c, prev)) > 0) {
		if (!strcmp(prev, "--ctx"))
			complete_contexts(cli, cur, 0);
		else if (!strcmp(prev, "--pool"))
			complete_contexts(cli, cur, 1);
		else if (kind == 2)
			printf("__files__\n");
		else if (!strcmp(prev, "--auto-confirm")) {
			complete_offer("on", 2, cur);
			complete_offer("off", 3, cur);
		}
		return 0;
	}
	if (cur[0] == '-') {
		complete_flags(c, cur);
		return 0;
	}
	if (!strcmp(c->name, "help")) {
		if (npos == 0)
			for (k = 0; cmd_table[k]; k++)
				if (!(cmd_table[k]->flags & CMD_HIDDEN))
					complete_offer(cmd_table[k]->name,
						       strlen(cmd_table[k]->name), cur);
		return 0;
	}
	if (!strcmp(c->name, "completion")) {
		if (npos == 0) {
			complete_offer("bash", 4, cur);
			complete_offer("zsh", 3, cur);
			complete_offer("fish", 4, cur);
		}
		return 0;
	}
	if (npos == 0 && complete_subcommands(c, cur) > 0)
		return 0;
	if (!strcmp(c->name, "ctx") && npos == 1 && sub && strcmp(sub, "add") &&
	    strcmp(sub, "ls")) {
		complete_contexts(cli, cur, 0);
		return 0;
	}
	/* kill takes several ids; the others one. */
	if (complete_takes_session(c) && (npos == 0 || !strcmp(c->name, "kill")))
		complete_sessions(cli, ctx_name, cur);
	return 0;
}

/* The command names, space-separated (the scripts' first word). */
static char *
complete_names(void)
{
	char *s = xstrdup(""), *t;
	int k;

	for (k = 0; cmd_table[k]; k++) {
		if (cmd_table[k]->flags & CMD_HIDDEN)
			continue;
		t = xasprintf("%s%s%s", s, *s ? " " : "", cmd_table[k]->name);
		free(s);
		s = t;
	}
	return s;
}

/* cm completion bash|zsh|fish. */
static int
cmd_completion_exec(struct cli *cli, int argc, char **argv)
{
	char *names;

	if (argc != 2) {
		cli_error(cli,
			  argc < 2 ? "missing shell: bash, zsh or fish"
				   : "unexpected argument \"%s\"",
			  argc > 2 ? argv[2] : "");
		return CLI_EXIT_USAGE;
	}
	names = complete_names();
	if (!strcmp(argv[1], "bash")) {
		printf(
		    "# bash completion for cm (cm completion bash; generated from cm's commands)\n"
		    "# Load it with: source <(cm completion bash)\n"
		    "_cm() {\n"
		    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\\n' out\n"
		    "\tif [ \"$COMP_CWORD\" -eq 1 ] && [ \"${cur#-}\" = \"$cur\" ]; then\n"
		    "\t\tCOMPREPLY=($(IFS=' ' compgen -W '%s' -- \"$cur\"))\n"
		    "\t\treturn\n"
		    "\tfi\n"
		    "\tout=$(\"${COMP_WORDS[0]}\" __complete -- \"${COMP_WORDS[@]:1:COMP_CWORD}\" "
		    "2>/dev/null)\n"
		    "\tif [ \"$out\" = __files__ ]; then\n"
		    "\t\tcompopt -o filenames 2>/dev/null\n"
		    "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
		    "\t\treturn\n"
		    "\tfi\n"
		    "\tCOMPREPLY=($(compgen -W \"$out\" -- \"$cur\"))\n"
		    "}\n"
		    "complete -F _cm cm\n",
		    names);
	} else if (!strcmp(argv[1], "zsh")) {
		printf("#compdef cm\n"
		       "# zsh completion for cm (cm completion zsh; generated from cm's commands)\n"
		       "# Load it with: source <(cm completion zsh), after compinit\n"
		       "_cm() {\n"
		       "\tlocal out\n"
		       "\tlocal -a cands\n"
		       "\tif (( CURRENT == 2 )) && [[ $words[2] != -* ]]; then\n"
		       "\t\tcands=(%s)\n"
		       "\t\tcompadd -a cands\n"
		       "\t\treturn\n"
		       "\tfi\n"
		       "\tout=$(${words[1]} __complete -- \"${(@)words[2,CURRENT]}\" 2>/dev/null)\n"
		       "\tif [[ $out == __files__ ]]; then\n"
		       "\t\t_files\n"
		       "\t\treturn\n"
		       "\tfi\n"
		       "\tcands=(${(f)out})\n"
		       "\tcompadd -a cands\n"
		       "}\n"
		       "if (( $+functions[compdef] )); then compdef _cm cm; fi\n",
		       names);
	} else if (!strcmp(argv[1], "fish")) {
		printf(
		    "# fish completion for cm (cm completion fish; generated from cm's commands)\n"
		    "# Load it with: cm completion fish | source\n"
		    "function __cm_complete\n"
		    "\tset -l cur (commandline -ct)\n"
		    "\tset -l words (commandline -opc) \"$cur\"\n"
		    "\tif test (count $words) -eq 2; and not string match -q -- '-*' \"$cur\"\n"
		    "\t\tstring split ' ' -- '%s'\n"
		    "\t\treturn\n"
		    "\tend\n"
		    "\tset -l out (command $words[1] __complete -- $words[2..-1] 2>/dev/null)\n"
		    "\tif test \"$out\" = __files__\n"
		    "\t\t__fish_complete_path \"$cur\"\n"
		    "\t\treturn\n"
		    "\tend\n"
		    "\tprintf '%%s\\n' $out\n"
		    "end\n"
		    "complete -c cm -f -a '(__cm_complete)'\n",
		    names);
	} else {
		cli_error(cli, "unknown shell \"%s\": bash, zsh or fish", argv[1]);
		free(names);
		return CLI_EXIT_USAGE;
	}
	free(names);
	return 0;
}

const struct cli_cmd cmd_completion_entry = {
    .name = "completion",
    .alias = NULL,
    .usage = "bash|zsh|fish",
    .summary = "print a shell completion script",
    .help = "Completes commands, flags, context and pool names, and session ids\n"
	    "(asked of the agents, 3 s at most). Load it with:\n"
	    "    bash: source <(cm completion bash)      (e.g. in ~/.bashrc)\n"
	    "    zsh:  source <(cm completion zsh)       (after compinit, in ~/.zshrc)\n"
	    "    fish: cm completion fish | source       (or save it in\n"
	    "          ~/.config/fish/completions/cm.fish)\n",
    .flags = 0,
    .exec = cmd_completion_exec,
};

const struct cli_cmd cmd_complete_entry = {
    .name = "__complete",
    .alias = NULL,
    .usage = "WORD... CURRENT",
    .summary = "the candidates for the completion scripts (internal)",
    .help = "",
    .flags = CMD_HIDDEN | CMD_EXACT_NAME,
    .exec = cmd_complete_exec,
};
