/* unit_template.c: checking and rendering templates. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "operators/operator.h"
#include "scheduler/template.h"
#include "scheduler/tz.h"
#include "tests/unit.h"

static json_t *params;

static const char *
render(const char *text, const char *zone)
{
	static char out[2048];
	struct tmpl_ctx c;
	struct tz *tz;
	struct buf b;
	struct sl_err err;

	if (tz_load(zone, &tz, &err) < 0)
		return "tz error";
	memset(&c, 0, sizeof c);
	c.dag = "firehose";
	c.task = "copy";
	c.run_id = "scheduled__2024-03-10T05:00:00+00:00";
	c.partition = "2024-03-10T05:00:00+00:00";
	c.try_number = 2;
	c.start = 1710046800;	/* 2024-03-10T05:00:00Z */
	c.end = 1710050400;	/* 2024-03-10T06:00:00Z */
	c.tz = tz;
	c.params = params;
	buf_init(&b, 0);
	if (tmpl_render(text, &c, &b, &err) < 0)
		snprintf(out, sizeof out, "error: %s", err.msg);
	else
		snprintf(out, sizeof out, "%s", buf_str(&b));
	buf_free(&b);
	tz_free(tz);
	return out;
}

static void
test_render(void)
{
	CHECK_EQ_STR("plain text", render("plain text", "UTC"));
	CHECK_EQ_STR("firehose/copy try 2", render("{{dag}}/{{ task }} try {{  try_number  }}", "UTC"));
	CHECK_EQ_STR("2024-03-10", render("{{ ds }}", "UTC"));
	CHECK_EQ_STR("20240310", render("{{ ds_nodash }}", "UTC"));
	CHECK_EQ_STR("2024-03-10T05:00:00+00:00", render("{{ ts }}", "UTC"));
	CHECK_EQ_STR("20240310T050000", render("{{ ts_nodash }}", "UTC"));
	CHECK_EQ_STR("s3://b/2024/03/10/05/", render("s3://b/{{ data_interval_start | %Y/%m/%d/%H }}/", "UTC"));
	CHECK_EQ_STR("06", render("{{ data_interval_end | %H }}", "UTC"));
	/* in the DAG's zone: 05:00Z is 00:00 EST (before the 07:00Z change) */
	CHECK_EQ_STR("2024-03-10T00:00:00-05:00", render("{{ data_interval_start }}", "America/New_York"));
	CHECK_EQ_STR("2024-03-10 00", render("{{ ds | %Y-%m-%d %H }}", "America/New_York"));
	/* glibc's flags and E/O modifiers are conversions too */
	CHECK_EQ_STR("10 5 % 24", render("{{ ds | %d %-H %% %Ey }}", "UTC"));
	CHECK_EQ_STR("public.stock_prices limit=10", render("{{ params.table }} limit={{ params.limit }}", "UTC"));
	CHECK_EQ_STR("2024-03-10T05:00:00+00:00", render("{{ partition }}", "UTC"));
	setenv("SLUICE_UNIT_VAR", "from-env", 1);
	CHECK_EQ_STR("x from-env y", render("x {{ env.SLUICE_UNIT_VAR }} y", "UTC"));
	CHECK_EQ_STR("a  b", render("a {{ env.SLUICE_UNIT_UNSET }} b", "UTC"));
}

static const struct {
	const char *text;
	const char *msg;	/* start of the expected message */
	int col;
} bad[] = {
	{ "x {{ nope }}", "unknown template name 'nope'", 6 },
	{ "{{ params.missing }}", "unknown template name 'params.missing': the DAG has no param 'missing'", 4 },
	{ "a {{ ds", "template '{{' at offset 3 is not closed", 3 },
	{ "{{ task | %Y }}", "'task | %Y': a format applies only to times", 4 },
	{ "{{ ds | }}", "'ds |' needs a strftime format", 4 },
	{ "{{ ds | %Q }}", "'ds | %Q': '%Q' is not a strftime conversion", 9 },
	{ "{{ ds | %Y-% }}", "'ds | %Y-%': '%' is not a strftime conversion", 12 },
	{ "{{ ds | upper }}", "'ds | upper': not a filter (add: N<unit>, raw, ident) nor a strftime format", 9 },
	{ "{{ }}", "empty or too long template name", 4 },
	{ "{{ a b }}", "bad template name 'a b'", 4 },
};

/* {{ item }} and {{ item.FIELD }}: a mapped task's item, as data in a
 * shell line and in SQL, as is elsewhere; an error without one. */
