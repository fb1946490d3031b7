/* mime.c: build RFC 5322 / MIME mail messages (see mime.h). One file past
 * 800 lines on purpose: header encoding, line folding, bodies and
 * attachments share the encoders and the message under construction, and
 * each part alone would be a header of internals. */
#include "operators/mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"
#include "base/text.h"

/* Header lines are folded to this width where a space allows it
 * (RFC 5322 2.1.1 "SHOULD" 78); body lines never pass 76 (RFC 2045). */
#define HEADER_WIDTH 78
#define BODY_WIDTH 76
/* Raw bytes per encoded-word: 39 bytes → 52 base64 characters, so
 * "=?UTF-8?B?" + 52 + "?=" = 64 fits after "Subject: " in 78 columns
 * and stays well inside the 75-character limit of RFC 2047. */
#define EWORD_BYTES 39
/* Raw bytes per base64 body line: 57 → 76 characters. */
#define B64_LINE_BYTES 57
#define UNIQUE_MAX 40
#define FILENAME_MAX_LEN 200

struct mime_addr {
	char *name;	/* display name, UTF-8, or NULL */
	char *addr;	/* bare address: local@domain */
};

struct mime_attachment {
	char *filename;
	char *content_type;
	char *data;
	size_t len;
};

struct mime_msg {
	struct mime_addr from;		/* from.addr NULL until set */
	struct mime_addr *rcpts[3];	/* by enum mime_rcpt_kind */
	size_t nrcpts[3];
	char **envelope;		/* rebuilt by mime_envelope_rcpts() */
	char *subject;
	char *text;
	char *html;
	struct mime_attachment *attachments;
	size_t nattachments;
	int64_t date_ms;		/* 0: now */
	char *unique;			/* NULL: random at render */
	char *message_id;		/* of the last render */
};

static const char *const rcpt_header[] = { "To", "Cc", "Bcc" };

struct mime_msg *
mime_new(void)
{
	return xcalloc(1, sizeof(struct mime_msg));
}

static void
addr_free(struct mime_addr *a)
{
	free(a->name);
	free(a->addr);
	a->name = a->addr = NULL;
}

static void
envelope_free(struct mime_msg *m)
{
	if (m->envelope == NULL)
		return;
	for (size_t i = 0; m->envelope[i] != NULL; i++)
		free(m->envelope[i]);
	free(m->envelope);
	m->envelope = NULL;
}

void
mime_free(struct mime_msg *m)
{
	if (m == NULL)
		return;
	addr_free(&m->from);
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < m->nrcpts[k]; i++)
			addr_free(&m->rcpts[k][i]);
		free(m->rcpts[k]);
	}
	envelope_free(m);
	free(m->subject);
	free(m->text);
	free(m->html);
	for (size_t i = 0; i < m->nattachments; i++) {
		free(m->attachments[i].filename);
		free(m->attachments[i].content_type);
		free(m->attachments[i].data);
	}
	free(m->attachments);
	free(m->unique);
	free(m->message_id);
	free(m);
}

/* The one check that keeps callers from writing header lines of their
 * own: no CR or LF anywhere in a value bound for a header. */
static int
header_value_check(const char *field, const char *value, struct sl_err *err)
{
	if (strpbrk(value, "\r\n") != NULL)
		return sl_err_set(err,
		    "%s contains a line break (CR or LF): refused, a header "
		    "value must be one line", field);
	return 0;
}

static int
is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* Base64 of data; with lines, in lines of 76 joined by CRLF (the CRLF
 * after the last one belongs to the boundary that follows). */
static void
base64_add(struct buf *out, const void *data, size_t len, int lines)
{
	char enc[SL_BASE64_LEN(B64_LINE_BYTES) + 1];
	const unsigned char *p = data;

	while (len > 0) {
		size_t n = SL_MIN(len, (size_t)B64_LINE_BYTES);
		size_t k = sl_base64_encode(p, n, enc);

		if (lines && p != data)
			buf_adds(out, "\r\n");
		buf_add(out, enc, k);
		p += n;
		len -= n;
	}
}

/* s (UTF-8) as RFC 2047 "B" encoded-words separated by spaces, each
 * holding whole characters, so the header folder can break between them
 * and decoders join them back without the spaces. */
