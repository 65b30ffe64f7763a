/*
 * Encoding of one rectangle of XRGB8888 pixels into an RFB rectangle payload
 *
 * The payload is what follows the 12-byte rectangle header. It depends on
 * the pixels and the Encode_params alone, never on the connection, so one
 * payload serves every client that uses the same parameters:
 *
 * - Tight resets the zlib stream it uses in each rectangle (the reset bits
 *   of the compression-control byte) and starts a fresh zlib stream;
 * - ZRLE has no reset: its payload holds a raw deflate segment that
 *   references nothing before it and ends byte-aligned (sync flush, no final
 *   block), so segments can follow each other in one client's zlib stream.
 *   The first ZRLE rectangle of a connection must carry the two-byte zlib
 *   stream header: 'zrle_with_stream_header' makes that payload.
 *
 * The encoders are thread-safe: besides the arguments they use only
 * thread_local state (zlib and JPEG compressors, scratch buffers).
 *
 * Rectangle sizes: Raw, Hextile and ZRLE take any size. Tight takes a width
 * of at most 2048 (the protocol's limit) and a rectangle whose data stays
 * below 4 MiB, the most its 22-bit length field carries; at 4 bytes a pixel
 * keep w*h at most 2048x480; encode throws std::length_error when the
 * (compressed) data of a rectangle does not fit.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <nestbox/session/framebuffer.h>

#include "rfb.h"

namespace Vnc {

	using nestbox::Area;

	/* A rectangle of pixels: 'stride' pixels from one line to the next */
	struct Pixels
	{
		uint32_t const *base;
		size_t          stride;
		Area            area;

		uint32_t at(uint32_t x, uint32_t y) const { return base[y * stride + x]; }
	};

	/* An encoded rectangle, shared by every client that sends it */
	using Payload = std::shared_ptr<std::vector<uint8_t> const>;

	/* Append the payload of 'pixels' encoded as 'params' say to 'out' */
	void encode(Encode_params const &params, Pixels pixels, std::vector<uint8_t> &out);

	struct Deflater;

	/*
	 * Tight in a viewer's own zlib stream (number 3), which goes on from the
	 * viewer's previous rectangle instead of starting afresh: for rectangles
	 * too small to be worth sharing, which compress far better with what
	 * the stream saw before. The payload belongs to that viewer alone.
	 */
	void encode_tight_own_stream(Encode_params const &, Pixels, Deflater &, std::vector<uint8_t> &out);

	/* A ZRLE payload with the zlib stream header put in front (length adjusted) */
	std::vector<uint8_t> zrle_with_stream_header(std::span<uint8_t const> payload);

	/*
	 * The payload of the Cursor pseudo-encoding: the pixels in 'format',
	 * then the bitmask, one bit per pixel, set where alpha is at least 128.
	 * 'argb' holds alpha in the top byte.
	 */
	void encode_cursor(Pixel_format const &format, Pixels argb, std::vector<uint8_t> &out);

	/* Append a pixel value in 'format' (bytes_per_pixel bytes, the format's byte order) */
	void put_pixel(Pixel_format const &format, uint32_t xrgb, std::vector<uint8_t> &out);
}
