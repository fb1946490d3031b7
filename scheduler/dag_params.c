/*
 * dag_params.c: a DAG's declared params (`params:` in its file) and the
 * check every value given to a run goes through.
 *
 *   params:
 *     table: public.prices              # the old form: just a default
 *     window: {type: integer, default: 20}
 *     symbols:
 *       type: string
 *       pattern: "[A-Z]+( [A-Z]+)*"     # POSIX ERE, the whole value
 *       default: ACME GLOBEX
 *     mode: {enum: [full, delta], default: delta, description: "..."}
 *     token: {type: string, secret: true}   # no default: required
 *
 * A declaration's type comes from `type:`, else from its default (old
 * form: any scalar). The default is held to the declaration's own rules.
 */
#include "scheduler/dag.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/ydoc.h"
#include "scheduler/dag_keys.h"
#include "scheduler/dag_params.h"

#define PARAM_SHOW_MAX 60	/* chars of a bad value quoted in a message */

/* The text of a scalar as a person (and a pattern) sees it; caller frees. */
static char *
scalar_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.17g", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return xstrdup("");
}

/* A short quotable picture of a value for an error message. */
static const char *
shown(const json_t *decl, const json_t *v, char *out, size_t n)
{
	char *t;

	if (json_is_true(json_object_get(decl, "secret")))
		return "(secret)";
	t = scalar_text(v);
	/* a JSON 3.0 is no integer: shown as '3' it read as one */
	snprintf(out, n, "'%.*s%s%s'", PARAM_SHOW_MAX, t,
		 json_is_real(v) && strcspn(t, ".eEin") == strlen(t) ? ".0" : "",
		 strlen(t) > PARAM_SHOW_MAX ? "..." : "");
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	free(t);
	return out;
}

/* Is s a whole number too large for an integer param (64 bits)? */
static int
int_too_large(const char *s)
{
	const char *d = s + (*s == '+' || *s == '-');

	if (*d == '\0' || strspn(d, "0123456789") != strlen(d))
		return 0;
	errno = 0;
	(void)strtoll(s, NULL, 10);
	return errno == ERANGE;
}

/* Coerce v to type (NULL: any scalar): a new reference or NULL. Strings
 * are accepted for every type, as the CLI gives them. */
static json_t *
coerce(const char *type, const json_t *v)
{
	const char *s = json_string_value(v);
	char *end;

	if (json_is_object(v) || json_is_array(v) || json_is_null(v) ||
	    v == NULL)
		return NULL;
	if (type == NULL)
		return json_incref((json_t *)v);
	if (strcmp(type, "string") == 0) {
		char *t;
		json_t *r;

		if (s != NULL)
			return json_incref((json_t *)v);
		t = scalar_text(v);
		r = json_string(t);
		free(t);
		return r;
	}
	if (strcmp(type, "integer") == 0) {
		long long n;

		if (json_is_integer(v))
			return json_incref((json_t *)v);
		if (s == NULL || *s == '\0' || strlen(s) > 24)
			return NULL;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0' || strchr(s, ' ') != NULL ||
		    strchr(s, '\t') != NULL || strchr(s, '\n') != NULL)
			return NULL;
		return json_integer(n);
	}
	if (strcmp(type, "number") == 0) {
		double x;

		if (json_is_number(v))
			return json_incref((json_t *)v);
		if (s == NULL || *s == '\0' || strlen(s) > 64 ||
		    strspn(s, "0123456789+-.eE") != strlen(s))
			return NULL;
		errno = 0;
		x = strtod(s, &end);
		if (errno != 0 || *end != '\0' || !isfinite(x))
			return NULL;
		if (strspn(s, "0123456789+-") == strlen(s))
			return json_integer((json_int_t)strtoll(s, NULL, 10));
		return json_real(x);
	}
	if (strcmp(type, "boolean") == 0) {
		if (json_is_boolean(v))
			return json_incref((json_t *)v);
		if (s != NULL && strcmp(s, "true") == 0)
			return json_true();
		if (s != NULL && strcmp(s, "false") == 0)
			return json_false();
		return NULL;
	}
	return NULL;
}

