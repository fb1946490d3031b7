/* catalog.c: the builtin catalogue of tables and partitions, in SQLite. */
#include "operators/catalog.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

struct catalog {
	sqlite3 *db;
	char *path;
};

static const char catalog_schema[] =
	"CREATE TABLE IF NOT EXISTS catalog_tables ("
	" database TEXT NOT NULL, name TEXT NOT NULL, location TEXT NOT NULL,"
	" format TEXT, partition_keys TEXT NOT NULL DEFAULT '[]',"
	" objects INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (database, name));"
	"CREATE TABLE IF NOT EXISTS catalog_partitions ("
	" database TEXT NOT NULL, table_name TEXT NOT NULL, spec TEXT NOT NULL,"
	" vals TEXT NOT NULL, location TEXT NOT NULL,"
	" objects INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,"
	" first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" PRIMARY KEY (database, table_name, spec));";

static int
db_err(struct catalog *c, struct sl_err *err, const char *what)
{
	return sl_err_set(err, "catalogue %s: %s: %s", c->path, what,
			  sqlite3_errmsg(c->db));
}

int
catalog_open(const char *path, struct catalog **out, struct sl_err *err)
{
	struct catalog *c = xcalloc(1, sizeof *c);

	*out = NULL;
	c->path = xstrdup(path);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(c->db, 10000);
	if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, catalog_schema, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	*out = c;
	return 0;
fail:
	db_err(c, err, "cannot open");
	catalog_close(c);
	return -1;
}

