/*
 * PNG encoding of the screen, into a caller's buffer
 */
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include <nestbox/session/framebuffer.h>

namespace Fb_driver {

	/*
	 * Encode 'area' pixels (XRGB8888, no padding) as an 8-bit RGB PNG into
	 * 'out'. Returns the length, or nothing if it does not fit. The output
	 * depends on the pixels alone: no time or text chunks.
	 */
	std::optional<size_t> encode_png(nestbox::Framebuffer::Pixel const *pixels,
	                                 nestbox::Area area, std::span<unsigned char> out);
}
