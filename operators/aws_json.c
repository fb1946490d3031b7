/* aws_json.c: the JSON 1.1 protocol over the signed client. */
#include "operators/aws_json.h"

#include <stdlib.h>
#include <string.h>

int
aws_json_call(struct aws_client *c, const char *target, const json_t *req,
	      json_t **resp, char **error_code, struct sl_err *err)
{
	struct aws_call_opts o = { 0 };
	struct aws_reply r;
	json_error_t jerr;
	char *body = json_dumps(req, JSON_COMPACT);
	int rc;

	*resp = NULL;
	if (error_code != NULL)
		*error_code = NULL;
	if (body == NULL)
		return sl_err_set(err, "%s: cannot encode the request", target);
	o.method = "POST";
	o.path = "/";
	o.target = target;
	o.content_type = "application/x-amz-json-1.1";
	o.body = body;
	o.body_len = strlen(body);
	o.what = target;
	rc = aws_call(c, &o, &r, err);
	free(body);
	if (rc < 0) {
		if (error_code != NULL && r.error_code != NULL)
			*error_code = xstrdup(r.error_code);
		aws_reply_free(&r);
		return -1;
	}
	*resp = json_loadb(r.body, r.body_len, 0, &jerr);
	if (*resp == NULL && r.body_len == 0)
		*resp = json_object();
	aws_reply_free(&r);
	if (*resp == NULL)
		return sl_err_set(err, "%s: answer is not JSON: %s", target,
				  jerr.text);
	return 0;
}

char *
aws_json_call_id(struct aws_client *c, const char *target, const json_t *req,
		 const char *id_key, struct sl_err *err)
{
	json_t *resp;
	const char *id;
	char *out = NULL;

	if (aws_json_call(c, target, req, &resp, NULL, err) < 0)
		return NULL;
	id = json_string_value(json_object_get(resp, id_key));
	if (id != NULL && *id != '\0')
		out = xstrdup(id);
	else
		sl_err_set(err, "%s: answer has no %s", target, id_key);
	json_decref(resp);
	return out;
}
