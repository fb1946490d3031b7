/*
 * session.c: who is asking (bearer token or session cookie), what they
 * may do, logging in and out, and the limit on failed logins.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "base/crypto.h"
#include "base/log.h"
#include "scheduler/config.h"
#include "store/store.h"
#include "web/auth.h"

#define SESSION_TTL_MS (12LL * 3600 * 1000)
#define LOGIN_WINDOW_MS (60 * 1000)
#define LOGIN_MAX_FAILURES 5
#define LIMITER_SLOTS 512

/* Failed logins per client address and per user name, in a fixed table:
 * an attacker cannot grow it, and the oldest entries make room. */
struct limiter_slot {
	char key[160];
	int failures;
	int64_t window_start;
};

struct web_limiter {
	struct limiter_slot slots[LIMITER_SLOTS];
};

struct web_limiter *
limiter_new(void)
{
	return xcalloc(1, sizeof(struct web_limiter));
}

void
limiter_free(struct web_limiter *l)
{
	free(l);
}

static struct limiter_slot *
limiter_slot(struct web_limiter *l, const char *key, int create)
{
	struct limiter_slot *oldest = &l->slots[0];
	int64_t now = sl_mono_ms();

	for (int i = 0; i < LIMITER_SLOTS; i++) {
		struct limiter_slot *s = &l->slots[i];

		if (s->key[0] != '\0' && strcmp(s->key, key) == 0) {
			if (now - s->window_start >= LOGIN_WINDOW_MS) {
				s->failures = 0;
				s->window_start = now;
			}
			return s;
		}
		if (s->window_start < oldest->window_start)
			oldest = s;
	}
	if (!create)
		return NULL;
	snprintf(oldest->key, sizeof oldest->key, "%s", key);
	oldest->failures = 0;
	oldest->window_start = now;
	return oldest;
}

/* Seconds until key may try again, or 0. */
static int
limiter_blocked(struct web_limiter *l, const char *key)
{
	struct limiter_slot *s = limiter_slot(l, key, 0);

	if (s == NULL || s->failures < LOGIN_MAX_FAILURES)
		return 0;
	return (int)((LOGIN_WINDOW_MS - (sl_mono_ms() - s->window_start)) / 1000) + 1;
}

static void
limiter_fail(struct web_limiter *l, const char *key)
{
	limiter_slot(l, key, 1)->failures++;
}

/* The session cookie's Path: the proxy's path (web.base_url's, letters,
 * digits and -._~/ only), else the host's root. */
static const char *
cookie_path(const struct web *w)
{
	return w->root_len > 0 ? w->root : "/";
}

/* The value of one cookie, into out; 0 when present. */
static int
cookie_get(struct web_req *r, const char *name, char *out, size_t n)
{
	const char *h = web_header(r, "Cookie");
	size_t nl = strlen(name);

	if (h == NULL)
		return -1;
	for (const char *p = h; *p != '\0';) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			const char *v = p + nl + 1;
			size_t len = strcspn(v, ";");

			if (len >= n)
				return -1;
			memcpy(out, v, len);
			out[len] = '\0';
			return 0;
		}
		p += strcspn(p, ";");
	}
	return -1;
}

/* Record that token was used now when its last recorded use
 * (*last_used_ms) is a minute old (auth.h's grain): one write a minute
 * per token at most, whatever the calls. A lock held elsewhere only
 * puts it off to a later call. */
static void
token_note_use(struct web_req *r, const char *token, int64_t *last_used_ms)
{
	int64_t now = sl_now_ms();

	if (!auth_token_use_due(*last_used_ms, now))
		return;
	if (auth_token_used(r->w->store, token, now) >= 0) {
		*last_used_ms = now;
		/* this connection's write moved the mark */
		r->db_mark_read = 0;
	}
}

/* A bearer token's user. The same token is asked about on every call a
 * script makes: while the database has not changed, the answer found
 * for it before still holds. */
