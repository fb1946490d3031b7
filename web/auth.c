/* auth.c: users, password hashes, API tokens and login sessions. */
#include "web/auth.h"

#include <crypt.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "store/store.h"

static const char *const role_names[] = { "", "viewer", "operator", "admin" };

int
auth_role_parse(const char *name)
{
	for (int i = 1; i < (int)SL_ARRAY_LEN(role_names); i++)
		if (name != NULL && strcmp(name, role_names[i]) == 0)
			return i;
	return 0;
}

const char *
auth_role_name(int role)
{
	return role > 0 && role < (int)SL_ARRAY_LEN(role_names) ? role_names[role] : "none";
}

const char *
auth_role_doc(int role)
{
	static const char *const docs[] = {
		"nothing: log in first",
		"looks at everything",
		"also clears, marks, triggers, backfills, deletes runs and pauses DAGs",
		"also manages users",
	};

	return role > 0 && role < (int)SL_ARRAY_LEN(docs) ? docs[role] : docs[0];
}

int
auth_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 64 || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("._@-", name[i]) == NULL)
			return 0;
	return 1;
}

void
auth_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];

	if (nbytes > sizeof raw || sl_random_bytes(raw, nbytes) < 0)
		sl_fatal("no random bytes from the system");
	sl_hex(raw, nbytes, out);
	sl_wipe(raw, sizeof raw);
}

void
auth_sha256_hex(const char *s, char *out)
{
	sl_sha256_hex(s, strlen(s), out);
}

void
auth_secret_free(char *secret)
{
	if (secret != NULL) {
		sl_wipe(secret, strlen(secret));
		free(secret);
	}
}

char *
auth_new_password(void)
{
	/* 16 random bytes in an alphabet without look-alikes: ~95 bits */
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3479";
	unsigned char raw[20];
	char *p = xmalloc(sizeof raw + 1);

	if (sl_random_bytes(raw, sizeof raw) < 0)
		sl_fatal("no random bytes from the system");
	for (size_t i = 0; i < sizeof raw; i++)
		p[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
	p[sizeof raw] = '\0';
	return p;
}

/* yescrypt with a fresh salt; NULL on failure. Caller frees. */
static char *
password_hash(const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	char *h, *out = NULL;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt) == NULL)
		return NULL;
	cd = xcalloc(1, sizeof *cd);
	h = crypt_r(password, salt, cd);
	if (h != NULL && h[0] == '$')
		out = xstrdup(h);
	sl_wipe(cd, sizeof *cd);
	free(cd);
	return out;
}

/* Does password match the stored hash? Compared in constant time. */
static int
password_matches(const char *password, const char *hash)
{
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	char *h = crypt_r(password, hash, cd);
	int ok = h != NULL && h[0] == '$' && strlen(h) == strlen(hash) &&
		 sl_mem_equal_ct(h, hash, strlen(hash));

	sl_wipe(cd, sizeof *cd);
	free(cd);
	return ok;
}

/* The store's refusals are the auth_result of the same name. */
_Static_assert((int)AUTH_NO_USER == (int)STORE_USER_NONE &&
	       (int)AUTH_TAKEN == (int)STORE_USER_TAKEN &&
	       (int)AUTH_LAST_ADMIN == (int)STORE_USER_LAST_ADMIN,
	       "auth_result and store_user_refusal agree");

static int
password_ok(const char *password, struct sl_err *err)
{
	size_t n = password ? strlen(password) : 0;

	if (n < 8) {
		sl_err_set(err, "a password needs " AUTH_PASSWORD_RULE);
		return AUTH_INVALID;
	}
	if (n > 1024) {
		sl_err_set(err, "a password may have at most 1024 characters");
		return AUTH_INVALID;
	}
	return 0;
}

static int
role_ok(int role, struct sl_err *err)
{
	if (role < 1 || role >= (int)SL_ARRAY_LEN(role_names)) {
		sl_err_set(err, "the role must be viewer, operator or admin");
		return AUTH_INVALID;
	}
	return 0;
}

int
auth_user_add(struct store *s, const char *name, int role, const char *password,
	      const char *who, struct sl_err *err)
{
	char *hash;
	int rc;

	if (name == NULL || *name == '\0') {
		sl_err_set(err, "a user needs a name (" AUTH_NAME_RULE ")");
		return AUTH_INVALID;
	}
	if (!auth_name_ok(name)) {
		/* a long one is not repeated: a cut could split a character */
		if (strlen(name) > 64)
			sl_err_set(err, "a user name has at most 64 characters");
		else
			sl_err_set(err, "'%s' is not a user name (" AUTH_NAME_RULE ")", name);
		return AUTH_INVALID;
	}
	if ((rc = role_ok(role, err)) < 0 || (rc = password_ok(password, err)) < 0)
		return rc;
	if ((hash = password_hash(password)) == NULL)
		return sl_err_set(err, "libcrypt cannot hash with yescrypt");
	rc = store_user_add(s, name, auth_role_name(role), hash, who, err);
	free(hash);
	return rc;
}

/* Hash password and store it for name, ending its sessions but keep (a
 * session id's hash, or NULL). */
static int
user_set_password(struct store *s, const char *name, const char *password,
		  const char *keep, const char *who, struct sl_err *err)
{
	char *hash;
	int rc;

	if ((rc = password_ok(password, err)) < 0)
		return rc;
	if ((hash = password_hash(password)) == NULL)
		return sl_err_set(err, "libcrypt cannot hash with yescrypt");
	rc = store_user_set_password(s, name, hash, keep, who, err);
	free(hash);
	return rc;
}