static void
test_item(void)
{
	static const struct {
		const char *item;	/* JSON, or NULL: none */
		int mode;		/* 0 plain, 1 shell, 2 SQL */
		const char *text, *want;
	} cases[] = {
		{ "\"AAPL\"", 1, "echo {{ item }}", "echo 'AAPL'" },
		{ "\"it's $(id)\"", 1, "echo {{ item }}", "echo 'it'\\''s $(id)'" },
		{ "\"a'b\"", 2, "select {{ item }}", "select 'a''b'" },
		{ "{\"name\": \"x\", \"n\": 2, \"in\": {\"k\": \"v\"}}", 0,
		  "{{ item.name }}-{{ item.n }}-{{ item.in.k }}", "x-2-v" },
		{ "{\"name\": \"x\"}", 0, "{{ item }}", "{\"name\":\"x\"}" },
		{ "7", 1, "n={{ item }}", "n='7'" },
		{ NULL, 0, "{{ item }}", "error: 'item': only the items of a mapped task (foreach:) have one" },
		{ "{\"name\": \"x\"}", 0, "{{ item.nope }}", "error: 'item.nope': the item has no field 'nope'" },
		{ "\"AAPL\"", 0, "{{ item.name }}", "error: 'item.name': the item is not an object (it is a scalar)" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct tmpl_ctx c;
		struct buf b;
		struct sl_err err;
		json_t *item = cases[i].item ?
		    json_loads(cases[i].item, JSON_DECODE_ANY, NULL) : NULL;
		char out[2048];
		int rc;

		memset(&c, 0, sizeof c);
		c.dag = "d";
		c.task = "m[0]";
		c.item = item;
		buf_init(&b, 0);
		sl_err_clear(&err);
		rc = cases[i].mode == 1 ? tmpl_render_shell(cases[i].text, &c, &b, &err) :
		     cases[i].mode == 2 ? tmpl_render_sql(cases[i].text, &c, &b, &err) :
		     tmpl_render(cases[i].text, &c, &b, &err);
		if (rc < 0)
			snprintf(out, sizeof out, "error: %s", err.msg);
		else
			snprintf(out, sizeof out, "%s", buf_str(&b));
		CHECK_EQ_STR(cases[i].want, out);
		buf_free(&b);
		json_decref(item);
	}
	/* checked at load: both names are known */
	CHECK(tmpl_check("{{ item }} {{ item.name }}", params, NULL) == 0);
}

static void
test_check(void)
{
	struct sl_err err;

	CHECK(tmpl_check("{{ ds }} {{ params.table }} {{ env.HOME }}", params, NULL) == 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sl_err_clear(&err);
		if (tmpl_check(bad[i].text, params, &err) == 0) {
			fprintf(stderr, "'%s' passed the check\n", bad[i].text);
			unit_case_failed = 1;
			continue;
		}
		if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0) {
			fprintf(stderr, "'%s':\n  want: %s...\n  got:  %s\n", bad[i].text, bad[i].msg, err.msg);
			unit_case_failed = 1;
		}
		CHECK_EQ_INT(bad[i].col, err.col);
	}
}

static void
test_json(void)
{
	json_t *in = json_pack("{s:s,s:[s,i],s:{s:s}}", "url", "s3://b/{{ ds }}/",
			       "list", "{{ task }}", 3, "map", "k", "{{ dag }}");
	json_t *out = NULL;
	struct tmpl_ctx c = { "d", "t", "r", "p", 1, 0, 86400, NULL, params,
			      NULL, 0, NULL, NULL, NULL };
	struct tz *tz;
	struct sl_err err;

	CHECK(tz_load("UTC", &tz, &err) == 0);
	c.tz = tz;
	CHECK(tmpl_check_json(in, params, &err) == 0);
	CHECK(tmpl_render_json(in, &c, &out, &err) == 0);
	CHECK_EQ_STR("s3://b/1970-01-01/", json_string_value(json_object_get(out, "url")));
	CHECK_EQ_STR("t", json_string_value(json_array_get(json_object_get(out, "list"), 0)));
	CHECK_EQ_INT(3, json_integer_value(json_array_get(json_object_get(out, "list"), 1)));
	CHECK_EQ_STR("d", json_string_value(json_object_get(json_object_get(out, "map"), "k")));
	json_decref(in);
	json_decref(out);
	tz_free(tz);
}


