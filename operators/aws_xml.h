/*
 * aws_xml.h: reading AWS's XML answers (S3, STS) with expat.
 *
 * The parser reports every element as it closes, with its path from the
 * root ("ListBucketResult/Contents/Key") and its text, namespace prefixes
 * dropped (s3rver and AWS use different namespaces; the names are what
 * matter).
 */
#ifndef SLUICE_AWS_XML_H
#define SLUICE_AWS_XML_H

#include <stddef.h>

#include "base/util.h"

/* text is the element's own character data ("" for containers); both
 * strings are valid during the call. Return -1 to stop parsing. */
typedef int (*aws_xml_element_fn)(void *arg, const char *path,
				  const char *text);

int aws_xml_parse(const char *data, size_t len, aws_xml_element_fn fn,
		  void *arg, struct sl_err *err);

/* The text of the first element whose path ends with suffix
 * ("Error/Code"), or NULL; caller frees. */
char *aws_xml_find(const char *data, size_t len, const char *suffix);

#endif
