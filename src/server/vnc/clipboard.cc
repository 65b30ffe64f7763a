/*
 * RFB's clipboard messages: plain cut text and the Extended Clipboard
 */

#include <pugixml.hpp>
#include <zlib.h>

#include "clipboard.h"
#include "wire.h"

using namespace Vnc;
using namespace Vnc::Cut_text_codec;


std::string Cut_text_codec::utf8_from_latin1(std::string_view latin1)
{
	std::string out;
	out.reserve(latin1.size());
	for (char const ch : latin1) {
		uint8_t const c = uint8_t(ch);
		if (c < 0x80) { out.push_back(char(c)); continue; }
		out.push_back(char(0xc0 | c >> 6));
		out.push_back(char(0x80 | (c & 0x3f)));
	}
	return out;
}


std::string Cut_text_codec::latin1_from_utf8(std::string_view utf8)
{
	std::string out;
	out.reserve(utf8.size());
	for (size_t i = 0; i < utf8.size(); ) {
		uint8_t const c = uint8_t(utf8[i]);
		if (c < 0x80) { out.push_back(char(c)); i++; continue; }
		/* the length of the sequence, and whether its continuation bytes are there */
		size_t const len = c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
		bool whole = len && i + len <= utf8.size();
		for (size_t k = 1; whole && k < len; k++) whole = (uint8_t(utf8[i + k]) & 0xc0) == 0x80;
		if (!whole) { out.push_back('?'); i++; continue; }
		if (len == 2 && c <= 0xc3) out.push_back(char((c & 0x03) << 6 | (uint8_t(utf8[i + 1]) & 0x3f)));
		else out.push_back('?');
		i += len;
	}
	return out;
}


Provided Cut_text_codec::parse_provide(uint32_t flags, std::span<uint8_t const> data)
{
	Provided p;
	if (!(flags & FORMAT_TEXT)) { p.ok = true; return p; }

	/* text comes first (the lowest format bit): its length, then the text; the rest is not inflated */
	std::vector<uint8_t> out(4 + MAX_CUT_TEXT);
	z_stream z { };
	if (inflateInit(&z) != Z_OK) { p.error = "no inflater"; return p; }
	z.next_in   = const_cast<Bytef *>(data.data());
	z.avail_in  = uInt(data.size());
	z.next_out  = out.data();
	z.avail_out = uInt(out.size());
	int rc = Z_OK;
	while (z.avail_out && rc == Z_OK) {
		rc = inflate(&z, Z_SYNC_FLUSH);
		if (rc == Z_OK && z.avail_in == 0) break;
	}
	size_t const have = out.size() - z.avail_out;
	inflateEnd(&z);
	if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) { p.error = "bad zlib data in a clipboard provide"; return p; }
	if (have < 4) { p.error = "clipboard provide without its text length"; return p; }

	size_t const len = size_t(out[0]) << 24 | size_t(out[1]) << 16 | size_t(out[2]) << 8 | out[3];
	if (len > MAX_CUT_TEXT) {
		p.error = "clipboard text of " + std::to_string(len) + " bytes (at most " + std::to_string(MAX_CUT_TEXT) + ")";
		return p;
	}
	if (have < 4 + len) { p.error = "clipboard provide shorter than its text length"; return p; }

	/* UTF-8 with "\r\n" and a terminating NUL: the text up to the NUL, with '\n' line ends */
	std::string_view text(reinterpret_cast<char const *>(out.data() + 4), len);
	text = text.substr(0, text.find('\0'));
	p.text.reserve(text.size());
	for (size_t i = 0; i < text.size(); i++)
		if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) p.text.push_back(text[i]);
	p.ok = p.has_text = true;
	return p;
}


std::vector<uint8_t> Cut_text_codec::server_cut_text(std::string_view utf8)
{
	std::string const latin1 = latin1_from_utf8(utf8);
	std::vector<uint8_t> out;
	Wire::Writer w { out };
	w.u8(3); w.u8(0); w.u8(0); w.u8(0);
	w.u32(uint32_t(latin1.size()));
	w.bytes(latin1.data(), latin1.size());
	return out;
}


std::vector<uint8_t> Cut_text_codec::extended(uint32_t flags, std::span<uint8_t const> data)
{
	std::vector<uint8_t> out;
	Wire::Writer w { out };
	w.u8(3); w.u8(0); w.u8(0); w.u8(0);
	w.s32(-int32_t(4 + data.size()));   /* a negative length: an extended message */
	w.u32(flags);
	w.bytes(data.data(), data.size());
	return out;
}


std::vector<uint8_t> Cut_text_codec::caps()
{
	/* text only, up to MAX_CUT_TEXT; every action */
	std::vector<uint8_t> sizes;
	Wire::Writer { sizes }.u32(MAX_CUT_TEXT);
	return extended(CAPS | REQUEST | PEEK | NOTIFY | PROVIDE | FORMAT_TEXT, sizes);
}


std::vector<uint8_t> Cut_text_codec::provide(std::string_view utf8)
{
	/* "\r\n" line ends and a terminating NUL, as the format says */
	std::string text;
	text.reserve(utf8.size() + 16);
	for (char const c : utf8) {
		if (c == '\n') text.push_back('\r');
		text.push_back(c);
	}
	text.push_back('\0');

	std::vector<uint8_t> plain;
	Wire::Writer w { plain };
	w.u32(uint32_t(text.size()));
	w.bytes(text.data(), text.size());

	uLongf size = compressBound(uLong(plain.size()));
	std::vector<uint8_t> packed(size);
	if (compress2(packed.data(), &size, plain.data(), uLong(plain.size()), Z_DEFAULT_COMPRESSION) != Z_OK)
		return { };
	packed.resize(size);
	return extended(PROVIDE | FORMAT_TEXT, packed);
}


std::string Cut_text_codec::clipboard_xml(std::string_view utf8)
{
	pugi::xml_document doc;
	doc.append_child("clipboard").text().set(std::string(utf8).c_str());
	struct Writer : pugi::xml_writer
	{
		std::string out { };
		void write(void const *data, size_t size) override { out.append(static_cast<char const *>(data), size); }
	} writer;
	doc.save(writer, "", pugi::format_raw | pugi::format_no_declaration);
	return writer.out;
}


std::string Cut_text_codec::text_of_clipboard_xml(std::string_view xml)
{
	pugi::xml_document doc;
	if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_eol)) return { };
	std::string text = doc.child("clipboard").text().get();
	if (text.size() > MAX_CUT_TEXT) {
		size_t end = MAX_CUT_TEXT;
		while (end && (uint8_t(text[end]) & 0xc0) == 0x80) end--;   /* not inside a character */
		text.resize(end);
	}
	return text;
}
