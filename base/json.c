/* json.c: see json.h. */
#include "base/json.h"

#include <string.h>

const char *
json_shared_string(const json_t *list, const char *key)
{
	const char *first = json_string_value(json_object_get(json_array_get(list, 0), key));
	size_t i;
	json_t *o;

	if (first == NULL || first[0] == '\0')
		return NULL;
	json_array_foreach(list, i, o) {
		const char *v = json_string_value(json_object_get(o, key));

		if (v == NULL || strcmp(v, first) != 0)
			return NULL;
	}
	return first;
}
