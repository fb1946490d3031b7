/* aws_s3.c: S3 ListObjectsV2 (expat, continuation tokens), HeadObject and
 * streamed GetObject over the signed AWS client. */
#include "operators/aws_s3.h"

#include <stdlib.h>
#include <string.h>

#include "operators/aws_http.h"
#include "operators/aws_sigv4.h"
#include "operators/aws_xml.h"

struct s3_op {
	struct aws_client *client;
	struct event_base *base;
	struct aws_call *call;
	char *bucket;
	char *key;		/* head */
	char *prefix;		/* list */
	char *token;		/* next continuation token */
	s3_each_fn each;
	s3_object_fn each_obj;	/* instead of each: with the ETag */
	s3_list_done_fn list_done;
	s3_head_done_fn head_done;
	s3_stat_done_fn stat_done;	/* instead of head_done */
	void *arg;
	int pages;
	/* one page being parsed */
	char *cur_key;
	int64_t cur_size;
	char *cur_etag;
	int truncated;
	int stop;		/* the caller's each() said 1 or -1 */
};

static void
op_free(struct s3_op *op)
{
	free(op->bucket);
	free(op->key);
	free(op->prefix);
	free(op->token);
	free(op->cur_key);
	free(op->cur_etag);
	free(op);
}

void
s3_op_cancel(struct s3_op *op)
{
	if (op == NULL)
		return;
	aws_call_cancel(op->call);
	op_free(op);
}

int
s3_url_parse(const char *url, char **bucket, char **key, struct sl_err *err)
{
	const char *b, *slash;

	*bucket = *key = NULL;
	if (url == NULL || strncmp(url, "s3://", 5) != 0)
		return sl_err_set(err, "'%s' is not an s3:// URL",
				  url ? url : "");
	b = url + 5;
	slash = strchr(b, '/');
	if (slash == b || *b == '\0')
		return sl_err_set(err, "'%s' has no bucket name", url);
	*bucket = slash ? xstrndup(b, (size_t)(slash - b)) : xstrdup(b);
	*key = xstrdup(slash ? slash + 1 : "");
	return 0;
}

static int
list_element(void *arg, const char *path, const char *text)
{
	struct s3_op *op = arg;
	const char *leaf = strrchr(path, '/');

	leaf = leaf ? leaf + 1 : path;
	if (strcmp(path, "ListBucketResult/Contents/Key") == 0) {
		free(op->cur_key);
		op->cur_key = xstrdup(text);
	} else if (strcmp(path, "ListBucketResult/Contents/Size") == 0) {
		long long v;

		op->cur_size = sl_parse_int(text, 0, INT64_MAX, &v) == 0 ? v : 0;
	} else if (strcmp(path, "ListBucketResult/Contents/ETag") == 0) {
		free(op->cur_etag);
		op->cur_etag = xstrdup(text);
	} else if (strcmp(path, "ListBucketResult/Contents") == 0) {
		int rc;

		if (op->cur_key == NULL)
			return 0;
		if (op->each_obj != NULL) {
			struct s3_object o = { op->cur_key, op->cur_size,
					       op->cur_etag, 0 };

			rc = op->each_obj(op->arg, &o);
		} else
			rc = op->each(op->arg, op->cur_key, op->cur_size);
		free(op->cur_key);
		op->cur_key = NULL;
		free(op->cur_etag);
		op->cur_etag = NULL;
		op->cur_size = 0;
		if (rc != 0) {
			op->stop = rc;
			return -1;
		}
	} else if (strcmp(path, "ListBucketResult/IsTruncated") == 0) {
		op->truncated = strcmp(text, "true") == 0;
	} else if (strcmp(path, "ListBucketResult/NextContinuationToken") == 0) {
		free(op->token);
		op->token = xstrdup(text);
	}
	(void)leaf;
	return 0;
}

static void list_page(struct s3_op *op);

