/* aws_creds.c: the credential chain, shared config files, and the cached
 * providers that fetch temporary credentials (STS AssumeRole, IMDSv2).
 * Past 800 lines on purpose: the chain's steps resolve one another
 * (a role's source profile is itself a chain step) through one cache. */
#include "operators/aws_creds.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/text.h"
#include "operators/aws_client.h"
#include "operators/aws_http.h"
#include "operators/aws_sigv4.h"
#include "operators/aws_xml.h"

/* Temporary credentials are replaced this long before they expire. */
#define CREDS_REFRESH_MARGIN_MS (5 * 60 * 1000)
/* source_profile chains longer than this are a loop. */
#define PROFILE_MAX_DEPTH 8
#define CONFIG_FILE_LIMIT (1u << 20)

enum provider_kind { PROVIDER_STATIC, PROVIDER_ASSUME_ROLE, PROVIDER_IMDS };

struct aws_creds_wait {
	struct aws_creds_provider *p;
	struct event_base *base;
	struct event *ev;	/* deferred answer when nothing is fetched */
	aws_creds_fn cb;
	void *arg;
	struct aws_creds_wait *next;
};

struct aws_creds_provider {
	char *cache_key;
	enum provider_kind kind;
	struct aws_creds creds;
	int have;
	/* assume role */
	struct aws_creds_provider *source;
	char *role_arn, *external_id, *session_name, *region, *sts_endpoint;
	int duration_s;
	struct aws_client *sts;
	struct aws_call *sts_call;
	/* IMDS */
	char *imds_endpoint;
	char *imds_token, *imds_role;
	struct aws_http_xfer *imds_xfer;
	int imds_step;
	/* a fetch in flight, and who waits for it */
	int fetching;
	struct aws_creds_wait *waiters;
	struct aws_creds_provider *next;
};

static struct aws_creds_provider *providers;

static void
creds_clear(struct aws_creds *c)
{
	if (c->secret_access_key != NULL)
		explicit_bzero(c->secret_access_key, strlen(c->secret_access_key));
	if (c->session_token != NULL)
		explicit_bzero(c->session_token, strlen(c->session_token));
	free(c->access_key_id);
	free(c->secret_access_key);
	free(c->session_token);
	memset(c, 0, sizeof *c);
}

/* ---- shared config files (INI) ---- */

struct ini_entry {
	char *section;
	char *key;
	char *value;
};

struct ini {
	struct ini_entry *e;
	size_t n, cap;
	int loaded;
};

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Parse an AWS shared config/credentials file; a missing file is empty. */
static int
ini_load(struct ini *ini, const char *path, struct sl_err *err)
{
	char *data, *line, *next, *section = NULL;
	size_t len;
	struct sl_err rerr;
	int lineno = 0;

	memset(ini, 0, sizeof *ini);
	if (access(path, F_OK) != 0)
		return 0;
	if (sl_read_file(path, CONFIG_FILE_LIMIT, &data, &len, &rerr) < 0)
		return sl_err_set(err, "%s", rerr.msg);
	ini->loaded = 1;
	for (line = data; line != NULL && *line; line = next) {
		char *eq, *s;

		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');

			if (close == NULL) {
				free(section);
				free(data);
				return sl_err_at(err, path, lineno, 1,
						 "section header without ']'");
			}
			*close = '\0';
			free(section);
			section = xstrdup(trim(s + 1));
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL || section == NULL)
			continue;	/* nested sub-options: not used here */
		*eq = '\0';
		SL_GROW(ini->e, ini->cap, ini->n + 1);
		ini->e[ini->n].section = xstrdup(section);
		ini->e[ini->n].key = xstrdup(trim(s));
		ini->e[ini->n].value = xstrdup(trim(eq + 1));
		ini->n++;
	}
	free(section);
	explicit_bzero(data, len);
	free(data);
	return 0;
}

static void
ini_free(struct ini *ini)
{
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->e[i].section);
		free(ini->e[i].key);
		explicit_bzero(ini->e[i].value, strlen(ini->e[i].value));
		free(ini->e[i].value);
	}
	free(ini->e);
	memset(ini, 0, sizeof *ini);
}

