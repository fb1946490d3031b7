/*
 * catalog.h: the builtin data catalogue the `crawler` task type (backend
 * builtin) fills: tables found under a prefix and their partitions
 * (Hive-style key=value/ folders and date paths), in a SQLite file
 * (<home>/catalog.db unless the task says otherwise), so the UI and later
 * tasks can see which partitions have landed.
 *
 * Schema (created on open, SQL through prepared statements only):
 *   catalog_tables(database, name, location, format, partition_keys JSON,
 *                  objects, bytes, created_at, updated_at)
 *   catalog_partitions(database, table_name, spec "year=2024/month=01",
 *                      vals JSON, location, objects, bytes,
 *                      first_seen, last_seen)
 * Times are milliseconds since the epoch.
 */
#ifndef SLUICE_CATALOG_H
#define SLUICE_CATALOG_H

#include <stdint.h>

#include <jansson.h>

#include "base/util.h"

struct catalog;

int catalog_open(const char *path, struct catalog **out, struct sl_err *err);
void catalog_close(struct catalog *c);
/* Group the writes of one crawl. */
int catalog_begin(struct catalog *c, struct sl_err *err);
int catalog_commit(struct catalog *c, struct sl_err *err);
void catalog_rollback(struct catalog *c);

/* Insert or update a table; partition_keys is a JSON array of names. */
int catalog_put_table(struct catalog *c, const char *database,
		      const char *name, const char *location,
		      const char *format, const json_t *partition_keys,
		      int64_t objects, int64_t bytes, struct sl_err *err);
/* Insert or update a partition; *is_new (may be NULL) says if it was not
 * there before. values is a JSON array, in partition_keys order. */
int catalog_put_partition(struct catalog *c, const char *database,
			  const char *table, const char *spec,
			  const json_t *values, const char *location,
			  int64_t objects, int64_t bytes, int *is_new,
			  struct sl_err *err);

/* Everything in the catalogue file at path, for the UI and the API:
 *   {"tables": [{"database", "name", "location", "format",
 *                "partition_keys": [...], "objects", "bytes", "updated_at",
 *                "partitions": [{"spec", "values": [...], "location",
 *                                "objects", "bytes", "first_seen",
 *                                "last_seen"}, ...]}, ...]}
 * New reference; NULL with err set on failure. */
json_t *catalog_dump(const char *path, struct sl_err *err);

#endif
