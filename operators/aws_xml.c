/* aws_xml.c: expat callbacks that turn XML into (path, text) events. */
#include "operators/aws_xml.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

/* Deeper documents are refused: AWS answers are a few levels deep. */
#define XML_MAX_DEPTH 32
#define XML_MAX_TEXT (1u << 20)

struct xml_state {
	XML_Parser parser;
	struct buf path;
	size_t ends[XML_MAX_DEPTH];	/* path length before each level */
	int depth;
	struct buf text;
	aws_xml_element_fn fn;
	void *arg;
	int stopped;
	int too_deep;
};

static void
on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_state *st = data;
	const char *local = strrchr(name, ':');

	if (st->depth >= XML_MAX_DEPTH) {
		st->too_deep = 1;
		XML_StopParser(st->parser, XML_FALSE);
		return;
	}
	st->ends[st->depth++] = st->path.len;
	if (st->path.len > 0)
		buf_addc(&st->path, '/');
	buf_adds(&st->path, local ? local + 1 : name);
	buf_reset(&st->text);
}

static void
on_end(void *data, const XML_Char *name)
{
	struct xml_state *st = data;

	if (st->fn(st->arg, buf_str(&st->path), buf_str(&st->text)) < 0) {
		st->stopped = 1;
		XML_StopParser(st->parser, XML_FALSE);
		return;
	}
	buf_reset(&st->text);
	st->depth--;
	st->path.len = st->ends[st->depth];
	if (st->path.data != NULL)
		st->path.data[st->path.len] = '\0';
}

static void
on_text(void *data, const XML_Char *s, int len)
{
	struct xml_state *st = data;

	if (buf_add(&st->text, s, (size_t)len) < 0) {
		st->too_deep = 1;
		XML_StopParser(st->parser, XML_FALSE);
	}
}

int
aws_xml_parse(const char *data, size_t len, aws_xml_element_fn fn, void *arg,
	      struct sl_err *err)
{
	struct xml_state st = { 0 };
	int rc = 0;

	st.parser = XML_ParserCreate(NULL);
	if (st.parser == NULL)
		sl_fatal("XML_ParserCreate failed");
	st.fn = fn;
	st.arg = arg;
	buf_init(&st.path, 4096);
	buf_init(&st.text, XML_MAX_TEXT);
	XML_SetUserData(st.parser, &st);
	XML_SetElementHandler(st.parser, on_start, on_end);
	XML_SetCharacterDataHandler(st.parser, on_text);
	if (len > INT32_MAX ||
	    XML_Parse(st.parser, data, (int)len, 1) == XML_STATUS_ERROR) {
		if (st.stopped)
			rc = -1;	/* the callback's own error */
		else if (st.too_deep)
			rc = sl_err_set(err, "XML answer nested or sized "
					"beyond limits");
		else
			rc = sl_err_set(err, "bad XML answer at line %lu: %s",
			    (unsigned long)XML_GetCurrentLineNumber(st.parser),
			    XML_ErrorString(XML_GetErrorCode(st.parser)));
	}
	XML_ParserFree(st.parser);
	buf_free(&st.path);
	buf_free(&st.text);
	return rc;
}

struct find_state {
	const char *suffix;
	char *found;
};

static int
find_cb(void *arg, const char *path, const char *text)
{
	struct find_state *fs = arg;
	size_t pl = strlen(path), sl = strlen(fs->suffix);

	if (fs->found == NULL && pl >= sl &&
	    strcmp(path + pl - sl, fs->suffix) == 0 &&
	    (pl == sl || path[pl - sl - 1] == '/'))
		fs->found = xstrdup(text);
	return 0;
}

char *
aws_xml_find(const char *data, size_t len, const char *suffix)
{
	struct find_state fs = { suffix, NULL };

	if (aws_xml_parse(data, len, find_cb, &fs, NULL) < 0) {
		/* keep what was found before the error */
	}
	return fs.found;
}
