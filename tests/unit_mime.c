/* unit_mime.c: MIME message building (operators/mime.c): exact headers,
 * encoded-words, quoted-printable and base64 lines, multipart structure,
 * and header injection refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "operators/mime.h"
#include "tests/unit.h"

#define NN(s) ((s) != NULL ? (s) : "(null)")

/* 2024-01-02T03:04:05Z, a Tuesday */
#define FIXED_DATE 1704164645000LL

static struct mime_msg *
new_msg(void)
{
	struct mime_msg *m = mime_new();
	struct sl_err err;

	mime_set_date(m, FIXED_DATE);
	if (mime_set_unique(m, "u1", &err) < 0)
		abort();
	return m;
}

static char *
render(struct mime_msg *m, int with_bcc)
{
	struct buf out;
	struct sl_err err;

	buf_init(&out, 0);
	if (mime_render(m, with_bcc, &out, &err) < 0) {
		fprintf(stderr, "render: %s\n", err.msg);
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* The value of header NAME in the header block of msg, unfolded; NULL
 * when absent. Caller frees. */
static char *
header_get(const char *msg, const char *name)
{
	size_t nl = strlen(name);
	const char *p = msg;

	while (*p != '\0' && !(p[0] == '\r' && p[1] == '\n')) {
		const char *eol = strstr(p, "\r\n");

		if (eol == NULL)
			return NULL;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			struct buf v;
			const char *s = p + nl + 1;

			buf_init(&v, 0);
			while (*s == ' ')
				s++;
			for (;;) {
				buf_add(&v, s, (size_t)(eol - s));
				if (eol[2] != ' ' && eol[2] != '\t')
					break;
				s = eol + 2;
				eol = strstr(s, "\r\n");
			}
			return buf_steal(&v);
		}
		p = eol + 2;
	}
	return NULL;
}

/* Longest line (without CRLF) in the header block (body = 0) or body. */
static size_t
longest_line(const char *msg, int body)
{
	const char *p = msg, *end = strstr(msg, "\r\n\r\n");
	size_t max = 0;

	if (body) {
		p = end + 4;
		end = msg + strlen(msg);
	}
	while (p < end) {
		const char *eol = strstr(p, "\r\n");

		if (eol == NULL || eol > end)
			eol = end;
		if ((size_t)(eol - p) > max)
			max = (size_t)(eol - p);
		p = eol + 2;
	}
	return max;
}

/* No bare LF or bare CR anywhere: every line ends in CRLF. */
static int
crlf_only(const char *msg)
{
	for (const char *p = msg; *p != '\0'; p++) {
		if (*p == '\n' && (p == msg || p[-1] != '\r'))
			return 0;
		if (*p == '\r' && p[1] != '\n')
			return 0;
	}
	return 1;
}

/* Decode a header value made of "=?UTF-8?B?...?=" words separated by
 * spaces (what mime.c writes for non-ASCII text). */
static char *
decode_words(const char *value)
{
	struct buf out;
	const char *p = value;

	buf_init(&out, 0);
	while (*p != '\0') {
		const char *end;
		unsigned char dec[256];
		long n;
		size_t len;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (strncmp(p, "=?UTF-8?B?", 10) != 0)
			return NULL;
		p += 10;
		end = strstr(p, "?=");
		if (end == NULL || end - p > 200)
			return NULL;
		len = (size_t)(end - p);
		n = sl_base64_decode(p, len, dec);
		if (n < 0)
			return NULL;
		buf_add(&out, dec, (size_t)n);
		p = end + 2;
	}
	return buf_steal(&out);
}

/* Every "=?...?=" encoded-word in s is at most 75 characters. */
static int
words_short(const char *s)
{
	for (const char *p = strstr(s, "=?"); p != NULL; p = strstr(p, "=?")) {
		const char *e = strstr(p + 10, "?=");

		if (e == NULL || e + 2 - p > 75)
			return 0;
		p = e + 2;
	}
	return 1;
}

static char *
qp_decode(const char *s, size_t n)
{
	struct buf out;

	buf_init(&out, 0);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' &&
		    s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=' && i + 2 < n) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			buf_addc(&out, (char)strtol(hex, NULL, 16));
			i += 2;
		} else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			buf_addc(&out, '\n');
			i++;
		} else {
			buf_addc(&out, s[i]);
		}
	}
	return buf_steal(&out);
}

