/*
 * secret.h: which values are secrets, in one place: a name that looks
 * secret (an environment variable's, a JSON key's) and the shortest value
 * worth masking. The web masks what it shows with it, the scheduler tells
 * the executor which values to mask in a try's log.
 */
#ifndef SLUICE_SECRET_H
#define SLUICE_SECRET_H

#include <stddef.h>

/* Does the name look like it holds a secret (pass, secret, token,
 * credential, private, apikey, api_key, auth; any case)? */
int secret_name(const char *name);
/* Is the value long enough to mask (shorter ones would mask ordinary
 * text everywhere)? */
int secret_maskable(const char *value);

/* What may be shown of a URL that is a secret as a whole (a webhook's:
 * its path holds the token): scheme and host, the rest as ********, into
 * out (size n): "https://hooks.example.com" then a slash and eight
 * asterisks. */
const char *secret_url_shown(const char *url, char *out, size_t n);

#endif
