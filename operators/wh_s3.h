/*
 * wh_s3.h: s3:// objects for warehouse_copy's streamed loads, on top of
 * the shared S3 client (operators/aws_s3.h), whose connection keys
 * (profile, region, role_arn, endpoint_url, access keys) and environment
 * (AWS_ENDPOINT_URL_S3, ...) apply. Blocking: for the operator process.
 */
#ifndef SLUICE_WH_S3_H
#define SLUICE_WH_S3_H

#include "operators/wh.h"

struct wh_s3;

/* A client for conn (NULL: the default AWS credential chain); region,
 * when not NULL, overrides the connection's. Caller frees. */
int wh_s3_new(const json_t *conn, const char *region, struct wh_s3 **out,
	      struct sl_err *err);
void wh_s3_free(struct wh_s3 *s3);
/* Append every object under s3://bucket/prefix to out (names whose last
 * part starts with '.' or '_' skipped). */
int wh_s3_list(struct wh_s3 *s3, const char *url, struct wh_objects *out,
	       struct sl_err *err);
/* Does s3://bucket/key exist? 1 yes (size into *size), 0 no, -1 error. */
int wh_s3_stat(struct wh_s3 *s3, const char *url, int64_t *size,
	       struct sl_err *err);
/* Stream an object's bytes to fn. */
int wh_s3_get(struct wh_s3 *s3, const char *url, wh_bytes_fn fn, void *arg,
	      struct sl_err *err);

#endif