static void
token_identify(struct web_req *r, const char *token)
{
	struct web *w = r->w;
	struct web_user *u = &r->user;
	struct web_token_memo *m;
	char hash[65];
	int64_t mark, last_used = 0;
	int role = 0;

	if (strlen(token) > 200)
		return;
	auth_sha256_hex(token, hash);
	mark = web_db_mark(r);
	for (int i = 0; mark >= 0 && i < WEB_TOKEN_MEMO; i++) {
		m = &w->tokens[i];
		if (m->hash[0] != '\0' && m->db_mark == mark &&
		    sl_mem_equal_ct(m->hash, hash, sizeof hash)) {
			u->id = m->user_id;
			snprintf(u->name, sizeof u->name, "%s", m->name);
			u->role = (enum web_role)m->role;
			token_note_use(r, token, &m->last_used_ms);
			return;
		}
	}
	if (auth_token_lookup(w->store, token, &u->id, u->name, sizeof u->name,
			      &role, &last_used) != 1)
		return;
	u->role = (enum web_role)role;
	token_note_use(r, token, &last_used);
	if (mark < 0)
		return;
	/* the mark read before any write of token_note_use: a memo made
	 * now is found stale by the next call, which reads it again once */
	m = &w->tokens[w->next_token_slot];
	w->next_token_slot = (w->next_token_slot + 1) % WEB_TOKEN_MEMO;
	memcpy(m->hash, hash, sizeof hash);
	m->user_id = u->id;
	snprintf(m->name, sizeof m->name, "%s", u->name);
	m->role = role;
	m->db_mark = mark;
	m->last_used_ms = last_used;
}

void
session_identify(struct web_req *r)
{
	struct web_user *u = &r->user;
	const char *auth = web_header(r, "Authorization");
	char cookie[128];
	int role = 0;

	memset(u, 0, sizeof *u);
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		token_identify(r, auth + 7);
		return;
	}
	if (cookie_get(r, r->w->cookie, cookie, sizeof cookie) == 0 &&
	    auth_session_lookup(r->w->store, cookie, &u->id, u->name, sizeof u->name,
				&role, u->csrf) == 1) {
		u->role = (enum web_role)role;
		u->by_session = 1;
	}
}

static int same_origin(struct web_req *r, const char *what);

int
session_require_read(struct web_req *r)
{
	if (r->user.role == ROLE_NONE) {
		web_error(r, 401, "log in first (a session cookie, or Authorization: Bearer TOKEN)");
		return -1;
	}
	return 0;
}

int
session_require_change(struct web_req *r, enum web_role need)
{
	if (session_require_read(r) < 0)
		return -1;
	if (r->user.by_session) {
		const char *t = web_header(r, "X-CSRF-Token");

		/* the CSRF token already stops another site's page (it cannot
		 * read it); its Origin stops it too, should the token leak */
		if (!same_origin(r, "a change")) {
			web_error(r, 403, "this change came from a page on another site "
				  "than sluice's own address: make it from the UI at its "
				  "own address");
			return -1;
		}

		if (t == NULL || strlen(t) != strlen(r->user.csrf) ||
		    !sl_mem_equal_ct(t, r->user.csrf, strlen(t))) {
			web_error(r, 403, "missing or wrong CSRF token (X-CSRF-Token header)");
			return -1;
		}
	}
	if (r->user.role < need)
		return session_forbidden(r, need);
	return 0;
}

int
session_forbidden(struct web_req *r, enum web_role need)
{
	const char *have = auth_role_name(r->user.role);
	const char *needs = auth_role_name(need);

	/* "an operator", "an admin", "a viewer" */
	return web_error(r, 403, "user %s is %s %s; this needs %s %s", r->user.name,
			 strchr("aeiou", have[0]) != NULL ? "an" : "a", have,
			 strchr("aeiou", needs[0]) != NULL ? "an" : "a", needs);
}

int
session_current_cookie(struct web_req *r, char *out, size_t n)
{
	return r->user.by_session ? cookie_get(r, r->w->cookie, out, n) : -1;
}

