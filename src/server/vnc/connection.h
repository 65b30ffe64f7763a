/*
 * One connection's transport: bytes in and out of a socket
 *
 * A connection first waits briefly for the peer to speak: an RFB client
 * never does (the server speaks first), a browser sends an HTTP request,
 * which is answered (our page, noVNC's modules) or upgraded to a
 * WebSocket that then carries RFB. Once RFB may begin, the connection
 * hands the bytes that come to its 'Handler' (the RFB session) and sends
 * what the session queues, framed for the WebSocket where there is one.
 *
 * Output is queued as chunks, some shared with other viewers, and written
 * with non-blocking vectored sends: a slow viewer never holds up another.
 * Flow control: while much is queued, 'congested' holds back updates, and
 * 'Handler::writable' says when the output drained. Everything the peer
 * makes us hold (output, small replies, input not consumed yet, and what
 * the handler above holds for it) counts in real bytes against the cap the
 * handler names: a peer over it (one that reads nothing, or floods pings or
 * fences) is disconnected with the reason. Small replies are appended to
 * the last queued chunk rather than queued one by one.
 *
 * VeNCrypt turns the connection into TLS mid-stream ('start_tls'): from
 * then on, RFB bytes are decrypted on their way up and encrypted on their
 * way out (below the WebSocket's framing, where there is one); the TLS
 * session's memory counts against the cap.
 */
#pragma once

#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nestbox/base/entrypoint.h>
#include <nestbox/util/unique_fd.h>

#include "output.h"
#include "tls.h"
#include "web/web.h"

namespace Vnc {

	class Connection : public Output, nestbox::Io_handler
	{
		public:

			/* What the connection tells the session above it */
			struct Handler
			{
				virtual ~Handler() = default;

				/* RFB may begin: the peer is an RFB client, or a WebSocket now carries RFB */
				virtual void rfb_ready() = 0;

				/* RFB bytes came: 'in' holds all not consumed yet; consume from its front */
				virtual void received(std::vector<uint8_t> &in) = 0;

				/* Queued output went out: the connection is no longer congested */
				virtual void writable() = 0;

				/* The peer sent an HTTP request: a browser is at its address */
				virtual void http_request() = 0;

				/* The connection is over ('why'); nothing is sent or received any more */
				virtual void closed(std::string const &why) = 0;

				/* Bytes the handler holds for this peer, and the most the peer may make us hold */
				virtual size_t held() const = 0;
				virtual size_t cap() const = 0;
			};

		private:

			enum class State { DETECT, HTTP, RFB, CLOSED };

			nestbox::Entrypoint &_ep;
			Handler             &_handler;
			nestbox::Unique_fd   _fd;
			std::string const    _peer;
			uint64_t const       _accepted_ms;

			State _state = State::DETECT;

			std::optional<Web::Websocket> _websocket { };
			std::optional<Tls_session>    _tls { };
			bool                          _tls_logged = false;
			bool                          _close_frame_sent = false;
			std::vector<uint8_t>          _raw_in { };   /* before detection, HTTP */
			std::vector<uint8_t>          _in { };       /* RFB bytes not yet consumed */
			std::deque<Chunk>             _out { };
			size_t                        _queued = 0;     /* bytes of '_out' not sent yet */
			size_t                        _out_cost = 0;   /* the memory '_out' takes */
			bool                          _want_write = false;

			static size_t _cost(Chunk const &);

			void handle_io(uint32_t events) override;

			void _read();
			void _flush();
			void _watch();
			void _push(std::vector<uint8_t> &&framed);   /* bytes framed already */
			void _queue(Chunk &&);
			bool _check_cap();   /* false: closed for being over it */
			void _rfb_ready();
			void _handle_http();
			void _websocket_input(std::span<uint8_t const>);
			void _deliver(std::span<uint8_t const>);   /* RFB's bytes (TLS's, after start_tls) */
			void _send_wire(std::vector<uint8_t> &&);  /* bytes for the peer below RFB: frame, queue, flush */

		public:

			Connection(nestbox::Entrypoint &, Handler &, int fd, std::string peer, uint64_t now_ms);
			~Connection();

			Connection(Connection const &) = delete;

			std::string const &peer() const { return _peer; }

			/* The peer without its port */
			std::string address() const { return _peer.substr(0, _peer.rfind(':')); }

			bool detecting() const { return _state == State::DETECT; }
			bool closed() const { return _state == State::CLOSED; }

			/* An HTTP response is going out: busy, not idle (closed once sent) */
			bool answering_http() const { return _state == State::HTTP && !_out.empty(); }

			uint64_t accepted_ms() const { return _accepted_ms; }

			/* The memory this connection holds for the peer (without its handler's) */
			size_t held() const;

			/*
			 * Still undecided 'window_ms' after it came: no HTTP request
			 * came, so it is an RFB client (which waits for our greeting)
			 */
			void detect_timeout(uint64_t now_ms, uint64_t window_ms);

			/*
			 * VeNCrypt: what was sent so far goes in the clear, what is sent
			 * from now on over TLS ('x509': with the certificate); the
			 * peer's next bytes are its TLS handshake
			 */
			void start_tls(Tls_context const &, bool x509);

			bool tls() const { return _tls.has_value(); }

			/* RFB goes over a WebSocket (a browser: noVNC cannot do VeNCrypt's TLS) */
			bool websocket() const { return _websocket.has_value(); }

			/* Output interface */
			void send(std::vector<Chunk> &&message) override;
			bool congested() const override;
			void close(std::string const &why) override;
	};
}
