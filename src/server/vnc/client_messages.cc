/*
 * Parser of the messages an RFB client sends after the handshake
 */

#include "client_messages.h"

using namespace Vnc;

namespace {

	struct Reader
	{
		std::span<uint8_t const> bytes;
		size_t                   at = 0;

		bool     has(size_t n) const { return bytes.size() - at >= n; }
		uint8_t  u8()  { return bytes[at++]; }
		uint16_t u16() { uint16_t v = uint16_t(bytes[at] << 8 | bytes[at + 1]); at += 2; return v; }
		uint32_t u32() { uint32_t v = uint32_t(bytes[at]) << 24 | uint32_t(bytes[at + 1]) << 16
		                            | uint32_t(bytes[at + 2]) << 8 | bytes[at + 3]; at += 4; return v; }
		void     pad(size_t n) { at += n; }
	};

	Parse_result need_more() { return { Parse_result::Status::NEED_MORE }; }

	Parse_result error(std::string why)
	{
		Parse_result r { Parse_result::Status::ERROR };
		r.error = std::move(why);
		return r;
	}

	Parse_result message(Client_message m, size_t consumed, uint64_t skip = 0)
	{
		return { Parse_result::Status::MESSAGE, std::move(m), consumed, skip, { } };
	}

	Pixel_format read_pixel_format(Reader &r)
	{
		Pixel_format f;
		f.bits_per_pixel = r.u8();
		f.depth          = r.u8();
		f.big_endian     = r.u8() != 0;
		f.true_colour    = r.u8() != 0;
		f.red_max        = r.u16();
		f.green_max      = r.u16();
		f.blue_max       = r.u16();
		f.red_shift      = r.u8();
		f.green_shift    = r.u8();
		f.blue_shift     = r.u8();
		r.pad(3);
		return f;
	}

	/* message type 255: QEMU's client messages, of which we know the extended key event */
	Parse_result parse_qemu(Reader &r)
	{
		if (!r.has(1)) return need_more();
		uint8_t const subtype = r.u8();
		if (subtype != 0) return error("unknown QEMU client message " + std::to_string(subtype));
		if (!r.has(10)) return need_more();
		bool const     down    = r.u16() != 0;
		uint32_t const keysym  = r.u32();
		uint32_t const keycode = r.u32();
		return message(Qemu_key_event { down, keysym, keycode }, r.at);
	}
}


Parse_result Vnc::parse_client_message(std::span<uint8_t const> bytes)
{
	Reader r { bytes };
	if (!r.has(1)) return need_more();

	uint8_t const type = r.u8();
	switch (type) {

	case 0: {
		if (!r.has(19)) return need_more();
		r.pad(3);
		Pixel_format const format = read_pixel_format(r);
		return message(Set_pixel_format { format }, r.at);
	}
	case 2: {
		if (!r.has(3)) return need_more();
		r.pad(1);
		size_t const n = r.u16();
		if (n > MAX_ENCODINGS) return error("SetEncodings with " + std::to_string(n) + " encodings");
		if (!r.has(4 * n)) return need_more();
		Set_encodings m;
		m.encodings.reserve(n);
		for (size_t i = 0; i < n; i++) m.encodings.push_back(int32_t(r.u32()));
		return message(std::move(m), r.at);
	}
	case 3: {
		if (!r.has(9)) return need_more();
		bool const incremental = r.u8() != 0;
		uint16_t const x = r.u16(), y = r.u16(), w = r.u16(), h = r.u16();
		return message(Update_request { incremental, x, y, w, h }, r.at);
	}
	case 4: {
		if (!r.has(7)) return need_more();
		bool const down = r.u8() != 0;
		r.pad(2);
		uint32_t const keysym = r.u32();
		return message(Key_event { down, keysym }, r.at);
	}
	case 5: {
		if (!r.has(5)) return need_more();
		uint8_t const buttons = r.u8();
		uint16_t const x = r.u16(), y = r.u16();
		return message(Pointer_event { buttons, x, y }, r.at);
	}
	case 6: {
		/*
		 * Latin-1 text, or with a negative length an Extended Clipboard
		 * message (flags, then data). What is longer than MAX_CUT_TEXT is
		 * dropped unread: it never has to lie in our buffer whole.
		 */
		if (!r.has(7)) return need_more();
		r.pad(3);
		int32_t const length = int32_t(r.u32());
		uint64_t const size = length < 0 ? uint64_t(-int64_t(length)) : uint64_t(length);
		if (size > MAX_CUT_TEXT) {
			size_t const header = r.at;
			return message(Cut_text { { }, size }, header, size);
		}
		if (length < 0 && size < 4)
			return error("extended clipboard message of " + std::to_string(size) + " bytes, without its flags");
		if (!r.has(size)) return need_more();
		if (length >= 0) {
			Cut_text m { std::string(reinterpret_cast<char const *>(bytes.data() + r.at), size), 0 };
			r.pad(size);
			return message(std::move(m), r.at);
		}
		uint32_t const flags = r.u32();
		Extended_clipboard m { flags, { bytes.begin() + ptrdiff_t(r.at), bytes.begin() + ptrdiff_t(r.at + size - 4) } };
		r.pad(size - 4);
		return message(std::move(m), r.at);
	}
	case 150: {
		if (!r.has(9)) return need_more();
		bool const enable = r.u8() != 0;
		uint16_t const x = r.u16(), y = r.u16(), w = r.u16(), h = r.u16();
		return message(Enable_continuous { enable, x, y, w, h }, r.at);
	}
	case 248: {
		if (!r.has(8)) return need_more();
		r.pad(3);
		uint32_t const flags = r.u32();
		size_t const length = r.u8();
		if (length > MAX_FENCE_PAYLOAD) return error("fence payload of " + std::to_string(length) + " bytes");
		if (!r.has(length)) return need_more();
		Client_fence m { flags, { bytes.begin() + ptrdiff_t(r.at), bytes.begin() + ptrdiff_t(r.at + length) } };
		r.pad(length);
		return message(std::move(m), r.at);
	}
	case 251: {
		if (!r.has(7)) return need_more();
		r.pad(1);
		uint16_t const w = r.u16(), h = r.u16();
		size_t const n = r.u8();
		r.pad(1);
		if (n > MAX_SCREENS) return error("SetDesktopSize with " + std::to_string(n) + " screens");
		if (!r.has(16 * n)) return need_more();
		Set_desktop_size m { w, h, { } };
		for (size_t i = 0; i < n; i++) {
			Screen_layout s;
			s.id = r.u32(); s.x = r.u16(); s.y = r.u16(); s.w = r.u16(); s.h = r.u16(); s.flags = r.u32();
			m.screens.push_back(s);
		}
		return message(std::move(m), r.at);
	}
	case 255:
		return parse_qemu(r);
	}
	return error("unknown message type " + std::to_string(type));
}
