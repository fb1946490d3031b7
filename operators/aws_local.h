/*
 * aws_local.h: S3-style listing of a local folder tree, so file:// lakes
 * behave like buckets (s3_sensor, crawler): every regular file whose path
 * starts with a prefix is one "object" keyed by its path.
 */
#ifndef SLUICE_AWS_LOCAL_H
#define SLUICE_AWS_LOCAL_H

#include <stdint.h>

#include "operators/aws_s3.h"

/* List files under prefix ("/lake/raw/dt=2024-" walks /lake/raw/ and keeps
 * paths starting with the prefix). each as for s3_list (1 stops early,
 * -1 aborts). A missing folder lists nothing. Folders nest at most 32 deep. */
int aws_local_list(const char *prefix, s3_each_fn each, void *arg,
		   struct sl_err *err);

/* The same with each file's modification time (s3_object.mtime_ms). */
int aws_local_list_objects(const char *prefix, s3_object_fn each, void *arg,
			   struct sl_err *err);

/* "file://rel/path" → absolute path, relative ones under home (may be
 * NULL: then the current folder). Caller frees. */
char *aws_local_path(const char *url, const char *home);

#endif