static void
encoded_words_add(struct buf *out, const char *s)
{
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t chunk = 0;

		while (i + chunk < n) {
			size_t k = text_utf8_seq((const unsigned char *)s + i + chunk,
						 n - i - chunk);

			if (k == 0)
				k = 1;	/* validated before: never */
			if (chunk + k > EWORD_BYTES)
				break;
			chunk += k;
		}
		if (i > 0)
			buf_addc(out, ' ');
		buf_adds(out, "=?UTF-8?B?");
		base64_add(out, s + i, chunk, 0);
		buf_adds(out, "?=");
		i += chunk;
	}
}

/*
 * Append "Name: value\r\n", folding before a space where the line would
 * pass HEADER_WIDTH. A fold only goes before a space that follows
 * something other than spaces and precedes a non-space, so no line is
 * blank and unfolding gives back the value unchanged.
 */
static void
header_add(struct buf *out, const char *name, const char *value)
{
	const char *p = value, *end = value + strlen(value);
	size_t col = strlen(name) + 2;

	buf_printf(out, value[0] != '\0' ? "%s: " : "%s:", name);
	while ((size_t)(end - p) + col > HEADER_WIDTH) {
		const char *brk = NULL, *q;
		int seen = *p != ' ';

		for (q = p + 1; q < end; q++) {
			if (*q != ' ') {
				seen = 1;
				continue;
			}
			if (!seen || q[1] == ' ' || q[1] == '\0')
				continue;
			if (brk != NULL && (size_t)(q - p) + col > HEADER_WIDTH)
				break;
			brk = q;
			if ((size_t)(q - p) + col > HEADER_WIDTH)
				break;
		}
		if (brk == NULL)
			break;
		buf_add(out, p, (size_t)(brk - p));
		buf_adds(out, "\r\n");
		col = 0;
		p = brk;
	}
	buf_add(out, p, (size_t)(end - p));
	buf_adds(out, "\r\n");
}

/* Characters RFC 5322 allows in an atom. */
static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* A display name as a phrase: atoms as they are, other ASCII quoted,
 * anything else as encoded-words. */
static void
display_name_add(struct buf *out, const char *name)
{
	int plain = 1;
	size_t n = strlen(name);

	if (!is_printable_ascii(name) || strstr(name, "=?") != NULL) {
		encoded_words_add(out, name);
		return;
	}
	if (n == 0 || name[0] == ' ' || name[n - 1] == ' ' ||
	    strstr(name, "  ") != NULL)
		plain = 0;
	for (const char *p = name; *p != '\0' && plain; p++)
		if (*p != ' ' && !is_atext((unsigned char)*p))
			plain = 0;
	if (plain) {
		buf_adds(out, name);
		return;
	}
	buf_addc(out, '"');
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *p);
	}
	buf_addc(out, '"');
}

static void
mailbox_add(struct buf *out, const struct mime_addr *a)
{
	if (a->name == NULL) {
		buf_adds(out, a->addr);
		return;
	}
	display_name_add(out, a->name);
	buf_printf(out, " <%s>", a->addr);
}

/* What is wrong with the character at p (end: the address's end) in
 * an address, in words a person can act on, into why (size n). */
static void
addr_bad_char(const char *p, const char *end, char *why, size_t n)
{
	unsigned char c = (unsigned char)*p;
	size_t len;

	if (c == ' ')
		snprintf(why, n, "a space is not allowed in an address (a "
			 "name goes before it: \"Ops Team\" <ops@example.com>)");
	else if (c == '\t')
		snprintf(why, n, "a tab is not allowed in an address");
	else if (c < 0x20 || c == 0x7f)
		snprintf(why, n, "control character 0x%02X is not allowed in "
			 "an address", c);
	else if (c >= 0x80 &&
		 (len = text_utf8_seq((const unsigned char *)p,
				      (size_t)(end - p))) > 1)
		snprintf(why, n, "'%.*s' is not allowed in an address (sluice "
			 "sends ASCII addresses only: non-ASCII text goes in the "
			 "display name, \"Zo\xc3\xab\" <zoe@example.com>)",
			 (int)len, p);
	else if (c >= 0x80)
		snprintf(why, n, "byte 0x%02X (not UTF-8) is not allowed in an "
			 "address", c);
	else
		snprintf(why, n, "character '%c' is not allowed in an address",
			 c);
}

