/*
 * The Open H.264 encoding (RFB encoding 50, as noVNC decodes it)
 *
 * A region that changes in every frame (an animation, a video) is sent as
 * H.264 rather than as rectangles: one x264 encoder per region and viewer
 * (H.264 frames refer to the ones before, so unlike the other encodings a
 * payload belongs to one viewer). The rectangle's payload is a 32-bit
 * length, 32-bit flags (bit 0: the viewer starts a new decoder context for
 * this rectangle) and H.264 in Annex B form: with each keyframe the SPS
 * and PPS, which noVNC's decoder reads to configure WebCodecs.
 *
 * x264 runs as "ultrafast" with "zerolatency" (a frame in, its bytes
 * out, no B-frames, one thread), Constrained Baseline, CRF 23, BT.601
 * limited range. The first frame of an encoder is a keyframe; no other is
 * (the transport is reliable).
 */
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "encoder.h"

namespace Vnc {

	class H264_encoder
	{
		private:

			struct State;
			std::unique_ptr<State> _state;

		public:

			/* An encoder of frames of 'area' (both sides even, at most 4096) */
			explicit H264_encoder(Area area);
			~H264_encoder();

			H264_encoder(H264_encoder const &) = delete;

			bool valid() const { return _state != nullptr; }

			Area area() const;

			/*
			 * Append the payload of encoding 50 for 'pixels' (the encoder's
			 * area) to 'out'; 'reset' sets the flag that starts a new
			 * context at the viewer (the first frame of an encoder). False
			 * if x264 failed.
			 */
			bool encode(Pixels pixels, bool reset, std::vector<uint8_t> &out);
	};
}
