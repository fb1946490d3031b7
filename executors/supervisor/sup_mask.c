/*
 * sup_mask.c: secret values masked in a try's output before it reaches
 * the log. The values come on a descriptor (-S: SUP_SECRETS_FD,
 * NUL-separated), never on the command line; the masking itself is the
 * one shared with the ssh executor (executors/out_mask.c).
 */
#include "executors/supervisor/supervisor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read the values from fd (and close it, in every case); 0, or -1 with
 * errno. */
int
sup_mask_load(struct out_mask *m, int fd)
{
	size_t len = 0, cap = 4096;
	char *text = malloc(cap);

	memset(m, 0, sizeof *m);
	if (text == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
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
	if (out_mask_set(m, text, len) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
fail:
	close(fd);
	free(text);
	return -1;
}

static void
sup_mask_sink(void *arg, const char *p, size_t n)
{
	out_log_write(arg, p, n);
}

/* Output p[0..n) with the values masked, into the log. */
void
sup_mask_out(struct out_mask *m, struct out_log *l, const char *p, size_t n)
{
	out_mask_write(m, p, n, sup_mask_sink, l);
}

/* The end of the output: what waited goes out, masked. */
void
sup_mask_flush(struct out_mask *m, struct out_log *l)
{
	out_mask_flush(m, sup_mask_sink, l);
}