static const char *
ini_get(const struct ini *ini, const char *section, const char *key)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].section, section) == 0 &&
		    strcmp(ini->e[i].key, key) == 0)
			return ini->e[i].value;
	return NULL;
}

static int
ini_has_section(const struct ini *ini, const char *section)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].section, section) == 0)
			return 1;
	return 0;
}

struct profiles {
	struct ini credentials;
	struct ini config;
	char *credentials_path;
	char *config_path;
};

static char *
home_file(const char *env, const char *name)
{
	const char *v = getenv(env), *home = getenv("HOME");

	if (v != NULL && *v != '\0')
		return xstrdup(v);
	return xasprintf("%s/.aws/%s", home ? home : "", name);
}

static int
profiles_load(struct profiles *p, struct sl_err *err)
{
	memset(p, 0, sizeof *p);
	p->credentials_path = home_file("AWS_SHARED_CREDENTIALS_FILE",
					"credentials");
	p->config_path = home_file("AWS_CONFIG_FILE", "config");
	if (ini_load(&p->credentials, p->credentials_path, err) < 0 ||
	    ini_load(&p->config, p->config_path, err) < 0)
		return -1;
	return 0;
}

static void
profiles_free(struct profiles *p)
{
	ini_free(&p->credentials);
	ini_free(&p->config);
	free(p->credentials_path);
	free(p->config_path);
}

/* A profile's key: the credentials file's [name] first, then the config
 * file's [profile name] ([default] for the default profile). */
static const char *
profile_get(const struct profiles *p, const char *name, const char *key)
{
	const char *v = ini_get(&p->credentials, name, key);
	char section[256];

	if (v != NULL)
		return v;
	if (strcmp(name, "default") == 0)
		v = ini_get(&p->config, "default", key);
	if (v == NULL) {
		snprintf(section, sizeof section, "profile %s", name);
		v = ini_get(&p->config, section, key);
	}
	return v;
}

static int
profile_exists(const struct profiles *p, const char *name)
{
	char section[256];

	snprintf(section, sizeof section, "profile %s", name);
	return ini_has_section(&p->credentials, name) ||
	       ini_has_section(&p->config, section) ||
	       (strcmp(name, "default") == 0 &&
		ini_has_section(&p->config, "default"));
}

/* ---- providers ---- */

static struct aws_creds_provider *
provider_find(const char *key)
{
	for (struct aws_creds_provider *p = providers; p; p = p->next)
		if (strcmp(p->cache_key, key) == 0)
			return p;
	return NULL;
}

static struct aws_creds_provider *
provider_add(char *key, enum provider_kind kind)
{
	struct aws_creds_provider *p = xcalloc(1, sizeof *p);

	p->cache_key = key;
	p->kind = kind;
	p->next = providers;
	providers = p;
	return p;
}

struct aws_creds_provider *
aws_creds_static(const char *access_key_id, const char *secret_access_key,
		 const char *session_token)
{
	struct aws_creds_provider *p;
	char hash[65];
	char *material, *key;

	/* Keyed by a hash, so the cache key itself holds no secret. */
	material = xasprintf("%s\n%s\n%s", access_key_id, secret_access_key,
			     session_token ? session_token : "");
	aws_sha256_hex(material, strlen(material), hash);
	explicit_bzero(material, strlen(material));
	free(material);
	key = xasprintf("static|%s|%s", access_key_id, hash);
	if ((p = provider_find(key)) != NULL) {
		free(key);
		return p;
	}
	p = provider_add(key, PROVIDER_STATIC);
	p->creds.access_key_id = xstrdup(access_key_id);
	p->creds.secret_access_key = xstrdup(secret_access_key);
	p->creds.session_token = session_token && *session_token
				 ? xstrdup(session_token) : NULL;
	p->have = 1;
	return p;
}

static const char *
env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static char *
sts_endpoint(void)
{
	const char *e = env_nonempty("AWS_ENDPOINT_URL_STS");

	if (e == NULL)
		e = env_nonempty("AWS_ENDPOINT_URL");
	return e ? xstrdup(e) : NULL;
}

