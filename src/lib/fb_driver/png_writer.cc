/*
 * PNG encoding with libpng, writing into memory
 *
 * libpng reports errors by longjmp. Nothing with a destructor lives in the
 * function that calls setjmp, so the jump skips no C++ cleanup.
 */

#include <csetjmp>
#include <cstring>

#include <png.h>

#include <nestbox/fb_driver/png_writer.h>

namespace {

	struct Sink
	{
		unsigned char *data;
		size_t         capacity;
		size_t         length;
		bool           overflow;
	};

	void write_data(png_structp png, png_bytep bytes, png_size_t n)
	{
		Sink &sink = *static_cast<Sink *>(png_get_io_ptr(png));
		if (sink.overflow || n > sink.capacity - sink.length) {
			sink.overflow = true;
			png_error(png, "screenshot buffer too small");
		}
		std::memcpy(sink.data + sink.length, bytes, n);
		sink.length += n;
	}

	void flush_data(png_structp) { }

	/* a sealed component has no stderr worth writing to: errors end in the longjmp */
	[[noreturn]] void on_error(png_structp png, png_const_charp) { png_longjmp(png, 1); }
	void on_warning(png_structp, png_const_charp) { }
}


std::optional<size_t> Fb_driver::encode_png(nestbox::Framebuffer::Pixel const *pixels,
                                              nestbox::Area area, std::span<unsigned char> out)
{
	if (!pixels || area.w == 0 || area.h == 0) return std::nullopt;

	Sink sink { out.data(), out.size(), 0, false };

	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, on_error, on_warning);
	if (!png) return std::nullopt;
	png_infop info = png_create_info_struct(png);
	if (!info) {
		png_destroy_write_struct(&png, nullptr);
		return std::nullopt;
	}

	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return std::nullopt;
	}

	png_set_write_fn(png, &sink, write_data, flush_data);

	/* fixed settings, so the same pixels give the same bytes with the same libpng */
	png_set_compression_level(png, 6);
	png_set_IHDR(png, info, area.w, area.h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);

	/* XRGB8888 in memory is B, G, R, X: swap to RGB and drop the filler on the fly */
	png_set_bgr(png);
	png_set_filler(png, 0, PNG_FILLER_AFTER);

	for (uint32_t y = 0; y < area.h; y++)
		png_write_row(png, reinterpret_cast<png_const_bytep>(pixels + size_t(y) * area.w));

	png_write_end(png, nullptr);
	png_destroy_write_struct(&png, &info);
	return sink.length;
}