/* A bare address we are willing to put in a header and hand to SMTP:
 * printable ASCII without spaces or specials, one '@' between a local
 * part and a domain. */
static int
addr_check(const char *addr, struct sl_err *err)
{
	const char *at = strchr(addr, '@');
	size_t n = strlen(addr);

	if (n == 0)
		return sl_err_set(err, "empty email address");
	if (n > 254)
		return sl_err_set(err, "email address too long: %.40s...",
				  addr);
	for (const char *p = addr; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c)) {
			char why[256], *shown = text_utf8_escaped(addr);

			addr_bad_char(p, addr + n, why, sizeof why);
			sl_err_set(err, "invalid email address '%s': %s", shown,
				   why);
			free(shown);
			return -1;
		}
	}
	if (at == NULL || at == addr || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return sl_err_set(err,
		    "invalid email address '%s': expected local@domain", addr);
	return 0;
}

static char *
trim_dup(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

/* Parse one mailbox: "addr", "<addr>", "Name <addr>", "\"Name\" <addr>". */
static int
addr_parse(const char *s, size_t n, struct mime_addr *out,
	   struct sl_err *err)
{
	char *item = trim_dup(s, n);
	size_t len = strlen(item);
	char *lt;

	out->name = out->addr = NULL;
	if (len > 0 && item[len - 1] == '>' &&
	    (lt = strrchr(item, '<')) != NULL) {
		char *name = trim_dup(item, (size_t)(lt - item));
		size_t nl = strlen(name);

		out->addr = trim_dup(lt + 1, (size_t)(item + len - 1 - lt - 1));
		if (nl >= 2 && name[0] == '"' && name[nl - 1] == '"') {
			/* unquote, dropping backslash escapes */
			char *w = name;

			for (size_t i = 1; i + 1 < nl; i++) {
				if (name[i] == '\\' && i + 2 < nl)
					i++;
				*w++ = name[i];
			}
			*w = '\0';
		}
		if (name[0] != '\0' && !text_utf8_valid(name, strlen(name))) {
			free(name);
			free(item);
			addr_free(out);
			return sl_err_set(err, "display name is not UTF-8");
		}
		if (name[0] != '\0')
			out->name = name;
		else
			free(name);
	} else {
		out->addr = xstrdup(item);
	}
	free(item);
	if (addr_check(out->addr, err) < 0) {
		addr_free(out);
		return -1;
	}
	return 0;
}

int
mime_set_from(struct mime_msg *m, const char *from, struct sl_err *err)
{
	struct mime_addr a;

	if (header_value_check("From", from, err) < 0)
		return -1;
	if (addr_parse(from, strlen(from), &a, err) < 0)
		return -1;
	addr_free(&m->from);
	m->from = a;
	return 0;
}

int
mime_add_rcpt(struct mime_msg *m, enum mime_rcpt_kind kind,
	      const char *list, struct sl_err *err)
{
	const char *start = list, *p;
	int quoted = 0, angle = 0, added = 0;

	if (header_value_check(rcpt_header[kind], list, err) < 0)
		return -1;
	for (p = list;; p++) {
		struct mime_addr a;
		const char *q;

		if (*p == '"' && (p == list || p[-1] != '\\'))
			quoted = !quoted;
		else if (*p == '<' && !quoted)
			angle = 1;
		else if (*p == '>' && !quoted)
			angle = 0;
		if (*p != '\0' && (*p != ',' || quoted || angle))
			continue;
		for (q = start; q < p && (*q == ' ' || *q == '\t'); q++)
			;
		if (q < p) {
			if (addr_parse(start, (size_t)(p - start), &a, err) < 0)
				return -1;
			m->rcpts[kind] = xreallocarray(m->rcpts[kind],
			    m->nrcpts[kind] + 1, sizeof(struct mime_addr));
			m->rcpts[kind][m->nrcpts[kind]++] = a;
			added++;
		}
		if (*p == '\0')
			break;
		start = p + 1;
	}
	if (added == 0)
		return sl_err_set(err, "%s: no address given",
				  rcpt_header[kind]);
	envelope_free(m);
	return 0;
}

int
mime_set_subject(struct mime_msg *m, const char *subject, struct sl_err *err)
{
	if (header_value_check("Subject", subject, err) < 0)
		return -1;
	if (!text_utf8_valid(subject, strlen(subject)))
		return sl_err_set(err, "Subject is not valid UTF-8");
	free(m->subject);
	m->subject = xstrdup(subject);
	return 0;
}

void
mime_set_text(struct mime_msg *m, const char *text)
{
	free(m->text);
	m->text = text != NULL ? xstrdup(text) : NULL;
}

void
mime_set_html(struct mime_msg *m, const char *html)
{
	free(m->html);
	m->html = html != NULL ? xstrdup(html) : NULL;
}

/* Content types by file extension, for attachments. */
static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{ ".log", "text/plain; charset=UTF-8" },
	{ ".txt", "text/plain; charset=UTF-8" },
	{ ".csv", "text/csv; charset=UTF-8" },
	{ ".json", "application/json" },
	{ ".html", "text/html; charset=UTF-8" },
	{ ".pdf", "application/pdf" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".gz", "application/gzip" },
	{ ".zip", "application/zip" },
	{ ".parquet", "application/vnd.apache.parquet" },
};