static void
test_simple_exact(void)
{
	struct mime_msg *m = new_msg();
	struct sl_err err;
	char *msg;
	const char *want =
	    "Date: Tue, 02 Jan 2024 03:04:05 +0000\r\n"
	    "From: Sluice <sluice@example.com>\r\n"
	    "To: a@example.com, \"Doe, Jane\" <jane@example.com>\r\n"
	    "Cc: c@example.com\r\n"
	    "Subject: hello there\r\n"
	    "Message-ID: <u1@example.com>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "line one\r\n"
	    "=2Edot line, a=3Db, trailing space=20\r\n";

	CHECK_MSG(mime_set_from(m, "Sluice <sluice@example.com>", &err) == 0,
	      "from: %s", err.msg);
	CHECK_MSG(mime_add_rcpt(m, MIME_TO,
			    "a@example.com, \"Doe, Jane\" <jane@example.com>",
			    &err) == 0, "to: %s", err.msg);
	CHECK_MSG(mime_add_rcpt(m, MIME_CC, "<c@example.com>", &err) == 0,
	      "cc: %s", err.msg);
	CHECK_MSG(mime_add_rcpt(m, MIME_BCC, "hidden@example.com", &err) == 0,
	      "bcc: %s", err.msg);
	CHECK_MSG(mime_set_subject(m, "hello there", &err) == 0, "subject");
	mime_set_text(m, "line one\n.dot line, a=b, trailing space \n");
	msg = render(m, 0);
	CHECK_MSG(msg != NULL && strcmp(msg, want) == 0,
	      "exact message differs:\n%s", msg ? msg : "(null)");
	CHECK_MSG(msg != NULL && strstr(msg, "hidden") == NULL,
	      "Bcc must not appear in a message for the server");
	CHECK_MSG(strcmp(mime_message_id(m), "<u1@example.com>") == 0,
	      "message id %s", mime_message_id(m));
	free(msg);

	/* the envelope has everyone, To, Cc then Bcc, as bare addresses */
	{
		char *const *r = mime_envelope_rcpts(m);

		CHECK_MSG(r[0] && strcmp(r[0], "a@example.com") == 0, "rcpt 0");
		CHECK_MSG(r[1] && strcmp(r[1], "jane@example.com") == 0, "rcpt 1");
		CHECK_MSG(r[2] && strcmp(r[2], "c@example.com") == 0, "rcpt 2");
		CHECK_MSG(r[3] && strcmp(r[3], "hidden@example.com") == 0,
		      "rcpt 3");
		CHECK_MSG(r[4] == NULL, "rcpt end");
		CHECK_MSG(strcmp(mime_envelope_from(m), "sluice@example.com") == 0,
		      "envelope from");
	}
	msg = render(m, 1);
	{
		char *bcc = msg ? header_get(msg, "Bcc") : NULL;

		CHECK_MSG(bcc && strcmp(bcc, "hidden@example.com") == 0,
		      "with_bcc writes Bcc: %s", bcc ? bcc : "(none)");
		free(bcc);
	}
	free(msg);
	mime_free(m);
}

