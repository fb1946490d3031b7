/* unit_text.c: base/text: the UTF-8 validator and cleaner, the HTML
 * escaper, names with their line-break chances and the URL segment
 * encoder, as tables; and the words for how long ago something was
 * (base/util's sl_format_ago). */
#include <stdlib.h>

#include "base/secret.h"
#include "base/text.h"
#include "base/util.h"
#include "tests/unit.h"

static void
utf8_cases(void)
{
	static const struct {
		const char *in; size_t n; int valid; const char *clean, *escaped;
	} cases[] = {
		{ "plain", 5, 1, "plain", "plain" },
		{ "caf\xc3\xa9", 5, 1, "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "\xe2\x82\xac 5", 5, 1, "\xe2\x82\xac 5", "\xe2\x82\xac 5" },
		{ "\xf0\x9f\x98\x80", 4, 1, "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "a\x80" "b", 3, 0, "a?b", "a\\x80b" },	/* stray continuation */
		{ "\xc0\xaf", 2, 0, "??", "\\xc0\\xaf" },	/* overlong lead */
		{ "\xc3", 1, 0, "?", "\\xc3" },		/* cut short */
		{ "\xe2\x82", 2, 0, "??", "\\xe2\\x82" },
		{ "\xf5\x80\x80\x80", 4, 0, "????", "\\xf5\\x80\\x80\\x80" },	/* beyond U+10FFFF */
		{ "a\0b", 3, 1, "a?b", "a\\x00b" },	/* NUL: valid, not clean */
		{ "bad\xff.yaml", 9, 0, "bad?.yaml", "bad\\xff.yaml" },
		/* controls and line separators: escaped, one line */
		{ "a\rb", 3, 1, "a\rb", "a\\x0db" },
		{ "a\xc2\x85" "b", 4, 1, "a\xc2\x85" "b", "a\\u0085b" },
		{ "a\xe2\x80\xa8" "b", 5, 1, "a\xe2\x80\xa8" "b", "a\\u2028b" },
		{ "a\xe2\x80\xa9", 4, 1, "a\xe2\x80\xa9", "a\\u2029" },
		{ "", 0, 1, "", "" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct buf b;

		buf_init(&b, 0);
		CHECK_EQ_INT(cases[i].valid, text_utf8_valid(cases[i].in, cases[i].n));
		text_utf8_clean(&b, cases[i].in, cases[i].n, "?");
		CHECK_EQ_STR(cases[i].clean, buf_str(&b));
		buf_reset(&b);
		text_utf8_escape(&b, cases[i].in, cases[i].n);
		CHECK_EQ_STR(cases[i].escaped, buf_str(&b));
		buf_free(&b);
	}
}

/* the characters no name may hold */
static void
control_cases(void)
{
	static const struct { const char *in; int control; } cases[] = {
		{ "load_orders", 0 }, { "caf\xc3\xa9", 0 }, { "\xe2\x82\xac", 0 },
		{ "a\rb", 1 }, { "a\x01", 1 }, { "\x1b[31m", 1 }, { "a\fb", 1 },
		{ "a\x7f", 1 }, { "a\xc2\x85", 1 }, { "a\xc2\xa0", 0 },
		{ "a\xe2\x80\xa8", 1 }, { "a\xe2\x80\xa9", 1 }, { "a\xe2\x80\xa7", 0 },
		{ "bad\xff", 0 }, { "", 0 },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_INT(cases[i].control, text_has_control(cases[i].in));
}

static void
html_cases(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "<a href=\"x\">&'</a>", "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;" },
		{ "caf\xc3\xa9 & co", "caf\xc3\xa9 &amp; co" },
		/* a raw CR in an attribute reads as LF: a reference */
		{ "a\rb", "a&#13;b" },
		{ "a\x01" "b\x1b" "c\x0c" "d\x7f", "a&#1;b&#27;c&#12;d&#127;" },
		{ "tab\tlf\n", "tab\tlf\n" },
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

/* A name breaks after "_", "." and "-", and every TEXT_NAME_RUN (24)
 * letters of a run without one, escaped, never inside a UTF-8 sequence. */
static void
name_cases(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "short", "short" },
		{ "inventoryrollups", "inventoryrollups" },
		{ "load_orders.v2-daily", "load_<wbr>orders.<wbr>v2-<wbr>daily" },
		{ "a__b", "a_<wbr>_<wbr>b" },
		{ "trailing_", "trailing_" },
		{ "_lead", "_<wbr>lead" },
		{ "odd<&\"'>_x", "odd&lt;&amp;&quot;&#39;&gt;_<wbr>x" },
		{ "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx",
		  "abcdefghijklmnopqrstuvwx<wbr>yzabcdefghijklmnopqrstuv<wbr>wx" },
		{ "abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwx" },
		/* 23 letters then an e-acute: the break after it, not inside */
		{ "abcdefghijklmnopqrstuvw\xc3\xa9z", "abcdefghijklmnopqrstuvw\xc3\xa9<wbr>z" },
		{ "", "" },
	};
	struct buf b;

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		buf_init(&b, 0);
		text_html_name(&b, cases[i].in);
		CHECK_EQ_STR(cases[i].out, buf_str(&b));
		buf_free(&b);
	}
	buf_init(&b, 0);
	text_html_name(&b, NULL);
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

/* Which URLs are live links: http(s) with a host and this site's paths;
 * every other scheme, and anything a browser may read another way, is
 * text. */
static void
url_kind_cases(void)
{
	static const struct { const char *in; enum text_url_kind kind; } cases[] = {
		{ "http://127.0.0.1:8080/dags/x", TEXT_URL_WEB },
		{ "HTTPS://sluice.example.com/sluice/", TEXT_URL_WEB },
		{ "https://[::1]:8080", TEXT_URL_WEB },
		{ "/dags/x?at=2024", TEXT_URL_PATH },
		{ "/", TEXT_URL_PATH },
		{ "//evil.example/x", TEXT_URL_NONE },
		{ "/\\evil.example", TEXT_URL_NONE },
		{ "/\t/evil.example", TEXT_URL_NONE },
		{ "javascript:alert(1)", TEXT_URL_NONE },
		{ "JavaScript:alert(1)//http://x", TEXT_URL_NONE },
		{ " javascript:alert(1)", TEXT_URL_NONE },
		{ "java\tscript:alert(1)", TEXT_URL_NONE },
		{ "data:text/html,x", TEXT_URL_NONE },
		{ "vbscript:x", TEXT_URL_NONE },
		{ "http:evil.example", TEXT_URL_NONE },
		{ "http://", TEXT_URL_NONE },
		{ "https:///x", TEXT_URL_NONE },
		{ "http://@evil.example", TEXT_URL_NONE },
		{ "http://x\"onmouseover=\"y", TEXT_URL_NONE },
		{ "http://x/<b>", TEXT_URL_NONE },
		{ "dags/x", TEXT_URL_NONE },
		{ "", TEXT_URL_NONE },
		{ NULL, TEXT_URL_NONE },
	};
	struct buf b;

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_INT(cases[i].kind, text_url_kind(cases[i].in));
	buf_init(&b, 0);
	text_html_link(&b, "http://h/a?b=1&c=2", "x<y");
	CHECK_EQ_STR("<a href=\"http://h/a?b=1&amp;c=2\">x&lt;y</a>", buf_str(&b));
	buf_free(&b);
	buf_init(&b, 0);
	text_html_link(&b, "javascript:alert('x')", "Open");
	CHECK_EQ_STR("Open (javascript:alert(&#39;x&#39;))", buf_str(&b));
	buf_free(&b);
}

/* JSON text in a <script> block: every "<" as \u003c, nothing else
 * touched. */
static void
json_script_cases(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "{\"a\":1}", "{\"a\":1}" },
		{ "[\"<\\/script>\"]", "[\"\\u003c\\/script>\"]" },
		{ "[\"x<!--<script>\"]", "[\"x\\u003c!--\\u003cscript>\"]" },
		{ "\"<<\"", "\"\\u003c\\u003c\"" },
		{ "\"caf\xc3\xa9 & >\"", "\"caf\xc3\xa9 & >\"" },
	};
	struct buf b;

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		buf_init(&b, 0);
		text_json_script(&b, cases[i].in);
		CHECK_EQ_STR(cases[i].out, buf_str(&b));
		buf_free(&b);
	}
	buf_init(&b, 0);
	text_json_script(&b, NULL);
	CHECK_EQ_STR("", buf_str(&b));
	buf_free(&b);
}