static const char *
content_type_guess(const char *filename)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(content_types); i++)
		if (sl_str_ends(filename, content_types[i].ext))
			return content_types[i].type;
	return "application/octet-stream";
}

int
mime_attach(struct mime_msg *m, const char *filename,
	    const char *content_type, const void *data, size_t len,
	    struct sl_err *err)
{
	struct mime_attachment *a;
	const char *base = strrchr(filename, '/');

	if (header_value_check("attachment name", filename, err) < 0)
		return -1;
	base = base != NULL ? base + 1 : filename;
	if (base[0] == '\0')
		return sl_err_set(err, "attachment '%s' has no file name",
				  filename);
	if (strlen(base) > FILENAME_MAX_LEN)
		return sl_err_set(err, "attachment name longer than %d bytes",
				  FILENAME_MAX_LEN);
	if (!text_utf8_valid(base, strlen(base)))
		return sl_err_set(err, "attachment name is not UTF-8");
	if (content_type != NULL) {
		if (header_value_check("attachment content type",
				       content_type, err) < 0)
			return -1;
		if (!is_printable_ascii(content_type) ||
		    strchr(content_type, '/') == NULL)
			return sl_err_set(err, "invalid content type '%s'",
					  content_type);
	}
	if (len > MIME_ATTACH_MAX)
		return sl_err_set(err,
		    "attachment %s is %zu bytes, more than the %u allowed",
		    base, len, MIME_ATTACH_MAX);
	m->attachments = xreallocarray(m->attachments, m->nattachments + 1,
				       sizeof *m->attachments);
	a = &m->attachments[m->nattachments++];
	a->filename = xstrdup(base);
	a->content_type = xstrdup(content_type != NULL ? content_type :
				  content_type_guess(base));
	a->data = xmalloc(len > 0 ? len : 1);
	if (len > 0)
		memcpy(a->data, data, len);
	a->len = len;
	return 0;
}

void
mime_set_date(struct mime_msg *m, int64_t ms)
{
	m->date_ms = ms;
}

int
mime_set_unique(struct mime_msg *m, const char *token, struct sl_err *err)
{
	size_t n = strlen(token);

	if (n == 0 || n > UNIQUE_MAX)
		return sl_err_set(err, "unique token must be 1 to %d bytes",
				  UNIQUE_MAX);
	for (const char *p = token; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		      *p == '_'))
			return sl_err_set(err,
			    "unique token may hold only letters, digits, . - _");
	free(m->unique);
	m->unique = xstrdup(token);
	return 0;
}

const char *
mime_envelope_from(const struct mime_msg *m)
{
	return m->from.addr;
}

char *const *
mime_envelope_rcpts(const struct mime_msg *m)
{
	struct mime_msg *mm = (struct mime_msg *)m;	/* cache only */
	size_t n = 0, total;

	if (mm->envelope != NULL)
		return mm->envelope;
	total = m->nrcpts[0] + m->nrcpts[1] + m->nrcpts[2];
	mm->envelope = xcalloc(total + 1, sizeof(char *));
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < m->nrcpts[k]; i++)
			mm->envelope[n++] = xstrdup(m->rcpts[k][i].addr);
	return mm->envelope;
}

const char *
mime_message_id(const struct mime_msg *m)
{
	return m->message_id;
}

/* "Tue, 02 Jan 2024 03:04:05 +0000": fixed English names, so the
 * process locale never changes the header. */
