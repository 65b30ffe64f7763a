/*
 * What one viewer is sent: framebuffer updates
 *
 * The updater keeps the set of tiles its viewer has not seen yet. When the
 * viewer may receive an update (it asked for one, or continuous updates
 * are on) and its connection is not congested, the dirty tiles become
 * rectangles of the current frame, each encoded by the shared pool, and
 * the update goes out through the 'Output' with the pseudo-rectangles owed
 * to the viewer (cursor, desktop size and name, QEMU key ack) and the
 * CopyRects of content that moved. A slow viewer thus skips frames instead
 * of queueing them.
 *
 * Lossless refresh: a rectangle that went out as JPEG (Tight with a
 * quality level) leaves the viewer with an approximation. Once its tiles
 * have been still for LOSSLESS_REFRESH_MS, they are sent again without
 * JPEG, so the viewer's picture ends identical to the screen (TigerVNC's
 * EncodeManager does the same after its RecentChangeTimeout of 50 ms; we
 * wait a little longer so that an animation at 10 fps or more is not
 * refreshed between its frames).
 *
 * The updater sits below the RFB session (session.h), which tells it what
 * the viewer asked for; it sends through the Output and knows nothing of
 * the session.
 */
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "copy_detect.h"
#include "encoding/encode_pool.h"
#include "encoding/encode_zlib.h"
#include "encoding/h264.h"
#include "frame.h"
#include "output.h"

namespace Vnc {

	/* How long a region sent as JPEG must be still before it is sent again losslessly */
	enum : uint64_t { LOSSLESS_REFRESH_MS = 150 };

	/*
	 * H.264 (for viewers that list it, where the config allows it): tiles
	 * that changed in VIDEO_STREAK frames in a row are video; their bounding
	 * box, once it holds VIDEO_MIN_TILES of them, is sent as H.264
	 */
	enum : unsigned { VIDEO_STREAK = 3, VIDEO_MIN_TILES = 4 };

	/* The clock and the wake-up the lossless refresh needs (implemented by the server) */
	struct Refresh_timer
	{
		virtual ~Refresh_timer() = default;

		virtual uint64_t clock_ms() = 0;

		/* Call the updaters' 'refresh_due' at 'ms' (or earlier) */
		virtual void refresh_at(uint64_t ms) = 0;
	};

	/* Reasons of an ExtendedDesktopSize rectangle */
	enum Resize_reason : uint16_t { BY_SERVER = 0, BY_THIS_CLIENT = 1, BY_OTHER_CLIENT = 2 };

	/* What a viewer accepts, from its SetEncodings */
	struct Encodings
	{
		int32_t encoding       = RAW;   /* the first of Raw, Hextile, ZRLE, Tight named */
		int     jpeg_quality   = -1;
		int     compress_level = -1;
		bool copy_rect = false, cursor = false, desktop_size = false, extended_desktop_size = false,
		     last_rect = false, qemu_keys = false, desktop_name = false, fence = false,
		     continuous_updates = false, extended_clipboard = false, h264 = false;

		static Encodings from(std::vector<int32_t> const &);
	};

	class Updater
	{
		private:

			/* an update whose rectangles are being encoded */
			struct Update
			{
				Updater             *owner;     /* null once the updater no longer waits for it */
				std::vector<Rect>    rects { };
				std::vector<Payload> payloads { };
				size_t               refresh_from = 0;   /* rects[refresh_from…] are lossless refreshes */
				size_t               missing = 0;
				std::vector<uint8_t> pseudo { };   /* pseudo-rectangles, encoded, go first */
				unsigned             pseudo_count = 0;
				std::vector<std::pair<Rect, Point>> copies { };   /* CopyRects (destination, source), next */
				int32_t              encoding;
				Rect                 video_rect { };   /* sent as H.264 if not empty, last */
				Payload              video { };

				Update(Updater &owner, int32_t encoding) : owner(&owner), encoding(encoding) { }
			};

			Frame_history     &_frames;
			Encode_pool       &_pool;
			Output            &_output;
			std::string const &_desktop_name;
			Refresh_timer     &_timer;

