/*
 * api.c: what the endpoints of the REST API under /api/v1 share (web/API.md
 * documents every endpoint; web/routes.c lists them with the role each
 * needs). One file per resource holds the handlers: api_dags.c,
 * api_runs.c, api_grid.c, api_actions.c, api_tasks.c, api_users.c.
 *
 * Person actions go through the store's functions with who = "web:USER",
 * so the audit log names the person.
 */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "base/text.h"
#include "scheduler/partition.h"
#include "store/store.h"

/* The first key of object v not among known (NULL-terminated), or NULL. */
static const char *
body_unknown_key(json_t *v, const char *const *known)
{
	const char *k;
	json_t *x;

	json_object_foreach(v, k, x) {
		size_t i;

		for (i = 0; known[i] != NULL && strcmp(known[i], k) != 0; i++)
			;
		if (known[i] == NULL)
			return k;
	}
	return NULL;
}

json_t *
web_body_json(struct web_req *r, const char *const *known)
{
	const char *unknown;
	struct evbuffer *in = r->body;
	size_t n = evbuffer_get_length(in);
	json_error_t jerr;
	json_t *v;
	char *text;

	if (n > WEB_MAX_BODY) {
		web_error(r, 413, "the request body is larger than %d bytes", WEB_MAX_BODY);
		return NULL;
	}
	if (n == 0)
		return json_object();
	text = web_body_text(r);
	v = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (v == NULL) {
		/* the parser names its own flag for a NUL; a person reads
		 * what is wrong */
		web_error(r, 400, "the body is not JSON: %s (line %d, column %d)",
			  strstr(jerr.text, "JSON_ALLOW_NUL") != NULL ?
			  "a NUL character (\\u0000) in a string" : jerr.text,
			  jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		web_error(r, 400, "the body must be a JSON object");
		return NULL;
	}
	/* a field this request does not take is refused, not skipped: a
	 * "dryrun": true read as nothing cleared for real */
	if (known != NULL && (unknown = body_unknown_key(v, known)) != NULL) {
		struct text_near near;
		struct buf names;
		char hint[128];

		text_near_init(&near, unknown);
		buf_init(&names, 0);
		for (size_t i = 0; known[i] != NULL; i++) {
			text_near_add(&near, known[i]);
			buf_printf(&names, "%s%s", i ? ", " : "", known[i]);
		}
		text_hint(text_near_best(&near), hint, sizeof hint);
		web_error(r, 400, "unknown field '%s' in the body%s%s(it takes %s)",
			  unknown, hint[0] != '\0' ? ": " : " ", hint, buf_str(&names));
		buf_free(&names);
		json_decref(v);
		return NULL;
	}
	return v;
}

/* limit and offset from the query; -1 after replying 400. */
int
api_page_args(struct web_req *r, int def, int *limit, int *offset)
{
	const char *l = web_query(r, "limit"), *o = web_query(r, "offset");
	long long v;

	*limit = def;
	*offset = 0;
	if (l != NULL) {
		if (sl_parse_int(l, 1, WEB_MAX_PAGE, &v) < 0)
			return web_error(r, 400, "limit must be 1 to %d", WEB_MAX_PAGE);
		*limit = (int)v;
	}
	if (o != NULL) {
		if (sl_parse_int(o, 0, INT_MAX, &v) < 0)
			return web_error(r, 400, "offset must be 0 to %d", INT_MAX);
		*offset = (int)v;
	}
	return 0;
}

/* The partitions one argument names (scheduler/partition.h); -1 after
 * 400 (or 503 when another writer held the lock). */
int
api_partitions(struct web_req *r, const struct dag *d, const char *arg,
	       enum partition_scope scope, struct partition_set *out,
	       struct partition_notes *notes)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (partition_resolve(r->w->store, d, arg, sl_now_ms() / 1000, scope,
			      out, notes, &err) == 0)
		return 0;
	if (web_store_busy(r->w))
		return web_error(r, 503, "the database is busy; try again");
	return web_error(r, 400, "%s", err.msg);
}