static void
test_encoded_words(void)
{
	struct mime_msg *m = new_msg();
	struct sl_err err;
	const char *subject = "Échec: tâche «load» — 日本語のテキスト, "
	    "and a rather long tail so that the subject needs several words ✓";
	char *msg, *v, *dec;

	mime_set_from(m, "Jörg Müller <joerg@example.de>", &err);
	mime_add_rcpt(m, MIME_TO, "Zoë <zoe@example.com>, plain@example.com",
		      &err);
	CHECK_MSG(mime_set_subject(m, subject, &err) == 0, "utf-8 subject");
	mime_set_text(m, "x");
	msg = render(m, 0);
	CHECK_MSG(msg != NULL, "render");
	if (msg == NULL)
		return;
	v = header_get(msg, "Subject");
	CHECK_MSG(v && strncmp(v, "=?UTF-8?B?", 10) == 0, "subject encoded: %s", NN(v));
	dec = v ? decode_words(v) : NULL;
	CHECK_MSG(dec && strcmp(dec, subject) == 0, "subject decodes back: %s",
	      dec ? dec : "(null)");
	CHECK_MSG(words_short(msg), "encoded-words at most 75 characters");
	CHECK_MSG(longest_line(msg, 0) <= 78, "header lines <= 78, got %zu",
	      longest_line(msg, 0));
	free(v);
	free(dec);

	v = header_get(msg, "From");
	CHECK_MSG(v && strncmp(v, "=?UTF-8?B?", 10) == 0 &&
	      strstr(v, " <joerg@example.de>") != NULL, "from name: %s", NN(v));
	if (v != NULL) {
		char *lt = strstr(v, " <");

		*lt = '\0';
		dec = decode_words(v);
		CHECK_MSG(dec && strcmp(dec, "Jörg Müller") == 0,
		      "display name decodes: %s", dec ? dec : "(null)");
		free(dec);
	}
	free(v);
	v = header_get(msg, "To");
	CHECK_MSG(v && strstr(v, "?= <zoe@example.com>, plain@example.com"),
	      "to: %s", NN(v));
	free(v);
	free(msg);

	/* ASCII that looks like an encoded-word is encoded, so a reader never
	 * decodes text the sender did not mean as one */
	CHECK_MSG(mime_set_subject(m, "report =?x?", &err) == 0, "subject");
	msg = render(m, 0);
	v = msg ? header_get(msg, "Subject") : NULL;
	dec = v ? decode_words(v) : NULL;
	CHECK_MSG(dec && strcmp(dec, "report =?x?") == 0, "=? encoded: %s", NN(v));
	free(dec);
	free(v);
	free(msg);
	mime_free(m);
}

static void
test_folding(void)
{
	struct mime_msg *m = new_msg();
	struct sl_err err;
	struct buf subject, to;
	char *msg, *v;

	buf_init(&subject, 0);
	for (int i = 0; i < 30; i++)
		buf_printf(&subject, "%sword%d", i ? " " : "", i);
	buf_init(&to, 0);
	for (int i = 0; i < 12; i++)
		buf_printf(&to, "%suser%d@example.com", i ? ", " : "", i);
	mime_set_from(m, "s@example.com", &err);
	mime_add_rcpt(m, MIME_TO, buf_str(&to), &err);
	mime_set_subject(m, buf_str(&subject), &err);
	msg = render(m, 0);
	CHECK_MSG(msg && longest_line(msg, 0) <= 78, "folded to 78: %zu",
	      msg ? longest_line(msg, 0) : 0);
	v = msg ? header_get(msg, "Subject") : NULL;
	CHECK_MSG(v && strcmp(v, buf_str(&subject)) == 0,
	      "ASCII subject unfolds unchanged: %s", NN(v));
	free(v);
	v = msg ? header_get(msg, "To") : NULL;
	CHECK_MSG(v && strcmp(v, buf_str(&to)) == 0, "To unfolds unchanged: %s", NN(v));
	CHECK_MSG(msg && crlf_only(msg), "CRLF line ends only");
	free(v);
	free(msg);
	buf_free(&subject);
	buf_free(&to);
	mime_free(m);
}

