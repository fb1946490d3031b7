/*
 * json.h: small questions asked of jansson values by more than one part
 * (the notifier's emails, the scheduler's webhook payloads, the webhook
 * sender's Slack text; the config loader's entries and their readers).
 */
#ifndef SLUICE_JSON_H
#define SLUICE_JSON_H

#include <jansson.h>

/* The string every object of array list holds under key, when they all
 * hold the same one and it is not empty (the one reason every partition
 * of a freshness digest shares, said once); else NULL. Borrowed from
 * list. */
const char *json_shared_string(const json_t *list, const char *key);

/* An executors: or connections: entry as the config loader keeps it
 * carries where it is written: "_line", the entry's line, and for an
 * executor "_at", {KEY: [LINE, COL]} of each of its keys (so an error the
 * executor finds in a value points at that value's line). json_entry_plain
 * returns a new reference to a deep copy without them: what the entry's
 * reader (an executor, a connection's user) is given. */
json_t *json_entry_plain(const json_t *entry);
/* The line and column entry's "_at" holds for key; -1 when none. */
int json_entry_key_at(const json_t *entry, const char *key, int *line,
		      int *col);

#endif
