/*
 * out_mask.c: secret values masked in a try's output (out_mask.h). Used
 * by sluice-try and the ssh executor alike: libc only, and no allocation
 * failure aborts (the supervisor has no xmalloc): a chunk that cannot be
 * masked is dropped, so nothing unmasked ever reaches the log.
 */
#include "executors/out_mask.h"

#include <stdlib.h>
#include <string.h>

static int
out_mask_longer(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

int
out_mask_set(struct out_mask *m, char *text, size_t len)
{
	memset(m, 0, sizeof *m);
	m->text = text;
	for (size_t i = 0; i < len; i += strlen(text + i) + 1)
		if (text[i] != '\0')
			m->n++;
	m->vals = calloc(m->n + 1, sizeof *m->vals);
	if (m->vals == NULL) {
		m->n = 0;
		return -1;
	}
	m->n = 0;
	for (size_t i = 0; i < len; i += strlen(text + i) + 1)
		if (text[i] != '\0')
			m->vals[m->n++] = text + i;
	qsort(m->vals, m->n, sizeof *m->vals, out_mask_longer);
	return 0;
}

int
out_mask_set_list(struct out_mask *m, char *const *vals)
{
	size_t len = 0, at = 0;
	char *text;

	for (size_t i = 0; vals != NULL && vals[i] != NULL; i++)
		len += strlen(vals[i]) + 1;
	text = malloc(len ? len : 1);
	if (text == NULL) {
		memset(m, 0, sizeof *m);
		return -1;
	}
	for (size_t i = 0; vals != NULL && vals[i] != NULL; i++) {
		size_t vl = strlen(vals[i]) + 1;

		memcpy(text + at, vals[i], vl);
		at += vl;
	}
	return out_mask_set(m, text, len);
}

/* Mask carry + p[0..n) into sink; hold back a tail that may start a
 * value unless final. */
static void
out_mask_run(struct out_mask *m, const char *p, size_t n, int final,
	     out_mask_sink_fn sink, void *arg)
{
	size_t len = m->carry_len + n, i = 0, from = 0;
	char *b = malloc(len ? len : 1);

	if (b == NULL) {
		m->carry_len = 0;
		return;
	}
	/* memcpy wants real pointers even for no bytes: the carry is NULL
	 * until a value was cut, and the end's flush passes no output */
	if (m->carry_len > 0)
		memcpy(b, m->carry, m->carry_len);
	if (n > 0)
		memcpy(b + m->carry_len, p, n);
	while (i < len) {
		size_t hit = 0;
		int partial = 0;

		for (size_t k = 0; k < m->n; k++) {
			size_t vl = strlen(m->vals[k]);

			if (b[i] != m->vals[k][0])
				continue;
			if (len - i >= vl) {
				if (memcmp(b + i, m->vals[k], vl) == 0) {
					hit = vl;
					break;
				}
			} else if (!final && memcmp(b + i, m->vals[k], len - i) == 0)
				partial = 1;
		}
		if (hit > 0) {
			sink(arg, b + from, i - from);
			sink(arg, OUT_MASK_TEXT, sizeof OUT_MASK_TEXT - 1);
			i += hit;
			from = i;
			continue;
		}
		if (partial)
			break;	/* may be a value the next chunk completes */
		i++;
	}
	sink(arg, b + from, i - from);
	m->carry_len = len - i;
	if (m->carry_len > 0) {
		char *c = realloc(m->carry, m->carry_len);

		if (c == NULL) {
			m->carry_len = 0;
		} else {
			m->carry = c;
			memcpy(m->carry, b + i, m->carry_len);
		}
	}
	free(b);
}

void
out_mask_write(struct out_mask *m, const char *p, size_t n,
	       out_mask_sink_fn sink, void *arg)
{
	if (m->n == 0) {
		sink(arg, p, n);
		return;
	}
	out_mask_run(m, p, n, 0, sink, arg);
}

/* The tail held back is no value's start after all, but it may still
 * hold a shorter value whole ("abcd" waiting for "abcdef" holds "cd"). */
void
out_mask_flush(struct out_mask *m, out_mask_sink_fn sink, void *arg)
{
	if (m->carry_len > 0)
		out_mask_run(m, NULL, 0, 1, sink, arg);
}

size_t
out_mask_held(const struct out_mask *m)
{
	return m->carry_len;
}

void
out_mask_free(struct out_mask *m)
{
	free(m->text);
	free(m->vals);
	free(m->carry);
	memset(m, 0, sizeof *m);
}
