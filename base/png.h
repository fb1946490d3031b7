/*
 * png.h: a PNG image of palette indexes, for pictures the server draws
 * itself (the partition map's first frame, web/map_image.c). One byte a
 * pixel, at most 256 colours; the pixel data is stored, not compressed:
 * the pictures are small (a year of hours is 9 KB) and the core links
 * without zlib.
 */
#ifndef SLUICE_PNG_H
#define SLUICE_PNG_H

#include <stdint.h>

struct buf;

/*
 * Append to out the PNG of a w x h image (w, h >= 1) whose pixel (x, y)
 * is colour px[y * w + x] of rgb (ncolors entries of red, green, blue;
 * 1 <= ncolors <= 256). With transparent0, colour 0 is fully transparent.
 */
void png_indexed(struct buf *out, uint32_t w, uint32_t h, const uint8_t *px,
		 const uint8_t (*rgb)[3], int ncolors, int transparent0);

#endif
