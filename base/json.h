/*
 * json.h: small questions asked of jansson values by more than one part
 * (the notifier's emails, the scheduler's webhook payloads, the webhook
 * sender's Slack text).
 */
#ifndef SLUICE_JSON_H
#define SLUICE_JSON_H

#include <jansson.h>

/* The string every object of array list holds under key, when they all
 * hold the same one and it is not empty (the one reason every partition
 * of a freshness digest shares, said once); else NULL. Borrowed from
 * list. */
const char *json_shared_string(const json_t *list, const char *key);

#endif
