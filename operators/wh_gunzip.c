/* wh_gunzip.c: gzip'd objects inflated on the fly with zlib, through a
 * fixed output buffer, so memory stays bounded whatever the object size.
 * Concatenated gzip members (as `cat a.gz b.gz` or parallel writers
 * produce) are read one after another. */
#include "operators/wh.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define GUNZIP_OUT (256 * 1024)

struct wh_gunzip {
	z_stream z;
	wh_bytes_fn fn;
	void *arg;
	int member_done;	/* the last member ended; more may follow */
	int started;		/* some input seen in this object */
	unsigned char out[GUNZIP_OUT];
};

struct wh_gunzip *
wh_gunzip_new(wh_bytes_fn fn, void *arg)
{
	struct wh_gunzip *g = xcalloc(1, sizeof *g);

	g->fn = fn;
	g->arg = arg;
	/* 16 + MAX_WBITS: a gzip header and trailer, not zlib's. */
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK)
		sl_fatal("zlib: inflateInit2 failed");
	return g;
}

void
wh_gunzip_free(struct wh_gunzip *g)
{
	if (g == NULL)
		return;
	inflateEnd(&g->z);
	free(g);
}

int
wh_gunzip_write(struct wh_gunzip *g, const void *data, size_t len,
		struct sl_err *err)
{
	const unsigned char *p = data;
	int full;

	g->z.avail_in = 0;
	do {
		size_t produced;
		int zr;

		if (g->z.avail_in == 0 && len > 0) {
			uInt step = len > (1u << 30) ? (1u << 30) : (uInt)len;

			g->z.next_in = (unsigned char *)p;
			g->z.avail_in = step;
			p += step;
			len -= step;
		}
		if (g->member_done) {
			if (g->z.avail_in == 0)
				break;
			/* Another member follows the one that ended. */
			if (inflateReset(&g->z) != Z_OK)
				return sl_err_set(err, "gzip: cannot reset");
			g->member_done = 0;
		}
		if (g->z.avail_in > 0)
			g->started = 1;
		g->z.next_out = g->out;
		g->z.avail_out = sizeof g->out;
		zr = inflate(&g->z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return sl_err_set(err, "gzip: %s",
			    g->z.msg != NULL ? g->z.msg : "corrupt data");
		produced = sizeof g->out - g->z.avail_out;
		if (produced > 0 && g->fn(g->arg, g->out, produced, err) < 0)
			return -1;
		full = g->z.avail_out == 0;
		if (zr == Z_STREAM_END)
			g->member_done = 1;
	} while (full || g->z.avail_in > 0 || len > 0);
	return 0;
}

int
wh_gunzip_finish(struct wh_gunzip *g, struct sl_err *err)
{
	int complete = !g->started || g->member_done;

	inflateReset(&g->z);
	g->member_done = 0;
	g->started = 0;
	if (!complete)
		return sl_err_set(err, "gzip: the object ends in the middle of its compressed data");
	return 0;
}