/* Does text match the whole of the ERE pattern? -1: bad pattern. */
static int
pattern_match(const char *pattern, const char *text, struct sl_err *err)
{
	regex_t re;
	char *full = xasprintf("^(%s)$", pattern);
	int rc = regcomp(&re, full, REG_EXTENDED | REG_NOSUB);

	free(full);
	if (rc != 0) {
		char msg[256];

		regerror(rc, &re, msg, sizeof msg);
		return sl_err_set(err, "'%s' is not a POSIX extended regular expression: %s",
				  pattern, msg);
	}
	rc = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return rc;
}

/* Check and coerce one value against its declaration: a new reference,
 * or NULL with err naming the param. */
static json_t *
param_value(const char *name, const json_t *decl, const json_t *v,
	    struct sl_err *err)
{
	const char *type = json_string_value(json_object_get(decl, "type"));
	const char *pattern = json_string_value(json_object_get(decl, "pattern"));
	const json_t *choices = json_object_get(decl, "enum");
	json_t *r;
	char show[PARAM_SHOW_MAX + 8];

	if (json_is_object(v) || json_is_array(v) || json_is_null(v)) {
		sl_err_set(err, "param '%s' must be a string, number or boolean",
			   name);
		return NULL;
	}
	if ((r = coerce(type, v)) == NULL) {
		if (type != NULL && strcmp(type, "integer") == 0 &&
		    json_is_string(v) && int_too_large(json_string_value(v))) {
			sl_err_set(err, "param '%s' must be an integer from %lld "
				   "to %lld, got %s", name, LLONG_MIN, LLONG_MAX,
				   shown(decl, v, show, sizeof show));
			return NULL;
		}
		sl_err_set(err, "param '%s' must be %s %s, got %s%s", name,
			   type && strcmp(type, "integer") == 0 ? "an" : "a",
			   type ? type : "scalar",
			   shown(decl, v, show, sizeof show),
			   type && strcmp(type, "boolean") == 0 ?
			   " (true or false)" : "");
		return NULL;
	}
	if (json_is_array(choices)) {
		char *text = scalar_text(r), *c;
		size_t i;
		json_t *e;
		int found = 0;
		struct buf list;

		json_array_foreach(choices, i, e) {
			c = scalar_text(e);
			found |= strcmp(c, text) == 0;
			free(c);
		}
		free(text);
		if (!found) {
			buf_init(&list, 0);
			json_array_foreach(choices, i, e) {
				c = scalar_text(e);
				buf_printf(&list, "%s%s", i ? ", " : "", c);
				free(c);
			}
			sl_err_set(err, "param '%s' must be one of %s, got %s",
				   name, buf_str(&list),
				   shown(decl, r, show, sizeof show));
			buf_free(&list);
			json_decref(r);
			return NULL;
		}
	}
	if (pattern != NULL) {
		char *text = scalar_text(r);
		int m = pattern_match(pattern, text, err);

		free(text);
		if (m <= 0) {
			if (m == 0)
				sl_err_set(err, "param '%s' must match the pattern %s, got %s",
					   name, pattern,
					   shown(decl, r, show, sizeof show));
			else if (err != NULL) {
				char why[SL_ERR_MSG];

				snprintf(why, sizeof why, "%s", err->msg);
				sl_err_set(err, "param '%s': its pattern %s", name,
					   why);
			}
			json_decref(r);
			return NULL;
		}
	}
	return r;
}

json_t *
dag_params_check(const struct dag *d, const json_t *params,
		 struct sl_err *err)
{
	json_t *out = json_object(), *v, *r;
	const char *k;

	if (params != NULL && !json_is_null(params) && !json_is_object(params)) {
		json_decref(out);
		sl_err_set(err, "params must be an object of NAME: value");
		return NULL;
	}
	if (json_is_object(params))
		json_object_foreach((json_t *)params, k, v) {
			const json_t *decl = json_object_get(d->param_decls, k);

			if (decl == NULL) {
				struct text_near near;
				const char *dk;
				json_t *dv;
				char hint[256];

				text_near_init(&near, k);
				json_object_foreach(d->param_decls, dk, dv)
					text_near_add(&near, dk);
				sl_err_set(err,
				    "DAG %s has no param '%s' (%sdeclare it under params: in %s)",
				    d->name, k, text_hint(text_near_best(&near), hint, sizeof hint), d->file);
				json_decref(out);
				return NULL;
			}
			if ((r = param_value(k, decl, v, err)) == NULL) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, k, r);
		}
	json_object_foreach(d->param_decls, k, v)
		if (json_object_get(v, "default") == NULL &&
		    json_object_get(out, k) == NULL) {
			sl_err_set(err, "param '%s' is required (it has no default)",
				   k);
			json_decref(out);
			return NULL;
		}
	return out;
}

