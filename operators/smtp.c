/* smtp.c: send a message over SMTP with libcurl, with retries (see smtp.h). */
#include "operators/smtp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/lazylib.h"

#define SMTP_CONNECT_TIMEOUT_MS 10000

/* The message being uploaded. */
struct smtp_upload {
	const char *data;
	size_t len;
	size_t off;
};

/* The server's reply that explains a failure: the last 4xx/5xx line, else
 * the last line, kept from libcurl's debug stream (after a failure libcurl
 * still sends QUIT, whose "221 Bye" must not hide the refusal). Only
 * incoming lines are looked at: outgoing ones hold the AUTH secret. */
struct smtp_reply {
	char line[512];
	int is_error;		/* line holds a 4xx/5xx reply */
};

static size_t
smtp_read_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct smtp_upload *up = arg;
	size_t n = SL_MIN(size * nmemb, up->len - up->off);

	memcpy(ptr, up->data + up->off, n);
	up->off += n;
	return n;
}

static int
smtp_debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
	      void *arg)
{
	struct smtp_reply *reply = arg;
	size_t n = size;

	(void)h;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	if (n == 0)
		return 0;
	if (reply->is_error && !(data[0] == '4' || data[0] == '5'))
		return 0;
	n = SL_MIN(n, sizeof reply->line - 1);
	memcpy(reply->line, data, n);
	reply->line[n] = '\0';
	reply->is_error = data[0] == '4' || data[0] == '5';
	/* keep the line printable in logs */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)reply->line[i] < 0x20 ||
		    (unsigned char)reply->line[i] == 0x7f)
			reply->line[i] = '?';
	return 0;
}

const char *
smtp_url_redacted(const char *url, char *out, size_t n)
{
	const char *scheme_end = strstr(url, "://");
	const char *host, *at, *slash;

	if (scheme_end == NULL) {
		snprintf(out, n, "%s", url);
		return out;
	}
	host = scheme_end + 3;
	slash = strchr(host, '/');
	at = strchr(host, '@');
	if (at != NULL && (slash == NULL || at < slash))
		snprintf(out, n, "%.*s%s", (int)(host - url), url, at + 1);
	else
		snprintf(out, n, "%s", url);
	return out;
}

/* The 3-digit code at the start of a reply line, or 0. */
static int
reply_code(const char *line)
{
	if (line[0] >= '2' && line[0] <= '5' &&
	    line[1] >= '0' && line[1] <= '9' && line[2] >= '0' && line[2] <= '9')
		return (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
	return 0;
}

/* May a later attempt succeed where this one failed? */
static int
smtp_transient(CURLcode rc, int code)
{
	if (code >= 500)
		return 0;
	if (code >= 400)
		return 1;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
		return 1;
	default:
		return 0;
	}
}