/* The "did you mean": a typo gets the name meant, a word that is far
 * from every name gets none. */
static void
near_cases(void)
{
	static const char *const keys[] = {
		"schedule", "start", "retries", "retry_delay", "command",
		"timeout", "trigger_rule", "integer", "table", "ds", "ts",
		"all_success", "one_success", "a", NULL,
	};
	static const struct { const char *word, *want; } cases[] = {
		{ "schedul", "schedule" },	/* a letter missing */
		{ "retrys", "retries" },	/* two edits in six letters */
		{ "comand", "command" },
		{ "tabel", "table" },		/* two neighbours swapped */
		{ "Schedule", "schedule" },	/* letter case */
		{ "dss", "ds" },
		{ "integr", "integer" },
		{ "retry_dealy", "retry_delay" },
		{ "timeuot", "timeout" },
		{ "colour", NULL },		/* nothing near */
		{ "x", NULL },
		{ "c", NULL },			/* one letter: no typo of "a" */
		{ "A", "a" },
		{ "", NULL },
		{ "scheduler_interval_of_the_dag", NULL },
		{ "schedule", NULL },		/* a name is not its own typo */
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct text_near n;
		const char *got;

		text_near_init(&n, cases[i].word);
		for (size_t k = 0; keys[k] != NULL; k++)
			text_near_add(&n, keys[k]);
		got = text_near_best(&n);
		if (cases[i].want == NULL) {
			if (got != NULL)
				fprintf(stderr, "%s: got %s\n", cases[i].word, got);
			CHECK(got == NULL);
		} else
			CHECK_EQ_STR(cases[i].want, got ? got : "(none)");
	}
	/* a word longer than any key: no work, no suggestion */
	{
		char longword[200];
		struct text_near n;

		memset(longword, 'a', sizeof longword - 1);
		longword[sizeof longword - 1] = '\0';
		text_near_init(&n, longword);
		text_near_add(&n, longword + 1);
		CHECK(text_near_best(&n) == NULL);
	}
}