/* The limiter's keys of a login by name from r's address. */
static void
limiter_keys(struct web_req *r, const char *name, char *ukey, char *pkey, size_t n)
{
	snprintf(pkey, n, "ip:%s", r->peer);
	snprintf(ukey, n, "user:%.100s", name ? name : "");
}

int
session_guess_wait(struct web_req *r)
{
	char ukey[160], pkey[160];

	limiter_keys(r, r->user.name, ukey, pkey, sizeof ukey);
	return SL_MAX(limiter_blocked(r->w->limiter, pkey),
		      limiter_blocked(r->w->limiter, ukey));
}

void
session_guess_failed(struct web_req *r)
{
	char ukey[160], pkey[160];

	limiter_keys(r, r->user.name, ukey, pkey, sizeof ukey);
	limiter_fail(r->w->limiter, pkey);
	limiter_fail(r->w->limiter, ukey);
}

/* A login or a change a page of another site sends names its origin
 * (what: "a login", "a change"): refuse it. The UI's own origin is the one the request's Host names, or web.base_url's
 * (behind a reverse proxy that sends its upstream's Host, as nginx's
 * proxy_pass does by default, only the latter matches). */
static int
same_origin(struct web_req *r, const char *what)
{
	const char *origin = web_header(r, "Origin"), *host = web_header(r, "Host");
	char want[300], *base;
	int same;

	if (origin == NULL || strcmp(origin, "null") == 0)
		return origin == NULL;
	if (host != NULL) {
		snprintf(want, sizeof want, "%s://%s", r->w->secure_cookies ? "https" : "http", host);
		if (strcasecmp(origin, want) == 0)
			return 1;
	}
	base = config_web_origin(r->w->cfg);
	same = base != NULL && strcasecmp(origin, base) == 0;
	if (!same)
		log_emit(LOG_LEVEL_WARN, NULL, "web: %s posted from %.200s refused: "
			 "sluice is served at %s%s (the request's Host) and %s (web.base_url); "
			 "if people reach the UI at %.200s, set web.base_url in %s to that address",
			 what, origin, r->w->secure_cookies ? "https://" : "http://",
			 host ? host : "(none)", base ? base : "(none)", origin, r->w->cfg->file);
	free(base);
	return same;
}

static char *
form_field(struct evkeyvalq *form, const char *name)
{
	const char *v = evhttp_find_header(form, name);

	return v ? xstrdup(v) : NULL;
}

/* Only local paths, so a login link cannot send people elsewhere: not
 * "//host", nor "/<TAB>/host", which a browser reads as "//host" (it
 * drops tabs and newlines from a URL). */
static const char *
safe_next(const char *next)
{
	return text_url_kind(next) == TEXT_URL_PATH ? next : "/";
}