/* Exactly one partition, for a new run; -1 after 400 listing the
 * nearest keys, or saying how to confirm one outside the DAG's range. */
int
api_partition_trigger(struct web_req *r, const struct dag *d, const char *arg,
		      int outside_ok, struct partition *out,
		      struct partition_notes *notes)
{
	struct sl_err err;
	int rc;

	sl_err_clear(&err);
	rc = partition_resolve_trigger(r->w->store, web_dagbag(r->w), d, arg,
				       sl_now_ms() / 1000, outside_ok, out,
				       notes, &err);
	if (rc == 0)
		return 0;
	if (web_store_busy(r->w))
		return web_error(r, 503, "the database is busy; try again");
	if (rc == PARTITION_OUTSIDE)
		return web_error(r, 400, "%s (allow_outside_range: true runs it anyway)",
				 err.msg);
	return web_error(r, 400, "%s", err.msg);
}

/* The runs from and to name, both inclusive; -1 after 400. */
int
api_partition_range(struct web_req *r, const struct dag *d, const char *from,
		    const char *to, struct partition_set *out,
		    struct partition_notes *notes)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (partition_resolve_range(r->w->store, d, from, to, sl_now_ms() / 1000,
				    PARTITION_RUNS, out, notes, &err) == 0)
		return 0;
	if (web_store_busy(r->w))
		return web_error(r, 503, "the database is busy; try again");
	return web_error(r, 400, "%s", err.msg);
}

/* from/to of the query (open ends when absent): the runs from the first
 * to the last they name, inclusive; naming no run is a 400. */
int
api_range_args(struct web_req *r, const struct dag *d,
	       struct store_run_range *range)
{
	const char *f = web_query(r, "from"), *t = web_query(r, "to");
	struct store_run_range named;
	struct partition_set set;

	range->from_s = INT64_MIN;
	range->from_id = 0;
	range->to_s = INT64_MAX;
	range->to_id = 0;
	if (f != NULL && *f == '\0')
		f = NULL;
	if (t != NULL && *t == '\0')
		t = NULL;
	if (f == NULL && t == NULL)
		return 0;
	if (api_partition_range(r, d, f, t, &set, NULL) < 0)
		return -1;
	partition_set_range(&set, &named);
	partition_set_free(&set);
	if (f != NULL) {
		range->from_s = named.from_s;
		range->from_id = named.from_id;
	}
	if (t != NULL) {
		range->to_s = named.to_s;
		range->to_id = named.to_id;
	}
	return 0;
}

int
api_body_bool(struct web_req *r, json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		web_error(r, 400, "%s must be true or false", key);
		return -1;
	}
	return json_is_true(v);
}

int
api_body_string(struct web_req *r, json_t *body, const char *key,
		const char **out)
{
	json_t *v = json_object_get(body, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return web_error(r, 400, "%s must be a string", key);
	*out = json_string_value(v);
	return 0;
}

int
api_key_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Begin the web's own transaction around a person action. */
enum web_result
api_begin(struct web_req *r, int *ok)
{
	*ok = 0;
	if (store_begin(r->w->store) == 0) {
		*ok = 1;
		return WEB_DONE;
	}
	if (web_store_busy(r->w))
		return WEB_BUSY;
	web_error(r, 500, "database: %s", store_errmsg(r->w->store));
	return WEB_DONE;
}

enum web_result
api_db_failed(struct web_req *r)
{
	if (web_store_busy(r->w))
		return WEB_BUSY;
	web_error(r, 500, "database: %s", store_errmsg(r->w->store));
	return WEB_DONE;
}

enum web_result
api_commit(struct web_req *r, int *ok)
{
	struct sl_err err;

	*ok = 0;
	sl_err_clear(&err);
	if (store_commit_err(r->w->store, &err) == 0) {
		*ok = 1;
		return WEB_DONE;
	}
	if (web_store_busy(r->w))
		return WEB_BUSY;
	web_error(r, 500, "%s", err.msg);
	return WEB_DONE;
}

