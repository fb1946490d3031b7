/*
 * auth.h: users of the web UI and the REST API, their passwords, API
 * tokens and login sessions, all in the state store (migrations/0002).
 *
 * Passwords are hashed with yescrypt (libcrypt, a fresh salt each time).
 * API tokens and session ids are 256-bit random secrets; only their
 * SHA-256 is stored, so a copy of the database lets nobody in.
 */
#ifndef SLUICE_AUTH_H
#define SLUICE_AUTH_H

#include <jansson.h>
#include <stdint.h>

#include "base/util.h"

struct store;

/* "viewer" → 1, "operator" → 2, "admin" → 3; 0 when unknown. */
int auth_role_parse(const char *name);
const char *auth_role_name(int role);
/* What a role may do, in a few words, for the pages. */
const char *auth_role_doc(int role);

/* A user name is 1-64 characters of [A-Za-z0-9._@-], not starting with a
 * dot (".." and "." are path segments: the Users page's links to them
 * would resolve to another URL): AUTH_NAME_RULE says so where a name is
 * asked for. */
#define AUTH_NAME_RULE "1-64 characters: letters, digits, . _ @ -, not starting with a dot"
int auth_name_ok(const char *name);
/* What a new password needs, said where one is asked for. */
#define AUTH_PASSWORD_RULE "at least 8 characters"

/* How the user verbs below fail (0: done); err says why. */
enum auth_result {
	AUTH_DB = -1,		/* the database; store_busy() tells a lock
				 * held by another writer (nothing changed) */
	AUTH_INVALID = -2,	/* a bad name, role or password */
	AUTH_NO_USER = -3,
	AUTH_TAKEN = -4,	/* a user by that name exists */
	AUTH_LAST_ADMIN = -5,	/* it would leave no admin */
	AUTH_SELF = -6,		/* an admin removing themselves */
	AUTH_WRONG_PASSWORD = -7,	/* the current password is not it */
};

/*
 * The verbs that change users. `sluice users` and the web's users and
 * account pages (and the API under them) all call these, so they check
 * the same rules and refuse the same things. Each is one transaction
 * with its audit row, written as who ("cli:USER", "web:USER"); no
 * password or token goes into it.
 */
int auth_user_add(struct store *s, const char *name, int role,
		  const char *password, const char *who, struct sl_err *err);
/* A password set for someone (an admin, `sluice users passwd`): every
 * session of the user ends. */
int auth_user_passwd(struct store *s, const char *name, const char *password,
		     const char *who, struct sl_err *err);
/* A person changing their own password: current must be it (else
 * AUTH_WRONG_PASSWORD); their sessions end but keep_cookie's (the one
 * this is done from; NULL: none kept). */
int auth_user_change_password(struct store *s, const char *name,
			      const char *current, const char *password,
			      const char *keep_cookie, const char *who,
			      struct sl_err *err);
/* A new role; the last admin keeps it. */
int auth_user_set_role(struct store *s, const char *name, int role,
		       const char *who, struct sl_err *err);
/* Removing a user ends its sessions and revokes its tokens; never the
 * last admin. actor: the user asking, who may not remove themselves
 * (NULL from the CLI, where nobody is logged in). */
int auth_user_remove(struct store *s, const char *name, const char *actor,
		     const char *who, struct sl_err *err);
/* [{name, role, created_at, tokens, sessions, last_login_at,
 * last_token_used_at}] (the last two: epoch ms or null for never) */
json_t *auth_users_json(struct store *s);
/* How many users exist (the first admin is made by `sluice init`). */
int auth_user_count(struct store *s);

/* Check name + password. Returns 1 and fills id/role when they match,
 * 0 when not (unknown user or wrong password; the same time is spent
 * either way), -1 on a database error. */
int auth_check_password(struct store *s, const char *name,
			const char *password, int64_t *id, int *role);

/* A new API token for the user: *token (caller frees) is shown once;
 * fails as the user verbs do. */
int auth_token_new(struct store *s, const char *name, const char *who,
		   char **token, struct sl_err *err);
/* The user a token belongs to, and when the token was last recorded
 * used (*last_used_ms, 0: never): 1 found, 0 not, -1 database error. */
int auth_token_lookup(struct store *s, const char *token, int64_t *id,
		      char *name, size_t name_n, int *role,
		      int64_t *last_used_ms);
/* A token's last use is recorded at most once per this long: a script
 * calling the API every second costs one write a minute, not one per
 * call. */
#define AUTH_TOKEN_USE_GRAIN_MS (60 * 1000)
/* Is a use at now_ms worth recording after the one at last_used_ms
 * (0: none)? Decided without the database, on every call. */
int auth_token_use_due(int64_t last_used_ms, int64_t now_ms);
/* Record a use of token at now_ms (unless another process recorded one
 * within the grain meanwhile): 1 written, 0 not, -1 database error
 * (store_busy() tells a lock; the next call tries again). */
int auth_token_used(struct store *s, const char *token, int64_t now_ms);

/* A new login session: the cookie value and CSRF token (hex, 64 chars,
 * caller provides 65 bytes each). */
int auth_session_new(struct store *s, int64_t user_id, int64_t ttl_ms,
		     char *cookie, char *csrf);
/* 1 when the cookie names a live session (fills user and csrf). */
int auth_session_lookup(struct store *s, const char *cookie, int64_t *id,
			char *name, size_t name_n, int *role, char *csrf);
int auth_session_delete(struct store *s, const char *cookie);

/* n random bytes as 2n hex characters into out (2n+1 bytes). */
void auth_random_hex(char *out, size_t nbytes);
/* SHA-256 of s as 64 hex characters into out (65 bytes). */
void auth_sha256_hex(const char *s, char *out);
/* A random password for a new user (caller frees). */
char *auth_new_password(void);
/* Wipe and free a password or token string (NULL: nothing). */
void auth_secret_free(char *secret);

#endif