/* Values that would change a shell line's meaning if pasted in. */
static const char *const hostile[] = {
	"it's", "a\"b", "$(touch pwned-subst)", "`touch pwned-tick`",
	"line1\nline2", "a; touch pwned-semi", "two  words", "", "\\",
	"'; touch pwned-quote; '", "\"'\"'", "*", "$HOME", "a\\'b",
	"}}{{", "#not a comment", "x\n#y\ntouch pwned-nl",
	"EOF\ntouch pwned-eof", "'\"$(touch pwned-mix)\"'",
};

/* Command texts around {{ params.v }} and what the shell must print
 * (%s = the value). */
static const struct {
	const char *text;
	const char *want;
} shell_forms[] = {
	{ "printf '%s' {{ params.v }}", "%s" },
	{ "printf '%s' \"[{{ params.v }}]\"", "[%s]" },
	{ "printf '%s' '[{{ params.v }}]'", "[%s]" },
	{ "printf '%s' [{{ params.v }}]", "[%s]" },
	{ "x={{ params.v }}; printf '%s' \"$x\"", "%s" },
	{ "printf '%s' \"a$(printf '%s' \"<{{ params.v }}>\")b\"", "a<%s>b" },
	{ "printf '%s' $(printf '<%s>' {{ params.v }})", "<%s>" },
	{ "printf '%s' \"{{ params.v }}\"'{{ params.v }}'", "%s%s" },
	{ "cat <<'EOF'\nheredoc $x\nEOF\nprintf '%s' {{ params.v }}",
	  "heredoc $x\n%s" },
	{ "cat <<EOF; printf '%s' {{ params.v }}\n  body\nEOF", "  body\n%s" },
	{ "# a comment\nprintf '%s' {{ params.v }}", "%s" },
	{ "printf '%s' {{ params.v }} # it's \"a comment", "%s" },
	{ "case {{ params.v }} in *) printf '%s' {{ params.v }};; esac", "%s" },
	{ "printf '%s' \\${{ params.v }} \"\\${{ params.v }}\"", "$%s$%s" },
};

static char *
sh_output(const char *line)
{
	struct buf b;
	char chunk[512];
	size_t n;
	FILE *f = popen(line, "r");

	buf_init(&b, 0);
	if (f == NULL)
		return buf_steal(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	pclose(f);
	return buf_steal(&b);
}

/* Run each form with each hostile value through /bin/sh: the output is
 * the value itself and nothing else ran. */
static void
test_shell_values(void)
{
	char dir[] = "/tmp/unit_template.XXXXXX";
	char cwd[4096];

	CHECK(mkdtemp(dir) != NULL);
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK(chdir(dir) == 0);
	for (size_t i = 0; i < SL_ARRAY_LEN(hostile); i++)
		for (size_t j = 0; j < SL_ARRAY_LEN(shell_forms); j++) {
			json_t *p = json_pack("{s:s}", "v", hostile[i]);
			json_t *decl = json_pack("{s:{}}", "v");
			struct tmpl_ctx c = { "d", "t", "r", "p", 1, 0, 86400, NULL, p,
					      NULL, 0, NULL, NULL, NULL };
			struct buf line, want;
			struct sl_err err;
			char *got;
			const char *w;
			int is_subst = strstr(shell_forms[j].text, "$(printf '<") != NULL;

			sl_err_clear(&err);
			CHECK(tmpl_check_shell(shell_forms[j].text, decl, &err) == 0);
			if (err.msg[0])
				fprintf(stderr, "%s: %s\n", shell_forms[j].text, err.msg);
			buf_init(&line, 0);
			buf_init(&want, 0);
			CHECK(tmpl_render_shell(shell_forms[j].text, &c, &line, &err) == 0);
			for (w = shell_forms[j].want; *w; w++)
				if (w[0] == '%' && w[1] == 's') {
					buf_adds(&want, hostile[i]);
					w++;
				} else
					buf_addc(&want, *w);
			/* $(...) drops trailing newlines only */
			got = sh_output(buf_str(&line));
			if (!is_subst && strcmp(buf_str(&want), got) != 0) {
				fprintf(stderr, "value [%s] in [%s]\n  line: %s\n  want: [%s]\n  got:  [%s]\n",
					hostile[i], shell_forms[j].text, buf_str(&line),
					buf_str(&want), got);
				unit_case_failed = 1;
			}
			free(got);
			buf_free(&line);
			buf_free(&want);
			json_decref(p);
			json_decref(decl);
		}
	{
		/* nothing the values asked for ran */
		char *ls = sh_output("ls -A");

		CHECK_EQ_STR("", ls);
		free(ls);
	}
	CHECK(chdir(cwd) == 0);
	rmdir(dir);
}

/* The exact text of the quoting, for the docs' examples. */
static void
test_shell_text(void)
{
	json_t *p = json_pack("{s:s,s:s}", "v", "it's; id", "e", "");
	struct tmpl_ctx c = { "d", "t", "r", "p", 1, 0, 86400, NULL, p, NULL, 0, NULL, NULL, NULL };
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "echo {{ params.v }}", "echo 'it'\\''s; id'" },
		{ "echo \"x {{ params.v }} y\"", "echo \"x \"'it'\\''s; id'\" y\"" },
		{ "echo 'x {{ params.v }} y'", "echo 'x ''it'\\''s; id'' y'" },
		{ "echo {{ params.e }}.", "echo ''." },
		{ "echo {{ params.v | raw }}", "echo it's; id" },
		{ "echo {{ partition }} {{ dag }}", "echo 'p' 'd'" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct buf b;
		struct sl_err err;

		buf_init(&b, 0);
		CHECK(tmpl_render_shell(cases[i].text, &c, &b, &err) == 0);
		CHECK_EQ_STR(cases[i].want, buf_str(&b));
		buf_free(&b);
	}
	json_decref(p);
}