enum web_result
session_login(struct web_req *r)
{
	struct evkeyvalq form;
	char *body, *name, *password, *next, ukey[160], pkey[160];
	int64_t id = 0;
	int role = 0, ok, wait;

	if (r->method == EVHTTP_REQ_GET || r->method == EVHTTP_REQ_HEAD) {
		pages_login(r, NULL, 200, NULL, NULL);
		return WEB_DONE;
	}
	if (r->method != EVHTTP_REQ_POST) {
		web_error(r, 405, "GET or POST /login");
		return WEB_DONE;
	}
	if (!same_origin(r, "a login")) {
		pages_login(r, "This login came from a page on another site than sluice's "
			    "own address, so it was refused: open the UI at its own address "
			    "(the one its administrator gave you) and log in there.", 403, NULL, NULL);
		return WEB_DONE;
	}
	if ((body = web_body_text(r)) == NULL) {
		web_error(r, 413, "the request body is too large");
		return WEB_DONE;
	}
	TAILQ_INIT(&form);
	if (evhttp_parse_query_str(body, &form) < 0) {
		free(body);
		web_error(r, 400, "the login form is not application/x-www-form-urlencoded");
		return WEB_DONE;
	}
	free(body);
	name = form_field(&form, "username");
	password = form_field(&form, "password");
	next = form_field(&form, "next");
	evhttp_clear_headers(&form);
	limiter_keys(r, name, ukey, pkey, sizeof ukey);
	if ((wait = SL_MAX(limiter_blocked(r->w->limiter, pkey),
			   limiter_blocked(r->w->limiter, ukey))) > 0) {
		char secs[32];

		snprintf(secs, sizeof secs, "%d", wait);
		web_add_header(r, "Retry-After", secs);
		pages_login(r, "Too many failed logins: wait a minute and try again.", 429, next, name);
		goto out;
	}
	if (name == NULL || password == NULL) {
		pages_login(r, "Enter a user name and a password.", 400, next, name);
		goto out;
	}
	ok = auth_check_password(r->w->store, name, password, &id, &role);
	if (ok <= 0) {
		if (ok == 0) {
			limiter_fail(r->w->limiter, pkey);
			limiter_fail(r->w->limiter, ukey);
		}
		pages_login(r, ok < 0 ? "The database cannot be read." :
			    "Wrong user name or password.", ok < 0 ? 500 : 401, next, name);
		goto out;
	}
	{
		char cookie[65], csrf[65], *set;

		if (auth_session_new(r->w->store, id, SESSION_TTL_MS, cookie, csrf) < 0) {
			if (web_store_busy(r->w)) {
				sl_wipe(password, strlen(password));
				free(name);
				free(password);
				free(next);
				return WEB_BUSY;
			}
			pages_login(r, "The session cannot be stored.", 500, next, name);
			goto out;
		}
		/* under a proxy's path the cookie is the path's alone: no
		 * other application of the host is sent it */
		set = xasprintf("%s=%s; Path=%s; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
				r->w->cookie, cookie, cookie_path(r->w),
				SESSION_TTL_MS / 1000,
				r->w->secure_cookies ? "; Secure" : "");
		web_add_header(r, "Set-Cookie", set);
		free(set);
		web_redirect(r, safe_next(next));
	}
out:
	if (password != NULL)
		sl_wipe(password, strlen(password));
	free(name);
	free(password);
	free(next);
	return WEB_DONE;
}

enum web_result
session_logout(struct web_req *r)
{
	char cookie[128];
	struct evkeyvalq form;
	char *body;
	const char *csrf;

	if (r->method != EVHTTP_REQ_POST) {
		web_error(r, 405, "POST /logout");
		return WEB_DONE;
	}
	if (r->user.by_session) {
		if (!same_origin(r, "a logout")) {
			web_error(r, 403, "this logout came from a page on another site "
				  "than sluice's own address");
			return WEB_DONE;
		}
		body = web_body_text(r);
		TAILQ_INIT(&form);
		if (body != NULL)
			evhttp_parse_query_str(body, &form);
		free(body);
		csrf = evhttp_find_header(&form, "csrf");
		if (csrf == NULL || strcmp(csrf, r->user.csrf) != 0) {
			evhttp_clear_headers(&form);
			web_error(r, 403, "missing or wrong CSRF token");
			return WEB_DONE;
		}
		evhttp_clear_headers(&form);
		if (cookie_get(r, r->w->cookie, cookie, sizeof cookie) == 0 &&
		    auth_session_delete(r->w->store, cookie) < 0 && web_store_busy(r->w))
			return WEB_BUSY;
	}
	{
		char *gone = xasprintf("%s=; Path=%s; HttpOnly; SameSite=Strict; Max-Age=0",
				       r->w->cookie, cookie_path(r->w));

		web_add_header(r, "Set-Cookie", gone);
		free(gone);
		/* and one an older sluice set at the host's root */
		if (r->w->root_len > 0) {
			gone = xasprintf("%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
					 r->w->cookie);
			web_add_header(r, "Set-Cookie", gone);
			free(gone);
		}
	}
	web_redirect(r, "/login");
	return WEB_DONE;
}
