/* ydoc_pos.c: where a character of a scalar's value is in the YAML
 * source (see ydoc.h, ynode_value_pos). A value is its source lines with
 * their indentation taken off and their breaks folded (a `|` block keeps
 * them, a `>` block and a multi-line flow scalar fold one into a space):
 * the value is matched against those lines, one after another, with the
 * breaks between them skipped. An escape (\t, '') does not match, and the
 * position is not recovered then. */
#include "base/ydoc.h"

#include <string.h>

/* One source line of a scalar: its text and where it starts. */
struct pos_line {
	const char *text;
	size_t len;
	int line, col;		/* 0-based */
};

/* The bounds of 0-based line k of text: its start, its length. */
static int
pos_source_line(const char *text, size_t len, int k, const char **start,
		size_t *n)
{
	size_t i = 0;
	const char *nl;

	for (int line = 0; line < k; line++) {
		nl = memchr(text + i, '\n', len - i);
		if (nl == NULL)
			return -1;
		i = (size_t)(nl - text) + 1;
	}
	nl = memchr(text + i, '\n', len - i);
	*start = text + i;
	*n = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
	if (*n > 0 && (*start)[*n - 1] == '\r')
		(*n)--;
	return 0;
}

/* Match value against lines; off's source position into *line, *col. */
static int
pos_match(const char *value, size_t vlen, const struct pos_line *lines,
	  int n, size_t off, int *line, int *col)
{
	size_t p = 0;

	for (int i = 0; i < n; i++) {
		const struct pos_line *l = &lines[i];

		if (l->len == 0)
			continue;
		while (p < vlen && (vlen - p < l->len ||
				    memcmp(value + p, l->text, l->len) != 0) &&
		       (value[p] == ' ' || value[p] == '\n'))
			p++;
		if (vlen - p < l->len || memcmp(value + p, l->text, l->len) != 0)
			return -1;
		if (off >= p && off < p + l->len) {
			*line = l->line + 1;
			*col = l->col + (int)(off - p) + 1;
			return 0;
		}
		p += l->len;
	}
	return -1;
}

#define POS_MAX_LINES 1024	/* a longer scalar: not recovered */

int
ynode_value_pos(const struct ydoc *d, const ynode_t *n, size_t off, int *line,
		int *col)
{
	static const struct pos_line none;
	struct pos_line lines[POS_MAX_LINES];
	const char *text, *s;
	size_t len, sl;
	int first, last, nl = 0, block, indent = -1;

	if (n == NULL || n->type != YAML_SCALAR_NODE ||
	    (text = ydoc_text(d, &len)) == NULL)
		return -1;
	block = n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
		n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
	first = (int)n->start_mark.line + block;
	last = (int)n->end_mark.line;
	if (last - first + 1 > POS_MAX_LINES)
		return -1;
	for (int k = first; k <= last; k++) {
		struct pos_line *l = &lines[nl];
		size_t from = 0, to;

		if (pos_source_line(text, len, k, &s, &sl) < 0)
			break;
		*l = none;
		to = sl;
		if (block) {
			size_t sp = 0;

			while (sp < sl && s[sp] == ' ')
				sp++;
			if (sp == sl) {		/* a blank line */
				nl++;
				continue;
			}
			if (indent < 0)
				indent = (int)sp;
			if ((int)sp < indent)
				break;		/* past the block */
			from = (size_t)indent;
		} else {
			if (k == (int)n->start_mark.line)
				from = n->start_mark.column +
				       (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE);
			if (k == last) {
				size_t end = n->end_mark.column;

				if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE && end > 0)
					end--;	/* the closing quote */
				to = end < sl ? end : sl;
			}
			if (k != (int)n->start_mark.line)
				while (from < to && (s[from] == ' ' || s[from] == '\t'))
					from++;
			if (k != last || n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
				while (to > from && (s[to - 1] == ' ' || s[to - 1] == '\t'))
					to--;
		}
		if (from > to)
			from = to;
		l->text = s + from;
		l->len = to - from;
		l->line = k;
		l->col = (int)from;
		nl++;
	}
	return pos_match(n->data.scalar.value ? (const char *)n->data.scalar.value : "",
			 n->data.scalar.length, lines, nl, off, line, col);
}
