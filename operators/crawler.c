/*
 * crawler.c: catalogues new data and partitions.
 *
 * backend glue:    StartCrawler, then GetCrawler every poll_interval until
 *                  the crawler is READY again; the crawl's LastCrawl status
 *                  decides (FAILED/CANCELLED fail the try with the crawl's
 *                  ErrorMessage). A crawler that is already running is not
 *                  an error: the try waits for that crawl instead.
 *                  SIGTERM (timeout, clear) sends StopCrawler first.
 * backend builtin: lists url (s3:// or file://), finds tables (first-level
 *                  folders that are not partitions, else the url itself) and
 *                  their partitions (Hive key=value/ folders and date paths
 *                  YYYY/MM/DD[/HH] or YYYY-MM-DD), and records them in the
 *                  SQLite catalogue of catalog.h.
 */
#include "operators/operator.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "operators/aws_json.h"
#include "operators/aws_local.h"
#include "operators/aws_s3.h"
#include "operators/catalog.h"
#include "operators/op_stop.h"

static const struct op_key crawler_keys[] = {
	{ "backend", OPK_STRING, 0, 0, "glue or builtin (default: glue if "
	  "name is set, else builtin)" },
	{ "name", OPK_STRING, 0, 1, "glue: the crawler's name" },
	{ "connection", OPK_CONNECTION, 0, 0, "AWS connection" },
	{ "poll_interval", OPK_DURATION, 0, 0,
	  "glue: time between GetCrawler calls (30s)" },
	{ "url", OPK_STRING, 0, 1,
	  "builtin: s3://bucket/prefix/ or file://folder/ to crawl" },
	{ "database", OPK_STRING, 0, 1, "builtin: database name (default)" },
	{ "table", OPK_STRING, 0, 1, "builtin: table for objects directly "
	  "under url (default: the url's last folder)" },
	{ "catalog", OPK_STRING, 0, 1, "builtin: catalogue file "
	  "(default <home>/catalog.db)" },
	{ NULL, 0, 0, 0, NULL },
};

static const char *
backend_of(const json_t *options)
{
	const char *b = json_string_value(json_object_get(options, "backend"));

	if (b != NULL)
		return b;
	return json_object_get(options, "name") ? "glue" : "builtin";
}

static void
crawler_check(struct op_check *c)
{
	const char *backend = op_check_str(c, "backend");
	const char *url = op_check_str(c, "url");

	if (op_check_in_error(c, "backend"))
		return;		/* the other checks depend on it */
	if (backend == NULL)
		backend = op_check_has(c, "name") ? "glue" : "builtin";
	if (strcmp(backend, "glue") == 0) {
		if (!op_check_has(c, "name"))
			op_check_add(c, "name", "backend glue needs the crawler's "
				     "name");
		if (url != NULL)
			op_check_add(c, "url", "url is for backend builtin; a "
				     "Glue crawler has its own targets");
		return;
	}
	if (strcmp(backend, "builtin") != 0) {
		op_check_add(c, "backend", "unknown backend '%s' (glue, builtin)",
			     backend);
		return;
	}
	if (!op_check_has(c, "url"))
		op_check_add(c, "url", "backend builtin needs url");
	else if (url != NULL && strncmp(url, "s3://", 5) != 0 &&
		 strncmp(url, "file://", 7) != 0)
		op_check_add(c, "url", "url must start with s3:// or file://");
}

/* ---- Glue ---- */

static json_t *
name_request(const char *name)
{
	return json_pack("{s:s}", "Name", name);
}

