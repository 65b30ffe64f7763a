/*
 * One connection: a VNC viewer, a browser, or a WebSocket client
 *
 * A connection first waits briefly for the peer to speak: an RFB client
 * never does (the server speaks first), a browser sends an HTTP request,
 * which is answered (our page, noVNC's modules) or upgraded to a
 * WebSocket that then carries RFB. The RFB part runs the handshake
 * (version, security, ServerInit) and then the message loop.
 *
 * Updates: the connection keeps the set of tiles its viewer has not seen
 * yet. When the viewer may receive an update (it asked for one, or
 * continuous updates are on) and not too much output is still queued,
 * the dirty tiles become rectangles of the current frame, each encoded by
 * the shared pool. A slow viewer thus skips frames instead of queueing
 * them, and never holds up another: all sockets are non-blocking.
 */
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nestbox/base/entrypoint.h>
#include <nestbox/session/input.h>
#include <nestbox/util/unique_fd.h>

#include "client_messages.h"
#include "copy_detect.h"
#include "encoding/encode_zlib.h"
#include "encoding/encode_pool.h"
#include "frame.h"
#include "vnc_auth.h"
#include "web/web.h"

namespace Vnc {

	struct Server;
	class  Client;

	/* What a connection needs from the server around it (implemented by Main) */
	struct Server
	{
		virtual ~Server() = default;

		virtual Frame_history       &frames() = 0;
		virtual Encode_pool         &pool() = 0;
		virtual std::string const   &desktop_name() = 0;
		virtual std::string const   &password() = 0;   /* empty: no authentication */

		/* VNC authentication by a peer address: refused after too many failures */
		virtual bool auth_blocked(std::string const &address) = 0;
		virtual void auth_result(std::string const &address, bool ok) = 0;

		virtual void submit_input(std::span<nestbox::Input::Event const>) = 0;

		/* A viewer asks for a new screen size; returns the ExtendedDesktopSize status */
		virtual uint32_t request_mode(Area, Client &) = 0;

		/* The connection is over: the server destroys it after the current event */
		virtual void closed(Client &) = 0;
	};

	class Client : nestbox::Io_handler, public std::enable_shared_from_this<Client>
	{
		public:

			enum class Phase { DETECT, HTTP, VERSION, SECURITY, AUTH, CLIENT_INIT, NORMAL, CLOSING };

			/* reasons of an ExtendedDesktopSize rectangle */
			enum Resize_reason : uint16_t { BY_SERVER = 0, BY_THIS_CLIENT = 1, BY_OTHER_CLIENT = 2 };

		private:

			/* a piece of output: bytes of its own or a payload shared with other clients */
			struct Chunk
			{
				std::vector<uint8_t> own { };
				Payload              shared { };
				size_t               offset = 0;

				size_t size() const { return shared ? shared->size() : own.size(); }
				uint8_t const *data() const { return shared ? shared->data() : own.data(); }
			};

			/* an update whose rectangles are being encoded */
			struct Update
			{
				std::vector<Rect>    rects { };
				std::vector<Payload> payloads { };
				size_t               missing = 0;
				std::vector<uint8_t> pseudo { };   /* pseudo-rectangles, encoded, go first */
				unsigned             pseudo_count = 0;
				std::vector<std::pair<Rect, Point>> copies { };   /* CopyRects (destination, source), next */
				int32_t              encoding = RAW;
			};

			nestbox::Entrypoint &_ep;
			Server              &_server;
			nestbox::Unique_fd   _fd;
			std::string const    _peer;
			uint64_t const       _accepted_ms;

			Phase    _phase = Phase::DETECT;
			unsigned _minor = 8;          /* RFB 3.x */
			Challenge _challenge { };

