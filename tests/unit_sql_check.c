/* unit_sql_check.c: the sql task's checks: reading them (each error with
 * the path of the key at fault) and judging values by each rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/sql.h"
#include "tests/unit.h"

/* Parse options (JSON text): "" when fine, else "PATH: message". */
static const char *
parse(const char *json)
{
	static char out[SL_ERR_MSG + 300];
	struct sql_checks checks;
	struct sl_err err;
	char path[256];
	json_t *opts = json_loads(json, 0, NULL);

	if (opts == NULL)
		return "bad json";
	sl_err_clear(&err);
	if (sql_checks_parse(opts, &checks, path, sizeof path, &err) < 0)
		snprintf(out, sizeof out, "%s: %s", path, err.msg);
	else {
		out[0] = '\0';
		sql_checks_free(&checks);
	}
	json_decref(opts);
	return out;
}

static void
test_parse(void)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "{}", "" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"SELECT 1\", \"min\": \"1\", \"max\": \"9\"}]}", "" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"SELECT 1\", \"between\": [\"1\", 9]}]}", "" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"SELECT 1\", \"is_true\": true, \"warn\": true}]}", "" },
		{ "{\"checks\": []}", "checks: checks is a list of checks (- name: ..., query: ..., and a rule)" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\", \"minimum\": \"1\"}]}",
		  "checks.0.minimum: unknown key 'minimum' in a check (known: name, query, warn; rules: equals, min, max, between, not_empty, is_true)" },
		{ "{\"checks\": [{\"name\": \"a\", \"query\": \"q\", \"not_empty\": true}, {\"name\": \"n\", \"query\": \"q\", \"between\": [\"1\"]}]}",
		  "checks.1.between: between takes two numbers, [low, high]" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\", \"between\": [\"9\", \"1\"]}]}",
		  "checks.0.between: between [9, 1]: the low bound is above the high one" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\", \"between\": [\"a\", \"1\"]}]}",
		  "checks.0.between: between takes two numbers, [low, high]" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\"}]}",
		  "checks.0: a check needs a rule: equals, min, max, between: [a, b], not_empty: true or is_true: true" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\", \"equals\": \"1\", \"min\": \"1\"}]}",
		  "checks.0.min: a check has one rule; equals and min both given (min with max is the one pair allowed)" },
		{ "{\"checks\": [{\"query\": \"q\", \"equals\": \"1\"}]}",
		  "checks.0: a check needs a name (a non-empty string)" },
		{ "{\"checks\": [{\"name\": \"n\", \"equals\": \"1\"}]}",
		  "checks.0: a check needs a query (SQL returning one value)" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\", \"equals\": \"{{ ds }}\"}]}",
		  "checks.0.equals: templates are rendered in a check's query only, not in equals" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\", \"min\": \"x\"}]}",
		  "checks.0.min: min takes a number" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\", \"min\": \"1\", \"warn\": \"yes\"}]}",
		  "checks.0.warn: warn must be true or false" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\", \"not_empty\": false}]}",
		  "checks.0.not_empty: not_empty takes true" },
		{ "{\"checks\": [{\"name\": \"n\", \"query\": \"q\", \"is_true\": true}, {\"name\": \"n\", \"query\": \"q\", \"is_true\": true}]}",
		  "checks.1.name: two checks are named n" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_STR(cases[i].want, parse(cases[i].json));
}

/* Judge text (NULL: SQL NULL) with rows rows by the one check in json. */
static const char *
judge(const char *json, long rows, const char *text)
{
	static char out[400];
	struct sql_checks checks;
	struct sl_err err;
	struct sql_value v = { rows, 1, text };
	char path[64], shown[256];
	json_t *opts = json_loads(json, 0, NULL);
	int ok;

	if (opts == NULL || sql_checks_parse(opts, &checks, path, sizeof path,
					     &err) < 0) {
		json_decref(opts);
		return "bad check";
	}
	ok = sql_check_judge(&checks.v[0], &v, shown, sizeof shown);
	snprintf(out, sizeof out, "%s %s (%s)", ok ? "pass" : "FAIL", shown,
		 checks.v[0].rule_text);
	sql_checks_free(&checks);
	json_decref(opts);
	return out;
}

#define ONE(rule) "{\"checks\": [{\"name\": \"c\", \"query\": \"q\", " rule "}]}"

static void
test_judge(void)
{
	static const struct {
		const char *json;
		long rows;
		const char *text, *want;
	} cases[] = {
		{ ONE("\"equals\": \"3\""), 1, "3", "pass 3 (equals 3)" },
		{ ONE("\"equals\": \"3\""), 1, "3.0", "pass 3.0 (equals 3)" },
		{ ONE("\"equals\": \"3\""), 1, "4", "FAIL 4 (equals 3)" },
		{ ONE("\"equals\": \"O'Brien\""), 1, "O'Brien", "pass O'Brien (equals O'Brien)" },
		{ ONE("\"equals\": \"3\""), 1, NULL, "FAIL NULL (equals 3)" },
		{ ONE("\"min\": \"1\""), 1, "0", "FAIL 0 (min 1)" },
		{ ONE("\"min\": \"1\""), 1, "1", "pass 1 (min 1)" },
		{ ONE("\"max\": \"10\""), 1, "10.5", "FAIL 10.5 (max 10)" },
		{ ONE("\"min\": \"1\", \"max\": \"10\""), 1, "10", "pass 10 (between [1, 10])" },
		{ ONE("\"between\": [\"1\", \"100\"]"), 1, "100", "pass 100 (between [1, 100])" },
		{ ONE("\"between\": [\"1\", \"100\"]"), 1, "101", "FAIL 101 (between [1, 100])" },
		{ ONE("\"between\": [\"1\", \"100\"]"), 1, "abc", "FAIL abc (not a number) (between [1, 100])" },
		{ ONE("\"between\": [\"1\", \"100\"]"), 0, NULL, "FAIL no row (between [1, 100])" },
		{ ONE("\"between\": [\"1\", \"100\"]"), 2, "5", "FAIL 2 rows of 1 column (a check's query returns one value) (between [1, 100])" },
		{ ONE("\"not_empty\": true"), 3, "x", "pass x (not_empty)" },
		{ ONE("\"not_empty\": true"), 1, "", "FAIL  (not_empty)" },
		{ ONE("\"not_empty\": true"), 1, NULL, "FAIL NULL (not_empty)" },
		{ ONE("\"not_empty\": true"), 0, NULL, "FAIL no row (not_empty)" },
		{ ONE("\"is_true\": true"), 1, "t", "pass t (is_true)" },
		{ ONE("\"is_true\": true"), 1, "1", "pass 1 (is_true)" },
		{ ONE("\"is_true\": true"), 1, "f", "FAIL f (is_true)" },
		{ ONE("\"is_true\": true"), 1, "0", "FAIL 0 (is_true)" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_STR(cases[i].want, judge(cases[i].json, cases[i].rows,
						  cases[i].text));
}

int
main(void)
{
	RUN(test_parse);
	RUN(test_judge);
	return UNIT_END();
}