static void
date_add(struct buf *out, int64_t ms)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
		"Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char value[64];

	gmtime_r(&t, &tm);
	snprintf(value, sizeof value, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	header_add(out, "Date", value);
}

static void
address_header_add(struct buf *out, const char *name,
		   const struct mime_addr *addrs, size_t n)
{
	struct buf value;

	if (n == 0)
		return;
	buf_init(&value, 0);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_adds(&value, ", ");
		mailbox_add(&value, &addrs[i]);
	}
	header_add(out, name, buf_str(&value));
	buf_free(&value);
}

static void
subject_add(struct buf *out, const char *subject)
{
	struct buf value;
	int plain = is_printable_ascii(subject) &&
	    strstr(subject, "=?") == NULL;

	/* A word too long to fit a 998-byte line after folding is
	 * encoded, since encoded-words can be split anywhere. */
	for (const char *p = subject; plain && *p != '\0';) {
		size_t word = strcspn(p, " ");

		if (word > 900)
			plain = 0;
		p += word;
		p += strspn(p, " ");
	}
	if (plain) {
		header_add(out, "Subject", subject);
		return;
	}
	buf_init(&value, 0);
	encoded_words_add(&value, subject);
	header_add(out, "Subject", buf_str(&value));
	buf_free(&value);
}

/*
 * Quoted-printable (RFC 2045 6.7) with CRLF line ends: LF and CRLF in the
 * input become hard breaks; a lone CR, '=', controls and 8-bit bytes are
 * =XX; a space or tab before a line end is =20/=09; lines are cut with a
 * soft break "=" before BODY_WIDTH. A '.' or "From " at the start of a
 * line is encoded too, so no transport ever needs to touch the line.
 */
static void
qp_add(struct buf *out, const char *s, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int at_eol, literal;
		char tok[4];
		size_t k;

		if (c == '\n' || (c == '\r' && i + 1 < n && s[i + 1] == '\n')) {
			if (c == '\r')
				i++;
			buf_adds(out, "\r\n");
			col = 0;
			continue;
		}
		at_eol = i + 1 == n || s[i + 1] == '\n' ||
		    (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
		literal = (c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !at_eol);
		k = literal ? 1 : 3;
		if (col + k > BODY_WIDTH - 1) {
			buf_adds(out, "=\r\n");
			col = 0;
		}
		if (col == 0 && literal && (c == '.' ||
		    (c == 'F' && n - i >= 5 && memcmp(s + i, "From ", 5) == 0))) {
			literal = 0;
			k = 3;
		}
		if (literal)
			tok[0] = (char)c;
		else
			snprintf(tok, sizeof tok, "=%02X", c);
		buf_add(out, tok, k);
		col += k;
	}
}

static void
text_part_add(struct buf *out, const char *subtype, const char *text)
{
	const char *body = text != NULL ? text : "";

	buf_printf(out, "Content-Type: text/%s; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		   subtype);
	qp_add(out, body, strlen(body));
}

/* filename="name" for plain ASCII names, else filename*=UTF-8''%XX
 * (RFC 2231), which mail readers decode to the original name. */
static void
filename_param_add(struct buf *out, const char *param, const char *name)
{
	if (is_printable_ascii(name)) {
		buf_printf(out, "%s=\"", param);
		for (const char *p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(out, '\\');
			buf_addc(out, *p);
		}
		buf_addc(out, '"');
		return;
	}
	buf_printf(out, "%s*=UTF-8''", param);
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0';
	     p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			buf_addc(out, (char)*p);
		else
			buf_printf(out, "%%%02X", *p);
	}
}

static void
attachment_part_add(struct buf *out, const struct mime_attachment *a)
{
	struct buf value;

	buf_init(&value, 0);
	buf_printf(&value, "%s; ", a->content_type);
	filename_param_add(&value, "name", a->filename);
	header_add(out, "Content-Type", buf_str(&value));
	buf_reset(&value);
	buf_adds(&value, "attachment; ");
	filename_param_add(&value, "filename", a->filename);
	header_add(out, "Content-Disposition", buf_str(&value));
	buf_free(&value);
	buf_adds(out, "Content-Transfer-Encoding: base64\r\n\r\n");
	base64_add(out, a->data, a->len, 1);
}