static void
ago_cases(void)
{
	static const struct { int64_t ms; const char *out; } cases[] = {
		{ 0, "just now" },
		{ 59999, "just now" },
		{ -3600000, "just now" },		/* a clock set back */
		{ 60000, "1 minute ago" },
		{ 119999, "1 minute ago" },
		{ 59 * 60000 + 59999, "59 minutes ago" },
		{ 3600000, "1 hour ago" },
		{ 23 * 3600000 + 3599999, "23 hours ago" },
		{ 86400000, "1 day ago" },
		{ 400LL * 86400000, "400 days ago" },
	};
	char out[64];

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_STR(cases[i].out, sl_format_ago(cases[i].ms, out, sizeof out));
}

static void
count_cases(void)
{
	static const struct { long long n; const char *out; } cases[] = {
		{ 0, "0 tries" },
		{ 1, "1 try" },
		{ 2, "2 tries" },
		{ -1, "-1 tries" },
		{ 1000000, "1000000 tries" },
	};
	char out[64], small[4];

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_STR(cases[i].out, text_count(cases[i].n, "try", "tries", out, sizeof out));
	CHECK_EQ_STR("1 t", text_count(1, "try", "tries", small, sizeof small));
}

/* A duration as a DAG file writes it (sl_format_duration); app.js's
 * fmtDuration must say the same: tests/browser/grid_ui.mjs checks it with
 * this table. */
static void
duration_cases(void)
{
	static const struct { long long ms; const char *out; } cases[] = {
		{ 0, "0ms" },
		{ 25, "25ms" },
		{ 1500, "1.5s" },
		{ 5000, "5s" },
		{ 59949, "59.9s" },
		{ 59999, "59s" },
		{ 90000, "1m30s" },
		{ 3600000, "1h" },
		{ 93784000, "1d2h3m4s" },
		{ 172800000, "2d" },
	};
	char out[64];

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_STR(cases[i].out, sl_format_duration(cases[i].ms, out, sizeof out));
}