int
auth_user_passwd(struct store *s, const char *name, const char *password,
		 const char *who, struct sl_err *err)
{
	return user_set_password(s, name, password, NULL, who, err);
}

int
auth_user_change_password(struct store *s, const char *name, const char *current,
			  const char *password, const char *keep_cookie,
			  const char *who, struct sl_err *err)
{
	char keep[65];
	int64_t id;
	int role, rc;

	if ((rc = password_ok(password, err)) < 0)
		return rc;
	rc = auth_check_password(s, name, current ? current : "", &id, &role);
	if (rc < 0)
		return sl_err_set(err, "database: %s", store_errmsg(s));
	if (rc == 0) {
		sl_err_set(err, "the current password is wrong");
		return AUTH_WRONG_PASSWORD;
	}
	if (keep_cookie != NULL)
		auth_sha256_hex(keep_cookie, keep);
	return user_set_password(s, name, password, keep_cookie ? keep : NULL, who, err);
}

int
auth_user_set_role(struct store *s, const char *name, int role, const char *who,
		   struct sl_err *err)
{
	int rc;

	if ((rc = role_ok(role, err)) < 0)
		return rc;
	return store_user_set_role(s, name, auth_role_name(role), who, err);
}

int
auth_user_remove(struct store *s, const char *name, const char *actor,
		 const char *who, struct sl_err *err)
{
	if (actor != NULL && strcmp(actor, name) == 0) {
		/* the only admin first hears that another one is needed:
		 * "another admin can" would send them looking for none */
		int rc = store_user_last_admin(s, name, err);

		if (rc < 0)
			return rc;
		sl_err_set(err, "you cannot remove yourself: another admin can");
		return AUTH_SELF;
	}
	return store_user_remove(s, name, who, err);
}

json_t *
auth_users_json(struct store *s)
{
	return store_users_json(s);
}

int
auth_user_count(struct store *s)
{
	return store_user_count(s);
}

int
auth_check_password(struct store *s, const char *name, const char *password,
		    int64_t *id, int *role)
{
	static char *dummy;
	char role_name[32];
	char *hash = NULL;
	int rc, ok;

	rc = store_user_password(s, name, id, role_name, sizeof role_name, &hash);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		/* an unknown name costs a hash too, so timing tells nothing */
		if (dummy == NULL)
			dummy = password_hash("sluice-no-such-user");
		if (dummy != NULL)
			password_matches(password, dummy);
		return 0;
	}
	*role = auth_role_parse(role_name);
	ok = password_matches(password, hash);
	free(hash);
	return ok;
}

int
auth_token_new(struct store *s, const char *name, const char *who, char **token,
	       struct sl_err *err)
{
	char secret[65], hash[65], prefix[16];
	int rc;

	auth_random_hex(secret, 32);
	*token = xasprintf("slk_%s", secret);
	sl_wipe(secret, sizeof secret);
	auth_sha256_hex(*token, hash);
	snprintf(prefix, sizeof prefix, "%.10s", *token);
	if ((rc = store_token_add(s, name, hash, prefix, who, err)) < 0) {
		sl_wipe(*token, strlen(*token));
		free(*token);
		*token = NULL;
		return rc;
	}
	return 0;
}

int
auth_token_lookup(struct store *s, const char *token, int64_t *id, char *name,
		  size_t name_n, int *role, int64_t *last_used_ms)
{
	char hash[65], role_name[32];
	int rc;

	if (strlen(token) > 200)
		return 0;
	auth_sha256_hex(token, hash);
	rc = store_token_user(s, hash, id, name, name_n, role_name, sizeof role_name,
			      last_used_ms);
	if (rc == 1)
		*role = auth_role_parse(role_name);
	return rc;
}

int
auth_token_use_due(int64_t last_used_ms, int64_t now_ms)
{
	int64_t age = now_ms - last_used_ms;

	/* a recorded use in the future: the clock was set back */
	return last_used_ms <= 0 || age < 0 || age >= AUTH_TOKEN_USE_GRAIN_MS;
}

int
auth_token_used(struct store *s, const char *token, int64_t now_ms)
{
	char hash[65];

	if (strlen(token) > 200)
		return 0;
	auth_sha256_hex(token, hash);
	return store_token_used(s, hash, now_ms, AUTH_TOKEN_USE_GRAIN_MS);
}

int
auth_session_new(struct store *s, int64_t user_id, int64_t ttl_ms, char *cookie,
		 char *csrf)
{
	char hash[65];

	auth_random_hex(cookie, 32);
	auth_random_hex(csrf, 32);
	auth_sha256_hex(cookie, hash);
	return store_session_add(s, hash, user_id, csrf, ttl_ms);
}

int
auth_session_lookup(struct store *s, const char *cookie, int64_t *id, char *name,
		    size_t name_n, int *role, char *csrf)
{
	char hash[65], role_name[32];
	int rc;

	if (strlen(cookie) != 64)
		return 0;
	auth_sha256_hex(cookie, hash);
	rc = store_session_user(s, hash, id, name, name_n, role_name,
				sizeof role_name, csrf, 65);
	if (rc == 1)
		*role = auth_role_parse(role_name);
	return rc;
}

int
auth_session_delete(struct store *s, const char *cookie)
{
	char hash[65];

	auth_sha256_hex(cookie, hash);
	return store_session_delete(s, hash);
}
