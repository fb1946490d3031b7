/* unit_template.c: checking and rendering templates. */
#include <stdlib.h>

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
	{ "{{ }}", "empty or too long template name", 4 },
	{ "{{ a b }}", "bad template name 'a b'", 4 },
};

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
	struct tmpl_ctx c = { "d", "t", "r", "p", 1, 0, 86400, NULL, params };
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

int
main(void)
{
	params = json_pack("{s:s,s:i}", "table", "public.stock_prices", "limit", 10);
	RUN(test_render);
	RUN(test_check);
	RUN(test_json);
	json_decref(params);
	return UNIT_END();
}
