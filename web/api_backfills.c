/*
 * api_backfills.c: backfills as objects (web/API.md): list them, read one,
 * make one for a DAG, cancel one. Making and cancelling are person
 * actions: the operator role and, from a session, the CSRF token
 * (routes.c); each is audited by the store. What a backfill selects is
 * scheduler/backfill.c's, the CLI's rule.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <string.h>

#include "scheduler/backfill.h"
#include "scheduler/partition.h"
#include "scheduler/tz.h"
#include "store/store.h"

/* the fields a backfill takes (API.md) */
static const char *const backfill_fields[] = {
	"from", "to", "only", "newest_first", "max_active", "dry_run",
	"allow_outside_range", NULL
};
/* the first form's (POST /dags/{dag}/backfill): the missing partitions
 * only, never a dry run; the others are the new form's alone */
static const char *const backfill_first_fields[] = {
	"from", "to", "allow_outside_range", NULL
};
/* a cancel's */
static const char *const cancel_fields[] = { "kill", "dry_run", NULL };

/* The {id} of the route: 1 and *id, or 0 after replying 404. */
static int
bf_id_arg(struct web_req *r, int64_t *id)
{
	long long v;

	if (r->arg.id == NULL || sl_parse_int(r->arg.id, 1, INT64_MAX, &v) < 0) {
		web_error(r, 404, "no backfill '%s'", r->arg.id ? r->arg.id : "");
		return 0;
	}
	*id = v;
	return 1;
}

/* store_backfills_json with each backfill's "timezone": its DAG's zone,
 * the one the UI shows its times in (null when the DAG is not loaded:
 * UTC), so app.js redraws a row as pages_backfills.c drew it. */
static json_t *
bf_list(struct web_req *r, const char *dag, int64_t id, int limit)
{
	json_t *list = store_backfills_json(r->w->store, dag, id, limit), *bf;
	size_t i;

	json_array_foreach(list, i, bf) {
		const char *name = json_string_value(json_object_get(bf, "dag"));
		const struct dag *d = name ? dagbag_find(web_dagbag(r->w), name) : NULL;

		json_object_set_new(bf, "timezone", d ? json_string(tz_name(d->tz)) : json_null());
	}
	return list;
}

enum web_result
api_backfills_list(struct web_req *r)
{
	const char *dag = web_query(r, "dag");
	int limit, offset;
	json_t *list;

	if (api_page_args(r, 100, &limit, &offset) < 0)
		return WEB_DONE;
	if (dag != NULL && !api_key_ok(dag)) {
		web_error(r, 400, "dag: a DAG name");
		return WEB_DONE;
	}
	if ((list = bf_list(r, dag, 0, limit)) == NULL)
		return api_db_failed(r);
	web_json(r, 200, json_pack("{s:o}", "backfills", list));
	return WEB_DONE;
}

enum web_result
api_backfill_get(struct web_req *r)
{
	int64_t id;
	json_t *list;

	if (!bf_id_arg(r, &id))
		return WEB_DONE;
	if ((list = bf_list(r, NULL, id, 1)) == NULL)
		return api_db_failed(r);
	if (json_array_size(list) == 0)
		web_error(r, 404, "no backfill %lld", (long long)id);
	else
		web_json(r, 200, json_incref(json_array_get(list, 0)));
	json_decref(list);
	return WEB_DONE;
}

/* Make a backfill from the body's {from, to, only, newest_first,
 * max_active, dry_run}; *out as backfill_create gives it, or NULL after
 * replying (the result says what to return). */
static enum web_result
bf_make(struct web_req *r, json_t *body, json_t **out)
{
	struct backfill_req req;
	struct sl_err err;
	json_t *ma = json_object_get(body, "max_active");
	char who[160];
	int status, rc;

	*out = NULL;
	memset(&req, 0, sizeof req);
	if (api_body_string(r, body, "from", &req.from) < 0 ||
	    api_body_string(r, body, "to", &req.to) < 0)
		return WEB_DONE;
	req.only = json_string_value(json_object_get(body, "only"));
	if (json_object_get(body, "only") != NULL && !backfill_only_valid(req.only)) {
		web_error(r, 400, "only: one of missing, failed, all");
		return WEB_DONE;
	}
	if ((req.newest_first = api_body_bool(r, body, "newest_first")) < 0 ||
	    (req.dry_run = api_body_bool(r, body, "dry_run")) < 0 ||
	    (req.outside_ok = api_body_bool(r, body, "allow_outside_range")) < 0)
		return WEB_DONE;
	if (ma != NULL && !json_is_null(ma)) {
		if (!json_is_integer(ma) || json_integer_value(ma) < 1 ||
		    json_integer_value(ma) > 100000) {
			web_error(r, 400, "max_active: a number from 1 to 100000");
			return WEB_DONE;
		}
		req.max_active = (int)json_integer_value(ma);
	}
	if ((rc = backfill_create(r->w->store, r->dag, &req, web_who(r, who, sizeof who),
				  out, &status, &err)) < 0) {
		/* 503: a lock, and nothing written (backfill_create rolled
		 * back, which forgets the lock's error): try again from the
		 * loop, as every request that meets a lock does */
		if (status == 503)
			return WEB_BUSY;
		if (rc == PARTITION_OUTSIDE)
			web_error(r, status, "%s (allow_outside_range: true backfills it anyway)",
				  err.msg);
		else
			web_error(r, status, "%s", err.msg);
		return WEB_DONE;
	}
	if (!req.dry_run)
		web_poke(r->w);
	return WEB_DONE;
}