static struct aws_creds_provider *
provider_assume_role(struct aws_creds_provider *source, const char *role_arn,
		     const char *external_id, const char *session_name,
		     int duration_s, const char *region)
{
	struct aws_creds_provider *p;
	char *ep = sts_endpoint();
	char *key = xasprintf("role|%s|%s|%s|%d|%s|%s|%s", role_arn,
			      external_id ? external_id : "",
			      session_name ? session_name : "", duration_s,
			      region, ep ? ep : "", source->cache_key);

	if ((p = provider_find(key)) != NULL) {
		free(key);
		free(ep);
		return p;
	}
	p = provider_add(key, PROVIDER_ASSUME_ROLE);
	p->source = source;
	p->role_arn = xstrdup(role_arn);
	p->external_id = external_id ? xstrdup(external_id) : NULL;
	p->session_name = xstrdup(session_name ? session_name : "sluice");
	p->duration_s = duration_s;
	p->region = xstrdup(region);
	p->sts_endpoint = ep;
	return p;
}

static struct aws_creds_provider *
provider_imds(void)
{
	const char *ep = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	struct aws_creds_provider *p;
	char *key;

	if (ep == NULL)
		ep = "http://169.254.169.254";
	key = xasprintf("imds|%s", ep);
	if ((p = provider_find(key)) != NULL) {
		free(key);
		return p;
	}
	p = provider_add(key, PROVIDER_IMDS);
	p->imds_endpoint = xstrdup(ep);
	if (sl_str_ends(p->imds_endpoint, "/"))
		p->imds_endpoint[strlen(p->imds_endpoint) - 1] = '\0';
	return p;
}

static int
imds_disabled(void)
{
	const char *v = getenv("AWS_EC2_METADATA_DISABLED");

	return v != NULL && strcasecmp(v, "true") == 0;
}

static int
parse_duration_s(const char *v, int *out, const char *where,
		 struct sl_err *err)
{
	long long n;

	*out = 0;
	if (v == NULL)
		return 0;
	if (sl_parse_int(v, 900, 43200, &n) < 0)
		return sl_err_set(err, "%s: duration_seconds '%s' is not "
				  "between 900 and 43200", where, v);
	*out = (int)n;
	return 0;
}

/* The provider a named profile describes. */
static int
profile_provider(const struct profiles *pf, const char *name,
		 const char *region, int depth,
		 struct aws_creds_provider **out, struct sl_err *err)
{
	const char *role = profile_get(pf, name, "role_arn");
	const char *src = profile_get(pf, name, "source_profile");
	const char *credsrc = profile_get(pf, name, "credential_source");
	const char *akid = profile_get(pf, name, "aws_access_key_id");
	const char *secret = profile_get(pf, name, "aws_secret_access_key");
	struct aws_creds_provider *base = NULL;
	int duration;

