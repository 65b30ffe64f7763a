/*
 * The Hextile encoding (RFC 6143 §7.7.4)
 *
 * The rectangle is cut into 16x16 tiles, left to right, top to bottom. A
 * tile is one colour (background only), two colours (background plus
 * foreground subrectangles), a few colours (coloured subrectangles), or raw
 * pixels, whichever is smallest. The background and foreground carry over
 * from tile to tile as the RFC allows: the background not past a Raw tile,
 * the foreground not past a Raw or SubrectsColoured tile. This encoder
 * tracks exactly that and re-specifies a value whenever it is undefined.
 */

#include "encode_pixel.h"

using namespace Vnc;

namespace {

	enum Flags : uint8_t {
		RAW_TILE          = 1,
		BACKGROUND        = 2,
		FOREGROUND        = 4,
		ANY_SUBRECTS      = 8,
		SUBRECTS_COLOURED = 16,
	};

	struct Subrect { uint32_t colour; uint8_t xy, wh; };

	/* A pixel value that may be undefined for the next tile */
	struct Carried
	{
		bool     defined = false;
		uint32_t value   = 0;

		bool same(uint32_t v) const { return defined && value == v; }
		void set(uint32_t v) { defined = true; value = v; }
	};

	struct Tile
	{
		uint32_t w, h;
		uint32_t val[256];   /* client pixel values, w a line */

		uint32_t at(uint32_t x, uint32_t y) const { return val[y*w + x]; }
	};

	/*
	 * Cover every pixel that is not 'bg' with subrectangles of one colour.
	 * Returns the number found, or -1 once 'budget' bytes would be exceeded
	 * at 'cost' bytes a subrectangle.
	 */
	int find_subrects(Tile const &t, uint32_t bg, Subrect *out, int budget, int cost)
	{
		bool covered[256] { };
		int n = 0;

		for (uint32_t y = 0; y < t.h; y++) {
			for (uint32_t x = 0; x < t.w; x++) {
				uint32_t const c = t.at(x, y);
				if (c == bg || covered[y*t.w + x])
					continue;

				if ((budget -= cost) < 0)
					return -1;

				/*
				 * Overlapping an earlier subrect of the same colour paints the
				 * same pixels again, so only other colours end an extent.
				 * Try horizontal-first and vertical-first, keep the larger.
				 */
				uint32_t w1 = 1, h1 = 1;
				while (x + w1 < t.w && t.at(x + w1, y) == c) w1++;
				for (bool ok = true; ok && y + h1 < t.h; ) {
					for (uint32_t i = 0; i < w1 && ok; i++) ok = t.at(x + i, y + h1) == c;
					if (ok) h1++;
				}

				uint32_t w2 = 1, h2 = 1;
				while (y + h2 < t.h && t.at(x, y + h2) == c) h2++;
				for (bool ok = true; ok && x + w2 < t.w; ) {
					for (uint32_t j = 0; j < h2 && ok; j++) ok = t.at(x + w2, y + j) == c;
					if (ok) w2++;
				}

				uint32_t const rw = w1*h1 >= w2*h2 ? w1 : w2;
				uint32_t const rh = w1*h1 >= w2*h2 ? h1 : h2;

				for (uint32_t j = 0; j < rh; j++)
					for (uint32_t i = 0; i < rw; i++)
						covered[(y + j)*t.w + x + i] = true;

				out[n++] = { c, uint8_t(x << 4 | y), uint8_t((rw - 1) << 4 | (rh - 1)) };
			}
		}
		return n;
	}
}


void Vnc::encode_hextile(Pixel_format const &format, Pixels pixels, std::vector<uint8_t> &out)
{
	Converter const conv(format);
	Pixel_out const px = pixel_out(format);
	int const bpp = int(px.size);

	Byte_writer writer(out);
	Carried bg, fg;
	Tile t;
	Subrect subrects[256];

	for (uint32_t ty = 0; ty < pixels.area.h; ty += 16) {
		for (uint32_t tx = 0; tx < pixels.area.w; tx += 16) {
			t.w = std::min(16u, pixels.area.w - tx);
			t.h = std::min(16u, pixels.area.h - ty);
			uint32_t const n = t.w * t.h;
			conv.convert(pixels, tx, ty, t.w, t.h, t.val);

			int const raw_size = 1 + int(n) * bpp;

			/* the colours of the tile and how often each occurs, up to a few */
			enum { MAX_COLOURS = 32 };
			uint32_t colour[MAX_COLOURS], count[MAX_COLOURS];
			unsigned colours = 0;
			for (uint32_t i = 0; i < n && colours <= MAX_COLOURS; ) {
				uint32_t const c = t.val[i];
				uint32_t run = 1;
				while (i + run < n && t.val[i + run] == c) run++;
				i += run;
				unsigned k = 0;
				while (k < colours && colour[k] != c) k++;
				if (k == colours) {
					if (colours == MAX_COLOURS) { colours++; break; }
					colour[k] = c; count[k] = 0; colours++;
				}
				count[k] += run;
			}

			uint8_t *p = writer.reserve(size_t(raw_size) + 2*4);

			if (colours == 1) {
				uint8_t flags = 0;
				uint8_t *q = p + 1;
				if (!bg.same(colour[0])) { flags |= BACKGROUND; q = px.put(q, colour[0]); }
				bg.set(colour[0]);
				*p = flags;
				writer.commit(q);
				continue;
			}

			int sub_count = -1;
			uint8_t flags = ANY_SUBRECTS;
			uint32_t back = 0, fore = 0;

			if (colours <= MAX_COLOURS) {
				unsigned most = 0;
				for (unsigned k = 1; k < colours; k++)
					if (count[k] > count[most]) most = k;
				back = colour[most];

				int header = 2 + (bg.same(back) ? 0 : bpp);
				if (colours == 2) {
					fore = colour[most ^ 1];
					header += fg.same(fore) ? 0 : bpp;
					sub_count = find_subrects(t, back, subrects, raw_size - header, 2);
				} else {
					flags |= SUBRECTS_COLOURED;
					sub_count = find_subrects(t, back, subrects, raw_size - header, 2 + bpp);
				}
			}

			if (sub_count < 0) {
				*p = RAW_TILE;
				uint8_t *q = p + 1;
				for (uint32_t j = 0; j < t.h; j++)
					q = px.put(q, t.val + j*t.w, t.w);
				writer.commit(q);
				bg.defined = fg.defined = false;
				continue;
			}

			uint8_t *q = p + 1;
			if (!bg.same(back)) { flags |= BACKGROUND; q = px.put(q, back); }
			bg.set(back);
			if (!(flags & SUBRECTS_COLOURED)) {
				if (!fg.same(fore)) { flags |= FOREGROUND; q = px.put(q, fore); }
				fg.set(fore);
			} else {
				fg.defined = false;
			}
			*p = flags;
			*q++ = uint8_t(sub_count);
			for (int i = 0; i < sub_count; i++) {
				if (flags & SUBRECTS_COLOURED)
					q = px.put(q, subrects[i].colour);
				*q++ = subrects[i].xy;
				*q++ = subrects[i].wh;
			}
			writer.commit(q);
		}
	}
	writer.finish();
}