			/* transport */
			std::optional<Web::Websocket> _websocket { };
			bool                          _close_frame_sent = false;
			std::vector<uint8_t>          _raw_in { };   /* before detection, HTTP */
			std::vector<uint8_t>          _in { };       /* RFB bytes not yet parsed */
			uint64_t                      _skip = 0;     /* cut text to drop */
			std::deque<Chunk>             _out { };
			size_t                        _queued = 0;
			bool                          _want_write = false;

			/* what the viewer told us */
			Pixel_format _format { };
			int32_t      _encoding = RAW;
			int          _jpeg_quality = -1;
			int          _compress_level = -1;
			bool _copy_rect = false, _cursor = false, _desktop_size = false, _extended_desktop_size = false,
			     _last_rect = false, _qemu_keys = false, _desktop_name = false, _fence = false,
			     _continuous_supported = false;

			/* update state */
			Tile_set _dirty { };
			bool     _update_requested = false;
			Rect     _requested { };
			bool     _continuous = false;
			Rect     _continuous_region { };
			bool     _zrle_started = false;
			std::unique_ptr<Deflater> _tight_stream { };   /* stream 3, for small rectangles */
			uint64_t _synced_serial = 0;           /* the frame the viewer has whole, 0 if none */
			std::optional<Copy_plan> _copy { };    /* to be sent with the next update */
			std::shared_ptr<Update> _in_flight { };
			std::vector<std::vector<uint8_t>> _after_update { };   /* fence replies waiting for it */

			/* pseudo-rectangles owed to the viewer */
			bool _send_cursor = false, _send_desktop_size = false, _send_qemu_ack = false,
			     _send_name = false;
			Resize_reason _resize_reason = BY_SERVER;
			uint32_t      _resize_status = 0;

			/* input state, released when the viewer goes */
			uint8_t  _buttons = 0;
			int32_t  _pointer_x = -1, _pointer_y = -1;
			std::vector<uint32_t> _pressed { };

			void handle_io(uint32_t events) override;

			void _read();
			void _flush();
			void _watch();
			void _queue(std::vector<uint8_t> &&bytes);
			void _queue_message(std::vector<Chunk> &&chunks);
			void _close(std::string const &why);
			std::string _address() const;   /* the peer without its port */

			void _detected_rfb();
			void _handle_http();
			void _websocket_input(std::span<uint8_t const>);
			void _handle_rfb();
			bool _handshake_step();
			void _send_server_init();
			void _handle(Client_message &&);
			void _set_encodings(std::vector<int32_t> const &);
			void _key(bool down, uint32_t code, uint32_t unicode);
			void _pointer(Pointer_event const &);

			Encode_params _params() const;
			bool _may_update() const;
			void _finish_update();
			void _append_pseudo(Update &);

		public:

			Client(nestbox::Entrypoint &ep, Server &server, int fd, std::string peer, uint64_t now_ms);
			~Client();

			Client(Client const &) = delete;

			std::string const &peer() const { return _peer; }
			Phase phase() const { return _phase; }

			/* Still undecided after 'now_ms': no HTTP request came, so it is an RFB client */
			void detect_timeout(uint64_t now_ms);
			uint64_t detect_deadline_ms() const;

			/* The frame changed in 'tiles'; 'copy' says which of them moved, if known */
			void frame_changed(Tile_set const &tiles, Copy_plan const *copy);

			/* whether a copy plan could serve this viewer now */
			bool wants_copy(uint64_t from_serial) const
			{
				return _phase == Phase::NORMAL && _copy_rect && !_copy && _dirty.empty() && _synced_serial == from_serial;
			}

			/* The screen has a new size (tiles all dirty); 'status' for the requesting client */
			void mode_changed(Resize_reason, uint32_t status);

			/* The requester's resize failed: it learns why, nobody else changes */
			void resize_refused(uint32_t status);

			void name_changed() { if (_desktop_name) { _send_name = true; try_update(); } }

			/* Send an update if the viewer may receive one and there is something to send */
			void try_update();

			/* Release the keys and buttons the viewer still holds */
			void release_input();
	};
}