/* A secret URL as it may be shown: scheme and host, nothing of the user,
 * the password (which may hold '@' or '/') or the path. */
static void
url_shown_cases(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "https://hooks.example.com/services/T0/B0/XYZ", "https://hooks.example.com/********" },
		{ "http://u:pw@127.0.0.1:19251/at/TOKEN", "http://127.0.0.1:19251/********" },
		{ "http://u:pa@ssLEAK@127.0.0.1:19251/at/TOKEN", "http://127.0.0.1:19251/********" },
		{ "http://u:p/ss@host.example/x", "http://host.example/********" },
		{ "http://host.example?token=a@b", "http://host.example/********" },
		{ "http://host.example", "http://host.example/********" },
		{ "not a url", "********" },
	};
	char out[256];

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_STR(cases[i].out, secret_url_shown(cases[i].in, out, sizeof out));
}

/* Wildcard patterns: only '*' and '?' are wildcards, '\\' makes one
 * literal, '[' is itself. */
static void
glob_cases(void)
{
	static const struct { const char *pattern, *s; int match; } cases[] = {
		{ "report[1].csv", "report[1].csv", 1 },
		{ "report[1].csv", "report1.csv", 0 },
		{ "report[12]*.csv", "report[12]-a.csv", 1 },
		{ "raw/*/sales_?.csv", "raw/2024/01/sales_1.csv", 1 },
		{ "raw/*/sales_?.csv", "raw/2024/sales_12.csv", 0 },
		{ "a*b*c", "axxbyyc", 1 },
		{ "a*b*c", "axxbyy", 0 },
		{ "*", "", 1 },
		{ "", "", 1 },
		{ "?", "", 0 },
		{ "x\\*y", "x*y", 1 },
		{ "x\\*y", "xzy", 0 },
		{ "x\\?y*", "x?y.csv", 1 },
		{ "x\\\\*", "x\\abc", 1 },
		{ "a\\b", "a\\b", 1 },	/* '\\' before another byte: itself */
		{ "*.csv", "a/b/c.csv", 1 },
		{ "*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	};
	static const struct { const char *in, *escaped, *literal; } esc[] = {
		{ "plain/key.csv", "plain/key.csv", "plain/key.csv" },
		{ "a*b?c\\d[1]", "a\\*b\\?c\\\\d[1]", "a*b?c\\d[1]" },
	};
	struct buf b;

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_MSG(text_glob_match(cases[i].pattern, cases[i].s) ==
			  cases[i].match, "%s ~ %s", cases[i].pattern,
			  cases[i].s);
	buf_init(&b, 0);
	for (size_t i = 0; i < SL_ARRAY_LEN(esc); i++) {
		buf_reset(&b);
		text_glob_escape(&b, esc[i].in);
		CHECK_EQ_STR(esc[i].escaped, buf_str(&b));
		CHECK(!text_glob_has_wildcard(buf_str(&b)));
		CHECK(text_glob_match(buf_str(&b), esc[i].in));
		CHECK_EQ_INT((int)b.len, (int)text_glob_literal_len(buf_str(&b)));
		{
			char *pattern = xstrdup(buf_str(&b));

			buf_reset(&b);
			text_glob_unescape(&b, pattern, strlen(pattern));
			CHECK_EQ_STR(esc[i].literal, buf_str(&b));
			free(pattern);
		}
	}
	CHECK(text_glob_has_wildcard("a/b*"));
	CHECK(!text_glob_has_wildcard("a/[b]"));
	CHECK_EQ_INT(4, (int)text_glob_literal_len("a\\*b?c"));
	buf_free(&b);
}

int
main(void)
{
	RUN(utf8_cases);
	RUN(control_cases);
	RUN(html_cases);
	RUN(name_cases);
	RUN(url_cases);
	RUN(url_kind_cases);
	RUN(json_script_cases);
	RUN(near_cases);
	RUN(ago_cases);
	RUN(count_cases);
	RUN(duration_cases);
	RUN(url_shown_cases);
	RUN(glob_cases);
	return UNIT_END();
}
