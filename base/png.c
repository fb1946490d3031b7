/* png.c: see png.h. The format: the signature, then chunks (length,
 * type, data, CRC-32): IHDR, PLTE, tRNS, IDAT, IEND. IDAT holds a zlib
 * stream of stored deflate blocks over the rows, each row led by filter
 * byte 0. */
#include "base/png.h"

#include <string.h>

#include "base/util.h"

/* The CRC-32 of PNG chunks (as zlib's): reflected, polynomial 0xedb88320,
 * a bit at a time (a picture is a few kilobytes) */
static uint32_t
png_crc(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n-- > 0) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
	}
	return ~crc;
}

static void
png_be32(struct buf *out, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_add(out, b, 4);
}

/* One chunk: its data is data (n bytes). */
static void
png_chunk(struct buf *out, const char type[4], const void *data, size_t n)
{
	uint32_t crc = png_crc(0, (const unsigned char *)type, 4);

	png_be32(out, (uint32_t)n);
	buf_add(out, type, 4);
	if (n > 0)
		buf_add(out, data, n);
	png_be32(out, png_crc(crc, data, n));
}

void
png_indexed(struct buf *out, uint32_t w, uint32_t h, const uint8_t *px,
	    const uint8_t (*rgb)[3], int ncolors, int transparent0)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char ihdr[13], alpha[256];
	size_t row = (size_t)w + 1, raw = row * h;
	uint32_t a = 1, b = 0;		/* Adler-32 of the raw rows */
	struct buf z;

	buf_add(out, sig, sizeof sig);
	ihdr[0] = w >> 24, ihdr[1] = w >> 16, ihdr[2] = w >> 8, ihdr[3] = w;
	ihdr[4] = h >> 24, ihdr[5] = h >> 16, ihdr[6] = h >> 8, ihdr[7] = h;
	ihdr[8] = 8;			/* bits a pixel */
	ihdr[9] = 3;			/* palette indexes */
	ihdr[10] = ihdr[11] = ihdr[12] = 0;	/* deflate, filter 0, no interlace */
	png_chunk(out, "IHDR", ihdr, sizeof ihdr);
	png_chunk(out, "PLTE", rgb, (size_t)ncolors * 3);
	if (transparent0) {
		alpha[0] = 0;
		png_chunk(out, "tRNS", alpha, 1);
	}

	/* the zlib stream: header (deflate, 32K window, no preset
	 * dictionary, check bits), stored blocks of at most 65,535 bytes,
	 * the Adler-32 */
	buf_init(&z, 0);
	buf_add(&z, "\x78\x01", 2);
	for (size_t at = 0; at < raw;) {
		size_t n = raw - at < 65535 ? raw - at : 65535;
		unsigned char head[5] = { at + n == raw, n, n >> 8, ~n, ~n >> 8 };

		buf_add(&z, head, 5);
		for (size_t k = at; k < at + n; k++) {
			unsigned char c = k % row == 0 ? 0 : px[k / row * w + k % row - 1];

			buf_addc(&z, (char)c);
			a = (a + c) % 65521;
			b = (b + a) % 65521;
		}
		at += n;
	}
	png_be32(&z, b << 16 | a);
	png_chunk(out, "IDAT", z.data, z.len);
	buf_free(&z);
	png_chunk(out, "IEND", NULL, 0);
}