static void
multipart_header_add(struct buf *out, const char *subtype,
		     const char *boundary)
{
	char value[128];

	snprintf(value, sizeof value, "multipart/%s; boundary=\"%s\"",
		 subtype, boundary);
	header_add(out, "Content-Type", value);
}

/* The text, or text + HTML as multipart/alternative. */
static void
body_add(struct buf *out, const struct mime_msg *m, const char *boundary)
{
	if (m->html == NULL) {
		text_part_add(out, "plain", m->text);
		return;
	}
	multipart_header_add(out, "alternative", boundary);
	buf_printf(out, "\r\n--%s\r\n", boundary);
	text_part_add(out, "plain", m->text);
	buf_printf(out, "\r\n--%s\r\n", boundary);
	text_part_add(out, "html", m->html);
	buf_printf(out, "\r\n--%s--\r\n", boundary);
}

static char *
random_unique(void)
{
	unsigned char rnd[8];
	char hex[sizeof rnd * 2 + 1];

	if (sl_random_bytes(rnd, sizeof rnd) < 0)
		sl_fatal("getrandom failed");
	sl_hex(rnd, sizeof rnd, hex);
	return xasprintf("%lld.%s", (long long)sl_now_ms(), hex);
}

int
mime_render(struct mime_msg *m, int with_bcc, struct buf *out,
	    struct sl_err *err)
{
	char *unique;
	char mixed[UNIQUE_MAX + 32], alternative[UNIQUE_MAX + 32];
	const char *domain;
	struct buf msg;

	if (m->from.addr == NULL)
		return sl_err_set(err, "no From address");
	if (m->nrcpts[MIME_TO] + m->nrcpts[MIME_CC] + m->nrcpts[MIME_BCC] == 0)
		return sl_err_set(err, "no recipients");
	unique = m->unique != NULL ? xstrdup(m->unique) : random_unique();
	/* "=_" never occurs in quoted-printable or base64 text, so these
	 * boundaries cannot collide with any encoded part. */
	snprintf(mixed, sizeof mixed, "=_sluice_%s_m", unique);
	snprintf(alternative, sizeof alternative, "=_sluice_%s_a", unique);
	domain = strchr(m->from.addr, '@') + 1;
	free(m->message_id);
	m->message_id = xasprintf("<%s@%s>", unique, domain);
	free(unique);

	buf_init(&msg, 0);
	date_add(&msg, m->date_ms != 0 ? m->date_ms : sl_now_ms());
	address_header_add(&msg, "From", &m->from, 1);
	address_header_add(&msg, "To", m->rcpts[MIME_TO], m->nrcpts[MIME_TO]);
	address_header_add(&msg, "Cc", m->rcpts[MIME_CC], m->nrcpts[MIME_CC]);
	if (with_bcc)
		address_header_add(&msg, "Bcc", m->rcpts[MIME_BCC],
				   m->nrcpts[MIME_BCC]);
	subject_add(&msg, m->subject != NULL ? m->subject : "");
	header_add(&msg, "Message-ID", m->message_id);
	header_add(&msg, "MIME-Version", "1.0");
	/* RFC 3834: keeps vacation responders from answering the scheduler */
	header_add(&msg, "Auto-Submitted", "auto-generated");
	if (m->nattachments == 0) {
		body_add(&msg, m, alternative);
	} else {
		multipart_header_add(&msg, "mixed", mixed);
		buf_printf(&msg, "\r\nThis is a multi-part message in MIME "
			   "format.\r\n--%s\r\n", mixed);
		body_add(&msg, m, alternative);
		for (size_t i = 0; i < m->nattachments; i++) {
			buf_printf(&msg, "\r\n--%s\r\n", mixed);
			attachment_part_add(&msg, &m->attachments[i]);
		}
		buf_printf(&msg, "\r\n--%s--\r\n", mixed);
	}
	if (msg.len < 2 || memcmp(msg.data + msg.len - 2, "\r\n", 2) != 0)
		buf_adds(&msg, "\r\n");
	if (msg.len > MIME_MESSAGE_MAX) {
		buf_free(&msg);
		return sl_err_set(err, "message is larger than %u bytes",
				  MIME_MESSAGE_MAX);
	}
	if (buf_add(out, msg.data, msg.len) < 0) {
		buf_free(&msg);
		return sl_err_set(err, "message does not fit the output buffer");
	}
	buf_free(&msg);
	return 0;
}