static void
test_quoted_printable(void)
{
	struct mime_msg *m = new_msg();
	struct sl_err err;
	struct buf text, want;
	char *msg, *dec;
	const char *body;

	buf_init(&text, 0);
	buf_init(&want, 0);
	for (int i = 0; i < 300; i++)
		buf_addc(&text, (char)('a' + i % 26));
	buf_adds(&want, buf_str(&text));
	buf_adds(&text, "\nüñí=çødé tail \t\nlone\rcr\r\nFrom the start\n"
		 ".\nend");
	/* CRLF in the input is a line end like LF; a lone CR stays a CR */
	buf_adds(&want, "\nüñí=çødé tail \t\nlone\rcr\nFrom the start\n"
		 ".\nend");
	mime_set_from(m, "s@example.com", &err);
	mime_add_rcpt(m, MIME_TO, "t@example.com", &err);
	mime_set_text(m, buf_str(&text));
	msg = render(m, 0);
	CHECK_MSG(msg != NULL, "render");
	if (msg == NULL)
		return;
	CHECK_MSG(longest_line(msg, 1) <= 76, "body lines <= 76, got %zu",
	      longest_line(msg, 1));
	CHECK_MSG(crlf_only(msg), "CRLF line ends only");
	CHECK_MSG(strstr(msg, "\r\n.") == NULL, "no line starts with a dot");
	CHECK_MSG(strstr(msg, "\r\nFrom ") == NULL, "no line starts with From");
	CHECK_MSG(strstr(msg, " \r\n") == NULL && strstr(msg, "\t\r\n") == NULL,
	      "no trailing white space");
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		if (*p >= 0x80) {
			CHECK_MSG(0, "8-bit byte in the message");
			break;
		}
	body = strstr(msg, "\r\n\r\n") + 4;
	dec = qp_decode(body, strlen(body) - 2);	/* final CRLF added */
	CHECK_MSG(strcmp(dec, buf_str(&want)) == 0,
	      "quoted-printable decodes back:\n%s", dec);
	free(dec);
	free(msg);
	buf_free(&text);
	buf_free(&want);
	mime_free(m);
}

/* Find the part of msg whose headers contain marker; returns a pointer
 * to its body, and its length up to the next boundary line. */
static const char *
part_body(const char *msg, const char *marker, size_t *len)
{
	const char *p = strstr(msg, marker), *body, *end;

	if (p == NULL)
		return NULL;
	body = strstr(p, "\r\n\r\n");
	if (body == NULL)
		return NULL;
	body += 4;
	end = strstr(body, "\r\n--=_sluice_");
	if (end == NULL)
		return NULL;
	*len = (size_t)(end - body);
	return body;
}

static void
test_multipart_attachments(void)
{
	struct mime_msg *m = new_msg();
	struct sl_err err;
	unsigned char data[1000];
	unsigned char dec[1400];
	char *msg, *ct;
	const char *b64, *p;
	size_t len, n = 0;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + 3);
	mime_set_from(m, "s@example.com", &err);
	mime_add_rcpt(m, MIME_TO, "t@example.com", &err);
	mime_set_subject(m, "att", &err);
	mime_set_text(m, "see attached\n");
	mime_set_html(m, "<p>see <b>attached</b></p>\n");
	CHECK_MSG(mime_attach(m, "/var/log/x/blob.bin", NULL, data, sizeof data,
			  &err) == 0, "attach: %s", err.msg);
	CHECK_MSG(mime_attach(m, "load-try-2.log", NULL, "log line\n", 9, &err)
	      == 0, "attach log");
	CHECK_MSG(mime_attach(m, "résumé.txt", NULL, "r", 1, &err) == 0,
	      "attach utf-8 name");
	msg = render(m, 0);
	CHECK_MSG(msg != NULL, "render");
	if (msg == NULL)
		return;
	CHECK_MSG(longest_line(msg, 0) <= 78, "header lines <= 78, got %zu",
	      longest_line(msg, 0));
	ct = header_get(msg, "Content-Type");
	CHECK_MSG(ct && strcmp(ct, "multipart/mixed; "
			   "boundary=\"=_sluice_u1_m\"") == 0, "top: %s", NN(ct));
	free(ct);
	CHECK_MSG(strstr(msg, "\r\n--=_sluice_u1_m\r\nContent-Type: "
		     "multipart/alternative; boundary=\"=_sluice_u1_a\"\r\n\r\n"
		     "--=_sluice_u1_a\r\n") != NULL,
	      "alternative nested first in mixed");
	CHECK_MSG(strstr(msg, "\r\n--=_sluice_u1_a\r\nContent-Type: text/plain; "
		     "charset=UTF-8\r\n") != NULL, "text part");
	CHECK_MSG(strstr(msg, "\r\n--=_sluice_u1_a\r\nContent-Type: text/html; "
		     "charset=UTF-8\r\n") != NULL, "html part");
	CHECK_MSG(strstr(msg, "\r\n--=_sluice_u1_a--\r\n") != NULL,
	      "alternative closed");
	CHECK_MSG(sl_str_ends(msg, "\r\n--=_sluice_u1_m--\r\n"), "mixed closed last");
	CHECK_MSG(strstr(msg, "Content-Type: application/octet-stream; "
		     "name=\"blob.bin\"\r\nContent-Disposition: attachment; "
		     "filename=\"blob.bin\"\r\nContent-Transfer-Encoding: "
		     "base64\r\n\r\n") != NULL, "attachment headers, dir stripped");
	CHECK_MSG(strstr(msg, "Content-Type: text/plain; charset=UTF-8; "
		     "name=\"load-try-2.log\"") != NULL, "log is text/plain");
	CHECK_MSG(strstr(msg, "filename*=UTF-8''r%C3%A9sum%C3%A9.txt") != NULL,
	      "RFC 2231 name");
	CHECK_MSG(longest_line(msg, 1) <= 76, "body lines <= 76: %zu",
	      longest_line(msg, 1));
	CHECK_MSG(crlf_only(msg), "CRLF only");

	b64 = part_body(msg, "name=\"blob.bin\"", &len);
	CHECK_MSG(b64 != NULL, "attachment body found");
	for (p = b64; b64 != NULL && p < b64 + len;) {
		const char *eol = strstr(p, "\r\n");
		size_t ll;
		long k;

		if (eol == NULL || eol > b64 + len)
			eol = b64 + len;
		ll = (size_t)(eol - p);
		CHECK_MSG(ll <= 76, "base64 line of %zu", ll);
		k = sl_base64_decode(p, ll, dec + n);
		CHECK_MSG(k >= 0, "base64 decodes");
		if (k > 0)
			n += (size_t)k;
		p = eol + 2;
	}
	CHECK_MSG(n == sizeof data && memcmp(dec, data, sizeof data) == 0,
	      "attachment decodes to the same %zu bytes (got %zu)",
	      sizeof data, n);
	free(msg);
	mime_free(m);
}

