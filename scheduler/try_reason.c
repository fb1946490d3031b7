/* try_reason.c: the last line a failed try wrote, as its recorded error
 * quotes it (see try.h). */
#include "scheduler/try.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/util.h"
#include "executors/out_mask.h"
#include "executors/try_note.h"
#include "web/mask.h"

/* Is line (n bytes) one of sluice's own (try_note.h: the scheduler's and
 * the executors' "[TIME sluice] ...") or blank? */
static int
reason_skipped(const char *line, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			break;
	if (i == n)
		return 1;
	return try_note_is(line, n);
}

/* out_mask's sink: the masked line into a buf. */
static void
reason_sink(void *arg, const char *p, size_t n)
{
	buf_add(arg, p, n);
}

char *
try_reason_from(const char *tail, size_t n, int whole, char *const *secrets)
{
	size_t end = n, from, cut;
	struct buf masked, clean;
	struct out_mask values;
	char *shown;

	/* the last line that is the task's: from its start to end */
	for (;;) {
		while (end > 0 && (tail[end - 1] == '\n' || tail[end - 1] == '\r'))
			end--;
		if (end == 0)
			return NULL;
		from = end;
		while (from > 0 && tail[from - 1] != '\n')
			from--;
		/* a line that began before the bytes read: its start (and
		 * maybe part of a secret) is not here; quote none */
		if (from == 0 && !whole)
			return NULL;
		if (!reason_skipped(tail + from, end - from))
			break;
		end = from;
	}
	/* values first (as they are in the log), then clean text, then the
	 * rule of what sluice shows (URL passwords, secret env values) */
	if (out_mask_set_list(&values, secrets) < 0)
		return NULL;	/* cannot mask: quote nothing */
	buf_init(&masked, 0);
	out_mask_write(&values, tail + from, end - from, reason_sink, &masked);
	out_mask_flush(&values, reason_sink, &masked);
	out_mask_free(&values);
	buf_init(&clean, 0);
	for (size_t i = 0; i < masked.len;) {
		const unsigned char *p = (const unsigned char *)masked.data + i;
		size_t len = text_utf8_seq(p, masked.len - i);

		if (len == 0 || (len == 1 && (*p < 0x20 || *p == 0x7f)))
			buf_addc(&clean, *p == '\t' ? ' ' : '?');
		else
			buf_add(&clean, p, len);
		i += len ? len : 1;
	}
	buf_free(&masked);
	shown = mask_text(buf_str(&clean));
	buf_free(&clean);
	cut = strlen(shown);
	if (cut > TRY_REASON_MAX) {
		/* on a character's first byte: the text stays UTF-8 */
		cut = TRY_REASON_MAX;
		while (cut > 0 && ((unsigned char)shown[cut] & 0xC0) == 0x80)
			cut--;
		buf_init(&clean, 0);
		buf_add(&clean, shown, cut);
		buf_adds(&clean, "...");
		free(shown);
		shown = buf_steal(&clean);
	}
	return shown;
}

char *
try_reason_read(const char *log_path, char *const *secrets)
{
	char *data, *line;
	size_t got;
	int whole;

	if (log_path == NULL ||
	    sl_read_tail(log_path, TRY_REASON_READ, &data, &got, &whole) < 0)
		return NULL;
	line = try_reason_from(data, got, whole, secrets);
	free(data);
	return line;
}

const char *
try_reason_end(int exit_code, int sig, char *out, size_t n)
{
	if (sig != 0)
		snprintf(out, n, "killed by signal %d (%s)", sig, strsignal(sig));
	else
		snprintf(out, n, "exit code %d", exit_code);
	return out;
}

size_t
try_reason_says_end(const char *error, int exit_code, int sig)
{
	char end[96];
	size_t len = strlen(try_reason_end(exit_code, sig, end, sizeof end));

	if (error == NULL || strncmp(error, end, len) != 0 ||
	    (error[len] != '\0' && strncmp(error + len, ": ", 2) != 0))
		return 0;
	return len;
}
