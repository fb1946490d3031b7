/*
 * api_datasets.c: datasets in the API. A dataset is a name some task
 * declares with `produces:` (free text: `lake.trades`,
 * `s3://bucket/prefix/`); consumers name it in `needs:`. The list comes
 * from the DAG folder as the server sees it (each dataset's producing
 * DAG and task, and every need of it, DAG- or task-level); a dataset's
 * map is its producing task's partition map (api_partitions.c), so a
 * partition of the dataset is there when that task instance succeeded.
 * A name goes in the path as one percent-encoded segment.
 */
#include "web/web_internal.h"

#include <stdlib.h>
#include <string.h>

#include "scheduler/dag_keys.h"
#include "web/links.h"

/* The entry of name in by (created with its links when absent). */
static json_t *
dataset_entry(json_t *by, const char *name)
{
	json_t *e = json_object_get(by, name);
	struct buf link;

	if (e != NULL)
		return e;
	e = json_object();
	json_object_set_new(e, "name", json_string(name));
	json_object_set_new(e, "producers", json_array());
	json_object_set_new(e, "consumers", json_array());
	buf_init(&link, 0);
	links_build(&link, NULL, LINK_PAGE_DATASET, (const char *const[]){ name });
	json_object_set_new(e, "page", json_string(buf_str(&link)));
	link.len = 0;
	buf_adds(&link, "/api/v1");
	links_build(&link, NULL, LINK_PAGE_DATASET "/partitions", (const char *const[]){ name });
	json_object_set_new(e, "partitions", json_string(buf_str(&link)));
	buf_free(&link);
	json_object_set_new(by, name, e);
	return e;
}

/* A need of a dataset, by DAG d (task t, or NULL: every task of d). */
static void
consumer_add(json_t *by, const char *only, const struct dag *d,
	     const struct task *t, const struct need *nd)
{
	json_t *c;

	if (nd->dataset == NULL || (only != NULL && strcmp(only, nd->dataset) != 0))
		return;
	c = json_object();
	json_object_set_new(c, "dag", json_string(d->name));
	json_object_set_new(c, "task", t != NULL ? json_string(t->name) : json_null());
	json_object_set_new(c, "offset", json_integer(nd->offset));
	json_object_set_new(c, "latest", json_boolean(nd->latest));
	json_object_set_new(c, "on_change", json_string(dag_need_on_change[nd->on_change].name));
	json_array_append_new(json_object_get(dataset_entry(by, nd->dataset), "consumers"), c);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
api_datasets_json(const struct dagbag *bag, const char *only)
{
	json_t *by = json_object(), *out = json_array(), *e;
	const char **names;
	const char *name;
	size_t n = 0;

	for (int i = 0; i < bag->n; i++) {
		const struct dag *d = bag->entries[i].dag;

		if (d == NULL || bag->entries[i].duplicate)
			continue;
		for (int k = 0; k < d->nneeds; k++)
			consumer_add(by, only, d, NULL, &d->needs[k]);
		for (int j = 0; j < d->ntasks; j++) {
			const struct task *t = &d->tasks[j];

			for (int k = 0; t->produces != NULL && t->produces[k] != NULL; k++) {
				json_t *p;

				if (only != NULL && strcmp(only, t->produces[k]) != 0)
					continue;
				p = json_pack("{s:s, s:s, s:b}", "dag", d->name, "task", t->name,
					      "scheduled", d->schedule != NULL);
				json_array_append_new(json_object_get(dataset_entry(by, t->produces[k]),
								      "producers"), p);
			}
			for (int k = 0; k < t->nneeds; k++)
				consumer_add(by, only, d, t, &t->needs[k]);
		}
	}
	names = xcalloc(json_object_size(by) + 1, sizeof *names);
	json_object_foreach(by, name, e)
		names[n++] = name;
	qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, json_object_get(by, names[i]));
	free(names);
	json_decref(by);
	return out;
}

int
api_dataset_producer(const struct dagbag *bag, const char *name,
		     const struct dag **d, const char **task)
{
	for (int i = 0; i < bag->n; i++) {
		const struct dag *x = bag->entries[i].dag;

		if (x == NULL || bag->entries[i].duplicate)
			continue;
		for (int j = 0; j < x->ntasks; j++)
			for (char **p = x->tasks[j].produces; p != NULL && *p != NULL; p++)
				if (strcmp(*p, name) == 0) {
					*d = x;
					*task = x->tasks[j].name;
					return 0;
				}
	}
	return -1;
}

/* The list's page and partitions links under the path a proxy serves
 * the UI under (web.base_url's), as a client of the API reaches them. */
static json_t *
datasets_rooted(const struct web_req *r, json_t *list)
{
	static const char *const keys[] = { "page", "partitions" };
	json_t *e;
	size_t i;

	if (r->w->root_len == 0)
		return list;
	json_array_foreach(list, i, e)
		for (size_t k = 0; k < 2; k++) {
			const char *v = json_string_value(json_object_get(e, keys[k]));

			if (v != NULL)
				json_object_set_new(e, keys[k], json_sprintf("%s%s", r->w->root, v));
		}
	return list;
}

enum web_result
api_datasets(struct web_req *r)
{
	web_json(r, 200, json_pack("{s:o}", "datasets",
				   datasets_rooted(r, api_datasets_json(web_dagbag(r->w), NULL))));
	return WEB_DONE;
}

enum web_result
api_dataset(struct web_req *r)
{
	json_t *list = datasets_rooted(r, api_datasets_json(web_dagbag(r->w), r->arg.name));

	if (json_array_size(list) == 0) {
		json_decref(list);
		web_error(r, 404, "no task produces a dataset named %s", r->arg.name);
		return WEB_DONE;
	}
	web_json(r, 200, json_incref(json_array_get(list, 0)));
	json_decref(list);
	return WEB_DONE;
}

enum web_result
api_dataset_partitions(struct web_req *r)
{
	const struct dag *d;
	const char *task;

	if (api_dataset_producer(web_dagbag(r->w), r->arg.name, &d, &task) < 0) {
		web_error(r, 404, "no task produces a dataset named %s", r->arg.name);
		return WEB_DONE;
	}
	return api_partitions_reply(r, d, task, r->arg.name);
}