	if (depth > PROFILE_MAX_DEPTH)
		return sl_err_set(err, "AWS profile '%s': source_profile "
				  "chain too long (a loop?)", name);
	if (!profile_exists(pf, name))
		return sl_err_set(err, "AWS profile '%s' not found in %s or %s",
				  name, pf->credentials_path, pf->config_path);
	if (role == NULL) {
		if (akid == NULL || secret == NULL)
			return sl_err_set(err, "AWS profile '%s' has neither "
			    "aws_access_key_id/aws_secret_access_key nor "
			    "role_arn", name);
		*out = aws_creds_static(akid, secret,
		    profile_get(pf, name, "aws_session_token"));
		return 0;
	}
	if (src != NULL) {
		if (strcmp(src, name) == 0) {
			if (akid == NULL || secret == NULL)
				return sl_err_set(err, "AWS profile '%s' is "
				    "its own source_profile but has no keys",
				    name);
			base = aws_creds_static(akid, secret,
			    profile_get(pf, name, "aws_session_token"));
		} else if (profile_provider(pf, src, region, depth + 1, &base,
					    err) < 0) {
			return -1;
		}
	} else if (credsrc != NULL) {
		if (strcmp(credsrc, "Environment") == 0) {
			const char *k = env_nonempty("AWS_ACCESS_KEY_ID");
			const char *s = env_nonempty("AWS_SECRET_ACCESS_KEY");

			if (k == NULL || s == NULL)
				return sl_err_set(err, "AWS profile '%s': "
				    "credential_source Environment but "
				    "AWS_ACCESS_KEY_ID is not set", name);
			base = aws_creds_static(k, s,
			    env_nonempty("AWS_SESSION_TOKEN"));
		} else if (strcmp(credsrc, "Ec2InstanceMetadata") == 0) {
			base = provider_imds();
		} else {
			return sl_err_set(err, "AWS profile '%s': "
			    "credential_source '%s' is not supported (use "
			    "Environment or Ec2InstanceMetadata)", name,
			    credsrc);
		}
	} else {
		return sl_err_set(err, "AWS profile '%s' has role_arn but "
				  "neither source_profile nor "
				  "credential_source", name);
	}
	if (parse_duration_s(profile_get(pf, name, "duration_seconds"),
			     &duration, name, err) < 0)
		return -1;
	*out = provider_assume_role(base, role,
	    profile_get(pf, name, "external_id"),
	    profile_get(pf, name, "role_session_name"), duration, region);
	return 0;
}

static const char *
conn_str(const json_t *conn, const char *key)
{
	const char *v = json_string_value(json_object_get(conn, key));

	return v != NULL && *v != '\0' ? v : NULL;
}

/* The keys an AWS connection takes (operators/AWS.md); each may also be
 * written KEY_env, naming the environment variable that holds it. */
static const char *const aws_conn_keys[] = {
	"profile", "region", "role_arn", "external_id", "role_session_name",
	"duration_seconds", "endpoint_url", "access_key_id",
	"secret_access_key", "session_token", NULL
};

static int
aws_conn_key_known(const char *key)
{
	size_t n = strlen(key);

	if (strcmp(key, "type") == 0 || strcmp(key, "name") == 0)
		return 1;
	for (size_t i = 0; aws_conn_keys[i] != NULL; i++) {
		size_t kn = strlen(aws_conn_keys[i]);

		if (strcmp(key, aws_conn_keys[i]) == 0 ||
		    (n == kn + 4 && strncmp(key, aws_conn_keys[i], kn) == 0 &&
		     strcmp(key + kn, "_env") == 0))
			return 1;
	}
	return 0;
}

/* A key of an AWS connection (type aws, or none) that sluice does not
 * read is an error: a typo'd access_key_id would otherwise be ignored
 * and other credentials used, or none found, without a word. The key
 * is named only when it looks like one (never a value pasted as a key). */
static int
aws_conn_check_keys(const json_t *conn, struct sl_err *err)
{
	const char *type = json_string_value(json_object_get(conn, "type"));
	const char *name = json_string_value(json_object_get(conn, "name"));
	const char *key;
	json_t *v;

	if (type != NULL && strcmp(type, "aws") != 0)
		return 0;
	json_object_foreach((json_t *)conn, key, v) {
		struct text_near near;
		char hint[96], keys[256], envname[300];
		size_t off = 0, kl = strlen(key), i;
		int plain = kl > 0 && kl <= 40;

		if (aws_conn_key_known(key))
			continue;
		for (i = 0; plain && i < kl; i++)
			if (!islower((unsigned char)key[i]) &&
			    !isdigit((unsigned char)key[i]) && key[i] != '_')
				plain = 0;
		text_near_init(&near, key);
		keys[0] = '\0';
		for (i = 0; aws_conn_keys[i] != NULL; i++) {
			text_near_add(&near, aws_conn_keys[i]);
			if (off < sizeof keys)
				off += (size_t)snprintf(keys + off, sizeof keys - off,
							"%s%s", i ? ", " : "",
							aws_conn_keys[i]);
		}
		snprintf(envname, sizeof envname, "SLUICE_CONN_%s",
			 name != NULL ? name : "NAME");
		for (i = 12; envname[i] != '\0'; i++)
			envname[i] = (char)toupper((unsigned char)envname[i]);
		return sl_err_set(err,
				  "AWS connection '%s' (connections: in sluice.yaml, or %s): "
				  "unknown key %s%s%s (%skeys: %s, each also as KEY_env)",
				  name != NULL ? name : "?", envname,
				  plain ? "'" : "", plain ? key : "(not shown)",
				  plain ? "'" : "",
				  strcmp(key, "url") == 0
				  ? "an AWS connection is a mapping of these keys, not a URL; "
				  : text_hint(plain ? text_near_best(&near) : NULL,
					      hint, sizeof hint),
				  keys);
	}
	return 0;
}

