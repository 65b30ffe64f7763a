/*
 * The Tight encoding (github.com/rfbproto/rfbproto, "Tight Encoding")
 *
 * One rectangle is sent whole, as one of: fill (one colour), the palette
 * filter (2 colours at 1 bit a pixel, up to 256 at a byte a pixel), JPEG
 * (many colours, when the client asked for a quality level), or the copy
 * filter. Each compressed rectangle sets the reset bit of the zlib stream
 * it uses and compresses with a fresh stream, so the payload does not
 * depend on what a client received before.
 *
 * Limits the caller keeps: width at most 2048 (the protocol's), and the
 * rectangle's data below 4 MiB, the largest length Tight's compact length
 * field can carry (22 bits): at 4 bytes a pixel w*h at most ~1,000,000,
 * e.g. 2048x480. The encoder does not split rectangles.
 */

#include <bit>

#include <turbojpeg.h>

#include "encode_pixel.h"
#include "encode_zlib.h"

using namespace Vnc;

namespace {

	enum : uint8_t {
		FILL = 0x80, JPEG = 0x90, EXPLICIT_FILTER = 0x40,
		FILTER_PALETTE = 1,
		MIN_TO_COMPRESS = 12,
	};

	/* streams as TigerVNC uses them, which keeps a client's inflaters warm per kind */
	enum Stream : uint8_t { STREAM_FULL_COLOUR = 0, STREAM_MONO = 1, STREAM_INDEXED = 2 };

	/* TPIXEL: R, G, B bytes for 32 bpp depth-24 formats with 8-bit channels, else PIXEL */
	struct Tpixel_out
	{
		Pixel_out px;
		bool      rgb;
		uint8_t   red_shift, green_shift, blue_shift;

		explicit Tpixel_out(Pixel_format const &f)
		:
			px(pixel_out(f)),
			rgb(f.bits_per_pixel == 32 && f.depth == 24 && f.red_max == 255
			    && f.green_max == 255 && f.blue_max == 255),
			red_shift(f.red_shift), green_shift(f.green_shift), blue_shift(f.blue_shift)
		{ }

		unsigned size() const { return rgb ? 3 : px.size; }

		uint8_t *put(uint8_t *p, uint32_t v) const
		{
			if (!rgb)
				return px.put(p, v);
			p[0] = uint8_t(v >> red_shift); p[1] = uint8_t(v >> green_shift);
			p[2] = uint8_t(v >> blue_shift);
			return p + 3;
		}

		uint8_t *put(uint8_t *p, uint32_t const *v, size_t n) const
		{
			if (!rgb)
				return px.put(p, v, n);
			if (red_shift == 16 && green_shift == 8 && blue_shift == 0) {
				for (size_t i = 0; i < n; i++, p += 3) {
					p[0] = uint8_t(v[i] >> 16); p[1] = uint8_t(v[i] >> 8); p[2] = uint8_t(v[i]);
				}
				return p;
			}
			for (size_t i = 0; i < n; i++) p = put(p, v[i]);
			return p;
		}
	};

	void put_compact_length(std::vector<uint8_t> &out, size_t len)
	{
		/* a longer rectangle would silently corrupt the client's stream */
		if (len >= (size_t(1) << 22))
			throw std::length_error("Tight rectangle over 4 MiB: the caller must cut it smaller");

		out.push_back(uint8_t((len & 0x7f) | (len > 0x7f ? 0x80 : 0)));
		if (len > 0x7f)
			out.push_back(uint8_t(((len >> 7) & 0x7f) | (len > 0x3fff ? 0x80 : 0)));
		if (len > 0x3fff)
			out.push_back(uint8_t(len >> 14));
	}

	/*
	 * Which zlib stream a rectangle uses: a kind's stream, reset in each
	 * rectangle (shared payloads), or a viewer's own stream 3, which goes on
	 */
	struct Stream_choice
	{
		Deflater *own;

		uint8_t control(Stream kind) const { return own ? uint8_t(3u << 4) : uint8_t(1u << kind | kind << 4); }
	};

	/* Append 'data' as Tight sends filtered data: short data plain, else compressed */
	void put_data(std::vector<uint8_t> &out, std::vector<uint8_t> const &data, int level, Stream_choice streams)
	{
		if (data.size() < MIN_TO_COMPRESS) {
			out.insert(out.end(), data.begin(), data.end());
			return;
		}

		/* compress behind room for the longest length field, then close the gap */
		size_t const at = out.size();
		out.resize(at + 3);
		if (streams.own) streams.own->compress(data.data(), data.size(), out, false);
		else thread_deflater(false, level).compress(data.data(), data.size(), out);

		size_t const len = out.size() - at - 3;
		std::vector<uint8_t> field;
		put_compact_length(field, len);
		std::copy(field.begin(), field.end(), out.begin() + long(at + 3 - field.size()));
		out.erase(out.begin() + long(at), out.begin() + long(at + 3 - field.size()));
	}

	/* A compressor per thread, with an output buffer reused across rectangles */
	struct Jpeg_compressor
	{
		tjhandle       handle = tjInitCompress();
		unsigned char *buf    = nullptr;
		unsigned long  size   = 0;

		~Jpeg_compressor() { tjFree(buf); tjDestroy(handle); }
	};

