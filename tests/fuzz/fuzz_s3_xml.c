/*
 * fuzz_s3_xml.c: libFuzzer target for the XML answers of S3 and STS
 * (operators/aws_xml.c, expat underneath): the element walk the S3 list
 * uses, and the lookups the error and credential paths use. Not built by
 * default. From a configured build folder:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I/work/main \
 *     /work/main/tests/fuzz/fuzz_s3_xml.c /work/main/operators/aws_xml.c /work/main/base/util.c \
 *     -lexpat -o /tmp/fuzz_s3_xml && /tmp/fuzz_s3_xml
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "operators/aws_xml.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* What the S3 list does with each element: keep keys and sizes. */
static int
element(void *arg, const char *path, const char *text)
{
	size_t *n = arg;

	if (strstr(path, "Contents/Key") != NULL || strstr(path, "Contents/Size") != NULL ||
	    strstr(path, "NextContinuationToken") != NULL)
		*n += strlen(text);
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	size_t n = 0;
	const char *suffixes[] = { "Error/Code", "Error/Message",
				   "Credentials/AccessKeyId", "Credentials/Expiration",
				   "ListBucketResult/IsTruncated" };

	aws_xml_parse((const char *)data, size, element, &n, NULL);
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
		free(aws_xml_find((const char *)data, size, suffixes[i]));
	return 0;
}