static int
glue_run(const json_t *spec)
{
	const char *name = op_opt_str(spec, "name", NULL);
	int64_t poll = op_opt_int(spec, "poll_interval", 30000);
	struct aws_client *glue = NULL;
	struct sl_err err;
	json_t *req = name_request(name), *resp = NULL;
	char *code = NULL, *last_state = NULL;
	double started_at = (double)time(NULL) - 1;
	int seen_busy = 0, rc = 1;

	if (aws_client_new(op_connection(spec, "connection"), "glue", &glue,
			   &err) < 0) {
		printf("crawler %s: %s\n", name, err.msg);
		goto out;
	}
	printf("starting Glue crawler %s (%s)\n", name,
	       aws_client_describe(glue));
	fflush(stdout);
	if (aws_json_call(glue, "AWSGlue.StartCrawler", req, &resp, &code,
			  &err) < 0) {
		if (code == NULL || strcmp(code, "CrawlerRunningException") != 0) {
			printf("%s\n", err.msg);
			goto out;
		}
		printf("crawler %s is already running: waiting for that crawl "
		       "to finish\n", name);
		seen_busy = 1;
	}
	json_decref(resp);
	resp = NULL;
	for (;;) {
		json_t *crawler, *last;
		const char *state;

		json_decref(resp);
		resp = NULL;
		if (aws_json_call(glue, "AWSGlue.GetCrawler", req, &resp, NULL,
				  &err) < 0) {
			printf("%s\n", err.msg);
			goto out;
		}
		crawler = json_object_get(resp, "Crawler");
		state = json_string_value(json_object_get(crawler, "State"));
		last = json_object_get(crawler, "LastCrawl");
		if (state == NULL) {
			printf("GetCrawler %s: answer has no State\n", name);
			goto out;
		}
		if (last_state == NULL || strcmp(last_state, state) != 0) {
			printf("crawler %s: %s\n", name, state);
			fflush(stdout);
			free(last_state);
			last_state = xstrdup(state);
		}
		if (strcmp(state, "READY") != 0) {
			seen_busy = 1;
		} else {
			json_t *st = json_object_get(last, "StartTime");

			/* READY before our crawl even showed up: keep polling
			 * unless LastCrawl is already ours. */
			if (seen_busy || (json_is_number(st) &&
					  json_number_value(st) >= started_at))
				break;
		}
		if (op_stop_wait_ms(poll)) {
			json_t *r2 = NULL;

			printf("stopping: sending StopCrawler for %s\n", name);
			if (aws_json_call(glue, "AWSGlue.StopCrawler", req, &r2,
					  NULL, &err) < 0)
				printf("%s\n", err.msg);
			json_decref(r2);
			goto out;
		}
	}
	{
		json_t *last = json_object_get(json_object_get(resp, "Crawler"),
					       "LastCrawl");
		const char *status = json_string_value(json_object_get(last,
								       "Status"));
		const char *msg = json_string_value(json_object_get(last,
							"ErrorMessage"));
		const char *group = json_string_value(json_object_get(last,
							"LogGroup"));
		const char *stream = json_string_value(json_object_get(last,
							"LogStream"));

		if (status != NULL && strcmp(status, "SUCCEEDED") == 0) {
			printf("crawl of %s succeeded\n", name);
			rc = 0;
		} else {
			printf("crawl of %s %s%s%s", name,
			       status ? status : "ended without a status",
			       msg ? ": " : "", msg ? msg : "");
			if (group != NULL)
				printf(" (log %s/%s)", group,
				       stream ? stream : "");
			printf("\n");
		}
	}
out:
	fflush(stdout);
	free(code);
	free(last_state);
	json_decref(req);
	json_decref(resp);
	aws_client_free(glue);
	return rc;
}

/* ---- builtin ---- */

struct crawl_part {
	char *spec;
	json_t *values;
	char *location;
	int64_t objects, bytes;
};

struct crawl_table {
	char *name;
	char *location;
	char *format;
	json_t *keys;		/* partition keys, set by the first object */
	int64_t objects, bytes;
	struct crawl_part *parts;
	size_t nparts, capparts;
};

struct crawl {
	const char *url;	/* as written, ends with / */
	char *root;		/* key prefix (s3) or path prefix (file) */
	const char *default_table;
	const char *catalog_path; /* file://: never catalogue the catalogue */
	struct crawl_table *tables;
	size_t ntables, captables;
	long skipped;
	long inconsistent;
};

static int
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/*
 * Is folder name c a partition, given the date level before it (0 none,
 * 1 year, 2 month, 3 day)? Sets key (static or pointing into c) and the
 * value's bounds; updates *level.
 */