static void
test_injection_refused(void)
{
	struct mime_msg *m = new_msg();
	struct sl_err err;
	static const char *const subjects[] = {
		"hi\r\nBcc: evil@example.com", "hi\nX-Evil: 1", "hi\r",
		"\r\n\r\nbody",
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(subjects); i++) {
		err.msg[0] = '\0';
		CHECK_MSG(mime_set_subject(m, subjects[i], &err) < 0,
		      "subject %zu refused", i);
		CHECK_MSG(strstr(err.msg, "line break") != NULL,
		      "clear error: %s", err.msg);
	}
	CHECK_MSG(mime_set_from(m, "a@example.com\r\nBcc: e@example.com", &err) < 0,
	      "from refused");
	CHECK_MSG(mime_set_from(m, "Name\n <a@example.com>", &err) < 0,
	      "from name refused");
	CHECK_MSG(mime_add_rcpt(m, MIME_TO, "t@example.com\nBcc: e@example.com",
			    &err) < 0, "to refused");
	CHECK_MSG(strstr(err.msg, "To contains a line break") != NULL,
	      "names the field: %s", err.msg);
	CHECK_MSG(mime_add_rcpt(m, MIME_CC, "c@example.com\r", &err) < 0,
	      "cc refused");
	CHECK_MSG(mime_add_rcpt(m, MIME_BCC, "\nb@example.com", &err) < 0,
	      "bcc refused");
	CHECK_MSG(mime_attach(m, "x\r\nContent-Type: text/html", NULL, "x", 1,
			  &err) < 0, "attachment name refused");
	CHECK_MSG(mime_attach(m, "x.txt", "text/plain\r\nX-Evil: 1", "x", 1,
			  &err) < 0, "content type refused");
	CHECK_MSG(mime_set_subject(m, "bad \xff utf-8", &err) < 0,
	      "invalid UTF-8 refused");
	/* nothing refused was kept */
	mime_set_from(m, "a@example.com", &err);
	mime_add_rcpt(m, MIME_TO, "t@example.com", &err);
	{
		char *msg = render(m, 1);

		CHECK_MSG(msg && strstr(msg, "evil") == NULL &&
		      strstr(msg, "Evil") == NULL, "no refused value kept");
		free(msg);
	}
	mime_free(m);
}

