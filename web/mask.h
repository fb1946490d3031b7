/*
 * mask.h: the one rule for hiding secrets in what sluice shows or records
 * (web/mask.c): the web's pages and API, and the command each try records
 * (try_shown() in scheduler/try.c). Secret params are masked while
 * rendering (tmpl_ctx.mask_secrets); these mask everything else.
 */
#ifndef SLUICE_MASK_H
#define SLUICE_MASK_H

#include <jansson.h>

/* Does a key or variable name look like it holds a secret? */
int mask_secret_name(const char *name);
/* text with URL passwords and the values of secret-looking environment
 * variables replaced by ******** (caller frees). */
char *mask_text(const char *in);
/* A copy of a JSON value: secret-looking keys lose their values, strings
 * go through mask_text. Returns a new reference. */
json_t *mask_json(const json_t *in);

#endif