int
dag_param_is_secret(const struct dag *d, const char *name)
{
	return json_is_true(json_object_get(json_object_get(d->param_decls,
							    name), "secret"));
}

json_t *
dag_params_masked(const struct dag *d, const json_t *params)
{
	json_t *out, *v;
	const char *k;

	if (!json_is_object(params))
		return json_object();
	out = json_deep_copy(params);
	json_object_foreach((json_t *)params, k, v)
		if (dag_param_is_secret(d, k))
			json_object_set_new(out, k, json_string("***"));
	return out;
}

/* One declaration, `NAME: {type: ..., ...}`, into decl. */
static int
load_decl(struct ydoc *yd, const char *name, ynode_t *v, json_t *decl,
	  struct sl_err *err)
{
	char names[256], hint[128];
	ynode_t *x;
	json_t *val;
	const char *s;

	if (ymap_check_dups(yd, v, err) < 0)
		return -1;
	for (yaml_node_pair_t *p = ymap_begin(v); p < ymap_end(v); p++) {
		ynode_t *kn = ydoc_node(yd, p->key);

		if (ynode_str(kn) != NULL &&
		    dag_key_value_index(dag_param_decl_keys, ynode_str(kn)) >= 0)
			continue;
		dag_key_values_names(dag_param_decl_keys, names, sizeof names);
		return ynode_err(yd, kn, err, "unknown key '%s' (%sknown: %s)",
				 ynode_str(kn) ? ynode_str(kn) : "?",
				 text_hint(dag_key_value_suggest(dag_param_decl_keys,
								    ynode_str(kn)),
					      hint, sizeof hint), names);
	}
	if ((x = ymap_get(yd, v, "type")) != NULL) {
		if (ynode_get_str(yd, x, NULL, &s, err) < 0)
			return -1;
		if (dag_key_value_index(dag_param_types, s) < 0)
			return ynode_err(yd, x, err,
					 "'%s' is not a type (%sknown: %s)", s,
					 text_hint(dag_key_value_suggest(dag_param_types, s),
						      hint, sizeof hint),
					dag_key_values_names(dag_param_types, names,
							     sizeof names));
		json_object_set_new(decl, "type", json_string(s));
	}
	if ((x = ymap_get(yd, v, "description")) != NULL && !ynode_is_null(x)) {
		if (ynode_get_str(yd, x, NULL, &s, err) < 0)
			return -1;
		json_object_set_new(decl, "description", json_string(s));
	}
	if ((x = ymap_get(yd, v, "secret")) != NULL) {
		int b;

		if (ynode_get_bool(yd, x, NULL, &b, err) < 0)
			return -1;
		json_object_set_new(decl, "secret", json_boolean(b));
	}
	if ((x = ymap_get(yd, v, "pattern")) != NULL) {
		struct sl_err perr;

		if (ynode_get_str(yd, x, NULL, &s, err) < 0)
			return -1;
		sl_err_clear(&perr);
		if (pattern_match(s, "", &perr) < 0)
			return ynode_err(yd, x, err, "%s", perr.msg);
		json_object_set_new(decl, "pattern", json_string(s));
	}
	if ((x = ymap_get(yd, v, "default")) != NULL) {
		if (ynode_to_json(yd, x, 1, &val, err) < 0)
			return -1;
		if (!json_is_null(val))
			json_object_set_new(decl, "default", val);
		else
			json_decref(val);
	}
	/* no type: the default's, or a string */
	if (json_object_get(decl, "type") == NULL) {
		val = json_object_get(decl, "default");
		json_object_set_new(decl, "type", json_string(
		    json_is_integer(val) ? "integer" :
		    json_is_real(val) ? "number" :
		    json_is_boolean(val) ? "boolean" : "string"));
	}
	if ((x = ymap_get(yd, v, "enum")) != NULL) {
		struct sl_err eerr;
		json_t *e, *ok;
		size_t i;

		if (x->type != YAML_SEQUENCE_NODE)
			return ynode_err(yd, x, err,
					 "expected a list of values, got %s",
					 ynode_kind(x));
		if (ynode_to_json(yd, x, 1, &val, err) < 0)
			return -1;
		json_array_foreach(val, i, e) {
			sl_err_clear(&eerr);
			ok = param_value(name, decl, e, &eerr);
			if (ok == NULL) {
				json_decref(val);
				return ynode_err(yd, x, err, "%s", eerr.msg);
			}
			json_decref(ok);
		}
		json_object_set_new(decl, "enum", val);
	}
	return 0;
}

