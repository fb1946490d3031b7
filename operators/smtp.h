/*
 * smtp.h: hand a rendered message to an SMTP server through libcurl.
 *
 * Blocking (libcurl easy): call it from a process of its own, such as
 * `sluice operator email`, never from the scheduler's event loop.
 *
 * One send is one connection: EHLO, optional STARTTLS, optional AUTH,
 * MAIL FROM, RCPT TO for every recipient, DATA. Failures that may pass
 * (no connection, a timeout, a dropped connection, a 4xx reply) are tried
 * again after a back-off that doubles each time; permanent ones (a 5xx
 * reply, AUTH refused, a certificate that does not verify, a server
 * without STARTTLS when it is required) fail at once. The error names the
 * server (without credentials) and quotes its last reply.
 */
#ifndef SLUICE_SMTP_H
#define SLUICE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

#define SMTP_DEFAULT_TRIES 4
#define SMTP_DEFAULT_RETRY_DELAY_MS 2000
#define SMTP_DEFAULT_TIMEOUT_MS 60000
#define SMTP_MAX_RETRY_DELAY_MS 60000	/* the doubled delay stops here */

/* Where and how to send. Strings are borrowed for the call. */
struct smtp_config {
	const char *url;	/* smtp://host[:port][/ehlo-name] or smtps://... */
	int starttls;		/* smtp:// only: upgrade with STARTTLS and refuse
				 * to send in the clear when the server cannot */
	const char *username;	/* AUTH when set */
	const char *password;
	const char *ca_file;	/* PEM CAs to verify the server with; NULL:
				 * the system's */
	int insecure;		/* do not verify the server's certificate */
	int tries;		/* attempts in all; <= 0: SMTP_DEFAULT_TRIES */
	int64_t retry_delay_ms;	/* first back-off; <= 0: the default */
	int64_t timeout_ms;	/* one attempt; <= 0: the default */
	/* Progress lines ("attempt 1 of 4 failed: ...; retrying in 2s"),
	 * for the task log. May be NULL. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/*
 * Send msg (len bytes, CRLF line ends, as mime_render() makes) from the
 * envelope sender mail_from to every address of rcpts (NULL-terminated,
 * bare addresses). Returns 0 once the server accepted the message.
 */
int smtp_send(const struct smtp_config *cfg, const char *mail_from,
	      char *const *rcpts, const char *msg, size_t len,
	      struct sl_err *err);

/* url with any "user:password@" removed, for messages; into out (size n). */
const char *smtp_url_redacted(const char *url, char *out, size_t n);

#endif
