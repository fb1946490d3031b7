/*
 * email_tool.c: test driver for the email part, run by tests/email_*.sh.
 *
 *   email_tool run      spec JSON on stdin → the email operator's run(),
 *                       exit status as `sluice operator email` would give
 *   email_tool notify   notify_event as JSON on stdin → notify_compose()
 *                       (with "smtp"/"home" in the input: notify_spec())
 *                       as JSON on stdout
 *   email_tool validate options JSON on stdin → the load-time check;
 *                       prints "ok" or "[KEY] error", exits 0 or 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/notify.h"
#include "operators/operator.h"

extern const struct operator op_email;

static json_t *
read_stdin_json(void)
{
	json_error_t jerr;
	json_t *v = json_loadf(stdin, 0, &jerr);

	if (v == NULL) {
		fprintf(stderr, "email_tool: bad JSON on stdin: %s (line %d)\n",
			jerr.text, jerr.line);
		exit(2);
	}
	return v;
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
num(const json_t *o, const char *key)
{
	return (int)json_integer_value(json_object_get(o, key));
}

static int
cmd_notify(void)
{
	json_t *in = read_stdin_json(), *to = json_object_get(in, "to"), *v;
	struct notify_event ev = { 0 };
	char **rcpts = calloc(json_array_size(to) + 1, sizeof(char *));
	json_t *out;
	size_t i;

	json_array_foreach(to, i, v)
		rcpts[i] = (char *)json_string_value(v);
	ev.kind = str(in, "kind");
	ev.dag = str(in, "dag");
	ev.task = str(in, "task");
	ev.partition = str(in, "partition");
	ev.run_id = str(in, "run_id");
	ev.try_number = num(in, "try_number");
	ev.max_tries = num(in, "max_tries");
	ev.exit_code = num(in, "exit_code");
	ev.signal = num(in, "signal");
	ev.error = str(in, "error");
	ev.duration_ms = json_integer_value(json_object_get(in, "duration_ms"));
	ev.host = str(in, "host");
	ev.log_path = str(in, "log_path");
	ev.base_url = str(in, "base_url");
	ev.to = rcpts;
	ev.sla_deadline = str(in, "sla_deadline");
	ev.task_instances = json_object_get(in, "task_instances");
	if (json_object_get(in, "home") != NULL)
		out = notify_spec(&ev, json_object_get(in, "smtp"),
				  str(in, "home"));
	else
		out = notify_compose(&ev);
	json_dumpf(out, stdout, JSON_INDENT(1) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(out);
	json_decref(in);
	free(rcpts);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "run") == 0) {
		json_t *spec = read_stdin_json();
		int rc = op_email.run(spec);

		json_decref(spec);
		return rc;
	}
	if (argc == 2 && strcmp(argv[1], "notify") == 0)
		return cmd_notify();
	if (argc == 2 && strcmp(argv[1], "validate") == 0) {
		json_t *options = read_stdin_json();
		char bad_key[SL_ERR_PATH];
		struct sl_err err;
		int rc = op_check_first(&op_email, options, bad_key,
					sizeof bad_key, &err);

		if (rc == 0)
			printf("ok\n");
		else
			printf("[%s] %s\n", bad_key[0] != '\0' ? bad_key : "-",
			       err.msg);
		json_decref(options);
		return rc == 0 ? 0 : 1;
	}
	fprintf(stderr, "usage: email_tool run|notify|validate < input.json\n");
	return 2;
}
