/*
 * The Open H.264 encoding, with libx264
 */

#include <stdint.h>   /* before x264.h, which needs it */

extern "C" {
#include <x264.h>
}

#include "h264.h"

using namespace Vnc;


struct H264_encoder::State
{
	Area            area;
	x264_t         *x264 = nullptr;
	x264_picture_t  picture { };
	int64_t         pts = 0;

	~State()
	{
		if (x264) x264_encoder_close(x264);
		x264_picture_clean(&picture);
	}
};


H264_encoder::H264_encoder(Area area)
{
	if (area.w == 0 || area.h == 0 || area.w % 2 || area.h % 2 || area.w > 4096 || area.h > 4096) return;

	x264_param_t p;
	if (x264_param_default_preset(&p, "ultrafast", "zerolatency") < 0) return;
	p.i_threads       = 1;
	p.i_width         = int(area.w);
	p.i_height        = int(area.h);
	p.i_csp           = X264_CSP_I420;
	p.i_fps_num       = 30;
	p.i_fps_den       = 1;
	p.i_keyint_max    = X264_KEYINT_MAX_INFINITE;
	p.b_annexb        = 1;
	p.b_repeat_headers = 1;
	p.i_log_level     = X264_LOG_NONE;
	p.rc.i_rc_method  = X264_RC_CRF;
	p.rc.f_rf_constant = 23;
	p.vui.b_fullrange = 0;
	p.vui.i_colorprim = 6;    /* BT.601 (SMPTE 170M), as the conversion below */
	p.vui.i_transfer  = 6;
	p.vui.i_colmatrix = 6;
	if (x264_param_apply_profile(&p, "baseline") < 0) return;

	auto state = std::make_unique<State>();
	state->area = area;
	if (x264_picture_alloc(&state->picture, X264_CSP_I420, p.i_width, p.i_height) < 0) return;
	state->x264 = x264_encoder_open(&p);
	if (!state->x264) return;
	_state = std::move(state);
}


H264_encoder::~H264_encoder() = default;


Area H264_encoder::area() const { return _state ? _state->area : Area { 0, 0 }; }


bool H264_encoder::encode(Pixels pixels, bool reset, std::vector<uint8_t> &out)
{
	if (!_state || pixels.area.w != _state->area.w || pixels.area.h != _state->area.h) return false;

	/* XRGB to I420, BT.601 limited range; chroma of each 2x2 block from its mean */
	x264_image_t &img = _state->picture.img;
	uint32_t const w = pixels.area.w, h = pixels.area.h;
	for (uint32_t y = 0; y < h; y += 2) {
		uint32_t const *row0 = pixels.base + size_t(y) * pixels.stride;
		uint32_t const *row1 = row0 + pixels.stride;
		uint8_t *y0 = img.plane[0] + size_t(y) * size_t(img.i_stride[0]);
		uint8_t *y1 = y0 + img.i_stride[0];
		uint8_t *u  = img.plane[1] + size_t(y / 2) * size_t(img.i_stride[1]);
		uint8_t *v  = img.plane[2] + size_t(y / 2) * size_t(img.i_stride[2]);
		for (uint32_t x = 0; x < w; x += 2) {
			int sr = 0, sg = 0, sb = 0;
			auto luma = [&] (uint32_t c, uint8_t *dst) {
				int const r = int(c >> 16 & 0xff), g = int(c >> 8 & 0xff), b = int(c & 0xff);
				sr += r; sg += g; sb += b;
				*dst = uint8_t(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
			};
			luma(row0[x], y0 + x); luma(row0[x + 1], y0 + x + 1);
			luma(row1[x], y1 + x); luma(row1[x + 1], y1 + x + 1);
			int const r = sr / 4, g = sg / 4, b = sb / 4;
			u[x / 2] = uint8_t(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
			v[x / 2] = uint8_t(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
		}
	}

	_state->picture.i_pts = _state->pts++;
	x264_nal_t    *nals = nullptr;
	int            count = 0;
	x264_picture_t coded;
	int const size = x264_encoder_encode(_state->x264, &nals, &count, &_state->picture, &coded);
	if (size < 0) return false;

	/* length, flags, then the NAL units, which x264 lays out one after the other */
	uint32_t const length = uint32_t(size), flags = reset ? 1u : 0u;
	uint8_t const head[8] = { uint8_t(length >> 24), uint8_t(length >> 16), uint8_t(length >> 8), uint8_t(length),
	                          uint8_t(flags >> 24), uint8_t(flags >> 16), uint8_t(flags >> 8), uint8_t(flags) };
	out.insert(out.end(), head, head + 8);
	if (size > 0) out.insert(out.end(), nals[0].p_payload, nals[0].p_payload + size);
	return true;
}
