/* unit_text.c: base/text: the UTF-8 validator and cleaner, the HTML
 * escaper and the URL segment encoder, as tables. */
#include <stdlib.h>

#include "base/text.h"
#include "base/util.h"
#include "tests/unit.h"

static void
utf8_cases(void)
{
	static const struct { const char *in; size_t n; int valid; const char *clean; } cases[] = {
		{ "plain", 5, 1, "plain" },
		{ "caf\xc3\xa9", 5, 1, "caf\xc3\xa9" },
		{ "\xe2\x82\xac 5", 5, 1, "\xe2\x82\xac 5" },
		{ "\xf0\x9f\x98\x80", 4, 1, "\xf0\x9f\x98\x80" },
		{ "a\x80" "b", 3, 0, "a?b" },		/* stray continuation */
		{ "\xc0\xaf", 2, 0, "??" },		/* overlong lead */
		{ "\xc3", 1, 0, "?" },			/* cut short */
		{ "\xe2\x82", 2, 0, "??" },
		{ "\xf5\x80\x80\x80", 4, 0, "????" },	/* beyond U+10FFFF */
		{ "a\0b", 3, 1, "a?b" },		/* NUL: valid, not clean */
		{ "", 0, 1, "" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct buf b;

		buf_init(&b, 0);
		CHECK_EQ_INT(cases[i].valid, text_utf8_valid(cases[i].in, cases[i].n));
		text_utf8_clean(&b, cases[i].in, cases[i].n, "?");
		CHECK_EQ_STR(cases[i].clean, buf_str(&b));
		buf_free(&b);
	}
}

static void
html_cases(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "<a href=\"x\">&'</a>", "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;" },
		{ "caf\xc3\xa9 & co", "caf\xc3\xa9 &amp; co" },
		{ "", "" },
	};
	struct buf b;

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		buf_init(&b, 0);
		text_html_escape(&b, cases[i].in);
		CHECK_EQ_STR(cases[i].out, buf_str(&b));
		buf_free(&b);
	}
	buf_init(&b, 0);
	text_html_escape(&b, NULL);
	CHECK_EQ_STR("", buf_str(&b));
	buf_free(&b);
}

static void
url_cases(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "load-orders_v2.~x", "load-orders_v2.~x" },
		{ "2024-01-05T00:00+01:00", "2024-01-05T00%3A00%2B01%3A00" },
		{ "a/b c", "a%2Fb%20c" },
		{ "../x?y#z&w=%", "..%2Fx%3Fy%23z%26w%3D%25" },
		{ "caf\xc3\xa9", "caf%C3%A9" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct buf b;

		buf_init(&b, 0);
		text_url_segment(&b, cases[i].in);
		CHECK_EQ_STR(cases[i].out, buf_str(&b));
		buf_free(&b);
	}
}

int
main(void)
{
	RUN(utf8_cases);
	RUN(html_cases);
	RUN(url_cases);
	return UNIT_END();
}