static const char *
service_env_name(const char *service)
{
	if (strcmp(service, "s3") == 0)
		return "AWS_ENDPOINT_URL_S3";
	if (strcmp(service, "glue") == 0)
		return "AWS_ENDPOINT_URL_GLUE";
	if (strcmp(service, "emr") == 0)
		return "AWS_ENDPOINT_URL_EMR";
	if (strcmp(service, "sts") == 0)
		return "AWS_ENDPOINT_URL_STS";
	if (strcmp(service, "athena") == 0)
		return "AWS_ENDPOINT_URL_ATHENA";
	if (strcmp(service, "lambda") == 0)
		return "AWS_ENDPOINT_URL_LAMBDA";
	return NULL;
}

int
aws_settings_resolve(const json_t *conn, const char *service,
		     struct aws_settings *out, struct sl_err *err)
{
	struct profiles pf;
	const char *profile = conn_str(conn, "profile");
	const char *region = conn_str(conn, "region");
	const char *endpoint = conn_str(conn, "endpoint_url");
	const char *role = conn_str(conn, "role_arn");
	const char *env_profile = env_nonempty("AWS_PROFILE");
	const char *region_profile, *envname = service_env_name(service);
	struct aws_creds_provider *base = NULL;
	char *source = NULL;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (aws_conn_check_keys(conn, err) < 0)
		return -1;
	if (profiles_load(&pf, err) < 0)
		goto out;

