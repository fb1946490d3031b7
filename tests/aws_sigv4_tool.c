/* aws_sigv4_tool: prints sluice's canonical request, string to sign and
 * signature for every case of a JSON case file, in the format of
 * tests/doubles/aws_sigcheck.py, so tests/aws_sigv4.sh can diff the two. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "operators/aws_sigv4.h"

int
main(int argc, char **argv)
{
	json_error_t jerr;
	json_t *cases, *c;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: aws_sigv4_tool CASES.json\n");
		return 2;
	}
	cases = json_load_file(argv[1], 0, &jerr);
	if (cases == NULL) {
		fprintf(stderr, "%s:%d: %s\n", argv[1], jerr.line, jerr.text);
		return 2;
	}
	json_array_foreach(cases, i, c) {
		json_t *hs = json_object_get(c, "headers"), *h;
		struct aws_header *headers;
		struct aws_sigv4_request req = { 0 };
		struct aws_sigv4_result res;
		struct sl_err err;
		const char *body = json_string_value(json_object_get(c, "body"));
		char payload[65];
		size_t j;

		headers = xcalloc(json_array_size(hs) + 1, sizeof *headers);
		aws_sha256_hex(body ? body : "", body ? strlen(body) : 0,
			       payload);
		req.payload_sha256 = payload;
		json_array_foreach(hs, j, h) {
			headers[j].name = json_string_value(json_array_get(h, 0));
			headers[j].value = json_string_value(json_array_get(h, 1));
			if (strcasecmp(headers[j].name, "x-amz-content-sha256") == 0)
				req.payload_sha256 = headers[j].value;
		}
		req.method = json_string_value(json_object_get(c, "method"));
		req.path = json_string_value(json_object_get(c, "path"));
		req.query = json_string_value(json_object_get(c, "query"));
		req.headers = headers;
		req.nheaders = json_array_size(hs);
		req.region = json_string_value(json_object_get(c, "region"));
		req.service = json_string_value(json_object_get(c, "service"));
		req.access_key_id = json_string_value(json_object_get(c, "key"));
		req.secret_access_key =
		    json_string_value(json_object_get(c, "secret"));
		req.time_s = json_integer_value(json_object_get(c, "time"));
		if (aws_sigv4_sign(&req, &res, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		printf("== %s\n%s\n--\n%s\n--\n%s\n",
		       json_string_value(json_object_get(c, "name")),
		       res.canonical_request, res.string_to_sign, res.signature);
		aws_sigv4_result_free(&res);
		free(headers);
	}
	json_decref(cases);
	return 0;
}
