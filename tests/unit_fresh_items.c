/*
 * unit_fresh_items.c: a late notice names a mapped task's items that
 * have not landed (scheduler/fresh_items.c), from a run's task instance
 * rows as store_tis_json gives them (the storage contract of migration
 * 0013: items NAME[i] with map_index, and map_item the item's value):
 * waiting items by
 * index and value, a failed one saying so, successful and skipped ones
 * left out, values cut on a character boundary, and nothing for a task
 * that is not mapped or whose items all succeeded.
 */
#include <stdlib.h>
#include <string.h>

#include "scheduler/fresh_items.h"
#include "tests/unit.h"

/* The rows of a run: the parent wait_extracts (running) and five items. */
static json_t *
rows(const char *s0, const char *s1, const char *s2, const char *s3, const char *s4)
{
	const char *st[] = { s0, s1, s2, s3, s4 };
	const char *name[] = { "sales", "inventory", "stores", "products", "returns" };
	json_t *tis = json_array();

	json_array_append_new(tis, json_pack("{s:s,s:s,s:n,s:n,s:i}", "task", "prep", "state",
					     "success", "map_index", "map_item", "map_count"));
	json_array_append_new(tis, json_pack("{s:s,s:s,s:n,s:n,s:i}", "task", "wait_extracts",
					     "state", "running", "map_index", "map_item", "map_count", 5));
	for (int i = 0; i < 5; i++) {
		char task[32];

		snprintf(task, sizeof task, "wait_extracts[%d]", i);
		json_array_append_new(tis, json_pack("{s:s,s:s,s:i,s:s,s:n}", "task", task, "state", st[i],
						     "map_index", i, "map_item", name[i], "map_count"));
	}
	return tis;
}

/* The items' states → the text for the parent ("": none). */
static const struct {
	const char *st[5];
	const char *want;
} why_cases[] = {
	{ { "success", "success", "up_for_reschedule", "skipped", "running" },
	  "wait_extracts waiting on wait_extracts[2] (stores), wait_extracts[4] (returns)" },
	{ { "failed", "success", "success", "success", "none" },
	  "wait_extracts waiting on wait_extracts[0] (sales) failed, wait_extracts[4] (returns)" },
	{ { "queued", "scheduled", "upstream_failed", "up_for_retry", "success" },
	  "wait_extracts waiting on wait_extracts[0] (sales), wait_extracts[1] (inventory), "
	  "wait_extracts[2] (stores) upstream_failed, wait_extracts[3] (products)" },
	{ { "success", "success", "success", "skipped", "success" }, "" },
};

static void
test_why_cases(void)
{
	for (size_t k = 0; k < sizeof why_cases / sizeof why_cases[0]; k++) {
		const char *const *st = why_cases[k].st;
		json_t *tis = rows(st[0], st[1], st[2], st[3], st[4]);
		struct buf b;

		buf_init(&b, 0);
		CHECK_EQ_INT(why_cases[k].want[0] != '\0', fresh_items_why(tis, json_array_get(tis, 1), &b));
		CHECK_EQ_STR(why_cases[k].want, buf_str(&b));
		buf_free(&b);
		json_decref(tis);
	}
}

/* The items are rows of their own (the parent speaks for them); an item
 * itself and a task that is not mapped say nothing. */
static void
test_not_a_parent(void)
{
	json_t *tis = rows("none", "none", "none", "none", "none");
	struct buf b;

	CHECK(fresh_items_is_item(json_array_get(tis, 3)));
	CHECK(!fresh_items_is_item(json_array_get(tis, 1)));
	buf_init(&b, 0);
	CHECK_EQ_INT(0, fresh_items_why(tis, json_array_get(tis, 3), &b));
	CHECK_EQ_INT(0, fresh_items_why(tis, json_array_get(tis, 0), &b));
	CHECK_EQ_INT(0, (long long)b.len);
	buf_free(&b);
	json_decref(tis);
}

static void
test_long_value(void)
{
	/* an object item as JSON; a long value cut, not inside a character */
	json_t *tis = json_array(), *parent = json_pack("{s:s,s:s,s:n,s:i}", "task", "m",
							"state", "running", "map_index", "map_count", 2);
	char big[200];
	struct buf b;

	json_array_append(tis, parent);
	json_array_append_new(tis, json_pack("{s:s,s:s,s:i,s:o}", "task", "m[0]", "state", "queued",
					     "map_index", 0, "map_item", json_pack("{s:s}", "sym", "AAPL")));
	memset(big, 0, sizeof big);
	for (int i = 0; i < 40; i++)
		strcat(big, "é");	/* 2 bytes each */
	json_array_append_new(tis, json_pack("{s:s,s:s,s:i,s:s}", "task", "m[1]", "state", "none",
					     "map_index", 1, "map_item", big));
	buf_init(&b, 0);
	CHECK_EQ_INT(1, fresh_items_why(tis, parent, &b));
	{
		const char *want = "m waiting on m[0] ({\"sym\":\"AAPL\"}), m[1] (éé";

		CHECK(strncmp(buf_str(&b), want, strlen(want)) == 0);
	}
	CHECK(strstr(buf_str(&b), "é…)") != NULL);
	buf_free(&b);
	json_decref(parent);
	json_decref(tis);
}

int
main(void)
{
	RUN(test_why_cases);
	RUN(test_not_a_parent);
	RUN(test_long_value);
	return UNIT_END();
}
