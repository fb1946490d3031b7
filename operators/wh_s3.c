/*
 * wh_s3.c: s3:// sources for warehouse_copy's streamed loads, through the
 * shared S3 client (operators/aws_s3.h: signing, credentials, endpoints,
 * retries). Blocking calls: this runs in the operator's own process.
 */
#include "operators/wh_s3.h"

#include <stdlib.h>
#include <string.h>

#include "operators/aws_s3.h"

struct wh_s3 {
	struct aws_client *client;
};

int
wh_s3_new(const json_t *conn, const char *region, struct wh_s3 **out,
	  struct sl_err *err)
{
	struct aws_client *client;
	json_t *settings;
	int r;

	*out = NULL;
	/* The task's region wins over the connection's. */
	settings = conn != NULL ? json_deep_copy(conn) : json_object();
	if (region != NULL)
		json_object_set_new(settings, "region", json_string(region));
	r = aws_client_new(settings, "s3", &client, err);
	json_decref(settings);
	if (r < 0)
		return -1;
	*out = xcalloc(1, sizeof **out);
	(*out)->client = client;
	return 0;
}

void
wh_s3_free(struct wh_s3 *s3)
{
	if (s3 == NULL)
		return;
	aws_client_free(s3->client);
	free(s3);
}

struct s3_listing {
	const char *bucket;
	struct wh_objects *out;
};

static int
s3_each(void *arg, const char *key, int64_t size)
{
	struct s3_listing *l = arg;
	const char *name = strrchr(key, '/');

	name = name != NULL ? name + 1 : key;
	/* Folder markers and Hadoop-style markers are not data. */
	if (*name == '\0' || *name == '.' || *name == '_')
		return 0;
	SL_GROW(l->out->v, l->out->cap, l->out->n + 1);
	l->out->v[l->out->n].url = xasprintf("s3://%s/%s", l->bucket, key);
	l->out->v[l->out->n].size = size;
	l->out->n++;
	return 0;
}

int
wh_s3_list(struct wh_s3 *s3, const char *url, struct wh_objects *out,
	   struct sl_err *err)
{
	struct s3_listing l;
	char *bucket, *prefix;
	int r;

	if (s3_url_parse(url, &bucket, &prefix, err) < 0)
		return -1;
	memset(&l, 0, sizeof l);
	l.bucket = bucket;
	l.out = out;
	r = s3_list(s3->client, bucket, prefix, s3_each, &l, err);
	free(bucket);
	free(prefix);
	return r;
}

int
wh_s3_stat(struct wh_s3 *s3, const char *url, int64_t *size,
	   struct sl_err *err)
{
	char *bucket, *key;
	int exists = 0, r;

	if (s3_url_parse(url, &bucket, &key, err) < 0)
		return -1;
	r = s3_head(s3->client, bucket, key, &exists, size, err);
	free(bucket);
	free(key);
	if (r < 0)
		return -1;
	return exists ? 1 : 0;
}

/* The client's sink has no error argument: keep the pipeline's own error
 * here, so it is the one reported rather than "stopped by the sink". */
struct s3_get_ctx {
	wh_bytes_fn fn;
	void *arg;
	struct sl_err err;
	int failed;
};

static int
s3_sink(void *arg, const void *data, size_t len)
{
	struct s3_get_ctx *g = arg;

	if (g->fn(g->arg, data, len, &g->err) < 0) {
		g->failed = 1;
		return -1;
	}
	return 0;
}

int
wh_s3_get(struct wh_s3 *s3, const char *url, wh_bytes_fn fn, void *arg,
	  struct sl_err *err)
{
	struct s3_get_ctx g;
	char *bucket, *key;
	int r;

	if (s3_url_parse(url, &bucket, &key, err) < 0)
		return -1;
	memset(&g, 0, sizeof g);
	g.fn = fn;
	g.arg = arg;
	r = s3_get(s3->client, bucket, key, s3_sink, &g, err);
	free(bucket);
	free(key);
	if (g.failed) {
		if (err != NULL)
			*err = g.err;
		return -1;
	}
	return r;
}