/* After an error in params:, every name written there still counts as
 * declared, so that {{ params.NAME }} in a task is not also reported as
 * "the DAG has no param" for a param whose declaration is at fault. */
static void
declare_names(struct ydoc *yd, ynode_t *v, struct dag *dag)
{
	if (v == NULL || v->type != YAML_MAPPING_NODE)
		return;
	for (yaml_node_pair_t *p = ymap_begin(v); p < ymap_end(v); p++) {
		const char *name = ynode_str(ydoc_node(yd, p->key));

		if (name != NULL && *name != '\0' &&
		    json_object_get(dag->param_decls, name) == NULL)
			json_object_set_new(dag->param_decls, name,
					    json_object());
	}
}

/* Each param's error goes to note (which records err and clears it) and
 * the next param is read; -1 when any had one, or v itself is wrong. */
static int
params_load(struct ydoc *yd, ynode_t *v, struct dag *dag, struct sl_err *err,
	    int (*note)(void *), void *note_arg)
{
	int bad = 0;

	if (v->type != YAML_MAPPING_NODE)
		return ynode_err(yd, v, err, "expected a mapping, got %s",
				 ynode_kind(v));
	if (ymap_check_dups(yd, v, err) < 0)
		return -1;
	for (yaml_node_pair_t *p = ymap_begin(v); p < ymap_end(v); p++) {
		ynode_t *kn = ydoc_node(yd, p->key), *vn = ydoc_node(yd, p->value);
		const char *name = ynode_str(kn);
		json_t *decl = json_object(), *def, *ok;
		struct sl_err derr;

		if (name == NULL || *name == '\0') {
			ynode_err(yd, kn, err, "a param's name is a string");
			goto next_param;
		}
		if (vn->type == YAML_MAPPING_NODE) {
			if (load_decl(yd, name, vn, decl, err) < 0)
				goto next_param;
		} else {
			/* the old form: NAME: default, any scalar (or list) */
			if (ynode_to_json(yd, vn, 1, &def, err) < 0)
				goto next_param;
			json_object_set_new(decl, "default", def);
			/* typed as a declaration without type: is (a number
			 * or boolean default gives its type; a text stays
			 * any scalar, as it always was) */
			if (json_is_integer(def) || json_is_real(def) ||
			    json_is_boolean(def))
				json_object_set_new(decl, "type", json_string(
				    json_is_integer(def) ? "integer" :
				    json_is_real(def) ? "number" : "boolean"));
		}
		def = json_object_get(decl, "default");
		if (def != NULL && json_object_get(decl, "type") != NULL) {
			sl_err_clear(&derr);
			ok = param_value(name, decl, def, &derr);
			if (ok == NULL) {
				ynode_t *at = vn->type == YAML_MAPPING_NODE ?
				    ymap_get(yd, vn, "default") : vn;

				ynode_err(yd, at, err, "%s", derr.msg);
				goto next_param;
			}
			json_object_set_new(decl, "default", ok);
			def = ok;
		}
		if (def == NULL && dag->schedule != NULL) {
			ynode_err(yd, vn, err,
				  "needs a default (the scheduler starts this DAG's runs with no params given)");
			goto next_param;
		}
		if (def != NULL)
			json_object_set(dag->params, name, def);
		json_object_set_new(dag->param_decls, name, decl);
		continue;
next_param:
		json_decref(decl);
		if (note == NULL)
			return -1;
		note(note_arg);
		bad = 1;
	}
	return bad ? -1 : 0;
}

int
dag_params_load(struct ydoc *yd, ynode_t *v, struct dag *dag,
		struct sl_err *err, int (*note)(void *), void *note_arg)
{
	dag->params = json_object();
	dag->param_decls = json_object();
	if (v == NULL || ynode_is_null(v))
		return 0;
	if (params_load(yd, v, dag, err, note, note_arg) < 0) {
		declare_names(yd, v, dag);
		/* (every param's error went to note: nothing is left) */
		return err->msg[0] != '\0' ? -1 : 0;
	}
	return 0;
}
