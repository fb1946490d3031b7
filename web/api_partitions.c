/*
 * api_partitions.c: GET /api/v1/dags/{dag}/partitions, the partition map:
 * every expected partition of a scheduled DAG in a range, with or without
 * a run, each with its state (scheduler/expected.h). The full form lists
 * {partition, start_s, end_s, state, run}; format=compact gives one state
 * code per partition in a string with the first start and the step, for
 * long ranges (a year of hours is 8,760 characters), with the zone's UTC
 * offsets over the range so a client finds each partition's local day.
 * A dataset's map (api_datasets.c) is its producing task's: the same
 * reply, from that task's instances, naming the dataset and the task.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/expected_store.h"
#include "scheduler/tz.h"
#include "store/store.h"
#include "web/links.h"

/* At most this many partitions per reply. */
#define API_PARTITIONS_FULL_MAX 20000
#define API_PARTITIONS_COMPACT_MAX 200000

/* {"missing": n, ...} for every state, and the code legend. */
static json_t *
map_counts(const struct expected_store_map *m)
{
	json_t *o = json_object();

	for (int i = 0; i < EXPECTED_NSTATES; i++)
		json_object_set_new(o, expected_state_name(i),
				    json_integer((json_int_t)m->counts[i]));
	return o;
}

static json_t *
map_legend(void)
{
	json_t *o = json_object();

	for (int i = 0; i < EXPECTED_NSTATES; i++) {
		char code[2] = { expected_state_code(i), '\0' };

		json_object_set_new(o, code, json_string(expected_state_name(i)));
	}
	return o;
}

/* A JSON string into b: partition keys and links are plain ASCII with no
 * quote or backslash and go as they are (a year of hours is 17,520 of
 * them); anything else through jansson's escaper. */
static void
map_put_str(struct buf *b, const char *s)
{
	const char *p;
	json_t *v;
	char *text;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '"' || *p == '\\')
			break;
	if (*p == '\0') {
		buf_addc(b, '"');
		buf_add(b, s, (size_t)(p - s));
		buf_addc(b, '"');
		return;
	}
	v = json_string(s);
	text = v != NULL ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	buf_adds(b, text != NULL ? text : "\"\"");
	free(text);
	json_decref(v);
}

/* The full form's "partitions" array, written by hand (jansson's objects
 * cost ten times as much for a year of hours). */
static void
map_full(struct buf *b, const struct dag *d, const struct expected_store_map *m)
{
	char key[PARTITION_KEY_MAX];
	struct buf link;

	buf_init(&link, 0);
	buf_addc(b, '[');
	for (size_t i = 0; i < m->n; i++) {
		const struct expected_partition *p = &m->v[i];

		expected_store_key(d, m, i, key, sizeof key);
		buf_adds(b, i > 0 ? ",{\"partition\":" : "{\"partition\":");
		map_put_str(b, key);
		buf_printf(b, ",\"start_s\":%lld,\"end_s\":%lld,\"state\":\"%s\",\"run\":",
			   (long long)p->start_s, (long long)p->end_s, expected_state_name(p->state));
		if (p->run >= 0) {
			const struct store_map_run *r = &m->runs[p->run];
			const char *values[] = { d->name, key };

			link.len = 0;
			links_build(&link, NULL, LINK_PAGE_RUN, values);
			map_put_str(b, buf_str(&link));
			buf_printf(b, ",\"run_state\":\"%s\"", run_state_name(r->state));
			if (r->state == RUN_RUNNING)
				buf_printf(b, ",\"tasks_active\":%d,\"tasks_failed\":%d", r->active, r->failed);
			buf_addc(b, '}');
		} else
			buf_adds(b, "null}");
	}
	buf_addc(b, ']');
	buf_free(&link);
}

/* The zone's UTC offsets over [t0, t1] as [[from_s, offset_s], ...], so
 * a client places partitions on local days without a zone database. */
static json_t *
map_offsets(const struct dag *d, int64_t t0, int64_t t1)
{
	json_t *a = json_array();
	int64_t t = t0;

	while (t <= t1) {
		int64_t start, end;
		int offset;

		tz_span(d->tz, t, &start, &end, &offset);
		json_array_append_new(a, json_pack("[I,i]", (json_int_t)t, offset));
		if (end == INT64_MAX || end <= t)
			break;
		t = end;
	}
	return a;
}

/* What a map is of: a DAG, or a dataset (task: its producing task). */
struct map_of {
	const struct dag *d;
	const char *task, *dataset;	/* NULL: the DAG's runs */
};

/* The reply's header: what every form starts with; its notes say what
 * a range asked past the DAG's start: or end: lost to them, as `sluice
 * status` says it (a map's range is the one asked, cut to start..end;
 * without from and to it is within them, and nothing is said), and that
 * one without from was cut to its newest partitions (expected_store.h). */
