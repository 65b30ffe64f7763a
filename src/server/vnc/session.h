/*
 * One viewer's RFB session over its connection
 *
 * The session runs the handshake (version, security, ServerInit) and then
 * the message loop: what the viewer asks for goes to its updater, its keys
 * and pointer become Input events. It owns the two parts below it, each
 * given what it needs at construction and neither calling back up except
 * through an interface: the connection (connection.h: the transport, which
 * hands RFB bytes up through 'Connection::Handler') and the updater
 * (update.h: what the viewer is sent, through the connection's 'Output').
 * The session in turn reaches the component around it through 'Server'.
 */
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nestbox/base/entrypoint.h>
#include <nestbox/session/input.h>

#include "client_messages.h"
#include "connection.h"
#include "security.h"
#include "update.h"
#include "vnc_auth.h"

namespace Vnc {

	class Session;

	/* What a session needs from the server around it (implemented by Main) */
	struct Server
	{
		virtual ~Server() = default;

		virtual Frame_history       &frames() = 0;
		virtual Encode_pool         &pool() = 0;
		virtual std::string const   &desktop_name() = 0;   /* read whenever it is sent */
		virtual std::string const   &password() = 0;       /* empty: no authentication */
		virtual std::string const   &view_password() = 0;  /* empty: no view-only access */

		/* The security types offered, and the TLS they need (nullptr: none configured) */
		virtual Security_offer const &security() = 0;
		virtual Tls_context const    *tls() = 0;

		/* VNC authentication by a peer address: refused after too many failures */
		virtual bool auth_blocked(std::string const &address) = 0;
		virtual void auth_result(std::string const &address, bool ok) = 0;

		virtual void submit_input(std::span<nestbox::Input::Event const>) = 0;

		/* A connection from 'address' turned out to carry HTTP: a browser is there */
		virtual void http_request_from(std::string const &address) = 0;

		/* The clipboard's text (UTF-8, empty if none or no clipboard), offered to viewers */
		virtual std::string const &clipboard() = 0;

		/* A viewer's clipboard text, for the clipboard (dropped if there is none) */
		virtual void clipboard_from_viewer(Session &, std::string const &utf8) = 0;

		/* The clock and wake-up of the lossless refresh (update.h) */
		virtual Refresh_timer &refresh_timer() = 0;

		/* Whether viewers that list H.264 may get it (config h264="yes") */
		virtual bool h264_allowed() = 0;

		/* The most memory one client may make the server hold (Wire::client_cap) */
		virtual size_t client_cap() = 0;

		/* A viewer asks for a new screen size; returns the ExtendedDesktopSize status */
		virtual uint32_t request_mode(Area, Session &) = 0;

		/* The connection is over: the server destroys the session after the current event */
		virtual void closed(Session &) = 0;
	};

	class Session : Connection::Handler
	{
		private:

			enum class Phase { WAITING, VERSION, SECURITY, VENCRYPT_VERSION, VENCRYPT_SUBTYPE, AUTH,
			                   CLIENT_INIT, NORMAL, CLOSED };

			Server     &_server;
			Connection  _connection;
			Updater     _updater;

			Phase     _phase = Phase::WAITING;   /* for the connection to carry RFB */
			unsigned  _minor = 8;                /* RFB 3.x */
			Challenge _challenge { };
			uint64_t  _skip = 0;                 /* cut text to drop */
			uint32_t  _security = 0;             /* the type (or VeNCrypt subtype) chosen */

			/*
			 * Authenticated with the view password: the viewer sees the
			 * screen, and its pointer, keys, cut text and resizes are dropped
			 */
			bool _view_only = false;

			/* the clipboard text the viewer has, as far as we know (UTF-8), and its Extended Clipboard caps */
			std::string _clipboard { };
			uint32_t    _clipboard_caps = 0;
			bool        _encodings_set = false;
			bool        _told_dropped = false;   /* cut text over the limit: logged once */

			/* input state, released when the viewer goes */
			uint8_t  _buttons = 0;
			int32_t  _pointer_x = -1, _pointer_y = -1;
			std::vector<uint32_t> _pressed { };

			/*
			 * Hovering is coalesced: of the pointer events that came in one
			 * read with no button or key held, only the last position
			 * becomes an Input event. An event that changes the buttons is
			 * never merged (it goes at its own position), nor is the motion
			 * of a stroke or drag (a button or key held), and any other
			 * message first passes on the motion before it.
			 */
			std::optional<Pointer_event> _motion { };

			/* Connection::Handler interface */
			void rfb_ready() override;
			void received(std::vector<uint8_t> &in) override;
			void writable() override { _updater.try_update(); }
			void http_request() override { _server.http_request_from(address()); }
			void closed(std::string const &why) override;
			size_t held() const override;
			size_t cap() const override { return _server.client_cap(); }

			bool _handshake_step(std::vector<uint8_t> &in);
			void _security_chosen(uint32_t type);
			void _security_result(bool ok, char const *reason);
			void _refuse(std::string const &reason, std::string const &why);
			void _send_server_init();
			void _handle(Client_message &&);
			void _set_encodings(std::vector<int32_t> const &);
			void _extended_clipboard(Extended_clipboard const &);
			void _clipboard_from_viewer(std::string &&utf8);
			void _key(bool down, uint32_t code, uint32_t unicode);
			void _pointer(Pointer_event const &);
			void _flush_motion();

		public:

			Session(nestbox::Entrypoint &, Server &, int fd, std::string peer, uint64_t now_ms);

			Session(Session const &) = delete;

			std::string const &peer() const { return _connection.peer(); }

			/* Whether the connection still waits to learn whether it carries RFB or HTTP */
			bool detecting() const { return _connection.detecting(); }

			/* Past the handshake (and authentication): a viewer, not a connection that might become one */
			bool authenticated() const { return _phase == Phase::NORMAL; }

			bool closed() const { return _connection.closed(); }

			/* Authenticated with the view password: its input is dropped */
			bool view_only() const { return _view_only; }

			/* Still in its handshake and not being answered (an HTTP response going out is not idle) */
			bool idle_in_handshake() const { return !authenticated() && !_connection.answering_http(); }

			std::string address() const { return _connection.address(); }

			/* When the connection came (its handshake deadline runs from then) */
			uint64_t accepted_ms() const { return _connection.accepted_ms(); }

			void close(std::string const &why) { _connection.close(why); }

			/* The memory held for this viewer, counted against its cap */
			size_t memory() const { return _connection.held() + held(); }

			/* Still undecided 'window_ms' after it came: no HTTP request came, so it is an RFB client */
			void detect_timeout(uint64_t now_ms, uint64_t window_ms) { _connection.detect_timeout(now_ms, window_ms); }

			/* The frame changed in 'tiles'; 'copy' says which of them moved, if known */
			void frame_changed(Tile_set const &tiles, Copy_plan const *copy) { _updater.frame_changed(tiles, copy); }

			/* Whether a copy plan could serve this viewer now */
			bool wants_copy(uint64_t from_serial) const { return _updater.wants_copy(from_serial); }

			/* The screen has a new size; 'status' for the requesting viewer */
			void mode_changed(Resize_reason reason, uint32_t status) { _updater.mode_changed(reason, status); }

			void name_changed() { _updater.name_changed(); }

			/* The clipboard has new text: the viewer is sent it (or told of it) */
			void clipboard_changed(std::string const &utf8);

			/* Lossless refresh of what went out as JPEG; returns when the next is due, 0 if none */
			uint64_t refresh_due(uint64_t now) { return _updater.refresh_due(now); }

			/* Release the keys and buttons the viewer still holds */
			void release_input();
	};
}
