/* shell.c: the shell task type. The executor runs its command directly:
 * an argv list as is, a string through /bin/sh -c, unless the string is a
 * plain list of words, which means the same without the shell. */
#include "operators/operator.h"

#include <stdlib.h>
#include <string.h>

#include "scheduler/shquote.h"
#include "scheduler/template.h"

static const struct op_key shell_keys[] = {
	{ "command", OPK_ANY, 1, OPK_SHELL_LINE,
	  "argv list (each item the word as written: true and 5 are the "
	  "words \"true\" and \"5\"), or a string run by /bin/sh -c (a plain "
	  "list of words, "
	  "with no quotes, $, globs, redirections or other shell syntax, "
	  "runs directly)" },
	{ "cwd", OPK_STRING, 0, 1, "working directory" },
	{ NULL, 0, 0, 0, NULL },
};

static void
shell_check(struct op_check *c)
{
	const json_t *cmd = op_check_get(c, "command");
	size_t i;
	json_t *v;

	if (cmd == NULL)
		return;		/* missing or in error: reported */
	if (json_is_string(cmd)) {
		if (json_string_length(cmd) == 0)
			op_check_add(c, "command", "command is empty");
		return;
	}
	if (!json_is_array(cmd) || json_array_size(cmd) == 0) {
		op_check_add(c, "command",
			     "command must be a string or a non-empty list of strings");
		return;
	}
	json_array_foreach(cmd, i, v)
		if (!json_is_string(v))
			op_check_add(c, "command",
				     "command list item %zu is not a string",
				     i + 1);
}

/* What /bin/sh knows a first word as: its reserved words and builtins.
 * A line starting with one needs the shell (cd, exit and export have no
 * program; echo, test, kill, printf and pwd differ from /usr/bin's in
 * details). true and false are not here: /usr/bin's do what the builtins
 * do. */
static const char *const shell_words[] = {
	"if", "then", "else", "elif", "fi", "case", "esac", "for", "while",
	"until", "do", "done", "in", "function", "select", "time",
	".", ":", "[", "alias", "bg", "break", "builtin", "cd", "chdir",
	"command", "continue", "declare", "echo", "eval", "exec", "exit",
	"export", "fc", "fg", "getopts", "hash", "jobs", "kill", "let",
	"local", "printf", "pwd", "read", "readonly", "return", "set", "shift",
	"source", "test", "times", "trap", "type", "typeset", "ulimit",
	"umask", "unalias", "unset", "wait", NULL,
};

/* A line /bin/sh would run as a plain list of words: nothing but letters,
 * digits and - _ . / : , + = @ % in words separated by spaces or tabs,
 * and a first word that is not an assignment, a reserved word or a
 * builtin. Such a line means the same without the shell, so it runs
 * directly, as make does, without starting the shell first. Returns its
 * words, or NULL when the line needs the shell. */
static char **
shell_plain_words(const char *line)
{
	size_t n = 0, len;
	const char *p, *w;
	char **argv;

	for (p = line; *p; p++)
		if (*p != ' ' && *p != '\t' && !shquote_plain_char((unsigned char)*p))
			return NULL;
	for (p = line; *p; ) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		n++;
		p += strcspn(p, " \t");
	}
	if (n == 0)
		return NULL;
	w = line + strspn(line, " \t");
	len = strcspn(w, " \t");
	if (memchr(w, '=', len) != NULL)
		return NULL;
	for (size_t i = 0; shell_words[i] != NULL; i++)
		if (strlen(shell_words[i]) == len &&
		    memcmp(shell_words[i], w, len) == 0)
			return NULL;
	argv = xcalloc(n + 1, sizeof *argv);
	n = 0;
	for (p = line; *p; ) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t");
		argv[n++] = xstrndup(p, len);
		p += len;
	}
	return argv;
}

/* A string runs through /bin/sh -c unless it is a plain list of words
 * (shell_plain_words); a list is the argv itself. */
static char **
shell_argv(const json_t *options, const struct tmpl_ctx *ctx,
	   struct sl_err *err)
{
	json_t *cmd = json_object_get(options, "command");
	struct buf b;
	char **argv;

	if (json_is_string(cmd)) {
		buf_init(&b, 0);
		/* values go into the line as quoted words (template.h) */
		if (tmpl_render_shell(json_string_value(cmd), ctx, &b, err) < 0) {
			buf_free(&b);
			return NULL;
		}
		argv = shell_plain_words(buf_str(&b));
		if (argv != NULL) {
			buf_free(&b);
			return argv;
		}
		argv = xcalloc(4, sizeof *argv);
		argv[0] = xstrdup("/bin/sh");
		argv[1] = xstrdup("-c");
		argv[2] = buf_steal(&b);
		return argv;
	}
	argv = xcalloc(json_array_size(cmd) + 1, sizeof *argv);
	for (size_t i = 0; i < json_array_size(cmd); i++) {
		buf_init(&b, 0);
		if (tmpl_render(json_string_value(json_array_get(cmd, i)), ctx,
				&b, err) < 0) {
			buf_free(&b);
			strv_free(argv);
			return NULL;
		}
		argv[i] = buf_steal(&b);
	}
	return argv;
}

/* cwd, rendered; a template error leaves what rendered (checked at load). */
static char *
shell_cwd(const json_t *options, const struct tmpl_ctx *ctx)
{
	json_t *cwd = json_object_get(options, "cwd");
	struct buf b;
	char *dir = NULL;

	if (!json_is_string(cwd))
		return NULL;
	buf_init(&b, 0);
	tmpl_render(json_string_value(cwd), ctx, &b, NULL);
	if (b.len > 0)
		dir = xstrdup(buf_str(&b));
	buf_free(&b);
	return dir;
}

const struct operator op_shell = {
	.name = "shell",
	.summary = "run a command (argv list, or a string through /bin/sh -c)",
	.keys = shell_keys,
	.check = shell_check,
	.argv = shell_argv,
	.cwd = shell_cwd,
};