static json_t *
map_head(const struct map_of *of, const struct expected_store_map *m)
{
	const struct dag *d = of->d;
	json_t *body = json_object();
	char key[PARTITION_KEY_MAX];

	if (of->dataset != NULL) {
		json_object_set_new(body, "dataset", json_string(of->dataset));
		json_object_set_new(body, "task", json_string(of->task));
	}
	json_object_set_new(body, "dag", json_string(d->name));
	json_object_set_new(body, "timezone", json_string(tz_name(d->tz)));
	json_object_set_new(body, "schedule", json_string(d->schedule_text));
	json_object_set_new(body, "from", m->n ? json_string(expected_store_key(d, m, 0, key, sizeof key)) : json_null());
	json_object_set_new(body, "to", m->n ? json_string(expected_store_key(d, m, m->n - 1, key, sizeof key)) : json_null());
	json_object_set_new(body, "count", json_integer((json_int_t)m->n));
	json_object_set_new(body, "counts", map_counts(m));
	json_object_set_new(body, "notes", partition_notes_json(&m->notes));
	return body;
}

/* The compact form of m (a new reference). */
static json_t *
map_compact(const struct map_of *of, const struct expected_store_map *m)
{
	const struct dag *d = of->d;
	json_t *body = map_head(of, m);
	char *codes = xmalloc(m->n + 1);
	int64_t step = expected_step(m->v, m->n);

	for (size_t i = 0; i < m->n; i++)
		codes[i] = expected_state_code(m->v[i].state);
	codes[m->n] = '\0';
	json_object_set_new(body, "start_s", m->n ? json_integer(m->v[0].start_s) : json_null());
	json_object_set_new(body, "step_s", step > 0 ? json_integer(step) : json_null());
	if (step == 0 && m->n > 0) {
		/* a step that varies (DST, months): every start */
		json_t *starts = json_array();

		for (size_t i = 0; i < m->n; i++)
			json_array_append_new(starts, json_integer(m->v[i].start_s));
		json_object_set_new(body, "starts", starts);
	}
	if (m->n > 0) {
		json_object_set_new(body, "end_s", json_integer(m->v[m->n - 1].end_s));
		json_object_set_new(body, "utc_offsets", map_offsets(d, m->v[0].start_s,
								     m->v[m->n - 1].start_s));
	}
	json_object_set_new(body, "codes", json_stringn_nocheck(codes, m->n));
	json_object_set_new(body, "legend", map_legend());
	free(codes);
	return body;
}

json_t *
api_partitions_compact(struct web *w, const struct dag *d, const char *task,
		       const char *dataset, const char *from, const char *to,
		       struct sl_err *err)
{
	struct map_of of = { d, task, dataset };
	struct expected_store_map m;
	json_t *body;

	if (expected_store_load_task(w->store, d, task, from, to, sl_now_ms() / 1000,
				     API_PARTITIONS_COMPACT_MAX, &m, err) < 0)
		return NULL;
	body = map_compact(&of, &m);
	expected_store_free(&m);
	return body;
}

enum web_result
api_partitions_reply(struct web_req *r, const struct dag *d, const char *task,
		     const char *dataset)
{
	struct map_of of = { d, task, dataset };
	const char *format = web_query(r, "format");
	int compact;
	struct expected_store_map m;
	struct sl_err err;
	struct buf out;
	json_t *body;
	char *head;

	if (format == NULL || *format == '\0' || strcmp(format, "full") == 0)
		compact = 0;
	else if (strcmp(format, "compact") == 0)
		compact = 1;
	else {
		web_error(r, 400, "format must be full or compact");
		return WEB_DONE;
	}
	sl_err_clear(&err);
	if (expected_store_load_task(r->w->store, d, task, web_query(r, "from"),
				     web_query(r, "to"), sl_now_ms() / 1000,
				     compact ? API_PARTITIONS_COMPACT_MAX :
				     API_PARTITIONS_FULL_MAX, &m, &err) < 0) {
		if (web_store_busy(r->w))
			return WEB_BUSY;
		web_error(r, 400, "%s%s", err.msg, !compact && strstr(err.msg, "narrow") ?
			  " or ask for format=compact" : "");
		return WEB_DONE;
	}
	if (compact) {
		web_json(r, 200, map_compact(&of, &m));
		expected_store_free(&m);
		return WEB_DONE;
	}
	/* the header by jansson, then the partitions spliced in */
	body = map_head(&of, &m);
	if ((head = json_dumps(body, JSON_COMPACT)) == NULL)
		sl_fatal("out of memory");
	buf_init(&out, 0);
	buf_add(&out, head, strlen(head) - 1);	/* without its '}' */
	buf_adds(&out, ",\"partitions\":");
	map_full(&out, d, &m);
	buf_addc(&out, '}');
	web_text(r, 200, "application/json", buf_str(&out), out.len);
	free(head);
	buf_free(&out);
	json_decref(body);
	expected_store_free(&m);
	return WEB_DONE;
}

enum web_result
api_partitions_map(struct web_req *r)
{
	return api_partitions_reply(r, r->dag, NULL, NULL);
}
