/*
 * RFB protocol constants and the pixel format (RFC 6143 plus the community
 * extensions documented at github.com/rfbproto/rfbproto)
 */
#pragma once

#include <cstdint>

namespace Vnc {

	/* Encoding numbers as they appear in SetEncodings and rectangle headers */
	enum Encoding : int32_t {
		RAW       = 0,
		COPY_RECT = 1,
		HEXTILE   = 5,
		TIGHT     = 7,
		ZRLE      = 16,
		H264      = 50,    /* Open H.264, for regions that change in every frame (encoding/h264.h) */

		/* pseudo-encodings */
		JPEG_QUALITY_0        = -32,    /* … -23: JPEG quality level 0 … 9 */
		JPEG_QUALITY_9        = -23,
		DESKTOP_SIZE          = -223,
		LAST_RECT             = -224,
		CURSOR                = -239,
		COMPRESS_LEVEL_0      = -256,   /* … -247: compression level 0 … 9 */
		COMPRESS_LEVEL_9      = -247,
		QEMU_EXTENDED_KEY     = -258,
		DESKTOP_NAME          = -307,
		EXTENDED_DESKTOP_SIZE = -308,
		FENCE                 = -312,
		CONTINUOUS_UPDATES    = -313,
		EXTENDED_CLIPBOARD    = int32_t(0xc0a1e5ce),
	};

	/* The pixel format of RFC 6143 §7.4 */
	struct Pixel_format
	{
		uint8_t  bits_per_pixel = 32;    /* 8, 16 or 32 */
		uint8_t  depth          = 24;
		bool     big_endian     = false;
		bool     true_colour    = true;  /* colour maps are not supported */
		uint16_t red_max = 255, green_max = 255, blue_max = 255;
		uint8_t  red_shift = 16, green_shift = 8, blue_shift = 0;

		unsigned bytes_per_pixel() const { return bits_per_pixel / 8u; }

		/* a format we can serve: true colour, 8/16/32 bpp, maxes of the form 2^n-1 */
		bool valid() const;

		bool operator == (Pixel_format const &) const = default;

		/* The pixel value of an XRGB8888 pixel (blue in the lowest byte) */
		uint32_t value(uint32_t xrgb) const
		{
			uint32_t const r = (xrgb >> 16) & 0xff, g = (xrgb >> 8) & 0xff, b = xrgb & 0xff;
			return (((r * red_max   + 127) / 255) << red_shift)
			     | (((g * green_max + 127) / 255) << green_shift)
			     | (((b * blue_max  + 127) / 255) << blue_shift);
		}
	};

	/* What defines the bytes of an encoded rectangle besides its pixels */
	struct Encode_params
	{
		int32_t      encoding       = RAW;  /* RAW, HEXTILE, ZRLE or TIGHT */
		Pixel_format format         { };
		int          jpeg_quality   = -1;   /* 0 … 9, or -1: Tight without JPEG */
		int          compress_level = 6;    /* 0 … 9 (zlib level for ZRLE and Tight) */

		bool operator == (Encode_params const &) const = default;
	};
}