			bool         _active = false;   /* from ServerInit until the connection ends */
			Pixel_format _format { };
			Encodings    _encodings { };

			Tile_set _dirty { };

			/*
			 * Lossless refresh: the tiles the viewer has as JPEG (each with
			 * the box that went lossy), when each was sent so, and those due
			 * to be sent again losslessly
			 */
			Tile_set              _lossy { };
			std::vector<uint64_t> _lossy_at { };
			Tile_set              _refresh { };

			/* H.264: frames in a row each tile changed in, the video region and its encoder */
			std::vector<uint8_t>          _streak { };
			Rect                          _video_rect { };
			std::unique_ptr<H264_encoder> _video { };
			bool     _update_requested = false;
			Rect     _requested { };
			bool     _continuous = false;
			Rect     _continuous_region { };
			bool     _zrle_started = false;
			std::unique_ptr<Deflater> _tight_stream { };   /* stream 3, for small rectangles */
			uint64_t _synced_serial = 0;           /* the frame the viewer has whole, 0 if none */
			std::optional<Copy_plan> _copy { };    /* to be sent with the next update */
			std::shared_ptr<Update> _in_flight { };
			std::vector<std::vector<uint8_t>> _after_update { };   /* messages waiting for it */

			/* pseudo-rectangles owed to the viewer */
			bool _send_cursor = false, _send_desktop_size = false, _send_qemu_ack = false,
			     _send_name = false;
			Resize_reason _resize_reason = BY_SERVER;
			uint32_t      _resize_status = 0;

			Rect _screen() const { return Rect { { 0, 0 }, _frames.current()->area }; }

			Encode_params _params() const;
			bool _may_update() const;
			void _reset_tiles();
			void _take_rects(Tile_set &, Frame const &, Rect region, std::vector<Rect> &out);
			void _note_lossy(Update const &);
			Rect _video_region(Frame const &) const;
			void _encode_video(Update &, Frame const &, Rect region);
			void _drop_in_flight();
			void _finish_update();
			void _append_pseudo(Update &);

		public:

			/* 'desktop_name' is the server's, read whenever the name is sent */
			Updater(Frame_history &, Encode_pool &, Output &, std::string const &desktop_name,
			        Refresh_timer &);
			~Updater();

			Updater(Updater const &) = delete;

			/* The viewer has its ServerInit: it lacks the whole screen */
			void start();

			/* The connection is over: nothing is sent any more */
			void stop();

			Pixel_format const &format() const { return _format; }
			void set_format(Pixel_format const &format) { _format = format; }

			Encodings const &encodings() const { return _encodings; }

			/* New encodings: what they announce for the first time is acknowledged */
			void set_encodings(Encodings const &);

			/* A FramebufferUpdateRequest of 'rect' */
			void request(Rect rect, bool incremental);

			/* EnableContinuousUpdates of 'rect', or its end */
			void set_continuous(bool enable, Rect rect);

			/* Send 'message' after the update being encoded, if any (fence replies) */
			void send_after_update(std::vector<uint8_t> &&message);

			/* The frame changed in 'tiles'; 'copy' says which of them moved, if known */
			void frame_changed(Tile_set const &tiles, Copy_plan const *copy);

			/* Whether a copy plan could serve this viewer now */
			bool wants_copy(uint64_t from_serial) const
			{
				return _active && _encodings.copy_rect && !_copy && _dirty.empty() && _synced_serial == from_serial;
			}

			/* The screen has a new size (tiles all dirty); 'status' for the requesting viewer */
			void mode_changed(Resize_reason, uint32_t status);

			/* The viewer's resize failed: it learns why */
			void resize_refused(uint32_t status);

			void name_changed() { if (_encodings.desktop_name) { _send_name = true; try_update(); } }

			/*
			 * The lossless refresh: the JPEG tiles still for LOSSLESS_REFRESH_MS
			 * by 'now' are sent again; returns when the next ones are due, 0 if none
			 */
			uint64_t refresh_due(uint64_t now);

			/* Send an update if the viewer may receive one and there is something to send */
			void try_update();

			/* The memory held for this viewer: its state, messages waiting, its own zlib stream */
			size_t held() const;
	};
}