static int
partition_comp(const char *c, size_t n, int *level, char **key, char **value)
{
	const char *eq = memchr(c, '=', n);
	static const char *const date_keys[] = { "year", "month", "day", "hour" };

	if (eq != NULL && eq > c && eq < c + n - 1) {
		*key = xstrndup(c, (size_t)(eq - c));
		*value = xstrndup(eq + 1, n - (size_t)(eq - c) - 1);
		*level = 0;
		return 1;
	}
	if (n == 10 && all_digits(c, 4) && c[4] == '-' && all_digits(c + 5, 2) &&
	    c[7] == '-' && all_digits(c + 8, 2)) {
		*key = xstrdup("date");
		*value = xstrndup(c, n);
		*level = 3;
		return 1;
	}
	if (*level == 0 && n == 4 && all_digits(c, 4) &&
	    (c[0] == '1' || c[0] == '2')) {
		*key = xstrdup(date_keys[0]);
		*value = xstrndup(c, n);
		*level = 1;
		return 1;
	}
	if (*level >= 1 && *level <= 3 && n == 2 && all_digits(c, 2)) {
		int v = (c[0] - '0') * 10 + (c[1] - '0');
		int ok = *level == 1 ? v >= 1 && v <= 12
		       : *level == 2 ? v >= 1 && v <= 31 : v <= 23;

		if (ok) {
			*key = xstrdup(date_keys[*level]);
			*value = xstrndup(c, n);
			(*level)++;
			return 1;
		}
	}
	return 0;
}

static char *
format_of(const char *file)
{
	static const char *const known[] = { "parquet", "csv", "tsv", "json",
		"jsonl", "ndjson", "avro", "orc", "txt" };
	char *name = xstrdup(file), *dot;
	const char *comp = NULL;
	char *out = NULL;

	if ((dot = strrchr(name, '.')) != NULL &&
	    (strcmp(dot, ".gz") == 0 || strcmp(dot, ".bz2") == 0 ||
	     strcmp(dot, ".zst") == 0 || strcmp(dot, ".snappy") == 0)) {
		comp = dot + 1;
		*dot = '\0';
		dot = strrchr(name, '.');
	}
	for (size_t i = 0; dot != NULL && i < SL_ARRAY_LEN(known); i++)
		if (strcmp(dot + 1, known[i]) == 0)
			out = comp ? xasprintf("%s+%s", known[i], comp)
				   : xstrdup(known[i]);
	free(name);
	return out;
}

