/* fresh_items.c: the items of a mapped task in a late notice (see
 * fresh_items.h). Rows follow the storage contract of migration 0013:
 * an item is NAME[i] with map_index i and map_item its value (parsed
 * from its JSON text by store_tis_json). */
#include "scheduler/fresh_items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRESH_ITEM_TEXT_MAX 60	/* bytes of an item's value in the text */

int
fresh_items_is_item(json_t *ti)
{
	return json_is_integer(json_object_get(ti, "map_index"));
}

/* Is item the item of parent (NAME[i] of NAME)? */
static int
item_of(json_t *item, const char *parent)
{
	const char *task = json_string_value(json_object_get(item, "task"));
	size_t pl = strlen(parent);
	char tail[32];

	if (task == NULL || !fresh_items_is_item(item) || strncmp(task, parent, pl) != 0)
		return 0;
	snprintf(tail, sizeof tail, "[%lld]",
		 (long long)json_integer_value(json_object_get(item, "map_index")));
	return strcmp(task + pl, tail) == 0;
}

/* An item's value (map_item: the item as JSON, store_tis_json): a
 * string as its text, else its compact JSON; cut at FRESH_ITEM_TEXT_MAX
 * bytes (on a UTF-8 character boundary) with "…". */
static void
item_text(struct buf *b, json_t *item)
{
	json_t *v = json_object_get(item, "map_item");
	char *dump = v != NULL && !json_is_string(v) ?
		     json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	const char *s = json_is_string(v) ? json_string_value(v) : dump ? dump : "";
	size_t n = strlen(s);

	if (n > FRESH_ITEM_TEXT_MAX) {
		n = FRESH_ITEM_TEXT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		buf_add(b, s, n);
		buf_adds(b, "…");
	} else
		buf_add(b, s, n);
	free(dump);
}

int
fresh_items_why(json_t *tis, json_t *ti, struct buf *b)
{
	const char *parent = json_string_value(json_object_get(ti, "task"));
	json_t *item;
	size_t i;
	int n = 0;

	if (parent == NULL || fresh_items_is_item(ti))
		return 0;
	json_array_foreach(tis, i, item) {
		const char *st = json_string_value(json_object_get(item, "state"));

		if (st == NULL || strcmp(st, "success") == 0 || strcmp(st, "skipped") == 0 ||
		    !item_of(item, parent))
			continue;
		if (n == 0) {
			buf_adds(b, parent);
			buf_adds(b, " waiting on ");
		} else
			buf_adds(b, ", ");
		buf_adds(b, json_string_value(json_object_get(item, "task")));
		buf_adds(b, " (");
		item_text(b, item);
		buf_addc(b, ')');
		if (strcmp(st, "failed") == 0 || strcmp(st, "upstream_failed") == 0)
			buf_printf(b, " %s", st);
		n++;
	}
	return n > 0;
}