enum web_result
api_backfills_create(struct web_req *r)
{
	json_t *body, *out, *obj;
	enum web_result res;
	int dry_run;

	if ((body = web_body_json(r, backfill_fields)) == NULL)
		return WEB_DONE;
	res = bf_make(r, body, &out);
	json_decref(body);
	if (out == NULL)
		return res;
	/* a dry run, or nothing to run: no backfill was made (id null) */
	dry_run = json_is_true(json_object_get(out, "dry_run")) ||
		  json_is_null(json_object_get(out, "id"));
	/* the backfill as GET shows it, with what it selected */
	obj = dry_run ? NULL : bf_list(r, NULL,
			json_integer_value(json_object_get(out, "id")), 1);
	if (obj != NULL && json_array_size(obj) == 1)
		json_object_update_missing(out, json_array_get(obj, 0));
	json_decref(obj);
	web_json(r, dry_run ? 200 : 201, out);
	return WEB_DONE;
}

/* POST /dags/{dag}/backfill (the first API's shape): the missing
 * partitions of {from, to}: {id, created, existing}. */
enum web_result
api_backfill(struct web_req *r)
{
	json_t *body, *out, *v;
	enum web_result res;
	const char *k;

	if ((body = web_body_json(r, backfill_fields)) == NULL)
		return WEB_DONE;
	/* a field of the new form is refused, not dropped: a "dry_run":
	 * true made a real backfill, "only": "failed" one of the missing */
	json_object_foreach(body, k, v) {
		size_t i;

		for (i = 0; backfill_first_fields[i] != NULL &&
			    strcmp(backfill_first_fields[i], k) != 0; i++)
			;
		if (backfill_first_fields[i] == NULL) {
			web_error(r, 400, "field '%s': POST /api/v1/dags/%s/backfill takes "
				  "only from, to, allow_outside_range; "
				  "POST /api/v1/dags/%s/backfills takes %s too",
				  k, r->dag->name, r->dag->name, k);
			json_decref(body);
			return WEB_DONE;
		}
	}
	res = bf_make(r, body, &out);
	json_decref(body);
	if (out == NULL)
		return res;
	web_json(r, 200, json_pack("{s:O,s:O,s:O,s:O}", "id", json_object_get(out, "id"),
				   "created", json_object_get(out, "create"),
				   "existing", json_object_get(out, "skip"),
				   "notes", json_object_get(out, "notes")));
	json_decref(out);
	return WEB_DONE;
}

enum web_result
api_backfill_cancel(struct web_req *r)
{
	json_t *body, *preview = NULL;
	struct sl_err err;
	int64_t id;
	int kill, dry_run, rc;
	char who[160];

	if (!bf_id_arg(r, &id))
		return WEB_DONE;
	if ((body = web_body_json(r, cancel_fields)) == NULL)
		return WEB_DONE;
	kill = api_body_bool(r, body, "kill");
	dry_run = kill < 0 ? -1 : api_body_bool(r, body, "dry_run");
	json_decref(body);
	if (kill < 0 || dry_run < 0)
		return WEB_DONE;
	sl_err_clear(&err);
	rc = store_backfill_cancel(r->w->store, id, kill, dry_run,
				   web_who(r, who, sizeof who), &preview, &err);
	if (rc == -1) {
		json_decref(preview);
		return api_db_failed(r);
	}
	if (rc == 0 || rc == -2) {
		json_decref(preview);
		web_error(r, rc == 0 ? 404 : 409, "%s", err.msg);
		return WEB_DONE;
	}
	if (!dry_run)
		web_poke(r->w);
	web_json(r, 200, preview);
	return WEB_DONE;
}
