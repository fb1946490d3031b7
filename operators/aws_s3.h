/*
 * aws_s3.h: the S3 client sluice's operators share (s3_sensor, crawler,
 * warehouse_copy). ListObjectsV2 with pagination, HeadObject, and GetObject
 * streamed to a sink, blocking for operator processes and asynchronous on
 * the scheduler's loop for sensor pokes.
 *
 * Typical use in an operator process:
 *
 *	struct aws_client *s3;
 *	if (aws_client_new(op_connection(spec, "connection"), "s3", &s3, &err) < 0)
 *		...
 *	if (s3_get(s3, bucket, key, write_chunk, &ctx, &err) < 0)
 *		fprintf(stderr, "%s\n", err.msg);   // AWS code + message, no secrets
 *	aws_client_free(s3);
 */
#ifndef SLUICE_AWS_S3_H
#define SLUICE_AWS_S3_H

#include <stdint.h>

#include "operators/aws_client.h"

struct event_base;

/* Called for every object: return 0 to go on, 1 to stop early (the listing
 * then succeeds), -1 to abort it (it fails with "stopped by caller"). key
 * is valid during the call only. */
typedef int (*s3_each_fn)(void *arg, const char *key, int64_t size);

/* An object as a listing or HeadObject sees it (strings valid during the
 * call only): etag as S3 gives it (quoted), NULL for file:// folders;
 * mtime_ms the file's modification time, 0 for S3. */
struct s3_object {
	const char *key;
	int64_t size;
	const char *etag;
	int64_t mtime_ms;
};
/* As s3_each_fn, with the whole object. */
typedef int (*s3_object_fn)(void *arg, const struct s3_object *o);

/* Blocking, for operator processes. List every key under prefix (all
 * pages, 1,000 keys each). */
int s3_list(struct aws_client *c, const char *bucket, const char *prefix,
	    int (*each)(void *arg, const char *key, int64_t size), void *arg,
	    struct sl_err *err);

/* Blocking, streaming: sink gets the object's bytes chunk by chunk as they
 * arrive (never the whole object in memory); sink returning -1 aborts. */
int s3_get(struct aws_client *c, const char *bucket, const char *key,
	   int (*sink)(void *arg, const void *data, size_t len), void *arg,
	   struct sl_err *err);

/* Blocking HeadObject: *exists 0 on 404 (not an error), else size. */
int s3_head(struct aws_client *c, const char *bucket, const char *key,
	    int *exists, int64_t *size, struct sl_err *err);

/* "s3://bucket/key/part" → bucket and key ("" when only a bucket); caller
 * frees both. */
int s3_url_parse(const char *url, char **bucket, char **key,
		 struct sl_err *err);

/* ---- asynchronous, on an event loop (sensor pokes) ---- */

struct s3_op;

/* err NULL on success. */
typedef void (*s3_list_done_fn)(void *arg, const struct sl_err *err);
typedef void (*s3_head_done_fn)(void *arg, int exists, int64_t size,
				const struct sl_err *err);

/* The client must outlive the operation; done is called once, from a
 * later loop iteration, unless s3_op_cancel came first. */
struct s3_op *s3_list_start(struct aws_client *c, struct event_base *base,
			    const char *bucket, const char *prefix,
			    s3_each_fn each, s3_list_done_fn done, void *arg);
struct s3_op *s3_head_start(struct aws_client *c, struct event_base *base,
			    const char *bucket, const char *key,
			    s3_head_done_fn done, void *arg);
/* The same listing with each object's ETag. */
struct s3_op *s3_list_objects_start(struct aws_client *c,
				    struct event_base *base,
				    const char *bucket, const char *prefix,
				    s3_object_fn each, s3_list_done_fn done,
				    void *arg);
/* HeadObject with the ETag: o NULL when the object does not exist. */
typedef void (*s3_stat_done_fn)(void *arg, const struct s3_object *o,
				const struct sl_err *err);
struct s3_op *s3_stat_start(struct aws_client *c, struct event_base *base,
			    const char *bucket, const char *key,
			    s3_stat_done_fn done, void *arg);
/* Blocking forms of both. */
int s3_list_objects(struct aws_client *c, const char *bucket,
		    const char *prefix, s3_object_fn each, void *arg,
		    struct sl_err *err);
int s3_stat(struct aws_client *c, const char *bucket, const char *key,
	    s3_object_fn found, void *arg, struct sl_err *err);
void s3_op_cancel(struct s3_op *op);

#endif
