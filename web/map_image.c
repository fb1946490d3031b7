/*
 * map_image.c: the partition map's first frame, drawn by the server. The
 * map page carries the compact map (pages_map.c) and map.js draws it on a
 * canvas; but a script that runs before the first frame delays that
 * frame by its own run and the canvas's upload (60-90 ms here), and a
 * fresh browser compiles it cold. So the page also carries the map as a
 * small picture: one pixel a partition, in map.js's layout (layout() and
 * size(): the same rows, columns and cell sizes), coloured from map.css's
 * --m-* colours, scaled up by CSS without smoothing (.map-img in
 * map.css), with the gaps between cells cut by a mask. The browser paints
 * it in the first frame; map.js then draws its canvas in the same place,
 * with the axis labels and the missing cells' hatch, and takes over.
 * tests/browser/partition_map.mjs checks that both show every partition
 * at the same place in the same colour.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/png.h"
#include "scheduler/expected.h"

/* The largest picture drawn, in cells (six years of hours, or 1,000
 * lines of a strip): it is stored uncompressed in the page (base64, 1.4
 * bytes a cell); past it map.js draws the first frame itself. */
#define MAP_IMG_MAX_PIXELS 60000u

/* The colour of state name from map.css ("--m-NAME: #rrggbb"); grey when
 * the stylesheet does not say. */
static void
map_color(const char *name, uint8_t rgb[3])
{
	const struct web_asset *a;
	char key[48];
	const char *p;

	rgb[0] = rgb[1] = rgb[2] = 0xcc;	/* map.js's fallback */
	for (a = web_assets; a->name != NULL && strcmp(a->name, "map.css") != 0; a++)
		;
	if (a->name == NULL)
		return;
	snprintf(key, sizeof key, "--m-%s:", name);
	p = memmem(a->data, a->len, key, strlen(key));
	if (p == NULL)
		return;
	p += strlen(key);
	while (*p == ' ')
		p++;
	if (*p != '#')
		return;
	for (int i = 0; i < 3; i++) {
		char hex[3] = { p[1 + 2 * i], p[2 + 2 * i], '\0' };
		char *end;
		long v = strtol(hex, &end, 16);

		if (*end != '\0')
			return;
		rgb[i] = (uint8_t)v;
	}
}

/* Where each partition goes (map.js's layout()): row and column from 0. */
struct map_grid {
	const char *kind;		/* hourly, daily, strip */
	int64_t cols, rows;
	int64_t *row, *col;
};

/* The starts and the zone's offset at each, from the compact body. */
static int
map_starts(json_t *map, size_t n, int64_t *start, int64_t *off)
{
	json_t *step = json_object_get(map, "step_s"), *starts = json_object_get(map, "starts");
	json_t *spans = json_object_get(map, "utc_offsets");
	size_t nspans = json_array_size(spans), k = 0;

	for (size_t i = 0; i < n; i++) {
		if (json_is_integer(step))
			start[i] = json_integer_value(json_object_get(map, "start_s")) +
				   (int64_t)i * json_integer_value(step);
		else if (i < json_array_size(starts))
			start[i] = json_integer_value(json_array_get(starts, i));
		else
			return -1;
		/* offsetsOf(): the span each start falls in */
		while (k + 1 < nspans &&
		       json_integer_value(json_array_get(json_array_get(spans, k + 1), 0)) <= start[i])
			k++;
		off[i] = nspans ? json_integer_value(json_array_get(json_array_get(spans, k), 1)) : 0;
	}
	return 0;
}

static void
map_layout(struct map_grid *g, size_t n, const int64_t *start, const int64_t *off, int64_t step)
{
#define LOCAL_DAY(i) sl_floor_div(start[i] + off[i], 86400)
	if (step == 3600) {
		/* a column per local day, a row per hour (a repeated hour: row 25) */
		int64_t first = LOCAL_DAY(0), prev_day = -1, prev_hour = -1;

		g->kind = "hourly";
		g->rows = 24;
		for (size_t i = 0; i < n; i++) {
			int64_t local = start[i] + off[i], day = sl_floor_div(local, 86400);
			int64_t hour = sl_floor_div(local - day * 86400, 3600), row = hour;

			if (day == prev_day && hour <= prev_hour) {
				row = 24;
				g->rows = 25;
			}
			g->row[i] = row;
			g->col[i] = day - first;
			prev_day = day;
			prev_hour = hour;
		}
		g->cols = LOCAL_DAY(n - 1) - first + 1;
		return;
	}
	int daily = n > 1;

	for (size_t k = 1; daily && k < (n < 40 ? n : 40); k++)
		daily = llabs(start[k] - start[k - 1] - 86400) <= 3600;
	if (daily) {
		/* a calendar: a column per week from Monday, a row per weekday
		 * (JavaScript's % keeps the sign, as C's does) */
		int64_t first = LOCAL_DAY(0), monday0 = first - ((first + 3) % 7);

		g->kind = "daily";
		g->rows = 7;
		for (size_t i = 0; i < n; i++) {
			int64_t day = LOCAL_DAY(i);

			g->row[i] = (day + 3) % 7;
			g->col[i] = sl_floor_div(day - monday0, 7);
		}
		g->cols = sl_floor_div(LOCAL_DAY(n - 1) - monday0, 7) + 1;
		return;
	}
	/* a strip, 60 partitions a line */
	g->kind = "strip";
	for (size_t i = 0; i < n; i++) {
		g->row[i] = (int64_t)(i / 60);
		g->col[i] = (int64_t)(i % 60);
	}
	g->cols = n < 60 ? (int64_t)n : 60;
	g->rows = (int64_t)((n + 59) / 60);
#undef LOCAL_DAY
}

