/*
 * What the connection code shares: limits, and writing RFB's big-endian fields
 */
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <linux/input-event-codes.h>   /* BTN_LEFT …: the pointer buttons RFB maps to */

#include "frame.h"

namespace Vnc::Wire {

	enum : size_t {
		MAX_HTTP      = 16 * 1024,
		FLOW_LIMIT    = 256 * 1024,   /* no new update while this much output is queued */
		READ_CHUNK    = 64 * 1024,
		MAX_RECT_COLS = 8,            /* rectangles of at most 512x256 pixels */
		MAX_RECT_ROWS = 4,
		OWN_STREAM_PIXELS = 4096,     /* smaller Tight rectangles are not shared, see try_update */
	};

	/*
	 * What one client may make the server hold, in real memory: its queued
	 * output (an update of the whole screen at most, flow control holds back
	 * the next one), the replies it provoked (pongs, fences), its input
	 * buffers, its own zlib stream and its session's state. Every byte is
	 * counted with what the allocator and the containers spend on it
	 * (CHUNK_OVERHEAD, MESSAGE_OVERHEAD, ZLIB_STREAM_BYTES; the unit tests
	 * measure them). A client over its cap is disconnected with the reason.
	 */
	enum : size_t {
		CLIENT_BASE       = 1 << 20,    /* the cap beyond one update of the whole screen */
		CHUNK_OVERHEAD    = 96,         /* a queued chunk: its deque slot and heap block */
		MESSAGE_OVERHEAD  = 64,         /* a small message waiting: its vector and heap block */
		ZLIB_STREAM_BYTES = 288 * 1024, /* a deflate stream (windowBits 15, memLevel 8): 256 KiB + state */
		COALESCE_BYTES    = 4096,       /* small replies are appended to the last chunk up to this */

		/*
		 * A viewer's x264 encoder (ultrafast, zerolatency, one reference
		 * frame): its I420 pictures and x264's own, estimated from its
		 * frame layout, not measured
		 */
		H264_ENCODER_BYTES_PER_PIXEL = 6,
		H264_ENCODER_BYTES           = 2 << 20,
	};

	/* The cap of a client of a screen of 'area': a whole update at 32 bits a pixel, plus CLIENT_BASE */
	inline size_t client_cap(Area area) { return size_t(area.w) * area.h * 4 + CLIENT_BASE; }

	/* The cap where H.264 is allowed: one video encoder of the whole screen more */
	inline size_t client_cap_h264(Area area)
	{
		return client_cap(area) + size_t(area.w) * area.h * H264_ENCODER_BYTES_PER_PIXEL + H264_ENCODER_BYTES;
	}

	struct Writer
	{
		std::vector<uint8_t> &out;

		void u8(uint8_t v)   { out.push_back(v); }
		void u16(uint16_t v) { out.push_back(uint8_t(v >> 8)); out.push_back(uint8_t(v)); }
		void u32(uint32_t v) { u16(uint16_t(v >> 16)); u16(uint16_t(v)); }
		void s32(int32_t v)  { u32(uint32_t(v)); }
		void bytes(void const *p, size_t n) { auto b = static_cast<uint8_t const *>(p); out.insert(out.end(), b, b + n); }
		void rect_header(int32_t x, int32_t y, uint32_t w, uint32_t h, int32_t encoding)
		{
			u16(uint16_t(x)); u16(uint16_t(y)); u16(uint16_t(w)); u16(uint16_t(h)); s32(encoding);
		}
		void pixel_format(Pixel_format const &f)
		{
			u8(f.bits_per_pixel); u8(f.depth); u8(f.big_endian); u8(f.true_colour);
			u16(f.red_max); u16(f.green_max); u16(f.blue_max);
			u8(f.red_shift); u8(f.green_shift); u8(f.blue_shift);
			u8(0); u8(0); u8(0);
		}
	};
}
