/*
 * inline.c: the UI's stylesheets and scripts written into a page instead
 * of linked, for the pages whose first paint must not wait on a fetch
 * (the partition map: a fresh browser context spends a round trip through
 * its network service per stylesheet or script, 80-160 ms on a small
 * machine, before it draws anything). The Content-Security-Policy still
 * forbids inline code: a response allows exactly the blocks it carries,
 * each by the SHA-256 of its bytes, and those hashes are computed once
 * per server (web_open) from the compiled-in assets, never per request.
 *
 * An asset is written inline only when nothing in it can end its block
 * early or change how HTML reads it: no "</" and no "<!--" anywhere.
 * Any other asset (or any page that did not ask) gets the usual link.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <string.h>

#include "base/crypto.h"

/* Is a the kind of asset a page can carry as a block (1 script, 2
 * style, 0 neither)? */
static int
inline_kind(const struct web_asset *a)
{
	if (strncmp(a->type, "text/javascript", 15) == 0)
		return 1;
	if (strncmp(a->type, "text/css", 8) == 0)
		return 2;
	return 0;
}

/* Could these bytes end a <script> or <style> block early, or put the
 * HTML parser in its escaped-script state? */
static int
inline_unsafe(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (p[i] == '<' && (p[i + 1] == '/' ||
		    (i + 3 < len && memcmp(p + i + 1, "!--", 3) == 0)))
			return 1;
	return memchr(p, '\0', len) != NULL;
}

/* The CSP source allowing a block of these bytes, "'sha256-BASE64'",
 * into out (56 bytes hold it). */
static void
inline_src(const void *p, size_t len, char *out, size_t n)
{
	unsigned char md[SL_SHA256_LEN];
	char b64[SL_BASE64_LEN(SL_SHA256_LEN) + 1];

	sl_sha256(p, len, md);
	sl_base64_encode(md, sizeof md, b64);
	snprintf(out, n, "'sha256-%s'", b64);
}

void
inline_open(struct web *w)
{
	size_t n = 0;

	for (const struct web_asset *a = web_assets; a->name != NULL; a++, n++) {
		char *src;

		if (n >= WEB_INLINE_MAX)
			sl_fatal("more than %d compiled-in web assets", WEB_INLINE_MAX);
		src = w->inline_src[n];
		src[0] = '\0';
		if (inline_kind(a) == 0 || inline_unsafe(a->data, a->len))
			continue;
		inline_src(a->data, a->len, src, sizeof w->inline_src[n]);
	}
}

void
inline_asset(struct web_req *r, struct buf *b, const char *name)
{
	size_t i = 0;
	const struct web_asset *a;
	int kind;

	for (a = web_assets; a->name != NULL && strcmp(a->name, name) != 0; a++)
		i++;
	if (a->name == NULL)
		sl_fatal("no compiled-in web asset %s", name);
	kind = inline_kind(a);
	if (!r->inline_assets || r->w->inline_src[i][0] == '\0') {
		if (kind == 1)
			buf_printf(b, "<script src=\"/static/%s\"></script>", a->name);
		else
			buf_printf(b, "<link rel=\"stylesheet\" href=\"/static/%s\">", a->name);
		return;
	}
	buf_adds(b, kind == 1 ? "<script>" : "<style>");
	buf_add(b, a->data, a->len);
	buf_adds(b, kind == 1 ? "</script>" : "</style>");
	r->inlined |= UINT32_C(1) << i;
}

void
inline_csp_sources(const struct web_req *r, int scripts, struct buf *b)
{
	size_t i = 0;

	for (const struct web_asset *a = web_assets; a->name != NULL; a++, i++)
		if ((r->inlined & (UINT32_C(1) << i)) && inline_kind(a) == (scripts ? 1 : 2)) {
			buf_addc(b, ' ');
			buf_adds(b, r->w->inline_src[i]);
		}
	if (!scripts && r->inline_style_src[0] != '\0')
		buf_printf(b, " %s", r->inline_style_src);
}

void
inline_style_block(struct web_req *r, struct buf *b, const char *css)
{
	inline_src(css, strlen(css), r->inline_style_src, sizeof r->inline_style_src);
	buf_adds(b, "<style>");
	buf_adds(b, css);
	buf_adds(b, "</style>");
}