static void
test_addresses(void)
{
	struct mime_msg *m = new_msg();
	struct sl_err err;
	static const char *const bad[] = {
		"", " , ", "noat", "a@", "@b", "a@b@c", "a b@c.com",
		"<a@b.com", "Name <>", "a@b.com>", "x;y@b.com", "ü@b.com",
	};
	char *msg, *v;

	/* a character an address may not hold is named, with what to do */
	static const struct { const char *addr, *msg; } named[] = {
		{ "ops team@example.com",
		  "invalid email address 'ops team@example.com': a space is not allowed in an address (a name goes before it: \"Ops Team\" <ops@example.com>)" },
		{ "Ops <ops\tteam@example.com>",
		  "invalid email address 'ops\\x09team@example.com': a tab is not allowed in an address" },
		{ "j\xc3\xbcrgen@example.com",
		  "invalid email address 'j\xc3\xbcrgen@example.com': '\xc3\xbc' is not allowed in an address (sluice sends ASCII addresses only: non-ASCII text goes in the display name, \"Zo\xc3\xab\" <zoe@example.com>)" },
		{ "j\xfcrgen@example.com",
		  "invalid email address 'j\\xfcrgen@example.com': byte 0xFC (not UTF-8) is not allowed in an address" },
		{ "a\x01" "b@example.com",
		  "invalid email address 'a\\x01b@example.com': control character 0x01 is not allowed in an address" },
		{ "x;y@b.com",
		  "invalid email address 'x;y@b.com': character ';' is not allowed in an address" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++)
		CHECK_MSG(mime_add_rcpt(m, MIME_TO, bad[i], &err) < 0,
		      "'%s' refused", bad[i]);
	for (size_t i = 0; i < SL_ARRAY_LEN(named); i++) {
		CHECK(mime_add_rcpt(m, MIME_TO, named[i].addr, &err) < 0);
		CHECK_EQ_STR(named[i].msg, err.msg);
	}
	CHECK_MSG(mime_render(m, 0, &(struct buf){ 0 }, &err) < 0 &&
	      strstr(err.msg, "From") != NULL, "no From: %s", err.msg);
	mime_set_from(m, "\"Ops \\\"Team\\\"\" <ops@example.com>", &err);
	CHECK_MSG(mime_render(m, 0, &(struct buf){ 0 }, &err) < 0 &&
	      strstr(err.msg, "recipients") != NULL, "no rcpt: %s", err.msg);
	CHECK_MSG(mime_add_rcpt(m, MIME_TO, " a@x.org ,, \"Last, First\" <b@x.org>,",
			    &err) == 0, "list: %s", err.msg);
	msg = render(m, 0);
	v = msg ? header_get(msg, "To") : NULL;
	CHECK_MSG(v && strcmp(v, "a@x.org, \"Last, First\" <b@x.org>") == 0,
	      "To: %s", NN(v));
	free(v);
	v = msg ? header_get(msg, "From") : NULL;
	CHECK_MSG(v && strcmp(v, "\"Ops \\\"Team\\\"\" <ops@example.com>") == 0,
	      "quoted name kept: %s", NN(v));
	free(v);
	free(msg);
	mime_free(m);
}

/* A pseudo-random generator with a fixed seed, so failures reproduce. */
static unsigned long rng_state = 12345;

static unsigned
rng(unsigned n)
{
	rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng_state >> 33) % n;
}

/* Append one random character: ASCII (with spaces, '=', '?', '.'),
 * or a 2-, 3- or 4-byte UTF-8 sequence. */
static void
random_char(struct buf *b)
{
	static const char ascii[] = "abcXYZ019 =?._-\"<>,;:";
	static const char *const wide[] = { "é", "ß", "Ω", "日", "本", "€",
		"✓", "🚀", "𝄞" };

	if (rng(3) > 0)
		buf_addc(b, ascii[rng(sizeof ascii - 1)]);
	else
		buf_adds(b, wide[rng(SL_ARRAY_LEN(wide))]);
}

