/*
 * wh_s3.c: s3:// sources for warehouse_copy. The S3 client is the AWS
 * part's (operators/aws_s3.h), which has not landed in the tree yet: until
 * it does, an s3:// source fails the try with a message saying so, and
 * file:// sources work. Redshift loads do not read objects themselves and
 * are not affected.
 */
#include "wh_s3.h"

static int
s3_missing(struct sl_err *err)
{
	return sl_err_set(err,
	    "s3:// sources need the S3 client, which this build does not have yet; use file:// or a Redshift connection");
}

int
wh_s3_new(const json_t *conn, const char *region, struct wh_s3 **out,
	  struct sl_err *err)
{
	*out = NULL;
	return s3_missing(err);
}

void
wh_s3_free(struct wh_s3 *s3)
{
}

int
wh_s3_list(struct wh_s3 *s3, const char *url, struct wh_objects *out,
	   struct sl_err *err)
{
	return s3_missing(err);
}

int
wh_s3_stat(struct wh_s3 *s3, const char *url, int64_t *size,
	   struct sl_err *err)
{
	return s3_missing(err);
}

int
wh_s3_get(struct wh_s3 *s3, const char *url, wh_bytes_fn fn, void *arg,
	  struct sl_err *err)
{
	return s3_missing(err);
}
