/*
 * sup_mask.c: secret values masked in a try's output before it reaches
 * the log. The values come on a descriptor (-S: SUP_SECRETS_FD,
 * NUL-separated), never on the command line. Each occurrence becomes
 * "***", also one split across reads: a tail of the output that could be
 * the start of a value waits for the next read (or the end).
 */
#include "executors/supervisor/supervisor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUP_MASK_TEXT "***"

static int
sup_mask_longer(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Read the values from fd (and close it); 0, or -1 with errno. */
int
sup_mask_load(struct sup_mask *m, int fd)
{
	size_t len = 0, cap = 4096;
	char *text = malloc(cap);

	memset(m, 0, sizeof *m);
	if (text == NULL)
		return -1;
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			char *n = realloc(text, cap * 2);

			if (n == NULL)
				goto fail;
			text = n;
			cap *= 2;
		}
		r = read(fd, text + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	text[len] = '\0';
	m->text = text;
	for (size_t i = 0; i < len; i += strlen(text + i) + 1)
		if (text[i] != '\0')
			m->n++;
	m->vals = calloc(m->n + 1, sizeof *m->vals);
	if (m->vals == NULL)
		return -1;
	m->n = 0;
	for (size_t i = 0; i < len; i += strlen(text + i) + 1)
		if (text[i] != '\0')
			m->vals[m->n++] = text + i;
	/* the longest value first: it wins where two start at one place */
	qsort(m->vals, m->n, sizeof *m->vals, sup_mask_longer);
	m->maxlen = m->n > 0 ? strlen(m->vals[0]) : 0;
	return 0;
fail:
	close(fd);
	free(text);
	return -1;
}

/* Output p[0..n) with the values masked: into the log, through out(). */
void
sup_mask_out(struct sup_mask *m, struct sup_log *l, const char *p, size_t n)
{
	size_t len = m->carry_len + n, i = 0, from = 0;
	char *b;

	if (m->n == 0) {
		sup_log_out(l, p, n);
		return;
	}
	b = malloc(len ? len : 1);
	if (b == NULL) {
		/* nothing unmasked ever reaches the log */
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
		size_t k, hit = 0, partial = 0;

		for (k = 0; k < m->n; k++) {
			size_t vl = strlen(m->vals[k]);

			if (b[i] != m->vals[k][0])
				continue;
			if (len - i >= vl) {
				if (memcmp(b + i, m->vals[k], vl) == 0) {
					hit = vl;
					break;
				}
			} else if (memcmp(b + i, m->vals[k], len - i) == 0)
				partial = 1;
		}
		if (hit > 0) {
			sup_log_out(l, b + from, i - from);
			sup_log_out(l, SUP_MASK_TEXT, sizeof SUP_MASK_TEXT - 1);
			i += hit;
			from = i;
			continue;
		}
		if (partial)
			break;	/* may be a value the next read completes */
		i++;
	}
	sup_log_out(l, b + from, i - from);
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

/* The end of the output: what waited is no value, out it goes. */
void
sup_mask_flush(struct sup_mask *m, struct sup_log *l)
{
	if (m->carry_len > 0)
		sup_log_out(l, m->carry, m->carry_len);
	m->carry_len = 0;
}