/* Many random subjects and bodies: the subject always comes back from the
 * header unchanged, bodies from quoted-printable, and no line passes its
 * limit. */
static void
test_random_round_trips(void)
{
	int bad_subject = 0, bad_body = 0, bad_lines = 0;

	for (int iter = 0; iter < 400; iter++) {
		struct mime_msg *m = new_msg();
		struct sl_err err;
		struct buf subject, body, want;
		char *msg, *v, *dec;
		const char *b;
		unsigned n = rng(200);

		buf_init(&subject, 0);
		buf_init(&body, 0);
		buf_init(&want, 0);
		for (unsigned i = 0; i < n; i++)
			random_char(&subject);
		n = rng(600);
		for (unsigned i = 0; i < n; i++) {
			unsigned r = rng(20);

			if (r == 0) {
				buf_adds(&body, "\r\n");
				buf_addc(&want, '\n');
			} else if (r == 1) {
				buf_addc(&body, '\n');
				buf_addc(&want, '\n');
			} else if (r == 2) {
				char c = (char)(1 + rng(255));

				buf_addc(&body, c);
				if (c == '\r' && rng(2)) {
					/* keep a lone CR lone */
					buf_addc(&body, 'x');
					buf_addc(&want, c);
					buf_addc(&want, 'x');
				} else if (c == '\r') {
					body.data[--body.len] = '\0';
				} else {
					buf_addc(&want, c);
				}
			} else {
				size_t before = body.len;

				random_char(&body);
				buf_add(&want, body.data + before, body.len - before);
			}
		}
		mime_set_from(m, "s@example.com", &err);
		mime_add_rcpt(m, MIME_TO, "t@example.com", &err);
		if (mime_set_subject(m, buf_str(&subject), &err) < 0) {
			bad_subject++;
			goto next;
		}
		mime_set_text(m, buf_str(&body));
		msg = render(m, 0);
		if (msg == NULL)
			goto next;
		v = header_get(msg, "Subject");
		if (v == NULL)
			v = xstrdup("");
		dec = strncmp(v, "=?UTF-8?B?", 10) == 0 ? decode_words(v) :
		    xstrdup(v);
		if (dec == NULL || strcmp(dec, buf_str(&subject)) != 0) {
			if (bad_subject++ == 0)
				fprintf(stderr, "subject '%s' came back as '%s'\n",
					buf_str(&subject), NN(dec));
		}
		free(dec);
		free(v);
		if (longest_line(msg, 0) > 78 || longest_line(msg, 1) > 76 ||
		    !crlf_only(msg) || !words_short(msg))
			bad_lines++;
		/* a message ends with a line end: one is added after a body
		 * that has none */
		if (want.len > 0 && want.data[want.len - 1] != '\n')
			buf_addc(&want, '\n');
		b = strstr(msg, "\r\n\r\n") + 4;
		dec = qp_decode(b, strlen(b));
		if (strcmp(dec, buf_str(&want)) != 0 && bad_body++ == 0)
			fprintf(stderr, "body differs after decoding:\n%s\n---\n%s\n",
				buf_str(&want), dec);
		free(dec);
		free(msg);
next:
		buf_free(&subject);
		buf_free(&body);
		buf_free(&want);
		mime_free(m);
	}
	CHECK_MSG(bad_subject == 0, "%d random subjects did not round-trip",
	      bad_subject);
	CHECK_MSG(bad_body == 0, "%d random bodies did not round-trip", bad_body);
	CHECK_MSG(bad_lines == 0, "%d random messages broke a line limit",
	      bad_lines);
}

int
main(void)
{
	RUN(test_simple_exact);
	RUN(test_encoded_words);
	RUN(test_folding);
	RUN(test_quoted_printable);
	RUN(test_multipart_attachments);
	RUN(test_injection_refused);
	RUN(test_addresses);
	RUN(test_random_round_trips);
	return UNIT_END();
}
