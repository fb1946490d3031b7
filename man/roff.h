/*
 * roff.h: writing man(7) source. The man pages (man.h) are generated from
 * the code's tables through these few calls, which escape every text they
 * are given, so a table's text cannot break the page.
 */
#ifndef SLUICE_ROFF_H
#define SLUICE_ROFF_H

#include "base/util.h"

/* Text as roff: backslashes escaped, a leading '.' or '\'' made literal,
 * a hyphen that starts a word written \- (options print as minus signs),
 * each line break kept, a blank line a paragraph space (.sp). */
void roff_text(struct buf *out, const char *text);
/* text on a line of its own, then a newline. */
void roff_line(struct buf *out, const char *text);
/* A request line: ".NAME" then each argument quoted ("" for NULL). */
void roff_req(struct buf *out, const char *name, int nargs, ...);
/* .TH with the page's name, section and source ("sluice VERSION"). */
void roff_title(struct buf *out, const char *name, int section,
		const char *summary);
/* A .TP entry whose tag is tag (in bold, then " rest" in roman). */
void roff_tag(struct buf *out, const char *tag, const char *rest);
/* A key of a table: its .TP entry (roff_tag), its doc, then "Default:
 * DEF." on a line of its own when def is not NULL. */
void roff_key(struct buf *out, const char *name, const char *rest,
	      const char *doc, const char *def);
/* Lines kept as they are (no filling): an example file. */
void roff_verbatim(struct buf *out, const char *text);

#endif