static struct crawl_table *
crawl_table(struct crawl *cr, const char *name, const char *location)
{
	struct crawl_table *t;

	for (size_t i = 0; i < cr->ntables; i++)
		if (strcmp(cr->tables[i].name, name) == 0)
			return &cr->tables[i];
	SL_GROW(cr->tables, cr->captables, cr->ntables + 1);
	t = &cr->tables[cr->ntables++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	t->location = xstrdup(location);
	return t;
}

static struct crawl_part *
crawl_part(struct crawl_table *t, const char *spec, json_t *values,
	   const char *location)
{
	struct crawl_part *p;

	for (size_t i = 0; i < t->nparts; i++)
		if (strcmp(t->parts[i].spec, spec) == 0) {
			json_decref(values);
			return &t->parts[i];
		}
	SL_GROW(t->parts, t->capparts, t->nparts + 1);
	p = &t->parts[t->nparts++];
	memset(p, 0, sizeof *p);
	p->spec = xstrdup(spec);
	p->values = values;
	p->location = xstrdup(location);
	return p;
}

/* One object: which table and partition it belongs to. */
static int
crawl_object(void *arg, const char *key, int64_t size)
{
	struct crawl *cr = arg;
	const char *rel = key + strlen(cr->root);
	char **comps = NULL, *copy = xstrdup(rel), *p, *next;
	size_t n = 0, ncap = 0, start = 0, i;
	struct crawl_table *t;
	struct buf tloc, ploc, spec;
	json_t *keys = json_array(), *values = json_array();
	int level = 0;

	if (cr->catalog_path != NULL && sl_str_starts(key, cr->catalog_path))
		goto skip;	/* catalog.db and its -wal, -shm */
	for (p = copy; p != NULL; p = next) {
		next = strchr(p, '/');
		if (next != NULL)
			*next++ = '\0';
		SL_GROW(comps, ncap, n + 1);
		comps[n++] = p;
	}
	/* Hidden and bookkeeping files (_SUCCESS, _temporary/, .crc) are not
	 * data, as in Hive and Glue. */
	for (i = 0; i < n; i++)
		if (comps[i][0] == '_' || comps[i][0] == '.' ||
		    comps[i][0] == '\0')
			goto skip;
	buf_init(&tloc, 0);
	buf_init(&ploc, 0);
	buf_init(&spec, 0);
	buf_adds(&tloc, cr->url);
	if (n >= 2) {
		char *k, *v;
		int lv = 0;

		if (!partition_comp(comps[0], strlen(comps[0]), &lv, &k, &v)) {
			start = 1;
			buf_printf(&tloc, "%s/", comps[0]);
		} else {
			free(k);
			free(v);
		}
	}
	t = crawl_table(cr, start ? comps[0] : cr->default_table,
			buf_str(&tloc));
	buf_adds(&ploc, buf_str(&tloc));
	for (i = start; i + 1 < n; i++) {
		char *k, *v;

		if (!partition_comp(comps[i], strlen(comps[i]), &level, &k, &v))
			break;
		json_array_append_new(keys, json_string(k));
		json_array_append_new(values, json_string(v));
		buf_printf(&spec, "%s%s=%s", spec.len ? "/" : "", k, v);
		buf_printf(&ploc, "%s/", comps[i]);
		free(k);
		free(v);
	}
	if (t->keys == NULL) {
		t->keys = json_incref(keys);
	} else if (!json_equal(t->keys, keys)) {
		if (cr->inconsistent++ < 5)
			printf("skipping %s: partition layout differs from the "
			       "rest of table %s\n", key, t->name);
		json_decref(values);
		goto done;
	}
	if (t->format == NULL)
		t->format = format_of(comps[n - 1]);
	t->objects++;
	t->bytes += size;
	if (spec.len > 0) {
		struct crawl_part *part = crawl_part(t, buf_str(&spec), values,
						     buf_str(&ploc));

		part->objects++;
		part->bytes += size;
	} else {
		json_decref(values);
	}
done:
	buf_free(&tloc);
	buf_free(&ploc);
	buf_free(&spec);
	json_decref(keys);
	free(comps);
	free(copy);
	return 0;
skip:
	cr->skipped++;
	json_decref(keys);
	json_decref(values);
	free(comps);
	free(copy);
	return 0;
}

static void
crawl_free(struct crawl *cr)
{
	for (size_t i = 0; i < cr->ntables; i++) {
		struct crawl_table *t = &cr->tables[i];

		for (size_t j = 0; j < t->nparts; j++) {
			free(t->parts[j].spec);
			json_decref(t->parts[j].values);
			free(t->parts[j].location);
		}
		free(t->parts);
		free(t->name);
		free(t->location);
		free(t->format);
		json_decref(t->keys);
	}
	free(cr->tables);
	free(cr->root);
}

/* The last folder of a url: "s3://b/lake/sales/" → "sales". */
static char *
last_folder(const char *url)
{
	size_t n = strlen(url);
	const char *start;

	while (n > 0 && url[n - 1] == '/')
		n--;
	start = url + n;
	while (start > url && start[-1] != '/')
		start--;
	return n > (size_t)(start - url) ? xstrndup(start, n - (size_t)(start - url))
					 : xstrdup("data");
}

static int
builtin_run(const json_t *spec)
{
	const char *url0 = op_opt_str(spec, "url", NULL);
	const char *database = op_opt_str(spec, "database", "default");
	const char *catalog_opt = op_opt_str(spec, "catalog", NULL);
	const char *home = json_string_value(json_object_get(spec, "home"));
	char *url = sl_str_ends(url0, "/") ? xstrdup(url0)
					   : xasprintf("%s/", url0);
	char *table_default = op_opt_str(spec, "table", NULL)
			      ? xstrdup(op_opt_str(spec, "table", NULL))
			      : last_folder(url);
	char *catalog_path;
	struct crawl cr = { 0 };
	struct catalog *cat = NULL;
	struct aws_client *s3 = NULL;
	struct sl_err err;
	char *bucket = NULL, *prefix = NULL;
	long new_parts = 0, parts = 0;
	int rc = 1;

	if (catalog_opt != NULL && catalog_opt[0] == '/')
		catalog_path = xstrdup(catalog_opt);
	else
		catalog_path = xasprintf("%s/%s", home ? home : ".",
					 catalog_opt ? catalog_opt
						     : "catalog.db");
	cr.url = url;
	cr.default_table = table_default;
	printf("crawling %s into %s (database %s)\n", url, catalog_path,
	       database);
	fflush(stdout);
	if (strncmp(url, "file://", 7) == 0) {
		cr.root = aws_local_path(url, home);
		cr.catalog_path = catalog_path;
		if (aws_local_list(cr.root, crawl_object, &cr, &err) < 0)
			goto fail;
	} else {
		if (s3_url_parse(url, &bucket, &prefix, &err) < 0 ||
		    aws_client_new(op_connection(spec, "connection"), "s3", &s3,
				   &err) < 0)
			goto fail;
		cr.root = xstrdup(prefix);
		if (s3_list(s3, bucket, prefix, crawl_object, &cr, &err) < 0)
			goto fail;
	}
	if (catalog_open(catalog_path, &cat, &err) < 0 ||
	    catalog_begin(cat, &err) < 0)
		goto fail;
	for (size_t i = 0; i < cr.ntables; i++) {
		struct crawl_table *t = &cr.tables[i];
		long tnew = 0;

		if (catalog_put_table(cat, database, t->name, t->location,
				      t->format, t->keys, t->objects, t->bytes,
				      &err) < 0)
			goto rollback;
		for (size_t j = 0; j < t->nparts; j++) {
			struct crawl_part *p = &t->parts[j];
			int is_new;

			if (catalog_put_partition(cat, database, t->name,
						  p->spec, p->values,
						  p->location, p->objects,
						  p->bytes, &is_new, &err) < 0)
				goto rollback;
			if (is_new) {
				tnew++;
				printf("new partition %s.%s %s (%lld objects)\n",
				       database, t->name, p->spec,
				       (long long)p->objects);
			}
		}
		parts += (long)t->nparts;
		new_parts += tnew;
		printf("table %s.%s: %s, %lld objects, %lld bytes, %zu "
		       "partitions (%ld new)\n", database, t->name,
		       t->format ? t->format : "unknown format",
		       (long long)t->objects, (long long)t->bytes, t->nparts,
		       tnew);
	}
	if (catalog_commit(cat, &err) < 0)
		goto rollback;
	printf("crawl done: %zu tables, %ld partitions (%ld new), %ld "
	       "bookkeeping files skipped\n", cr.ntables, parts, new_parts,
	       cr.skipped);
	rc = 0;
	goto out;
rollback:
	catalog_rollback(cat);
fail:
	printf("crawler: %s\n", err.msg);
out:
	fflush(stdout);
	catalog_close(cat);
	aws_client_free(s3);
	crawl_free(&cr);
	free(bucket);
	free(prefix);
	free(url);
	free(table_default);
	free(catalog_path);
	return rc;
}

static int
crawler_run(const json_t *spec)
{
	op_stop_catch(0);
	if (strcmp(backend_of(json_object_get(spec, "options")), "glue") == 0)
		return glue_run(spec);
	return builtin_run(spec);
}

const struct operator op_crawler = {
	.name = "crawler",
	.summary = "catalogue new data: run a Glue crawler, or the builtin "
		   "partition crawler",
	.keys = crawler_keys,
	.check = crawler_check,
	.run = crawler_run,
};