static void
on_list_page(void *arg, const struct aws_reply *r, const struct sl_err *err)
{
	struct s3_op *op = arg;
	struct sl_err e;
	char *prev_token = op->token ? xstrdup(op->token) : NULL;

	op->call = NULL;
	if (err != NULL) {
		op->list_done(op->arg, err);
		goto done;
	}
	op->pages++;
	op->truncated = 0;
	free(op->token);
	op->token = NULL;
	if (aws_xml_parse(r->body, r->body_len, list_element, op, &e) < 0) {
		if (op->stop > 0) {
			op->list_done(op->arg, NULL);
		} else if (op->stop < 0) {
			sl_err_set(&e, "S3 listing of s3://%s/%s stopped by "
				   "caller", op->bucket, op->prefix);
			op->list_done(op->arg, &e);
		} else {
			char m[SL_ERR_MSG];

			snprintf(m, sizeof m, "%s", e.msg);
			sl_err_set(&e, "S3 ListObjectsV2 s3://%s/%s: %s",
				   op->bucket, op->prefix, m);
			op->list_done(op->arg, &e);
		}
		goto done;
	}
	if (op->truncated) {
		if (op->token == NULL || (prev_token != NULL &&
					  strcmp(prev_token, op->token) == 0)) {
			sl_err_set(&e, "S3 ListObjectsV2 s3://%s/%s: truncated "
				   "page without a new continuation token",
				   op->bucket, op->prefix);
			op->list_done(op->arg, &e);
			goto done;
		}
		free(prev_token);
		list_page(op);
		return;
	}
	op->list_done(op->arg, NULL);
done:
	free(prev_token);
	op_free(op);
}

static void
list_page(struct s3_op *op)
{
	struct aws_call_opts o = { 0 };
	struct buf q;
	char what[256];

	buf_init(&q, 0);
	if (op->token != NULL) {
		buf_adds(&q, "continuation-token=");
		aws_uri_encode(&q, op->token, 0);
		buf_addc(&q, '&');
	}
	buf_adds(&q, "list-type=2&max-keys=1000&prefix=");
	aws_uri_encode(&q, op->prefix, 0);
	snprintf(what, sizeof what, "S3 ListObjectsV2 s3://%s/%s (page %d)",
		 op->bucket, op->prefix, op->pages + 1);
	o.method = "GET";
	o.bucket = op->bucket;
	o.query = buf_str(&q);
	o.what = what;
	op->call = aws_call_start(op->client, op->base, &o, on_list_page, op);
	buf_free(&q);
}

/* A listing's operation (each or each_obj set by the caller). */
static struct s3_op *
list_new(struct aws_client *c, struct event_base *base, const char *bucket,
	 const char *prefix, s3_list_done_fn done, void *arg)
{
	struct s3_op *op = xcalloc(1, sizeof *op);

	op->client = c;
	op->base = base;
	op->bucket = xstrdup(bucket);
	op->prefix = xstrdup(prefix ? prefix : "");
	op->list_done = done;
	op->arg = arg;
	return op;
}

struct s3_op *
s3_list_start(struct aws_client *c, struct event_base *base,
	      const char *bucket, const char *prefix, s3_each_fn each,
	      s3_list_done_fn done, void *arg)
{
	struct s3_op *op = list_new(c, base, bucket, prefix, done, arg);

	op->each = each;
	list_page(op);
	return op;
}

struct s3_op *
s3_list_objects_start(struct aws_client *c, struct event_base *base,
		      const char *bucket, const char *prefix,
		      s3_object_fn each, s3_list_done_fn done, void *arg)
{
	struct s3_op *op = list_new(c, base, bucket, prefix, done, arg);

	op->each_obj = each;
	list_page(op);
	return op;
}

static void
on_head(void *arg, const struct aws_reply *r, const struct sl_err *err)
{
	struct s3_op *op = arg;

	op->call = NULL;
	if (op->stat_done != NULL) {
		struct s3_object o = { op->key, r->content_length >= 0 ?
				       r->content_length : 0, r->etag, 0 };

		if (err != NULL && r->status == 404)
			op->stat_done(op->arg, NULL, NULL);
		else
			op->stat_done(op->arg, err != NULL ? NULL : &o, err);
		op_free(op);
		return;
	}
	if (err != NULL && r->status == 404)
		op->head_done(op->arg, 0, 0, NULL);
	else if (err != NULL)
		op->head_done(op->arg, 0, 0, err);
	else
		op->head_done(op->arg, 1,
			      r->content_length >= 0 ? r->content_length : 0,
			      NULL);
	op_free(op);
}

struct s3_op *
s3_head_start(struct aws_client *c, struct event_base *base,
	      const char *bucket, const char *key, s3_head_done_fn done,
	      void *arg)
{
	struct s3_op *op = xcalloc(1, sizeof *op);
	struct aws_call_opts o = { 0 };
	char what[512];

	op->client = c;
	op->base = base;
	op->bucket = xstrdup(bucket);
	op->key = xstrdup(key);
	op->head_done = done;
	op->arg = arg;
	snprintf(what, sizeof what, "S3 HeadObject s3://%s/%s", bucket, key);
	o.method = "HEAD";
	o.bucket = bucket;
	o.key = key;
	o.what = what;
	op->call = aws_call_start(c, base, &o, on_head, op);
	return op;
}

