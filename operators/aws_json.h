/*
 * aws_json.h: AWS JSON 1.1 protocol calls (Glue, EMR, Athena): a POST to
 * "/" with X-Amz-Target "Service.Operation" and a JSON body, answered with
 * JSON.
 */
#ifndef SLUICE_AWS_JSON_H
#define SLUICE_AWS_JSON_H

#include <jansson.h>

#include "operators/aws_client.h"

/* Blocking. target: "AWSGlue.StartCrawler", "ElasticMapReduce.DescribeStep".
 * req is borrowed; on success *resp is a new reference. On failure returns
 * -1 with err set ("AWSGlue.StartCrawler: CrawlerRunningException: ...")
 * and, if error_code is not NULL, *error_code the AWS error code (caller
 * frees; NULL for transport errors). */
int aws_json_call(struct aws_client *c, const char *target, const json_t *req,
		  json_t **resp, char **error_code, struct sl_err *err);

/* A call whose answer names what it started (id_key "QueryExecutionId",
 * "JobRunId"): that id (caller frees), or NULL with err set. */
char *aws_json_call_id(struct aws_client *c, const char *target,
		       const json_t *req, const char *id_key,
		       struct sl_err *err);

#endif