	/* Region: connection, environment, profile, then us-east-1. */
	region_profile = profile ? profile : env_profile ? env_profile
							  : "default";
	if (region == NULL)
		region = env_nonempty("AWS_REGION");
	if (region == NULL)
		region = env_nonempty("AWS_DEFAULT_REGION");
	if (region == NULL)
		region = profile_get(&pf, region_profile, "region");
	if (region == NULL)
		region = "us-east-1";
	/* it goes into the host name and the signature's scope: a blank or
	 * a slash there made "bad AWS endpoint URL" of a typo'd region */
	if (strspn(region, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789-_.") != strlen(region)) {
		sl_err_set(err, "AWS region '%s' (from %s) is not a region name "
			   "such as us-east-1", region,
			   region == conn_str(conn, "region") ? "the connection's region"
			   : region == env_nonempty("AWS_REGION") ? "AWS_REGION"
			   : region == env_nonempty("AWS_DEFAULT_REGION")
			   ? "AWS_DEFAULT_REGION" : "the profile's region");
		goto out;
	}

	if (endpoint == NULL && envname != NULL)
		endpoint = env_nonempty(envname);
	if (endpoint == NULL)
		endpoint = env_nonempty("AWS_ENDPOINT_URL");
	if (endpoint == NULL)
		endpoint = profile_get(&pf, region_profile, "endpoint_url");

	/* Base credentials, in the standard order. */
	if (conn_str(conn, "access_key_id") != NULL) {
		if (conn_str(conn, "secret_access_key") == NULL) {
			sl_err_set(err, "AWS connection has access_key_id "
				   "but no secret_access_key");
			goto out;
		}
		base = aws_creds_static(conn_str(conn, "access_key_id"),
					conn_str(conn, "secret_access_key"),
					conn_str(conn, "session_token"));
		source = xstrdup("connection keys");
	} else if (profile != NULL) {
		if (profile_provider(&pf, profile, region, 0, &base, err) < 0)
			goto out;
		source = xasprintf("profile %s", profile);
	} else if (env_nonempty("AWS_ACCESS_KEY_ID") &&
		   env_nonempty("AWS_SECRET_ACCESS_KEY")) {
		base = aws_creds_static(getenv("AWS_ACCESS_KEY_ID"),
					getenv("AWS_SECRET_ACCESS_KEY"),
					env_nonempty("AWS_SESSION_TOKEN"));
		source = xstrdup("environment");
	} else if (env_profile != NULL) {
		if (profile_provider(&pf, env_profile, region, 0, &base,
				     err) < 0)
			goto out;
		source = xasprintf("profile %s (AWS_PROFILE)", env_profile);
	} else if (profile_exists(&pf, "default") &&
		   (profile_get(&pf, "default", "aws_access_key_id") ||
		    profile_get(&pf, "default", "role_arn"))) {
		if (profile_provider(&pf, "default", region, 0, &base, err) < 0)
			goto out;
		source = xstrdup("profile default");
	} else if (!imds_disabled()) {
		base = provider_imds();
		source = xstrdup("instance metadata (IMDSv2)");
	} else {
		sl_err_set(err, "no AWS credentials: set AWS_ACCESS_KEY_ID/"
			   "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a profile in "
			   "%s, or the connection's keys", pf.credentials_path);
		goto out;
	}
	if (role != NULL) {
		const char *dur = conn_str(conn, "duration_seconds");
		json_t *djson = json_object_get(conn, "duration_seconds");
		int duration = 0;
		char dbuf[32];

		if (json_is_integer(djson)) {
			snprintf(dbuf, sizeof dbuf, "%lld",
				 (long long)json_integer_value(djson));
			dur = dbuf;
		}
		if (parse_duration_s(dur, &duration, "connection", err) < 0)
			goto out;
		base = provider_assume_role(base, role,
					    conn_str(conn, "external_id"),
					    conn_str(conn, "role_session_name"),
					    duration, region);
		char *s = xasprintf("%s, then role %s", source, role);
		free(source);
		source = s;
	}
	out->region = xstrdup(region);
	out->endpoint_url = endpoint ? xstrdup(endpoint) : NULL;
	out->creds = base;
	out->source = source;
	source = NULL;
	rc = 0;
out:
	free(source);
	profiles_free(&pf);
	return rc;
}

void
aws_settings_free(struct aws_settings *s)
{
	free(s->region);
	free(s->endpoint_url);
	free(s->source);
	memset(s, 0, sizeof *s);
}

/* ---- fetching temporary credentials ---- */

const struct aws_creds *
aws_creds_current(struct aws_creds_provider *p)
{
	if (!p->have)
		return NULL;
	if (p->creds.expires_ms != 0 &&
	    p->creds.expires_ms - CREDS_REFRESH_MARGIN_MS <= aws_clock_ms())
		return NULL;
	return &p->creds;
}

int
aws_creds_invalidate(struct aws_creds_provider *p)
{
	if (p->kind == PROVIDER_STATIC)
		return 0;
	if (!p->fetching) {
		creds_clear(&p->creds);
		p->have = 0;
	}
	return 1;
}

/* Tell every waiter; err NULL means p->creds are fresh. */
static void
provider_finish(struct aws_creds_provider *p, const struct sl_err *err)
{
	struct aws_creds_wait *w = p->waiters;

	p->fetching = 0;
	p->waiters = NULL;
	while (w != NULL) {
		struct aws_creds_wait *next = w->next;

		w->cb(w->arg, err ? NULL : &p->creds, err);
		if (w->ev != NULL)
			event_free(w->ev);
		free(w);
		w = next;
	}
}

/* "2024-01-01T12:00:00Z" (fractions allowed) → ms since the epoch. */
static int
parse_iso8601(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int n = 0;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year,
				&tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
				&tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

static int
set_creds(struct aws_creds_provider *p, const char *akid, const char *secret,
	  const char *token, const char *expiration, const char *what,
	  struct sl_err *err)
{
	int64_t exp = 0;

	if (akid == NULL || secret == NULL || token == NULL)
		return sl_err_set(err, "%s: answer has no credentials", what);
	if (expiration != NULL && parse_iso8601(expiration, &exp) < 0)
		return sl_err_set(err, "%s: bad Expiration '%s'", what,
				  expiration);
	creds_clear(&p->creds);
	p->creds.access_key_id = xstrdup(akid);
	p->creds.secret_access_key = xstrdup(secret);
	p->creds.session_token = xstrdup(token);
	p->creds.expires_ms = exp;
	p->have = 1;
	return 0;
}

static void
on_assume_role(void *arg, const struct aws_reply *r, const struct sl_err *err)
{
	struct aws_creds_provider *p = arg;
	struct sl_err e;
	char *akid, *secret, *token, *exp;

	p->sts_call = NULL;
	if (err != NULL) {
		sl_err_set(&e, "%s", err->msg);
		provider_finish(p, &e);
		return;
	}
	akid = aws_xml_find(r->body, r->body_len, "Credentials/AccessKeyId");
	secret = aws_xml_find(r->body, r->body_len,
			      "Credentials/SecretAccessKey");
	token = aws_xml_find(r->body, r->body_len, "Credentials/SessionToken");
	exp = aws_xml_find(r->body, r->body_len, "Credentials/Expiration");
	if (set_creds(p, akid, secret, token, exp, "STS AssumeRole", &e) < 0)
		provider_finish(p, &e);
	else
		provider_finish(p, NULL);
	free(akid);
	if (secret)
		explicit_bzero(secret, strlen(secret));
	free(secret);
	if (token)
		explicit_bzero(token, strlen(token));
	free(token);
	free(exp);
}

static void
assume_role_start(struct aws_creds_provider *p, struct event_base *base)
{
	struct buf body;
	struct aws_call_opts o = { 0 };
	char what[512];

	if (p->sts == NULL)
		p->sts = aws_client_with("sts", p->region, p->sts_endpoint,
					 p->source);
	buf_init(&body, 0);
	buf_adds(&body, "Action=AssumeRole&Version=2011-06-15&RoleArn=");
	aws_uri_encode(&body, p->role_arn, 0);
	buf_adds(&body, "&RoleSessionName=");
	aws_uri_encode(&body, p->session_name, 0);
	if (p->external_id != NULL) {
		buf_adds(&body, "&ExternalId=");
		aws_uri_encode(&body, p->external_id, 0);
	}
	if (p->duration_s > 0)
		buf_printf(&body, "&DurationSeconds=%d", p->duration_s);
	snprintf(what, sizeof what, "STS AssumeRole %s", p->role_arn);
	o.method = "POST";
	o.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	o.body = body.data;
	o.body_len = body.len;
	o.what = what;
	p->sts_call = aws_call_start(p->sts, base, &o, on_assume_role, p);
	buf_free(&body);
}

static void imds_next(struct aws_creds_provider *p, struct event_base *base);

struct imds_ctx {
	struct aws_creds_provider *p;
	struct event_base *base;
};

static void
on_imds(void *arg, const struct aws_http_result *res)
{
	struct imds_ctx *ctx = arg;
	struct aws_creds_provider *p = ctx->p;
	struct event_base *base = ctx->base;
	struct sl_err e;

	free(ctx);
	p->imds_xfer = NULL;
	if (res->curl_code != 0 || res->status != 200) {
		sl_err_set(&e, "instance metadata (IMDSv2) at %s: %s",
			   p->imds_endpoint, res->curl_code
			   ? res->curl_error : res->status == 404
			   ? "no IAM role attached" : "unexpected answer");
		if (res->curl_code == 0)
			snprintf(e.msg + strlen(e.msg),
				 sizeof e.msg - strlen(e.msg), " (HTTP %ld)",
				 res->status);
		provider_finish(p, &e);
		return;
	}
	if (p->imds_step == 0) {
		free(p->imds_token);
		p->imds_token = xstrndup(res->body, res->body_len);
	} else if (p->imds_step == 1) {
		char *nl;

		free(p->imds_role);
		p->imds_role = xstrndup(res->body, res->body_len);
		if ((nl = strchr(p->imds_role, '\n')) != NULL)
			*nl = '\0';
	} else {
		json_t *j = json_loadb(res->body, res->body_len, 0, NULL);
		const char *code = json_string_value(json_object_get(j, "Code"));

		if (j == NULL || (code != NULL && strcmp(code, "Success") != 0))
			sl_err_set(&e, "instance metadata: credentials "
				   "answer %s", code ? code : "is not JSON");
		else
			set_creds(p,
			    json_string_value(json_object_get(j, "AccessKeyId")),
			    json_string_value(json_object_get(j,
						"SecretAccessKey")),
			    json_string_value(json_object_get(j, "Token")),
			    json_string_value(json_object_get(j, "Expiration")),
			    "instance metadata", &e);
		json_decref(j);
		provider_finish(p, p->have ? NULL : &e);
		return;
	}
	p->imds_step++;
	imds_next(p, base);
}

/* IMDSv2: PUT a session token, GET the role's name, GET its credentials. */
static void
imds_next(struct aws_creds_provider *p, struct event_base *base)
{
	struct aws_http_request hr = { 0 };
	struct imds_ctx *ctx = xcalloc(1, sizeof *ctx);
	const char *headers[2] = { NULL, NULL };
	char *url, *hdr = NULL;

	ctx->p = p;
	ctx->base = base;
	hr.connect_timeout_ms = 1000;
	hr.timeout_ms = 2000;
	if (p->imds_step == 0) {
		url = xasprintf("%s/latest/api/token", p->imds_endpoint);
		hr.method = "PUT";
		headers[0] = "X-aws-ec2-metadata-token-ttl-seconds: 21600";
	} else {
		if (p->imds_step == 1)
			url = xasprintf("%s/latest/meta-data/iam/"
					"security-credentials/",
					p->imds_endpoint);
		else
			url = xasprintf("%s/latest/meta-data/iam/"
					"security-credentials/%s",
					p->imds_endpoint, p->imds_role);
		hr.method = "GET";
		hdr = xasprintf("X-aws-ec2-metadata-token: %s", p->imds_token);
		headers[0] = hdr;
	}
	hr.url = url;
	hr.headers = headers;
	p->imds_xfer = aws_http_start(base, &hr, on_imds, ctx);
	free(url);
	free(hdr);
}

static void
on_wait_ready(evutil_socket_t fd, short what, void *arg)
{
	struct aws_creds_wait *w = arg, **pp;
	struct aws_creds_provider *p = w->p;
	const struct aws_creds *c = aws_creds_current(p);
	struct sl_err e;

	/* This wait was answered without a fetch: unlink it and answer. */
	for (pp = &p->waiters; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	if (c == NULL)
		sl_err_set(&e, "AWS credentials expired and cannot be renewed");
	w->cb(w->arg, c, c ? NULL : &e);
	event_free(w->ev);
	free(w);
}

struct aws_creds_wait *
aws_creds_refresh(struct aws_creds_provider *p, struct event_base *base,
		  aws_creds_fn cb, void *arg)
{
	struct aws_creds_wait *w = xcalloc(1, sizeof *w);

	w->p = p;
	w->base = base;
	w->cb = cb;
	w->arg = arg;
	w->next = p->waiters;
	p->waiters = w;
	if (p->fetching)
		return w;
	if (p->kind == PROVIDER_STATIC || aws_creds_current(p) != NULL) {
		w->ev = event_new(base, -1, 0, on_wait_ready, w);
		event_active(w->ev, 0, 0);
		return w;
	}
	p->fetching = 1;
	if (p->kind == PROVIDER_ASSUME_ROLE) {
		assume_role_start(p, base);
	} else {
		p->imds_step = 0;
		imds_next(p, base);
	}
	return w;
}

void
aws_creds_wait_cancel(struct aws_creds_wait *w)
{
	struct aws_creds_wait **pp;

	if (w == NULL)
		return;
	/* The fetch goes on for the other waiters, and for the cache. */
	for (pp = &w->p->waiters; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	if (w->ev != NULL)
		event_free(w->ev);
	free(w);
}