/* Where a value cannot be one quoted word, the DAG does not load. */
static const struct {
	const char *text;
	const char *where;	/* in the message */
} shell_refused[] = {
	{ "echo `echo {{ params.v }}`", "backticks" },
	{ "echo \"`echo {{ params.v }}`\"", "backticks" },
	{ "echo hi # {{ params.v }}", "a shell comment" },
	{ "cat <<EOF\n{{ params.v }}\nEOF", "a here-document" },
	{ "cat <<-'END'\n\t{{ params.v }}\nEND", "a here-document" },
	{ "echo $(( {{ params.v }} + 1 ))", "arithmetic" },
	{ "echo ${X:-{{ params.v }}}", "a parameter expansion" },
	{ "echo \"${X:-{{ params.v }}}\"", "a parameter expansion" },
	{ "echo $'a {{ params.v }}'", "$'...' quotes" },
	{ "echo \\{{ params.v }}", "right after a backslash" },
	{ "echo \"a\\{{ params.v }}\"", "right after a backslash" },
	{ "echo <<{{ params.v }}", "a here-document" },
	{ "echo \"$(case x in x) echo {{ params.v }};; esac)\"", "holding `case`" },
	{ "echo $(case x in x) echo ok;; esac) {{ params.v }}", "holding `case`" },
	{ "echo ${{ params.v }}", "right after a $" },
	{ "echo \"${{ params.v }}\"", "right after a $" },
	{ "echo '{{ params.v }}", "leaves a quote" },
	{ "echo \"$(echo {{ params.v }}\"", "leaves a quote" },
};

static void
test_shell_refused(void)
{
	json_t *decl = json_pack("{s:{}}", "v");
	json_t *p = json_pack("{s:s}", "v", "x");
	struct tmpl_ctx c = { "d", "t", "r", "p", 1, 0, 86400, NULL, p, NULL, 0, NULL, NULL, NULL };

	for (size_t i = 0; i < SL_ARRAY_LEN(shell_refused); i++) {
		struct sl_err err;

		sl_err_clear(&err);
		if (tmpl_check_shell(shell_refused[i].text, decl, &err) == 0) {
			fprintf(stderr, "[%s] passed the shell check\n", shell_refused[i].text);
			unit_case_failed = 1;
			continue;
		}
		if (strstr(err.msg, shell_refused[i].where) == NULL) {
			fprintf(stderr, "[%s]: want '%s' in: %s\n", shell_refused[i].text,
				shell_refused[i].where, err.msg);
			unit_case_failed = 1;
		}
		/* rendering refuses too (unless the text is just unclosed) */
		if (strstr(shell_refused[i].where, "leaves") == NULL) {
			struct buf b;

			buf_init(&b, 0);
			CHECK(tmpl_render_shell(shell_refused[i].text, &c, &b, &err) < 0);
			buf_free(&b);
		}
	}
	/* | raw is the author's choice anywhere; text without templates is
	 * not the scanner's business */
	CHECK(tmpl_check_shell("echo `echo {{ params.v | raw }}`", decl, NULL) == 0);
	CHECK(tmpl_check_shell("echo 'unclosed", decl, NULL) == 0);
	json_decref(decl);
	json_decref(p);
}

