/*
 * aws_creds.h: where AWS credentials, region and endpoint come from.
 *
 * The standard chain: explicit keys in the connection; the connection's
 * profile; AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN;
 * AWS_PROFILE (or "default") from ~/.aws/credentials and ~/.aws/config
 * (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), where a profile may
 * assume a role (role_arn + source_profile or credential_source, with
 * external_id, role_session_name, duration_seconds) through STS; then
 * IMDSv2 instance credentials (AWS_EC2_METADATA_SERVICE_ENDPOINT, off with
 * AWS_EC2_METADATA_DISABLED=true). A connection's role_arn is assumed on
 * top of whichever of these gave the base credentials.
 *
 * Providers are cached for the life of the process, keyed by what they
 * are, so temporary credentials are fetched once and refreshed five
 * minutes before they expire, not once per call.
 */
#ifndef SLUICE_AWS_CREDS_H
#define SLUICE_AWS_CREDS_H

#include <stdint.h>

#include <jansson.h>

#include "base/util.h"

struct event_base;
struct aws_creds_provider;
struct aws_creds_wait;

struct aws_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;		/* NULL for long-term keys */
	int64_t expires_ms;		/* 0: never */
};

/* What a client for one service needs. */
struct aws_settings {
	char *region;
	char *endpoint_url;		/* NULL: AWS's own endpoint */
	char *source;			/* "env", "profile etl", ...: no secrets */
	struct aws_creds_provider *creds; /* cached for the process */
};

int aws_settings_resolve(const json_t *conn, const char *service,
			 struct aws_settings *out, struct sl_err *err);
void aws_settings_free(struct aws_settings *s);

/* Credentials usable now without I/O (not expiring within 5 minutes), or
 * NULL. Valid until the next refresh of p. */
const struct aws_creds *aws_creds_current(struct aws_creds_provider *p);

/* err is NULL on success (then creds are current). */
typedef void (*aws_creds_fn)(void *arg, const struct aws_creds *creds,
			     const struct sl_err *err);
/* Fetch credentials (STS, IMDS) on base; cb from a later loop iteration. */
struct aws_creds_wait *aws_creds_refresh(struct aws_creds_provider *p,
					 struct event_base *base,
					 aws_creds_fn cb, void *arg);
void aws_creds_wait_cancel(struct aws_creds_wait *w);
/* Forget cached temporary credentials (after ExpiredToken). Returns 1 if
 * the provider can fetch new ones, 0 for fixed keys. */
int aws_creds_invalidate(struct aws_creds_provider *p);

/* A provider for fixed keys (tests, and explicit connection keys). */
struct aws_creds_provider *aws_creds_static(const char *access_key_id,
					    const char *secret_access_key,
					    const char *session_token);

#endif