void
map_image(struct web_req *r, struct buf *b, json_t *map)
{
	json_t *legend = json_object_get(map, "legend");
	const char *codes = json_string_value(json_object_get(map, "codes"));
	json_t *step = json_object_get(map, "step_s");
	size_t n = codes != NULL ? strlen(codes) : 0;
	uint8_t rgb[1 + EXPECTED_NSTATES][3] = { { 255, 255, 255 } }, index[128] = { 0 };
	int ncolors = 1;
	const char *code;
	json_t *name;
	struct map_grid g = { 0 };
	int64_t *start, *off;
	uint8_t *px;
	struct buf png, css;
	char *b64;

	if (n == 0 || !json_is_object(legend))
		return;
	/* colour 0: no partition there (transparent, as on the canvas) */
	json_object_foreach(legend, code, name) {
		if (ncolors > EXPECTED_NSTATES || strlen(code) != 1 || (unsigned char)code[0] >= 128)
			return;
		map_color(json_string_value(name), rgb[ncolors]);
		if (strcmp(json_string_value(name), "missing") == 0) {
			/* the canvas hatches a missing cell (lines of
			 * --m-missing-hatch over about a third of it): the
			 * picture has the hatch's tone, so a missing cell is
			 * not the white of no partition */
			uint8_t hatch[3];

			map_color("missing-hatch", hatch);
			for (int k = 0; k < 3; k++)
				rgb[ncolors][k] = (uint8_t)((rgb[ncolors][k] * 2 + hatch[k]) / 3);
		}
		index[(unsigned char)code[0]] = (uint8_t)ncolors++;
	}
	start = xcalloc(n, sizeof *start);
	off = xcalloc(n, sizeof *off);
	g.row = xcalloc(n, sizeof *g.row);
	g.col = xcalloc(n, sizeof *g.col);
	if (map_starts(map, n, start, off) < 0)
		goto out;
	map_layout(&g, n, start, off, json_is_integer(step) ? json_integer_value(step) : 0);
	if (g.cols < 1 || g.rows < 1 || (uint64_t)g.cols * (uint64_t)g.rows > MAP_IMG_MAX_PIXELS)
		goto out;
	px = xcalloc((size_t)(g.cols * g.rows), 1);
	for (size_t i = 0; i < n; i++)
		if (g.row[i] >= 0 && g.row[i] < g.rows && g.col[i] >= 0 && g.col[i] < g.cols)
			px[g.row[i] * g.cols + g.col[i]] = index[(unsigned char)codes[i] & 127];
	buf_init(&png, 0);
	png_indexed(&png, (uint32_t)g.cols, (uint32_t)g.rows, px, (const uint8_t (*)[3])rgb, ncolors, 1);
	free(px);
	b64 = xmalloc(SL_BASE64_LEN(png.len) + 1);
	sl_base64_encode(png.data, png.len, b64);
	buf_free(&png);

	/* its size in cells, for map.css's sizing (a style attribute would
	 * need the CSP's 'unsafe-inline') */
	buf_init(&css, 0);
	buf_printf(&css, "#map-img{--cols:%lld;--rows:%lld}", (long long)g.cols, (long long)g.rows);
	inline_style_block(r, b, buf_str(&css));
	buf_free(&css);
	buf_printf(b, "<img id=\"map-img\" class=\"map-img %s\" alt=\"\" elementtiming=\"map\" decoding=\"sync\" "
		   "width=\"%lld\" height=\"%lld\" src=\"data:image/png;base64,%s\">",
		   g.kind, (long long)g.cols, (long long)g.rows, b64);
	free(b64);
out:
	free(start);
	free(off);
	free(g.row);
	free(g.col);
}