struct s3_op *
s3_stat_start(struct aws_client *c, struct event_base *base,
	      const char *bucket, const char *key, s3_stat_done_fn done,
	      void *arg)
{
	struct s3_op *op = s3_head_start(c, base, bucket, key, NULL, arg);

	op->stat_done = done;
	return op;
}

/* ---- blocking wrappers ---- */

struct blocking {
	int finished;
	int failed;
	int exists;
	int64_t size;
	struct sl_err *err;
};

static void
on_blocking_list(void *arg, const struct sl_err *err)
{
	struct blocking *b = arg;

	b->finished = 1;
	if (err != NULL) {
		b->failed = 1;
		if (b->err != NULL)
			*b->err = *err;
	}
}

struct list_adapter {
	int (*each)(void *, const char *, int64_t);
	void *arg;
	struct blocking b;
};

static int
adapt_each(void *arg, const char *key, int64_t size)
{
	struct list_adapter *a = arg;

	return a->each(a->arg, key, size);
}

static void
adapt_done(void *arg, const struct sl_err *err)
{
	on_blocking_list(&((struct list_adapter *)arg)->b, err);
}

int
s3_list(struct aws_client *c, const char *bucket, const char *prefix,
	int (*each)(void *arg, const char *key, int64_t size), void *arg,
	struct sl_err *err)
{
	struct list_adapter a = { each, arg, { 0, 0, 0, 0, err } };
	struct event_base *base = aws_http_blocking_base();

	s3_list_start(c, base, bucket, prefix, adapt_each, adapt_done, &a);
	aws_http_run_until(base, &a.b.finished);
	return a.b.failed ? -1 : 0;
}

static void
on_blocking_head(void *arg, int exists, int64_t size, const struct sl_err *err)
{
	struct blocking *b = arg;

	b->finished = 1;
	b->exists = exists;
	b->size = size;
	if (err != NULL) {
		b->failed = 1;
		if (b->err != NULL)
			*b->err = *err;
	}
}

int
s3_head(struct aws_client *c, const char *bucket, const char *key,
	int *exists, int64_t *size, struct sl_err *err)
{
	struct blocking b = { 0, 0, 0, 0, err };
	struct event_base *base = aws_http_blocking_base();

	s3_head_start(c, base, bucket, key, on_blocking_head, &b);
	aws_http_run_until(base, &b.finished);
	*exists = b.exists;
	*size = b.size;
	return b.failed ? -1 : 0;
}

int
s3_get(struct aws_client *c, const char *bucket, const char *key,
       int (*sink)(void *arg, const void *data, size_t len), void *arg,
       struct sl_err *err)
{
	struct aws_call_opts o = { 0 };
	char what[512];
	int rc;

	snprintf(what, sizeof what, "S3 GetObject s3://%s/%s", bucket, key);
	o.method = "GET";
	o.bucket = bucket;
	o.key = key;
	o.sink = sink;
	o.sink_arg = arg;
	o.what = what;
	rc = aws_call(c, &o, NULL, err);
	return rc;
}

/* The blocking object forms: the loop runs until done is called. */
struct blocking_obj {
	s3_object_fn each;
	void *arg;
	struct blocking b;
};

static void
on_blocking_obj_done(void *arg, const struct sl_err *err)
{
	on_blocking_list(&((struct blocking_obj *)arg)->b, err);
}

static int
blocking_obj_each(void *arg, const struct s3_object *o)
{
	struct blocking_obj *b = arg;

	return b->each(b->arg, o);
}

int
s3_list_objects(struct aws_client *c, const char *bucket, const char *prefix,
		s3_object_fn each, void *arg, struct sl_err *err)
{
	struct blocking_obj b = { each, arg, { 0, 0, 0, 0, err } };
	struct event_base *base = aws_http_blocking_base();

	s3_list_objects_start(c, base, bucket, prefix, blocking_obj_each,
			      on_blocking_obj_done, &b);
	aws_http_run_until(base, &b.b.finished);
	return b.b.failed ? -1 : 0;
}

static void
on_blocking_stat(void *arg, const struct s3_object *o, const struct sl_err *err)
{
	struct blocking_obj *b = arg;

	if (o != NULL)
		b->each(b->arg, o);
	on_blocking_obj_done(b, err);
}

int
s3_stat(struct aws_client *c, const char *bucket, const char *key,
	s3_object_fn found, void *arg, struct sl_err *err)
{
	struct blocking_obj b = { found, arg, { 0, 0, 0, 0, err } };
	struct event_base *base = aws_http_blocking_base();

	s3_stat_start(c, base, bucket, key, on_blocking_stat, &b);
	aws_http_run_until(base, &b.b.finished);
	return b.b.failed ? -1 : 0;
}
