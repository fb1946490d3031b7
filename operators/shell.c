/* shell.c: the shell task type. The executor runs its command directly:
 * an argv list as is, a string through /bin/sh -c. */
#include "operators/operator.h"

static const struct op_key shell_keys[] = {
	{ "command", OPK_ANY, 1, OPK_SHELL_LINE,
	  "argv list, or a string run by /bin/sh -c" },
	{ "cwd", OPK_STRING, 0, 1, "working directory" },
	{ NULL, 0, 0, 0, NULL },
};

static int
shell_validate(const json_t *options, const char **bad_key,
	       struct sl_err *err)
{
	json_t *cmd = json_object_get(options, "command");
	size_t i;
	json_t *v;

	*bad_key = "command";
	if (json_is_string(cmd)) {
		if (json_string_length(cmd) == 0)
			return sl_err_set(err, "command is empty");
		return 0;
	}
	if (!json_is_array(cmd) || json_array_size(cmd) == 0)
		return sl_err_set(err,
		    "command must be a string or a non-empty list of strings");
	json_array_foreach(cmd, i, v)
		if (!json_is_string(v))
			return sl_err_set(err,
			    "command list item %zu is not a string", i + 1);
	return 0;
}

const struct operator op_shell = {
	.name = "shell",
	.summary = "run a command (argv list, or a string through /bin/sh -c)",
	.keys = shell_keys,
	.validate = shell_validate,
};