void
catalog_close(struct catalog *c)
{
	if (c == NULL)
		return;
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

int
catalog_begin(struct catalog *c, struct sl_err *err)
{
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(c, err, "begin");
	return 0;
}

int
catalog_commit(struct catalog *c, struct sl_err *err)
{
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(c, err, "commit");
	return 0;
}

void
catalog_rollback(struct catalog *c)
{
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

int
catalog_put_table(struct catalog *c, const char *database, const char *name,
		  const char *location, const char *format,
		  const json_t *partition_keys, int64_t objects, int64_t bytes,
		  struct sl_err *err)
{
	static const char sql[] =
	    "INSERT INTO catalog_tables (database, name, location, format,"
	    " partition_keys, objects, bytes, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
	    " ON CONFLICT (database, name) DO UPDATE SET location = ?3,"
	    " format = ?4, partition_keys = ?5, objects = ?6, bytes = ?7,"
	    " updated_at = ?8";
	sqlite3_stmt *st;
	char *keys = json_dumps(partition_keys, JSON_COMPACT);
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
		free(keys);
		return db_err(c, err, "prepare");
	}
	sqlite3_bind_text(st, 1, database, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, location, -1, SQLITE_TRANSIENT);
	if (format != NULL)
		sqlite3_bind_text(st, 4, format, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, keys ? keys : "[]", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, objects);
	sqlite3_bind_int64(st, 7, bytes);
	sqlite3_bind_int64(st, 8, sl_now_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(keys);
	if (rc != SQLITE_DONE)
		return db_err(c, err, "write table");
	return 0;
}

int
catalog_put_partition(struct catalog *c, const char *database,
		      const char *table, const char *spec,
		      const json_t *values, const char *location,
		      int64_t objects, int64_t bytes, int *is_new,
		      struct sl_err *err)
{
	static const char find[] =
	    "SELECT 1 FROM catalog_partitions WHERE database = ?1"
	    " AND table_name = ?2 AND spec = ?3";
	static const char put[] =
	    "INSERT INTO catalog_partitions (database, table_name, spec, vals,"
	    " location, objects, bytes, first_seen, last_seen)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
	    " ON CONFLICT (database, table_name, spec) DO UPDATE SET"
	    " vals = ?4, location = ?5, objects = ?6, bytes = ?7, last_seen = ?8";
	sqlite3_stmt *st;
	char *vals = json_dumps(values, JSON_COMPACT);
	int rc, existed;

	if (sqlite3_prepare_v2(c->db, find, -1, &st, NULL) != SQLITE_OK) {
		free(vals);
		return db_err(c, err, "prepare");
	}
	sqlite3_bind_text(st, 1, database, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, spec, -1, SQLITE_TRANSIENT);
	existed = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(c->db, put, -1, &st, NULL) != SQLITE_OK) {
		free(vals);
		return db_err(c, err, "prepare");
	}
	sqlite3_bind_text(st, 1, database, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, spec, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, vals ? vals : "[]", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, location, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, objects);
	sqlite3_bind_int64(st, 7, bytes);
	sqlite3_bind_int64(st, 8, sl_now_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(vals);
	if (rc != SQLITE_DONE)
		return db_err(c, err, "write partition");
	if (is_new != NULL)
		*is_new = !existed;
	return 0;
}

static json_t *
json_column(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	json_t *j = s ? json_loads(s, 0, NULL) : NULL;

	return j ? j : json_array();
}

static json_t *
text_column(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? json_string(s) : json_null();
}

json_t *
catalog_dump(const char *path, struct sl_err *err)
{
	struct catalog *c;
	sqlite3_stmt *tq = NULL, *pq = NULL;
	json_t *tables = json_array(), *out;

	if (catalog_open(path, &c, err) < 0) {
		json_decref(tables);
		return NULL;
	}
	if (sqlite3_prepare_v2(c->db,
	    "SELECT database, name, location, format, partition_keys, objects,"
	    " bytes, updated_at FROM catalog_tables ORDER BY database, name",
	    -1, &tq, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db,
	    "SELECT spec, vals, location, objects, bytes, first_seen, last_seen"
	    " FROM catalog_partitions WHERE database = ?1 AND table_name = ?2"
	    " ORDER BY spec", -1, &pq, NULL) != SQLITE_OK) {
		db_err(c, err, "prepare");
		json_decref(tables);
		tables = NULL;
		goto out;
	}
	while (sqlite3_step(tq) == SQLITE_ROW) {
		json_t *t = json_object(), *parts = json_array();

		json_object_set_new(t, "database", text_column(tq, 0));
		json_object_set_new(t, "name", text_column(tq, 1));
		json_object_set_new(t, "location", text_column(tq, 2));
		json_object_set_new(t, "format", text_column(tq, 3));
		json_object_set_new(t, "partition_keys", json_column(tq, 4));
		json_object_set_new(t, "objects",
				    json_integer(sqlite3_column_int64(tq, 5)));
		json_object_set_new(t, "bytes",
				    json_integer(sqlite3_column_int64(tq, 6)));
		json_object_set_new(t, "updated_at",
				    json_integer(sqlite3_column_int64(tq, 7)));
		sqlite3_reset(pq);
		sqlite3_bind_text(pq, 1, (const char *)sqlite3_column_text(tq, 0),
				  -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(pq, 2, (const char *)sqlite3_column_text(tq, 1),
				  -1, SQLITE_TRANSIENT);
		while (sqlite3_step(pq) == SQLITE_ROW) {
			json_t *p = json_object();

			json_object_set_new(p, "spec", text_column(pq, 0));
			json_object_set_new(p, "values", json_column(pq, 1));
			json_object_set_new(p, "location", text_column(pq, 2));
			json_object_set_new(p, "objects",
			    json_integer(sqlite3_column_int64(pq, 3)));
			json_object_set_new(p, "bytes",
			    json_integer(sqlite3_column_int64(pq, 4)));
			json_object_set_new(p, "first_seen",
			    json_integer(sqlite3_column_int64(pq, 5)));
			json_object_set_new(p, "last_seen",
			    json_integer(sqlite3_column_int64(pq, 6)));
			json_array_append_new(parts, p);
		}
		json_object_set_new(t, "partitions", parts);
		json_array_append_new(tables, t);
	}
out:
	sqlite3_finalize(tq);
	sqlite3_finalize(pq);
	catalog_close(c);
	if (tables == NULL)
		return NULL;
	out = json_object();
	json_object_set_new(out, "tables", tables);
	return out;
}