static void
smtp_log(const struct smtp_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
smtp_log(const struct smtp_config *cfg, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (cfg->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	cfg->log(cfg->log_arg, line);
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* An address bound for MAIL FROM / RCPT TO: it must not be able to end
 * the command line or the <...> around it. */
static int
envelope_addr_check(const char *addr, struct sl_err *err)
{
	if (addr[0] == '\0' || strpbrk(addr, "\r\n<> ") != NULL)
		return sl_err_set(err, "invalid envelope address '%s'", addr);
	return 0;
}

/* One attempt. Returns the curl result; fills what (libcurl's detail)
 * and reply (the server's last line). */
static CURLcode
smtp_attempt(const struct smtp_config *cfg, const char *mail_from,
	     struct curl_slist *rcpt_list, const char *msg, size_t len,
	     char *what, struct smtp_reply *reply)
{
	struct smtp_upload up = { msg, len, 0 };
	int64_t timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms :
	    SMTP_DEFAULT_TIMEOUT_MS;
	char from[300];
	CURLcode rc;
	CURL *h;

	what[0] = '\0';
	reply->line[0] = '\0';
	reply->is_error = 0;
	h = curl_easy_init();
	if (h == NULL) {
		snprintf(what, CURL_ERROR_SIZE, "curl_easy_init failed");
		return CURLE_FAILED_INIT;
	}
	snprintf(from, sizeof from, "<%s>", mail_from);
	curl_easy_setopt(h, CURLOPT_URL, cfg->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS,
			 (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, what);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)SL_MIN(timeout, SMTP_CONNECT_TIMEOUT_MS));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt_list);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, smtp_read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	/* verbose only feeds the debug callback, which keeps server replies */
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, smtp_debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, reply);
	if (cfg->starttls && sl_str_starts(cfg->url, "smtp://"))
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->username != NULL && cfg->username[0] != '\0') {
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->username);
		curl_easy_setopt(h, CURLOPT_PASSWORD,
				 cfg->password != NULL ? cfg->password : "");
	}
	if (cfg->ca_file != NULL && cfg->ca_file[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	return rc;
}

int
smtp_send(const struct smtp_config *cfg, const char *mail_from,
	  char *const *rcpts, const char *msg, size_t len,
	  struct sl_err *err)
{
	struct curl_slist *rcpt_list = NULL;
	int tries = cfg->tries > 0 ? cfg->tries : SMTP_DEFAULT_TRIES;
	int64_t delay = cfg->retry_delay_ms > 0 ? cfg->retry_delay_ms :
	    SMTP_DEFAULT_RETRY_DELAY_MS;
	char url[512], what[CURL_ERROR_SIZE], after[32] = "";
	struct smtp_reply reply;
	CURLcode rc = CURLE_OK;
	int attempt, ret = -1;

	smtp_url_redacted(cfg->url != NULL ? cfg->url : "", url, sizeof url);
	if (cfg->url == NULL || (!sl_str_starts(cfg->url, "smtp://") &&
				 !sl_str_starts(cfg->url, "smtps://")))
		return sl_err_set(err, "SMTP url '%s' must start with smtp:// "
				  "or smtps://", url);
	if (envelope_addr_check(mail_from, err) < 0)
		return -1;
	if (rcpts == NULL || rcpts[0] == NULL)
		return sl_err_set(err, "no recipients");
	if (lazylib_load(LAZYLIB_CURL, err) < 0)
		return -1;
	for (size_t i = 0; rcpts[i] != NULL; i++) {
		char *item;

		if (envelope_addr_check(rcpts[i], err) < 0)
			goto out;
		item = xasprintf("<%s>", rcpts[i]);
		rcpt_list = curl_slist_append(rcpt_list, item);
		free(item);
		if (rcpt_list == NULL)
			sl_fatal("out of memory");
	}

	for (attempt = 1; attempt <= tries; attempt++) {
		int code;

		rc = smtp_attempt(cfg, mail_from, rcpt_list, msg, len, what,
				  &reply);
		if (rc == CURLE_OK) {
			ret = 0;
			goto out;
		}
		code = reply_code(reply.line);
		if (!smtp_transient(rc, code) || attempt == tries)
			break;
		smtp_log(cfg, "attempt %d of %d to %s failed: %s%s%s%s; "
			 "trying again in %lldms", attempt, tries, url,
			 curl_easy_strerror(rc), what[0] ? " (" : "", what,
			 what[0] ? ")" : "", (long long)delay);
		sleep_ms(delay);
		delay = SL_MIN(delay * 2, (int64_t)SMTP_MAX_RETRY_DELAY_MS);
	}
	if (attempt > 1)
		snprintf(after, sizeof after, " after %d attempts",
			 SL_MIN(attempt, tries));
	sl_err_set(err, "sending mail through %s failed%s: %s%s%s%s%s%s",
		   url, after, curl_easy_strerror(rc), what[0] ? " (" : "", what,
		   what[0] ? ")" : "", reply.line[0] ? "; server said: " : "",
		   reply.line);
out:
	curl_slist_free_all(rcpt_list);
	return ret;
}
