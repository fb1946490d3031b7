/*
 * mime.h: build an Internet mail message (RFC 5322 + MIME) for sending
 * over SMTP or writing to the outbox.
 *
 * The message is described piece by piece on an opaque struct mime_msg,
 * then rendered once:
 *
 *   struct mime_msg *m = mime_new();
 *   if (mime_set_from(m, "Sluice <sluice@example.com>", &err) < 0 ||
 *       mime_add_rcpt(m, MIME_TO, "Data Eng <de@example.com>", &err) < 0 ||
 *       mime_set_subject(m, "Ünïcode ok", &err) < 0) ...
 *   mime_set_text(m, "plain body\n");
 *   mime_set_html(m, "<p>html body</p>");     (optional)
 *   mime_attach(m, "task.log", NULL, data, len, &err);  (optional)
 *   mime_render(m, 0, &out, &err);
 *
 * What it produces: Date, From, To, Cc, Subject, Message-ID, MIME-Version,
 * Auto-Submitted headers; text/plain (quoted-printable, UTF-8), with the
 * HTML as a multipart/alternative sibling when given, wrapped in
 * multipart/mixed with base64 attachments when there are any. Non-ASCII
 * subjects and display names become RFC 2047 encoded-words; non-ASCII
 * attachment names use RFC 2231. Lines end in CRLF and stay within 76
 * characters in bodies and (where the header allows a fold) 78 in headers.
 *
 * Header injection: every value that ends up in a header (addresses,
 * display names, subject, attachment names and types) is refused with an
 * error when it holds a CR or LF, so no caller can add a header line or
 * end the header block early. Bodies may hold anything.
 *
 * Every function copies its string arguments; the caller keeps ownership.
 */
#ifndef SLUICE_MIME_H
#define SLUICE_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

struct mime_msg;

enum mime_rcpt_kind {
	MIME_TO,
	MIME_CC,
	MIME_BCC,	/* envelope only; in the header only with with_bcc */
};

/* Largest attachment mime_attach() takes, and largest rendered message. */
#define MIME_ATTACH_MAX (10u * 1024 * 1024)
#define MIME_MESSAGE_MAX (30u * 1024 * 1024)

struct mime_msg *mime_new(void);
void mime_free(struct mime_msg *m);

/* The From address: "addr@host", "<addr@host>" or "Display Name <addr@host>"
 * (the name may be "quoted" and may be UTF-8). */
int mime_set_from(struct mime_msg *m, const char *from, struct sl_err *err);

/* Add one or more recipients: a comma-separated list of addresses in the
 * forms mime_set_from() takes (commas inside "quoted names" do not split). */
int mime_add_rcpt(struct mime_msg *m, enum mime_rcpt_kind kind,
		  const char *list, struct sl_err *err);

/* The subject, UTF-8. Refused when it holds CR or LF or is not UTF-8. */
int mime_set_subject(struct mime_msg *m, const char *subject,
		     struct sl_err *err);

/* Bodies, UTF-8; line ends may be LF or CRLF. text NULL means empty. */
void mime_set_text(struct mime_msg *m, const char *text);
void mime_set_html(struct mime_msg *m, const char *html);

/* Attach data (copied) as filename (directories stripped). content_type
 * NULL guesses from the extension ("text/plain; charset=UTF-8" for .log
 * and .txt, application/octet-stream when unknown). */
int mime_attach(struct mime_msg *m, const char *filename,
		const char *content_type, const void *data, size_t len,
		struct sl_err *err);

/* Fix the Date (milliseconds since the epoch; default: the time of
 * mime_render) and the unique token used in Message-ID and the multipart
 * boundaries (default: random), for reproducible output in tests. */
void mime_set_date(struct mime_msg *m, int64_t ms);
int mime_set_unique(struct mime_msg *m, const char *token,
		    struct sl_err *err);

/*
 * Render the whole message into out (appended). with_bcc also writes a Bcc
 * header (for a copy kept on disk, never for a message handed to a
 * server). Fails when From or every recipient is missing or the message
 * would pass MIME_MESSAGE_MAX.
 */
int mime_render(struct mime_msg *m, int with_bcc, struct buf *out,
		struct sl_err *err);

/* The envelope: the bare From address (NULL until set), and every
 * recipient's bare address, To then Cc then Bcc, NULL-terminated. Owned by
 * m, valid until the next change to m. */
const char *mime_envelope_from(const struct mime_msg *m);
char *const *mime_envelope_rcpts(const struct mime_msg *m);

/* The Message-ID header value ("<...>") of the last mime_render(), or
 * NULL before it. Owned by m. */
const char *mime_message_id(const struct mime_msg *m);

#endif
