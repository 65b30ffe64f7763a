/*
 * Font: glyphs rendered by FreeType from a font file in memory
 */

#include <app/font.h>

#include <ft2build.h>
#include FT_FREETYPE_H

using namespace App;


struct App::Font::Freetype
{
	FT_Library library = nullptr;
	FT_Face    face    = nullptr;

	~Freetype()
	{
		if (face)    FT_Done_Face(face);
		if (library) FT_Done_FreeType(library);
	}
};


Font::Font(std::unique_ptr<Freetype> &&ft) : _ft(std::move(ft))
{
	FT_Size_Metrics const &m = _ft->face->size->metrics;

	/* the metrics are 26.6 fixed point; round up so no glyph pokes out of its line */
	_ascent      = int((m.ascender + 63) >> 6);
	_line_height = int((m.height + 63) >> 6);
}


Font::~Font() { }


nestbox::Result<std::unique_ptr<Font>> Font::create(std::span<std::byte const> data, unsigned pixel_size)
{
	auto ft = std::make_unique<Freetype>();

	if (FT_Init_FreeType(&ft->library))
		return nestbox::failure(nestbox::Error::OUT_OF_RAM);

	if (FT_New_Memory_Face(ft->library, reinterpret_cast<FT_Byte const *>(data.data()),
	                       FT_Long(data.size()), 0, &ft->face))
		return nestbox::failure(nestbox::Error::INVALID_ARGS);

	if (FT_Set_Pixel_Sizes(ft->face, 0, pixel_size))
		return nestbox::failure(nestbox::Error::INVALID_ARGS);

	return std::unique_ptr<Font>(new Font(std::move(ft)));
}


Font::Glyph const &Font::glyph(char32_t c)
{
	if (auto it = _glyphs.find(c); it != _glyphs.end())
		return it->second;

	Glyph g { };

	/* FT_LOAD_RENDER in the default mode: 8-bit grayscale coverage */
	FT_Face const face = _ft->face;
	if (FT_Load_Char(face, c, FT_LOAD_RENDER) == 0) {
		FT_GlyphSlot const slot = face->glyph;
		FT_Bitmap    const &bm  = slot->bitmap;

		g.left    = slot->bitmap_left;
		g.top     = slot->bitmap_top;
		g.width   = bm.width;
		g.rows    = bm.rows;
		g.advance = int((slot->advance.x + 32) >> 6);

		g.coverage.resize(size_t(bm.width) * bm.rows);
		for (unsigned y = 0; y < bm.rows; y++)
			for (unsigned x = 0; x < bm.width; x++)
				g.coverage[y * bm.width + x] = bm.buffer[int(y) * bm.pitch + int(x)];
	}

	return _glyphs.emplace(c, std::move(g)).first->second;
}


int Font::draw(Canvas &canvas, Point pen, char32_t c, Color color)
{
	Glyph const &g = glyph(c);

	for (unsigned y = 0; y < g.rows; y++)
		for (unsigned x = 0; x < g.width; x++)
			canvas.blend({ pen.x + g.left + int(x), pen.y - g.top + int(y) }, color,
			             g.coverage[y * g.width + x]);

	return g.advance;
}
