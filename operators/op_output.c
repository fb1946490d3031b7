/* op_output.c: writing a try's output object to $SLUICE_OUTPUT. */
#include "operators/op_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
op_output_write(const json_t *obj)
{
	const char *path = getenv("SLUICE_OUTPUT");
	char *text;
	FILE *f;
	int rc = 1;

	if (path == NULL || *path == '\0')
		return 0;
	text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL || strlen(text) > OP_OUTPUT_LIMIT) {
		fprintf(stderr, "output not written: larger than %u bytes\n",
			OP_OUTPUT_LIMIT);
		free(text);
		return -1;
	}
	f = fopen(path, "w");
	if (f == NULL)
		rc = -1;
	else if (fputs(text, f) < 0)
		rc = -1;
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		fprintf(stderr, "output not written to %s\n", path);
		rc = -1;
	}
	free(text);
	return rc;
}
