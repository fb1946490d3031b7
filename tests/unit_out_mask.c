/* unit_out_mask.c: executors/out_mask, the masker that sluice-try and the
 * ssh executor share, as a table: the values, the output in chunks as
 * reads deliver them, what reaches the log before the end and after it. */
#include <stdlib.h>

#include "base/util.h"
#include "executors/out_mask.h"
#include "tests/unit.h"

static void
sink(void *arg, const char *p, size_t n)
{
	buf_add(arg, p, n);
}

static void
mask_cases(void)
{
	/* values and chunks are '|'-separated; "" values: none */
	static const struct {
		const char *vals, *chunks, *before_end, *out;
	} cases[] = {
		{ "", "x=abcdef;", "x=abcdef;", "x=abcdef;" },
		{ "abcdef", "x=abcdef;", "x=***;", "x=***;" },
		{ "abcdef", "x=abc|def;", "x=***;", "x=***;" },
		{ "abcdef", "x=a|bcd|ef;", "x=***;", "x=***;" },
		{ "abcdef", "abcdefabcdef", "******", "******" },
		{ "abcdef", "abcabcdef!", "abc***!", "abc***!" },
		/* a tail that only starts like a value: out at the end */
		{ "abcdef", "tail=abc", "tail=", "tail=abc" },
		{ "abcdef", "tail=abc|x", "tail=abcx", "tail=abcx" },
		/* the longest value wins where two start at one place */
		{ "abcd|abcdef", "abcdef", "***", "***" },
		{ "abcd|abcdef", "abcd!", "***!", "***!" },
		/* a held tail that never became the long value still holds a
		 * short one whole */
		{ "abcdef|cdx1", "x abcdx1", "x ab***", "x ab***" },
		{ "abcdef|bcd", "x abcd", "x ", "x a***" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct out_mask m;
		struct buf out;
		char **vals = NULL, *chunks = xstrdup(cases[i].chunks), *c, *next;
		size_t nv = 0;
		const char *v = cases[i].vals;

		while (*v) {
			size_t len = strcspn(v, "|");

			vals = xrealloc(vals, (nv + 2) * sizeof *vals);
			vals[nv++] = xstrndup(v, len);
			vals[nv] = NULL;
			v += len + (v[len] == '|');
		}
		CHECK_EQ_INT(0, out_mask_set_list(&m, vals));
		buf_init(&out, 0);
		for (c = chunks; c != NULL; c = next) {
			next = strchr(c, '|');
			if (next)
				*next++ = '\0';
			out_mask_write(&m, c, strlen(c), sink, &out);
		}
		CHECK_MSG(strcmp(cases[i].before_end, buf_str(&out)) == 0,
			  "case %zu before the end: want '%s', got '%s'", i,
			  cases[i].before_end, buf_str(&out));
		out_mask_flush(&m, sink, &out);
		CHECK_MSG(strcmp(cases[i].out, buf_str(&out)) == 0,
			  "case %zu: want '%s', got '%s'", i, cases[i].out,
			  buf_str(&out));
		CHECK_EQ_INT(0, out_mask_held(&m));
		out_mask_free(&m);
		buf_free(&out);
		free(chunks);
		for (size_t k = 0; k < nv; k++)
			free(vals[k]);
		free(vals);
	}
}

/* What is held back is counted: the ssh executor's adoption resumes the
 * remote log before it. */
static void
held_cases(void)
{
	char *vals[] = { "abcdef", NULL };
	struct out_mask m;
	struct buf out;

	CHECK_EQ_INT(0, out_mask_set_list(&m, vals));
	buf_init(&out, 0);
	out_mask_write(&m, "x=abc", 5, sink, &out);
	CHECK_EQ_INT(3, out_mask_held(&m));
	CHECK_EQ_STR("x=", buf_str(&out));
	out_mask_write(&m, "de", 2, sink, &out);
	CHECK_EQ_INT(5, out_mask_held(&m));
	out_mask_write(&m, "f", 1, sink, &out);
	CHECK_EQ_INT(0, out_mask_held(&m));
	CHECK_EQ_STR("x=***", buf_str(&out));
	out_mask_free(&m);
	buf_free(&out);
}

int
main(void)
{
	RUN(mask_cases);
	RUN(held_cases);
	return UNIT_END();
}
