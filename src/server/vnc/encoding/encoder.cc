/*
 * Pixel formats, the Raw encoding, the cursor payload, and the dispatch to
 * the other encoders
 */

#include "encoder.h"
#include "encode_pixel.h"

using namespace Vnc;

namespace {

	bool valid_max(uint16_t max) { return max != 0 && (max & (max + 1u)) == 0; }

	bool fits(uint16_t max, uint8_t shift, unsigned bits)
	{
		return shift < 32 && (uint64_t(max) << shift) < (uint64_t(1) << bits);
	}

	void encode_raw(Pixel_format const &format, Pixels pixels, std::vector<uint8_t> &out)
	{
		Converter const conv(format);
		Pixel_out const px = pixel_out(format);
		uint32_t const w = pixels.area.w, h = pixels.area.h;

		size_t const start = out.size();
		out.resize(start + size_t(w) * h * px.size);
		uint8_t *p = out.data() + start;

		thread_local std::vector<uint32_t> line;
		line.resize(w);
		for (uint32_t y = 0; y < h; y++) {
			conv.convert(pixels, 0, y, w, 1, line.data());
			p = px.put(p, line.data(), w);
		}
	}
}


bool Pixel_format::valid() const
{
	unsigned const bits = bits_per_pixel;
	return true_colour
	    && (bits == 8 || bits == 16 || bits == 32)
	    && depth <= bits
	    && valid_max(red_max) && valid_max(green_max) && valid_max(blue_max)
	    && fits(red_max, red_shift, bits) && fits(green_max, green_shift, bits)
	    && fits(blue_max, blue_shift, bits);
}


void Vnc::encode(Encode_params const &params, Pixels pixels, std::vector<uint8_t> &out)
{
	if (pixels.area.w == 0 || pixels.area.h == 0)
		return;

	switch (params.encoding) {
	case HEXTILE: encode_hextile(params.format, pixels, out); return;
	case ZRLE:    encode_zrle(params.format, params.compress_level, pixels, out); return;
	case TIGHT:   encode_tight(params, pixels, out); return;
	default:      encode_raw(params.format, pixels, out); return;
	}
}


std::vector<uint8_t> Vnc::zrle_with_stream_header(std::span<uint8_t const> payload)
{
	/* CMF 0x78: deflate with a 32 KiB window; FLG 0x01 makes CMF*256+FLG a multiple of 31 */
	static_assert((0x78 * 256 + 0x01) % 31 == 0);

	if (payload.size() < 4)
		return { payload.begin(), payload.end() };

	uint32_t const length = (uint32_t(payload[0]) << 24 | uint32_t(payload[1]) << 16
	                       | uint32_t(payload[2]) << 8 | payload[3]) + 2;

	std::vector<uint8_t> result;
	result.reserve(payload.size() + 2);
	result.push_back(uint8_t(length >> 24)); result.push_back(uint8_t(length >> 16));
	result.push_back(uint8_t(length >> 8));  result.push_back(uint8_t(length));
	result.push_back(0x78); result.push_back(0x01);
	result.insert(result.end(), payload.begin() + 4, payload.end());
	return result;
}


void Vnc::encode_cursor(Pixel_format const &format, Pixels argb, std::vector<uint8_t> &out)
{
	encode_raw(format, argb, out);

	uint32_t const w = argb.area.w, h = argb.area.h, row_bytes = (w + 7) / 8;
	size_t const start = out.size();
	out.resize(start + size_t(row_bytes) * h, 0);
	uint8_t *mask = out.data() + start;
	for (uint32_t y = 0; y < h; y++, mask += row_bytes)
		for (uint32_t x = 0; x < w; x++)
			if ((argb.at(x, y) >> 24) >= 128)
				mask[x / 8] |= uint8_t(0x80 >> (x % 8));
}


void Vnc::put_pixel(Pixel_format const &format, uint32_t xrgb, std::vector<uint8_t> &out)
{
	uint8_t bytes[4];
	uint8_t *end = pixel_out(format).put(bytes, format.value(xrgb));
	out.insert(out.end(), bytes, end);
}


void Vnc::encode_tight_own_stream(Encode_params const &params, Pixels pixels, Deflater &stream,
                                  std::vector<uint8_t> &out)
{
	encode_tight(params, pixels, out, &stream);
}