/* Operator options: keys marked OPK_SHELL_LINE (cluster_job's command
 * for sbatch --wrap, submit, status, cancel) are shell lines, the rest
 * data. */
static void
test_opts(void)
{
	static const struct op_key keys[] = {
		{ "command", OPK_STRING, 0, OPK_SHELL_LINE, "a shell line" },
		{ "url", OPK_STRING, 0, 1, "data" },
		{ "args", OPK_STRINGS, 0, 1, "data" },
		{ NULL, 0, 0, 0, NULL },
	};
	json_t *p = json_pack("{s:s}", "v", "a b; $(id)");
	json_t *in = json_pack("{s:s,s:s,s:[s]}", "command", "run {{ params.v }}",
			       "url", "s3://b/{{ params.v }}", "args", "{{ params.v }}");
	json_t *out = NULL;
	struct tmpl_ctx c = { "d", "t", "r", "p", 1, 0, 86400, NULL, p, NULL, 0, NULL, NULL, NULL };

	CHECK(tmpl_render_opts(keys, in, &c, &out, NULL) == 0);
	CHECK_EQ_STR("run 'a b; $(id)'", json_string_value(json_object_get(out, "command")));
	CHECK_EQ_STR("s3://b/a b; $(id)", json_string_value(json_object_get(out, "url")));
	CHECK_EQ_STR("a b; $(id)", json_string_value(json_array_get(json_object_get(out, "args"), 0)));
	json_decref(out);
	json_decref(in);
	json_decref(p);
}

/* A wildcard pattern (OPK_GLOB_TEXT, s3_sensor's url): a value's '*',
 * '?' and '\\' go in escaped, so the value is a literal key; `| raw`
 * lets a trusted value be a wildcard. */
static void
test_opts_glob(void)
{
	static const struct op_key keys[] = {
		{ "url", OPK_STRING, 0, OPK_GLOB_TEXT, "a pattern" },
		{ "raw", OPK_STRING, 0, OPK_GLOB_TEXT, "a pattern" },
		{ NULL, 0, 0, 0, NULL },
	};
	json_t *p = json_pack("{s:s}", "v", "a*b?c\\d[1]");
	json_t *in = json_pack("{s:s,s:s}",
			       "url", "s3://b/*/{{ params.v }}.csv",
			       "raw", "s3://b/{{ params.v | raw }}");
	json_t *out = NULL;
	struct tmpl_ctx c = { "d", "t", "r", "p", 1, 0, 86400, NULL, p, NULL, 0, NULL, NULL, NULL };

	CHECK(tmpl_render_opts(keys, in, &c, &out, NULL) == 0);
	CHECK_EQ_STR("s3://b/*/a\\*b\\?c\\\\d[1].csv",
		     json_string_value(json_object_get(out, "url")));
	CHECK_EQ_STR("s3://b/a*b?c\\d[1]",
		     json_string_value(json_object_get(out, "raw")));
	json_decref(out);
	json_decref(in);
	json_decref(p);
}

/* Secret params render as *** where a person looks. */
static void
test_mask(void)
{
	json_t *p = json_pack("{s:s,s:s}", "token", "hunter2", "user", "ann");
	json_t *decls = json_pack("{s:{s:b},s:{}}", "token", "secret", 1, "user");
	struct tmpl_ctx c = { "d", "t", "r", "p", 1, 0, 86400, NULL, p, decls, 1, NULL, NULL, NULL };
	struct buf b;

	buf_init(&b, 0);
	CHECK(tmpl_render_shell("curl -u {{ params.user }}:{{ params.token }}", &c, &b, NULL) == 0);
	CHECK_EQ_STR("curl -u 'ann':'***'", buf_str(&b));
	buf_reset(&b);
	c.mask_secrets = 0;
	CHECK(tmpl_render("{{ params.token }}", &c, &b, NULL) == 0);
	CHECK_EQ_STR("hunter2", buf_str(&b));
	buf_free(&b);
	json_decref(p);
	json_decref(decls);
}

int
main(void)
{
	params = json_pack("{s:s,s:i}", "table", "public.stock_prices", "limit", 10);
	RUN(test_render);
	RUN(test_check);
	RUN(test_item);
	RUN(test_json);
	RUN(test_shell_text);
	RUN(test_shell_values);
	RUN(test_shell_refused);
	RUN(test_opts);
	RUN(test_opts_glob);
	RUN(test_mask);
	json_decref(params);
	return UNIT_END();
}
