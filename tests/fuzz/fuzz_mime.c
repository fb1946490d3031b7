/*
 * fuzz_mime.c: libFuzzer target for operators/mime.c. Not built by
 * default. From the source tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. -I. tests/fuzz/fuzz_mime.c operators/mime.c base/util.c -lcrypto -o /tmp/fuzz_mime && /tmp/fuzz_mime
 *
 * The input is split at NUL bytes into a From address, a To list, a
 * subject, an attachment name and a body. Whatever is accepted must
 * render to a message whose header block holds exactly the header lines
 * mime.c writes (no value can add one), with CRLF line ends only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "operators/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Header names mime.c writes; any other name at the start of a line of
 * the header block would be an injected header. */
static int
known_header(const char *line)
{
	static const char *const names[] = { "Date:", "From:", "To:", "Cc:",
		"Bcc:", "Subject:", "Message-ID:", "MIME-Version:",
		"Auto-Submitted:", "Content-Type:", "Content-Transfer-Encoding:" };

	if (line[0] == ' ')	/* a folded continuation */
		return 1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strncmp(line, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *field[5] = { "", "", "", "", "" };
	struct mime_msg *m = mime_new();
	struct sl_err err;
	struct buf out;
	size_t nf = 0;

	memcpy(copy, data, size);
	copy[size] = '\0';
	field[nf++] = copy;
	for (size_t i = 0; i < size && nf < 5; i++)
		if (copy[i] == '\0')
			field[nf++] = copy + i + 1;
	buf_init(&out, 0);
	if (mime_set_from(m, field[0], &err) < 0)
		mime_set_from(m, "fuzz@example.com", &err);
	if (mime_add_rcpt(m, MIME_TO, field[1], &err) < 0)
		mime_add_rcpt(m, MIME_TO, "to@example.com", &err);
	mime_set_subject(m, field[2], &err);
	if (field[3][0] != '\0')
		mime_attach(m, field[3], NULL, field[4], strlen(field[4]), &err);
	mime_set_text(m, field[4]);
	if (mime_render(m, 1, &out, &err) == 0) {
		const char *p = out.data, *end = strstr(out.data, "\r\n\r\n");

		if (end == NULL)
			abort();
		while (p < end) {
			if (!known_header(p))
				abort();
			p = strstr(p, "\r\n") + 2;
		}
		for (size_t i = 0; i < out.len; i++)
			if ((out.data[i] == '\n' && (i == 0 || out.data[i - 1] != '\r')) ||
			    (out.data[i] == '\r' && out.data[i + 1] != '\n'))
				abort();
	}
	buf_free(&out);
	mime_free(m);
	free(copy);
	return 0;
}
