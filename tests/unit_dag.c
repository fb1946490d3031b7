/* unit_dag.c: DAG files and the exact error each bad one produces (the
 * cases are files in tests/dag-errors/), the DAG model, the folder, params. */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "base/ydoc.h"
#include "operators/operator.h"
#include "tests/unit.h"

static char dir[] = "/tmp/sluice-unit-dag.XXXXXX";
static struct config *cfg;

/* Load text as a DAG file; the message with the path replaced by "F". */
static const char *
load(const char *text, struct dag **out)
{
	static char msg[2048];
	char path[256], full[2048];
	struct sl_err err;
	struct dag *d = NULL;
	FILE *f;

	snprintf(path, sizeof path, "%s/dag.yaml", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	sl_err_clear(&err);
	if (dag_load(path, cfg, &d, &err) == 0) {
		if (out != NULL)
			*out = d;
		else
			dag_free(d);
		return "ok";
	}
	sl_err_str(&err, full, sizeof full);
	if (strncmp(full, path, strlen(path)) == 0)
		snprintf(msg, sizeof msg, "F%s", full + strlen(path));
	else
		snprintf(msg, sizeof msg, "%s", full);
	return msg;
}

/*
 * The DAG error cases are data: every NAME.yaml in tests/dag-errors/ is
 * loaded and its message compared with NAME.err (see the README there).
 * The folder holds at least this many cases, so a lost folder fails.
 */
#define DAG_ERRORS_MIN 47

/* Does the message got satisfy the expectation want (a NAME.err)? "ok":
 * the file loads; a trailing "...": got starts with the rest; else got
 * equals want exactly. */
static int
case_matches(const char *got, const char *want)
{
	size_t n = strlen(want);

	if (n >= 3 && strcmp(want + n - 3, "...") == 0)
		return strcmp(got, "ok") != 0 && strncmp(got, want, n - 3) == 0;
	return strcmp(got, want) == 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* msg with the path at its start shortened to base (what `sluice dags
 * validate NAME.yaml` prints inside the folder). */
static void
case_msg(const struct sl_err *err, const char *path, const char *base,
	 char *out, size_t n)
{
	char full[2048];

	sl_err_str(err, full, sizeof full);
	if (strncmp(full, path, strlen(path)) == 0)
		snprintf(out, n, "%s%s", base, full + strlen(path));
	else
		snprintf(out, n, "%s", full);
}

/* The message of loading path: "ok" or its error. */
static void
case_load(const char *path, const char *base, char *out, size_t n)
{
	struct sl_err err;
	struct dag *d = NULL;

	sl_err_clear(&err);
	if (dag_load(path, cfg, &d, &err) == 0) {
		dag_free(d);
		snprintf(out, n, "ok");
		return;
	}
	case_msg(&err, path, base, out, n);
}

/* Every message dag_validate() gives for one file, a line each. */
struct case_all {
	const char *path, *base;
	struct buf out;
};

/* Does an error carry the path its message names? A message about a
 * field starts with its path (err->path, what `dags validate --json`
 * gives); one about the file as a whole starts with no path. */
static int
case_path_ok(const struct sl_err *e)
{
	size_t n = strlen(e->path), k = 0;

	if (n > 0)
		return strncmp(e->msg, e->path, n) == 0 &&
		       strncmp(e->msg + n, ": ", 2) == 0;
	while (e->msg[k] != '\0' && strchr("abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789_-.[]", e->msg[k]))
		k++;
	return strncmp(e->msg + k, ": ", 2) != 0 ||
	       strncmp(e->msg, "YAML: ", 6) == 0;
}

static void
case_all_add(const struct sl_err *e, void *arg)
{
	struct case_all *a = arg;
	char msg[2048];

	case_msg(e, a->path, a->base, msg, sizeof msg);
	buf_printf(&a->out, "%s\n", msg);
	if (!case_path_ok(e)) {
		fprintf(stderr, "%s: the path '%s' is not the one the message names: %s\n",
			a->base, e->path, e->msg);
		unit_case_failed = 1;
	}
}

/* Compare the messages got (lines) with the expectation want (lines of a
 * NAME.err, the final newline removed); 1 when they match. */
static int
case_lines_match(const char *got, const char *want)
{
	for (;;) {
		const char *ge = strchr(got, '\n'), *we = strchr(want, '\n');
		char *g = ge ? xstrndup(got, (size_t)(ge - got)) : xstrdup(got);
		char *w = we ? xstrndup(want, (size_t)(we - want)) : xstrdup(want);
		int ok = case_matches(g, w);

		free(g);
		free(w);
		if (!ok || (ge == NULL) != (we == NULL))
			return 0;
		if (ge == NULL)
			return 1;
		got = ge + 1;
		want = we + 1;
	}
}

static void
test_errors(void)
{
	const char *folder = SLUICE_SRCDIR "/tests/dag-errors";
	char **names = NULL;
	size_t nnames = 0, cap = 0;
	DIR *dh = opendir(folder);
	struct dirent *de;

	CHECK(dh != NULL);
	if (dh == NULL)
		return;
	while ((de = readdir(dh)) != NULL) {
		if (sl_str_ends(de->d_name, ".yaml")) {
			SL_GROW(names, cap, nnames + 1);
			names[nnames++] = xstrdup(de->d_name);
		} else if (sl_str_ends(de->d_name, ".err")) {
			/* an expectation without its file is a lost case */
			char path[1024];

			snprintf(path, sizeof path, "%s/%.*s.yaml", folder,
				 (int)(strlen(de->d_name) - 4), de->d_name);
			if (access(path, F_OK) != 0) {
				fprintf(stderr, "%s/%s: no YAML file next to it\n",
					folder, de->d_name);
				unit_case_failed = 1;
			}
		}
	}
	closedir(dh);
	if (nnames > 1)
		qsort(names, nnames, sizeof *names, name_cmp);
	CHECK(nnames >= DAG_ERRORS_MIN);
	for (size_t i = 0; i < nnames; i++) {
		char path[1024], errpath[1024], got[2048];
		size_t stem = strlen(names[i]) - 5;
		struct case_all all;
		struct sl_err err;
		char *want = NULL, *nl;
		size_t len;
		int n;

		snprintf(path, sizeof path, "%s/%s", folder, names[i]);
		snprintf(errpath, sizeof errpath, "%s/%.*s.err", folder,
			 (int)stem, names[i]);
		case_load(path, names[i], got, sizeof got);
		all.path = path;
		all.base = names[i];
		buf_init(&all.out, 0);
		n = dag_validate(path, cfg, case_all_add, &all);
		if (n == 0)
			buf_adds(&all.out, "ok\n");
		/* the messages, one a line, without the last newline */
		if (all.out.len > 0)
			all.out.data[--all.out.len] = '\0';
		if (getenv("UNIT_DAG_PRINT") != NULL)
			printf("== %.*s\n%s\n", (int)stem, names[i],
			       buf_str(&all.out));
		sl_err_clear(&err);
		if (sl_read_file(errpath, 64 * 1024, &want, &len, &err) < 0) {
			fprintf(stderr, "%s: no expected message: %s\n",
				names[i], err.msg);
			unit_case_failed = 1;
			buf_free(&all.out);
			free(names[i]);
			continue;
		}
		if (len > 0 && want[len - 1] == '\n')
			want[--len] = '\0';
		/* dag_load reports the first error: line 1 */
		nl = strchr(want, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (len == 0 || !case_matches(got, want)) {
			fprintf(stderr, "%s (dag_load):\n  want: %s\n  got:  %s\n",
				names[i], want, got);
			unit_case_failed = 1;
		}
		if (nl != NULL)
			*nl = '\n';
		/* dags validate reports every line */
		if (!case_lines_match(buf_str(&all.out), want)) {
			fprintf(stderr, "%s (dags validate):\n  want:\n%s\n  got:\n%s\n",
				names[i], want, buf_str(&all.out));
			unit_case_failed = 1;
		}
		buf_free(&all.out);
		free(want);
		free(names[i]);
	}
	free(names);
}

/* The matcher itself: a changed message must fail its case. */
static void
test_case_matches(void)
{
	static const struct {
		const char *got, *want;
		int match;
	} m[] = {
		{ "ok", "ok", 1 },
		{ "f.yaml:1:1: x", "ok", 0 },
		{ "ok", "f.yaml:1:1: x", 0 },
		{ "f.yaml:3:3: tasks: cycle: a -> b -> a", "f.yaml:3:3: tasks: cycle: a -> b -> a", 1 },
		{ "f.yaml:3:3: tasks: cycle: a -> b -> a", "f.yaml:3:4: tasks: cycle: a -> b -> a", 0 },
		{ "f.yaml:3:3: tasks: cycle: a -> b -> a", "f.yaml:3:3: tasks: cycle: a -> b", 0 },
		{ "f.yaml:3:3: tasks: cycle: a -> b", "f.yaml:3:3: tasks: cycle: a -> b -> a", 0 },
		{ "f.yaml:3:25: no pool 'p' in /tmp/x", "f.yaml:3:25: no pool 'p' in ...", 1 },
		{ "f.yaml:3:25: no pool 'q' in /tmp/x", "f.yaml:3:25: no pool 'p' in ...", 0 },
		{ "ok", "...", 0 },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(m); i++)
		if (case_matches(m[i].got, m[i].want) != m[i].match) {
			fprintf(stderr, "case_matches(%s, %s) != %d\n", m[i].got,
				m[i].want, m[i].match);
			unit_case_failed = 1;
		}
}

/* Params a person gives a run, against the declarations of one DAG. */
static const char params_dag[] =
	"dag: p\n"
	"params:\n"
	"  table: public.prices\n"
	"  limit: {type: integer, default: 10}\n"
	"  ratio: {type: number, default: 0.5}\n"
	"  full: {type: boolean, default: false}\n"
	"  mode: {enum: [full, delta], default: delta}\n"
	"  symbols: {pattern: \"[A-Z]+( [A-Z]+)*\", default: ACME}\n"
	"  token: {type: string, secret: true}\n"
	"  days: 7\n"
	"  dry: false\n"
	"tasks:\n"
	"  a: {command: \"echo {{ params.table }} {{ params.token }}\"}\n";

static const struct {
	const char *given;	/* JSON */
	const char *want;	/* stored params (JSON) or the error */
} params_cases[] = {
	{ "{\"token\": \"t\"}", "{\"token\": \"t\"}" },
	{ "{\"token\": \"t\", \"limit\": \"25\", \"ratio\": \"2\", \"full\": \"true\", \"table\": 7}",
	  "{\"full\": true, \"limit\": 25, \"ratio\": 2, \"table\": 7, \"token\": \"t\"}" },
	{ "{\"token\": \"t\", \"limit\": 3, \"mode\": \"full\", \"symbols\": \"AB CD\"}",
	  "{\"limit\": 3, \"mode\": \"full\", \"symbols\": \"AB CD\", \"token\": \"t\"}" },
	{ "{}", "param 'token' is required (it has no default)" },
	{ "{\"token\": \"t\", \"colour\": \"red\"}", "DAG p has no param 'colour' (declare it under params: in " },
	{ "{\"token\": \"t\", \"lmit\": 3}", "DAG p has no param 'lmit' (did you mean 'limit'? declare it under params: in " },
	{ "{\"token\": \"t\", \"limit\": \"ten\"}", "param 'limit' must be an integer, got 'ten'" },
	{ "{\"token\": \"t\", \"limit\": \"1; id\"}", "param 'limit' must be an integer, got '1; id'" },
	{ "{\"token\": \"t\", \"limit\": 2.5}", "param 'limit' must be an integer, got '2.5'" },
	/* a JSON 3.0 is shown as typed, not as the integer it is not */
	{ "{\"token\": \"t\", \"limit\": 3.0}", "param 'limit' must be an integer, got '3.0'" },
	{ "{\"token\": \"t\", \"limit\": \"99999999999999999999\"}",
	  "param 'limit' must be an integer from -9223372036854775808 to 9223372036854775807, got '99999999999999999999'" },
	{ "{\"token\": \"t\", \"ratio\": \"1e999\"}", "param 'ratio' must be a number, got '1e999'" },
	{ "{\"token\": \"t\", \"full\": \"yes\"}", "param 'full' must be a boolean, got 'yes' (true or false)" },
	{ "{\"token\": \"t\", \"mode\": \"half\"}", "param 'mode' must be one of full, delta, got 'half'" },
	{ "{\"token\": \"t\", \"symbols\": \"ACME; id\"}", "param 'symbols' must match the pattern [A-Z]+( [A-Z]+)*, got 'ACME; id'" },
	{ "{\"token\": \"t\", \"symbols\": \"ACME\\nid\"}", "param 'symbols' must match the pattern [A-Z]+( [A-Z]+)*, got 'ACME id'" },
	{ "{\"token\": [1]}", "param 'token' must be a string, number or boolean" },
	{ "{\"token\": 5}", "{\"token\": \"5\"}" },
	{ "[1]", "params must be an object of NAME: value" },
	/* NAME: default has the default's type, as a declaration does */
	{ "{\"token\": \"t\", \"days\": \"3\", \"dry\": \"true\"}", "{\"days\": 3, \"dry\": true, \"token\": \"t\"}" },
	{ "{\"token\": \"t\", \"days\": \"x\"}", "param 'days' must be an integer, got 'x'" },
	{ "{\"token\": \"t\", \"dry\": \"yes\"}", "param 'dry' must be a boolean, got 'yes' (true or false)" },
};

static void
test_params(void)
{
	struct dag *d = NULL;
	json_t *masked, *given;

	CHECK_EQ_STR("ok", load(params_dag, &d));
	if (d == NULL)
		return;
	for (size_t i = 0; i < SL_ARRAY_LEN(params_cases); i++) {
		struct sl_err err;
		json_t *out;
		char *text = NULL;
		const char *got;

		given = json_loads(params_cases[i].given, JSON_DECODE_ANY, NULL);
		sl_err_clear(&err);
		out = dag_params_check(d, given, &err);
		if (out != NULL)
			got = text = json_dumps(out, JSON_SORT_KEYS);
		else
			got = err.msg;
		if (strncmp(got, params_cases[i].want, strlen(params_cases[i].want)) != 0) {
			fprintf(stderr, "params %s:\n  want: %s\n  got:  %s\n",
				params_cases[i].given, params_cases[i].want, got);
			unit_case_failed = 1;
		}
		free(text);
		json_decref(out);
		json_decref(given);
	}
	/* a secret's value never appears in a message */
	{
		struct sl_err err;
		json_t *bad = json_pack("{s:[s]}", "token", "hunter2");

		given = json_pack("{s:s,s:s}", "token", "hunter2", "limit", "x");
		sl_err_clear(&err);
		CHECK(dag_params_check(d, given, &err) == NULL);
		CHECK(strstr(err.msg, "hunter2") == NULL);
		json_decref(given);
		json_decref(bad);
	}
	CHECK(dag_param_is_secret(d, "token"));
	CHECK(!dag_param_is_secret(d, "table"));
	CHECK(!dag_param_is_secret(d, "nope"));
	given = json_pack("{s:s,s:i}", "token", "hunter2", "limit", 3);
	masked = dag_params_masked(d, given);
	CHECK_EQ_STR("***", json_string_value(json_object_get(masked, "token")));
	CHECK_EQ_INT(3, json_integer_value(json_object_get(masked, "limit")));
	CHECK_EQ_STR("hunter2", json_string_value(json_object_get(given, "token")));
	/* defaults for runs: only the declared params that have one */
	CHECK_EQ_INT(10, json_integer_value(json_object_get(d->params, "limit")));
	CHECK(json_object_get(d->params, "token") == NULL);
	json_decref(given);
	json_decref(masked);
	dag_free(d);
}

static void
test_model(void)
{
	struct dag *d = NULL;
	const char *r = load(
	    "dag: pipeline\n"
	    "description: two steps\n"
	    "schedule: \"5 * * * *\"\n"
	    "timezone: America/Edmonton\n"
	    "start: 2024-01-01T00:00:00Z\n"
	    "catchup: false\n"
	    "max_active_runs: 2\n"
	    "params: {table: t1}\n"
	    "defaults: {retries: 3, retry_delay: 30s, retry_backoff: exponential, max_retry_delay: 10m, timeout: 1h}\n"
	    "tasks:\n"
	    "  extract: {command: [echo, \"{{ ds }}\"], priority: 5}\n"
	    "  load:\n"
	    "    after: extract\n"
	    "    command: \"load {{ params.table }}\"\n"
	    "    retries: 0\n"
	    "    trigger_rule: all_done\n"
	    "    env: {TABLE: \"{{ params.table }}\"}\n"
	    "    depends_on_past: true\n", &d);

	CHECK_EQ_STR("ok", r);
	if (d == NULL)
		return;
	CHECK_EQ_STR("pipeline", d->name);
	CHECK_EQ_STR("5 * * * *", d->schedule_text);
	CHECK_EQ_INT(0, d->catchup);
	CHECK_EQ_INT(2, d->max_active_runs);
	CHECK_EQ_INT(1704067200, d->start);
	CHECK_EQ_INT(2, d->ntasks);
	CHECK_EQ_INT(3, d->tasks[0].retries);
	CHECK_EQ_INT(30000, d->tasks[0].retry_delay_ms);
	CHECK_EQ_INT(1, d->tasks[0].retry_exponential);
	CHECK_EQ_INT(600000, d->tasks[0].max_retry_delay_ms);
	CHECK_EQ_INT(3600000, d->tasks[0].timeout_ms);
	CHECK_EQ_INT(5, d->tasks[0].priority);
	CHECK_EQ_INT(0, d->tasks[1].retries);
	CHECK_EQ_INT(1, d->tasks[1].nupstream);
	CHECK_EQ_INT(0, d->tasks[1].upstream[0]);
	CHECK_EQ_INT(1, d->tasks[0].ndownstream);
	CHECK_EQ_INT(TR_ALL_DONE, d->tasks[1].trigger_rule);
	CHECK_EQ_INT(1, d->tasks[1].depends_on_past);
	CHECK_EQ_STR("local", d->tasks[1].executor);
	CHECK_EQ_STR("default", d->tasks[1].pool);
	CHECK_EQ_STR("{{ params.table }}", json_string_value(json_object_get(d->tasks[1].env, "TABLE")));
	dag_free(d);
}

/* YAML merge keys: `<<: *a` and `<<: [*a, *b]` fill what a mapping does
 * not set itself; of a list, the earlier mapping wins. */
static void
test_merge(void)
{
	struct sl_err err;
	struct dag *d = NULL;
	const struct task *t;

	sl_err_clear(&err);
	CHECK(dag_load(SLUICE_SRCDIR "/tests/dag-errors/ok-merge-keys.yaml", cfg,
		       &d, &err) == 0);
	if (d == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK_EQ_INT(3, d->ntasks);
	t = dag_task(d, "load");
	CHECK(t != NULL && t->index == 1);
	if (t != NULL) {
		CHECK_EQ_STR("false", json_string_value(json_object_get(t->options, "command")));
		CHECK_EQ_INT(2, t->retries);
		CHECK_EQ_INT(60000, t->retry_delay_ms);
		CHECK_EQ_INT(1, t->nupstream);
	}
	t = dag_task(d, "report");
	CHECK(t != NULL);
	if (t != NULL) {
		CHECK_EQ_STR("true", json_string_value(json_object_get(t->options, "command")));
		CHECK_EQ_INT(5, t->retries);
		CHECK_EQ_INT(600000, t->timeout_ms);
		CHECK_EQ_INT(60000, t->retry_delay_ms);
		CHECK_EQ_STR("default", t->pool);
	}
	t = dag_task(d, "extract");
	CHECK(t != NULL && t->timeout_ms == 0 && t->retries == 2);
	dag_free(d);
}

/* The owner callback: arg names the file that held the DAG before. */
static int
bag_owner(void *arg, const char *dag, const char *file)
{
	(void)dag;
	return sl_str_ends(file, (const char *)arg);
}

/* Write text to dir/name. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[700];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* Subfolders of the DAG folder are read (not hidden ones; a link back
 * up is read once); a change in one is a change of the folder. */
static void
test_bag_folders(const char *parent)
{
	char top[600], team[700], deep[700], hidden[700], loop[800];
	struct dagbag bag;
	struct sl_err err;

	snprintf(top, sizeof top, "%s/folders", parent);
	snprintf(team, sizeof team, "%s/team_a", top);
	snprintf(deep, sizeof deep, "%s/team_a/daily", top);
	snprintf(hidden, sizeof hidden, "%s/.git", top);
	snprintf(loop, sizeof loop, "%s/back_up", deep);
	CHECK(sl_mkdirs(deep, 0755, &err) == 0);
	CHECK(sl_mkdirs(hidden, 0755, &err) == 0);
	put_file(top, "top.yaml", "dag: top\ntasks:\n  a: {command: x}\n");
	put_file(team, "orders.yml", "dag: orders\ntasks:\n  a: {command: x}\n");
	put_file(deep, "sales.yaml", "dag: sales\ntasks:\n  a: {command: x}\n");
	put_file(hidden, "config.yaml", "not: a dag\n");
	CHECK(symlink(top, loop) == 0);
	CHECK(dagbag_load(top, cfg, NULL, &bag, &err) == 0);
	CHECK_EQ_INT(3, bag.n);
	CHECK(dagbag_find(&bag, "top") != NULL);
	CHECK(dagbag_find(&bag, "orders") != NULL);
	CHECK(dagbag_find(&bag, "sales") != NULL);
	CHECK(!dagbag_changed(top, cfg, &bag));
	put_file(deep, "sales.yaml", "dag: sales\ntasks:\n  a: {command: y}\n  b: {command: z}\n");
	CHECK(dagbag_changed(top, cfg, &bag));
	dagbag_free(&bag);
}

static void
test_bag(void)
{
	/* a broken file next to good ones: the good ones load */
	char sub[512], path[600];
	struct dagbag bag;
	struct sl_err err;
	FILE *f;

	snprintf(sub, sizeof sub, "%s/bag", dir);
	CHECK(sl_mkdirs(sub, 0755, &err) == 0);
	snprintf(path, sizeof path, "%s/good.yaml", sub);
	f = fopen(path, "w");
	fputs("dag: good\ntasks:\n  a: {command: x}\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/bad.yaml", sub);
	f = fopen(path, "w");
	fputs("dag: bad\ntasks:\n  a: {comand: x}\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/dup.yml", sub);
	f = fopen(path, "w");
	fputs("# a copy\ndag:  good\ntasks:\n  a: {command: x}\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/notes.txt", sub);
	f = fopen(path, "w");
	fputs("not a DAG", f);
	fclose(f);
	CHECK(dagbag_load(sub, cfg, NULL, &bag, &err) == 0);
	CHECK_EQ_INT(3, bag.n);
	CHECK(dagbag_find(&bag, "good") != NULL);
	CHECK(dagbag_find(&bag, "bad") == NULL);
	for (int i = 0; i < bag.n; i++) {
		/* every error of a broken file, in file order, the first
		 * also as its error */
		if (strstr(bag.entries[i].file, "bad.yaml")) {
			json_t *errs = bag.entries[i].errors;

			CHECK(bag.entries[i].error != NULL &&
			      strstr(bag.entries[i].error, "bad.yaml:3:6: tasks.a: missing required key 'command'") != NULL);
			CHECK_EQ_INT(2, (int)json_array_size(errs));
			CHECK(strcmp(json_string_value(json_array_get(errs, 0)),
				     bag.entries[i].error) == 0);
			CHECK(json_string_value(json_array_get(errs, 1)) != NULL &&
			      strstr(json_string_value(json_array_get(errs, 1)),
				     "bad.yaml:3:7: tasks.a: unknown key 'comand'") != NULL);
		} else
			CHECK(bag.entries[i].errors == NULL);
		/* dup.yml sorts first, so good.yaml is the second definition */
		if (strstr(bag.entries[i].file, "good.yaml"))
			CHECK(bag.entries[i].error != NULL &&
			      strstr(bag.entries[i].error, "dag 'good' is already defined in") != NULL &&
			      strstr(bag.entries[i].error, "dup.yml") != NULL);
		if (strstr(bag.entries[i].file, "dup.yml"))
			CHECK(bag.entries[i].dag != NULL);
	}
	dagbag_free(&bag);
	/* the file the database records keeps the DAG (a scheduler start):
	 * good.yaml, though dup.yml sorts first */
	CHECK(dagbag_load_owned(sub, cfg, NULL, bag_owner, "good.yaml", &bag,
				&err) == 0);
	{
		struct dag *d = dagbag_find(&bag, "good");

		CHECK(d != NULL && sl_str_ends(d->file, "/good.yaml"));
	}
	for (int i = 0; i < bag.n; i++)
		if (strstr(bag.entries[i].file, "dup.yml"))
			CHECK(bag.entries[i].error != NULL &&
			      strstr(bag.entries[i].error, "dup.yml:2:7: dag 'good' is already defined in") != NULL &&
			      strstr(bag.entries[i].error, "good.yaml") != NULL);
	dagbag_free(&bag);
	test_bag_folders(sub);
}

/* The first scalar of d whose text is value (each one is unique). */
static ynode_t *
scalar_node(struct ydoc *d, const char *value)
{
	ynode_t *n;

	for (int id = 1; (n = ydoc_node(d, id)) != NULL; id++)
		if (ynode_str(n) != NULL && strcmp(ynode_str(n), value) == 0)
			return n;
	return NULL;
}

/* The path a message names for a value: where it is written, through
 * lists, anchors and merge keys. */
static void
test_paths(void)
{
	static const char text[] =
	    "defaults: {retries: R1}\n"
	    "tasks:\n"
	    "  a: &a {command: C1, after: [X0, X1]}\n"
	    "  b: {<<: *a, env: {K: E1}}\n"
	    "  c:\n"
	    "    <<: [{timeout: T1}, *a]\n"
	    "  d: {<<: {cwd: W1}, pool: P1}\n"
	    "needs:\n"
	    "  - {dag: D1}\n"
	    "list: &l [L0]\n"
	    "other: *l\n";
	static const struct {
		const char *value, *path;
	} want[] = {
		{ "R1", "defaults.retries" },
		{ "C1", "tasks.a.command" },
		{ "X1", "tasks.a.after[1]" },
		{ "E1", "tasks.b.env.K" },
		{ "T1", "tasks.c.timeout" },
		{ "W1", "tasks.d.cwd" },
		{ "P1", "tasks.d.pool" },
		{ "D1", "needs[0].dag" },
		{ "L0", "list[0]" },
		{ "retries", "defaults" },	/* a key: its mapping */
		{ "K", "tasks.b.env" },
	};
	struct ydoc *d = NULL;
	struct sl_err err;
	char path[SL_ERR_PATH];
	ynode_t *b, *n;

	sl_err_clear(&err);
	CHECK(ydoc_parse("paths.yaml", text, sizeof text - 1, &d, &err) == 0);
	if (d == NULL)
		return;
	for (size_t i = 0; i < SL_ARRAY_LEN(want); i++) {
		n = scalar_node(d, want[i].value);
		CHECK_MSG(n != NULL, "no scalar %s", want[i].value);
		CHECK_EQ_STR(want[i].path, ynode_path(d, n, path, sizeof path));
	}
	CHECK_EQ_STR("", ynode_path(d, ydoc_root(d), path, sizeof path));
	/* b's command is a's: the place it is written */
	b = ymap_get(d, ymap_get(d, ydoc_root(d), "tasks"), "b");
	CHECK_EQ_STR("tasks.a.command",
		     ynode_path(d, ymap_get(d, b, "command"), path, sizeof path));
	CHECK_EQ_STR("tasks.b.pool", ymap_key_path(d, b, "pool", path, sizeof path));
	/* a message about a value names its path first, and carries it */
	ynode_err(d, scalar_node(d, "X1"), &err, "unknown task '%s'", "X1");
	CHECK_EQ_STR("tasks.a.after[1]: unknown task 'X1'", err.msg);
	CHECK_EQ_STR("tasks.a.after[1]", err.path);
	CHECK_EQ_INT(3, err.line);
	CHECK_EQ_INT(35, err.col);
	ydoc_err(d, ydoc_root(d), &err, "not about a field");
	CHECK_EQ_STR("", err.path);
	ydoc_free(d);
}

int
main(void)
{
	struct sl_err err;
	int r;

	operators_register();	/* the cases use every task type */
	if (mkdtemp(dir) == NULL)
		return 99;
	if (config_load(dir, &cfg, &err) < 0)
		return 99;
	RUN(test_case_matches);
	RUN(test_paths);
	RUN(test_errors);
	RUN(test_model);
	RUN(test_merge);
	RUN(test_bag);
	RUN(test_params);
	config_free(cfg);
	r = UNIT_END();
	{
		char cmd[600];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return r;
}