	bool encode_jpeg(int quality_level, Pixels pixels, std::vector<uint8_t> &out)
	{
		/* TigerVNC's mapping of quality levels to libjpeg quality and subsampling */
		struct Level { int quality; int subsamp; };
		static constexpr Level levels[10] = {
			{ 15, TJSAMP_420 }, { 29, TJSAMP_420 }, { 41, TJSAMP_420 },
			{ 42, TJSAMP_422 }, { 62, TJSAMP_422 }, { 77, TJSAMP_422 },
			{ 79, TJSAMP_444 }, { 86, TJSAMP_444 }, { 92, TJSAMP_444 },
			{ 100, TJSAMP_444 } };
		Level const level = levels[std::clamp(quality_level, 0, 9)];

		/* XRGB8888 words lie in memory as B, G, R, X on a little-endian host */
		int const format = std::endian::native == std::endian::little ? TJPF_BGRX : TJPF_XRGB;

		thread_local Jpeg_compressor jpeg;
		if (!jpeg.handle)
			return false;

		unsigned long size = jpeg.size;
		if (tjCompress2(jpeg.handle, reinterpret_cast<unsigned char const *>(pixels.base),
		                int(pixels.area.w), int(pixels.stride * 4), int(pixels.area.h),
		                format, &jpeg.buf, &size, level.subsamp, level.quality,
		                TJFLAG_FASTDCT) != 0)
			return false;
		jpeg.size = std::max(jpeg.size, size);

		/* noise at high quality can outgrow the length field: then copy */
		if (size >= (1ul << 22))
			return false;

		out.push_back(JPEG);
		put_compact_length(out, size);
		out.insert(out.end(), jpeg.buf, jpeg.buf + size);
		return true;
	}
}


void Vnc::encode_tight(Encode_params const &params, Pixels pixels, std::vector<uint8_t> &out, Deflater *own_stream)
{
	Stream_choice const streams { own_stream };
	Pixel_format const &format = params.format;
	Converter  const conv(format);
	Tpixel_out const tp(format);
	uint32_t   const w = pixels.area.w, h = pixels.area.h;
	size_t     const n = size_t(w) * h;

	thread_local std::vector<uint32_t> val;
	thread_local std::vector<uint8_t>  data;
	thread_local Palette<256> palette { };

	/*
	 * With JPEG at hand, a rectangle of more than a few dozen colours is
	 * better served lossy (TigerVNC's thresholds); without it, any palette
	 * of up to 256 colours beats copying.
	 */
	bool const jpeg_ok = params.jpeg_quality >= 0 && format.bits_per_pixel >= 16;
	unsigned const max_colours = std::min<size_t>(jpeg_ok ? (params.compress_level < 2 ? 24 : 96) : 256,
	                                              std::max<size_t>(2, n / 2));

	/* colours are counted on the source pixels: a rectangle that goes to JPEG is never converted */
	palette.clear();
	bool indexed = true;
	for (uint32_t y = 0; y < h && indexed; y++) {
		uint32_t const *line = pixels.base + size_t(y) * pixels.stride;
		for (uint32_t x = 0; x < w && indexed; ) {
			uint32_t const c = line[x];
			uint32_t run = 1;
			while (x + run < w && line[x + run] == c) run++;
			x += run;
			indexed = palette.insert(conv.value(c)) && palette.count <= max_colours;
		}
	}

	if (indexed && palette.count == 1) {
		out.push_back(FILL);
		uint8_t bytes[4];
		uint8_t *end = tp.put(bytes, conv.value(pixels.base[0]));
		out.insert(out.end(), bytes, end);
		return;
	}

	if (!indexed && jpeg_ok && n >= 64 && encode_jpeg(params.jpeg_quality, pixels, out))
		return;

	val.resize(n);
	conv.convert(pixels, 0, 0, w, h, val.data());

	data.clear();
	Byte_writer writer(data);

	if (!indexed) {
		Stream const stream = STREAM_FULL_COLOUR;
		out.push_back(streams.control(stream));
		uint8_t *p = writer.reserve(n * tp.size());
		writer.commit(tp.put(p, val.data(), n));
		writer.finish();
		put_data(out, data, params.compress_level, streams);
		return;
	}

	Stream const stream = palette.count == 2 ? STREAM_MONO : STREAM_INDEXED;
	out.push_back(uint8_t(streams.control(stream) | EXPLICIT_FILTER));
	out.push_back(FILTER_PALETTE);
	out.push_back(uint8_t(palette.count - 1));
	{
		uint8_t *p = writer.reserve(palette.count * 4);
		writer.commit(tp.put(p, palette.colour, palette.count));
		writer.finish();
		out.insert(out.end(), data.begin(), data.end());
		data.clear();
		writer.len = 0;
	}

	uint32_t last = val[0];
	uint8_t  index = palette.lookup(last);
	if (palette.count == 2) {
		/* one bit a pixel, lines padded to whole bytes, the first pixel in the top bit */
		uint8_t *p = writer.reserve(size_t((w + 7) / 8) * h);
		for (uint32_t y = 0; y < h; y++) {
			uint32_t const *line = val.data() + size_t(y) * w;
			unsigned acc = 0, filled = 0;
			for (uint32_t x = 0; x < w; x++) {
				acc = acc << 1 | (line[x] != palette.colour[0]);
				if (++filled == 8) { *p++ = uint8_t(acc); acc = 0; filled = 0; }
			}
			if (filled) *p++ = uint8_t(acc << (8 - filled));
		}
		writer.commit(p);
	} else {
		uint8_t *p = writer.reserve(n);
		for (size_t i = 0; i < n; i++) {
			if (val[i] != last) { last = val[i]; index = palette.lookup(last); }
			*p++ = index;
		}
		writer.commit(p);
	}
	writer.finish();
	put_data(out, data, params.compress_level, streams);
}
