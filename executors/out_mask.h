/*
 * out_mask.h: secret values masked in a try's output on its way to the
 * log, shared by the local executor's supervisor (sluice-try, which links
 * libc only) and the ssh executor. libc only, so both can compile it in.
 *
 * Each occurrence of a value becomes "***", also one split across reads:
 * a tail of the output that could be the start of a value is held back
 * until the next chunk completes or refutes it, or the end flushes it.
 * Where two values start at one place, the longest wins.
 */
#ifndef SLUICE_OUT_MASK_H
#define SLUICE_OUT_MASK_H

#include <stddef.h>

#define OUT_MASK_TEXT "***"

/* Where masked output goes: (arg, bytes, count). */
typedef void (*out_mask_sink_fn)(void *arg, const char *p, size_t n);

struct out_mask {
	char *text;		/* the values, NUL-separated */
	char **vals;		/* into text, longest first */
	size_t n;
	char *carry;		/* output held back: may start a value */
	size_t carry_len;
};

/* Take the values from text[0..len), NUL-separated (empty ones skipped);
 * the mask owns text from then on, also on failure. 0, or -1 when memory
 * is short (then it masks nothing). */
int out_mask_set(struct out_mask *m, char *text, size_t len);
/* The same from a NULL-terminated list (copied), or NULL for none. */
int out_mask_set_list(struct out_mask *m, char *const *vals);
/* Output p[0..n) with the values masked, into sink(arg, ...). With no
 * values, p goes through as it is. */
void out_mask_write(struct out_mask *m, const char *p, size_t n,
		    out_mask_sink_fn sink, void *arg);
/* The end of the output: what was held back goes out, masked. */
void out_mask_flush(struct out_mask *m, out_mask_sink_fn sink, void *arg);
/* Bytes of output held back now (written by a later write or flush). */
size_t out_mask_held(const struct out_mask *m);
void out_mask_free(struct out_mask *m);

#endif
