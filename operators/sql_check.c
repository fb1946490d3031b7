/*
 * sql_check.c: the checks of a `sql` task. Each is a mapping with a name,
 * a query whose single value is judged, one rule (equals, min and/or max,
 * between, not_empty, is_true) and warn. Read once for the load-time
 * check (struct operator's check) and again at run time, the same way.
 */
#include "operators/sql.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/text.h"
#include "operators/operator.h"

static const char *const check_keys[] = {
	"name", "query", "warn", "equals", "min", "max", "between",
	"not_empty", "is_true",
};

/* A number written in YAML (a string) or JSON; -1 when v is not one. */
static int
check_number(const json_t *v, double *out)
{
	const char *s;
	char *end;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return -1;
	*out = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* "%g" of a number, as the log shows a rule's bound. */
static void
check_fmt_number(char *out, size_t n, double v)
{
	snprintf(out, n, "%.15g", v);
}

/* Set path to "checks.I" or "checks.I.KEY" and fill err. */
static int
check_fail(char *path, size_t n, size_t i, const char *key,
	   struct sl_err *err, const char *msg)
{
	if (key != NULL)
		snprintf(path, n, "checks.%zu.%s", i, key);
	else
		snprintf(path, n, "checks.%zu", i);
	return sl_err_set(err, "%s", msg);
}

/* A flag rule's value: true (the only meaningful one). */
static int
check_flag(const json_t *v)
{
	return json_is_true(v) ||
	       (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

static int
check_one(const json_t *item, size_t i, struct sql_check *c, char *path,
	  size_t n, struct sl_err *err)
{
	const char *k, *rule = NULL;
	json_t *v;
	char msg[SL_ERR_MSG], a[64], b[64];
	int rules = 0;

	memset(c, 0, sizeof *c);
	if (!json_is_object(item))
		return check_fail(path, n, i, NULL, err,
		    "a check is a mapping: name, query and one rule (equals, min, max, between, not_empty, is_true)");
	json_object_foreach((json_t *)item, k, v) {
		size_t j;

		for (j = 0; j < SL_ARRAY_LEN(check_keys); j++)
			if (strcmp(check_keys[j], k) == 0)
				break;
		if (j == SL_ARRAY_LEN(check_keys)) {
			struct text_near near;
			char hint[64];

			text_near_init(&near, k);
			for (j = 0; j < SL_ARRAY_LEN(check_keys); j++)
				text_near_add(&near, check_keys[j]);
			snprintf(msg, sizeof msg,
			    "unknown key '%s' in a check (%sknown: name, query, warn; rules: equals, min, max, between, not_empty, is_true)",
			    k, text_hint(text_near_best(&near), hint, sizeof hint));
			return check_fail(path, n, i, k, err, msg);
		}
		if (strcmp(k, "query") != 0 && json_is_string(v) &&
		    strstr(json_string_value(v), "{{") != NULL) {
			snprintf(msg, sizeof msg,
			    "templates are rendered in a check's query only, not in %s",
			    k);
			return check_fail(path, n, i, k, err, msg);
		}
		if (j >= 3) {
			/* min and max together are one range */
			if (rules == 0 || (rules == 1 && rule != NULL &&
			    ((strcmp(rule, "min") == 0 && strcmp(k, "max") == 0) ||
			     (strcmp(rule, "max") == 0 && strcmp(k, "min") == 0)))) {
				if (rule == NULL)
					rule = k;
				rules++;
			} else {
				snprintf(msg, sizeof msg,
				    "a check has one rule; %s and %s both given (min with max is the one pair allowed)",
				    rule, k);
				return check_fail(path, n, i, k, err, msg);
			}
		}
	}
	v = json_object_get(item, "name");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return check_fail(path, n, i, v ? "name" : NULL, err,
				  "a check needs a name (a non-empty string)");
	c->name = json_string_value(v);
	v = json_object_get(item, "query");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return check_fail(path, n, i, v ? "query" : NULL, err,
				  "a check needs a query (SQL returning one value)");
	c->query = json_string_value(v);
	v = json_object_get(item, "warn");
	if (v != NULL && !json_is_boolean(v))
		return check_fail(path, n, i, "warn", err,
				  "warn must be true or false");
	c->warn = json_is_true(v);
	if (rules == 0)
		return check_fail(path, n, i, NULL, err,
		    "a check needs a rule: equals, min, max, between: [a, b], not_empty: true or is_true: true");

	if ((v = json_object_get(item, "equals")) != NULL) {
		c->rule = SQL_RULE_EQUALS;
		if (json_is_string(v))
			c->equals = json_string_value(v);
		else
			return check_fail(path, n, i, "equals", err,
			    "equals takes a number or a string (for a boolean use is_true: true)");
		snprintf(c->rule_text, sizeof c->rule_text, "equals %s",
			 c->equals);
	} else if ((v = json_object_get(item, "between")) != NULL) {
		c->rule = SQL_RULE_RANGE;
		if (!json_is_array(v) || json_array_size(v) != 2 ||
		    check_number(json_array_get(v, 0), &c->lo) < 0 ||
		    check_number(json_array_get(v, 1), &c->hi) < 0)
			return check_fail(path, n, i, "between", err,
			    "between takes two numbers, [low, high]");
		if (c->lo > c->hi) {
			check_fmt_number(a, sizeof a, c->lo);
			check_fmt_number(b, sizeof b, c->hi);
			snprintf(msg, sizeof msg,
			    "between [%s, %s]: the low bound is above the high one",
			    a, b);
			return check_fail(path, n, i, "between", err, msg);
		}
		c->has_lo = c->has_hi = 1;
	} else if (json_object_get(item, "min") != NULL ||
		   json_object_get(item, "max") != NULL) {
		c->rule = SQL_RULE_RANGE;
		if ((v = json_object_get(item, "min")) != NULL) {
			if (check_number(v, &c->lo) < 0)
				return check_fail(path, n, i, "min", err,
						  "min takes a number");
			c->has_lo = 1;
		}
		if ((v = json_object_get(item, "max")) != NULL) {
			if (check_number(v, &c->hi) < 0)
				return check_fail(path, n, i, "max", err,
						  "max takes a number");
			c->has_hi = 1;
		}
		if (c->has_lo && c->has_hi && c->lo > c->hi)
			return check_fail(path, n, i, "max", err,
					  "max is below min");
	} else if ((v = json_object_get(item, "not_empty")) != NULL) {
		c->rule = SQL_RULE_NOT_EMPTY;
		if (!check_flag(v))
			return check_fail(path, n, i, "not_empty", err,
					  "not_empty takes true");
		snprintf(c->rule_text, sizeof c->rule_text, "not_empty");
	} else {
		v = json_object_get(item, "is_true");
		c->rule = SQL_RULE_IS_TRUE;
		if (!check_flag(v))
			return check_fail(path, n, i, "is_true", err,
					  "is_true takes true");
		snprintf(c->rule_text, sizeof c->rule_text, "is_true");
	}
	if (c->rule == SQL_RULE_RANGE) {
		check_fmt_number(a, sizeof a, c->lo);
		check_fmt_number(b, sizeof b, c->hi);
		if (c->has_lo && c->has_hi)
			snprintf(c->rule_text, sizeof c->rule_text,
				 "between [%s, %s]", a, b);
		else if (c->has_lo)
			snprintf(c->rule_text, sizeof c->rule_text, "min %s", a);
		else
			snprintf(c->rule_text, sizeof c->rule_text, "max %s", b);
	}
	return 0;
}

int
sql_checks_parse(const json_t *options, struct sql_checks *out, char *path,
		 size_t n, struct sl_err *err)
{
	const json_t *checks = json_object_get(options, "checks");
	json_t *item;
	size_t i;

	memset(out, 0, sizeof *out);
	path[0] = '\0';
	if (checks == NULL || json_is_null(checks))
		return 0;
	if (!json_is_array(checks) || json_array_size(checks) == 0) {
		snprintf(path, n, "checks");
		return sl_err_set(err,
		    "checks is a list of checks (- name: ..., query: ..., and a rule)");
	}
	out->v = xcalloc(json_array_size(checks), sizeof *out->v);
	json_array_foreach(checks, i, item) {
		if (check_one(item, i, &out->v[i], path, n, err) < 0)
			goto fail;
		for (size_t k = 0; k < i; k++)
			if (strcmp(out->v[k].name, out->v[i].name) == 0) {
				check_fail(path, n, i, "name", err, "");
				sl_err_set(err, "two checks are named %s",
					   out->v[i].name);
				goto fail;
			}
		out->n = i + 1;
	}
	return 0;
fail:
	sql_checks_free(out);
	return -1;
}

void
sql_checks_check(struct op_check *c)
{
	const json_t *checks = op_check_get(c, "checks");
	struct sql_check one;
	char path[SL_ERR_PATH];
	struct sl_err err;
	json_t *item;
	size_t i;

	if (checks == NULL || json_is_null(checks))
		return;
	if (!json_is_array(checks) || json_array_size(checks) == 0) {
		op_check_add(c, "checks",
		    "checks is a list of checks (- name: ..., query: ..., and a rule)");
		return;
	}
	json_array_foreach(checks, i, item) {
		if (check_one(item, i, &one, path, sizeof path, &err) < 0) {
			op_check_add_err(c, path, &err);
			continue;
		}
		/* an earlier check of that name, in error or not */
		for (size_t k = 0; k < i; k++) {
			const char *name = json_string_value(json_object_get(
			    json_array_get(checks, k), "name"));

			if (name != NULL && strcmp(name, one.name) == 0) {
				check_fail(path, sizeof path, i, "name", &err, "");
				op_check_add(c, path, "two checks are named %s",
					     one.name);
				break;
			}
		}
	}
}

void
sql_checks_free(struct sql_checks *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* A value as a number; -1 when it is not one. */
static int
value_number(const char *s, double *out)
{
	json_t *tmp = json_string(s);
	int r = tmp != NULL ? check_number(tmp, out) : -1;

	json_decref(tmp);
	return r;
}

static int
value_true(const char *s)
{
	static const char *const yes[] = { "t", "true", "y", "yes", "on" };
	double d;

	for (size_t i = 0; i < SL_ARRAY_LEN(yes); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	return value_number(s, &d) == 0 && d != 0;
}

int
sql_check_judge(const struct sql_check *c, const struct sql_value *v,
		char *shown, size_t n)
{
	double d, want;

	if (v->rows == 0) {
		snprintf(shown, n, "no row");
		return 0;
	}
	if (v->text == NULL)
		snprintf(shown, n, "NULL");
	else
		snprintf(shown, n, "%s", v->text);
	if (c->rule == SQL_RULE_NOT_EMPTY)
		return v->text != NULL && v->text[0] != '\0';
	if (v->rows > 1 || v->columns != 1) {
		snprintf(shown, n, "%ld row%s of %d column%s (a check's query returns one value)",
			 v->rows, v->rows == 1 ? "" : "s", v->columns,
			 v->columns == 1 ? "" : "s");
		return 0;
	}
	if (v->text == NULL)
		return 0;
	switch (c->rule) {
	case SQL_RULE_EQUALS:
		if (value_number(v->text, &d) == 0 &&
		    value_number(c->equals, &want) == 0)
			return d == want;
		return strcmp(v->text, c->equals) == 0;
	case SQL_RULE_RANGE:
		if (value_number(v->text, &d) < 0) {
			snprintf(shown, n, "%s (not a number)", v->text);
			return 0;
		}
		return (!c->has_lo || d >= c->lo) && (!c->has_hi || d <= c->hi);
	case SQL_RULE_IS_TRUE:
		return value_true(v->text);
	case SQL_RULE_NOT_EMPTY:
		break;
	}
	return 0;
}
