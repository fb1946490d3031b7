/*
 * store_notify.c: webhook and email deliveries (migrations/0010_webhooks.sql,
 * 0020_email_deliveries.sql): the
 * row written with the event, the sender's claim and its end, and the
 * pending ones a restarted scheduler sends (who sends what is decided by
 * scheduler/sched_webhook.c; the sending is operators/webhook.c); and the
 * freshness alerts, each late partition once (scheduler/sched_fresh.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Bind text or NULL. */
static void
notify_bind(sqlite3_stmt *st, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int
store_webhook_add(struct store *s, const char *kind, const char *hook,
		  const char *event, const char *dag, const char *task,
		  const char *partition, const char *payload,
		  int64_t claimed_until, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO webhook_deliveries (hook, event, dag_id, task_id, "
	    "partition_key, payload, claimed_until, created_at, kind) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 9, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 1, hook, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, dag, -1, SQLITE_STATIC);
	notify_bind(st, 4, task);
	notify_bind(st, 5, partition);
	sqlite3_bind_text(st, 6, payload, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, claimed_until);
	sqlite3_bind_int64(st, 8, sl_now_ms());
	if (store_step_done(s, st) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int
store_webhook_claim(struct store *s, int64_t id, int64_t claimed_until)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE webhook_deliveries SET claimed_until = ? "
	    "WHERE id = ? AND state = 'pending'");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, claimed_until);
	sqlite3_bind_int64(st, 2, id);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0;
}

int
store_webhook_end(struct store *s, int64_t id, int sent, int attempts,
		  const char *error)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE webhook_deliveries SET state = ?, attempts = attempts + ?, "
	    "ended_at = ?, last_error = ? WHERE id = ? AND state = 'pending'");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sent ? "sent" : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, attempts);
	sqlite3_bind_int64(st, 3, sl_now_ms());
	notify_bind(st, 4, error);
	sqlite3_bind_int64(st, 5, id);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0;
}

int
store_webhook_defer(struct store *s, int64_t id, int attempts,
		    const char *error, int64_t claimed_until, int64_t created_after)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE webhook_deliveries SET attempts = attempts + ?, last_error = ?, "
	    "claimed_until = ? WHERE id = ? AND state = 'pending' AND created_at >= ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, attempts);
	notify_bind(st, 2, error);
	sqlite3_bind_int64(st, 3, claimed_until);
	sqlite3_bind_int64(st, 4, id);
	sqlite3_bind_int64(st, 5, created_after);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0;
}

int
store_webhook_pending(struct store *s,
		      void (*fn)(void *arg, const struct store_webhook_delivery *d),
		      void *arg)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, hook, event, payload, COALESCE(claimed_until, 0), attempts, "
	    "kind FROM webhook_deliveries WHERE state = 'pending' ORDER BY id");
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_webhook_delivery d;

		d.id = sqlite3_column_int64(st, 0);
		d.hook = (const char *)sqlite3_column_text(st, 1);
		d.event = (const char *)sqlite3_column_text(st, 2);
		d.payload = (const char *)sqlite3_column_text(st, 3);
		d.claimed_until = sqlite3_column_int64(st, 4);
		d.attempts = sqlite3_column_int(st, 5);
		d.kind = (const char *)sqlite3_column_text(st, 6);
		fn(arg, &d);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

json_t *
store_webhooks_json(struct store *s, int limit)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, kind, hook, event, dag_id AS dag, task_id AS task, "
	    "partition_key AS partition, state, attempts, created_at, ended_at, "
	    "last_error, claimed_until FROM webhook_deliveries ORDER BY id DESC LIMIT ?");

	if (st == NULL)
		return NULL;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	return store_rows_json(st);
}

int
store_fresh_late(struct store *s, const char *dag, const char *key,
		 int64_t start_s, const char *why)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT OR IGNORE INTO freshness_alerts (dag_id, partition_key, "
	    "start_s, late_at, why) VALUES (?, ?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, start_s);
	sqlite3_bind_int64(st, 4, sl_now_ms());
	notify_bind(st, 5, why);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0;
}

/* Call fn for each row (dag_id, partition_key, start_s, why) of st, then
 * reset it. 0 or -1. */
static int
notify_fresh_rows(sqlite3_stmt *st,
		 void (*fn)(void *arg, const char *dag, const char *key,
			    int64_t start_s, const char *why),
		 void *arg)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		   (const char *)sqlite3_column_text(st, 1),
		   sqlite3_column_int64(st, 2),
		   (const char *)sqlite3_column_text(st, 3));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_fresh_open(struct store *s, const char *dag,
		 void (*fn)(void *arg, const char *dag, const char *key,
			    int64_t start_s, const char *why),
		 void *arg)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT dag_id, partition_key, start_s, why FROM freshness_alerts "
	    "WHERE recovered_at IS NULL AND (?1 IS NULL OR dag_id = ?1) "
	    "ORDER BY dag_id, start_s");

	if (st == NULL)
		return -1;
	notify_bind(st, 1, dag);
	return notify_fresh_rows(st, fn, arg);
}

int
store_fresh_settled(struct store *s, const char *dag, int64_t from_s,
		    int64_t to_s, int64_t *count, int64_t *sum)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT count(*), coalesce(sum(start_s), 0) FROM dag_runs "
	    "WHERE dag_id = ?1 AND state = 'success' AND start_s BETWEEN ?2 AND ?3");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_s);
	sqlite3_bind_int64(st, 3, to_s);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*sum = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_fresh_open_of(struct store *s, const char *const *dags,
		    const int64_t *from_s, size_t n,
		    void (*fn)(void *arg, const char *dag, const char *key,
			       int64_t start_s, const char *why),
		    void *arg)
{
	/* a range of the open alerts' index (dag_id, start_s) per DAG;
	 * unordered: the caller sorts */
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT f.dag_id, f.partition_key, f.start_s, f.why "
	    "FROM json_each(?1) j JOIN freshness_alerts f "
	    "ON f.dag_id = json_extract(j.value, '$[0]') "
	    "AND f.start_s >= json_extract(j.value, '$[1]') "
	    "WHERE f.recovered_at IS NULL");
	json_t *pairs = json_array();
	char *text;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(pairs, json_pack("[sI]", dags[i],
						       (json_int_t)from_s[i]));
	text = json_dumps(pairs, JSON_COMPACT);
	json_decref(pairs);
	if (st == NULL || text == NULL) {
		free(text);
		return -1;
	}
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	free(text);
	return notify_fresh_rows(st, fn, arg);
}

int
store_fresh_versions(struct store *s,
		     void (*fn)(void *arg, const char *dag, int64_t version),
		     void *arg)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT dag_id, version FROM dag_run_changes ORDER BY dag_id");
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		   sqlite3_column_int64(st, 1));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_fresh_recovered(struct store *s, const char *dag, const char *key)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE freshness_alerts SET recovered_at = ? WHERE dag_id = ? AND "
	    "partition_key = ? AND recovered_at IS NULL");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sl_now_ms());
	sqlite3_bind_text(st, 2, dag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0;
}
