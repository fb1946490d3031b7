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

json_t *
json_entry_plain(const json_t *entry)
{
	json_t *c = json_deep_copy(entry);

	json_object_del(c, "_line");
	json_object_del(c, "_at");
	return c;
}

int
json_entry_key_at(const json_t *entry, const char *key, int *line, int *col)
{
	json_t *at = json_object_get(json_object_get(entry, "_at"), key);

	if (!json_is_integer(json_array_get(at, 0)) ||
	    !json_is_integer(json_array_get(at, 1)))
		return -1;
	*line = (int)json_integer_value(json_array_get(at, 0));
	*col = (int)json_integer_value(json_array_get(at, 1));
	return 0;
}
