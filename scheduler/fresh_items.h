/*
 * fresh_items.h: a late notice names the items of a mapped task that
 * have not succeeded (wait_extracts[2] (stores)...), for sched_fresh.c's
 * "why late" text.
 */
#ifndef SLUICE_FRESH_ITEMS_H
#define SLUICE_FRESH_ITEMS_H

#include <jansson.h>

#include "base/util.h"

/* Is ti (a row of store_tis_json) an item of a mapped task (NAME[i])? */
int fresh_items_is_item(json_t *ti);
/* When ti is a mapped task's parent with items in tis (its run's rows)
 * that have not succeeded or been skipped: "TASK waiting on TASK[2]
 * (stores), TASK[4] (returns)" into b (a failed item says so after its
 * value), and 1; else 0 and nothing written. */
int fresh_items_why(json_t *tis, json_t *ti, struct buf *b);

#endif
