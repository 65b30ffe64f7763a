/*
 * Web transport of the VNC server: HTTP and WebSocket on the RFB port
 *
 * A native VNC client sends nothing before the server's ProtocolVersion,
 * a browser starts with an HTTP request. The connection layer feeds the
 * first bytes a client sent to 'guess'; for HTTP it hands everything it
 * buffered to 'handle' until that answers, and after an upgrade it runs
 * the RFB protocol through a 'Websocket'. Nothing here does I/O: each call
 * takes the bytes received and returns the bytes to send, so that the
 * parsers can be tested and fuzzed without sockets.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace Vnc::Web {

	enum class Guess { NEED_MORE, HTTP, NOT_HTTP };

	/*
	 * Whether 'first', the first bytes a client sent (possibly fewer than
	 * a method name), starts an HTTP request: an upper-case method name and
	 * a space. NEED_MORE while 'first' is a proper prefix of one.
	 */
	Guess guess(std::span<uint8_t const> first);

	/* Request headers larger than this are refused with 400 */
	constexpr size_t MAX_REQUEST_SIZE = 8*1024;

	struct Http_result
	{
		enum class Kind { NEED_MORE, RESPOND_AND_CLOSE, UPGRADE_TO_WEBSOCKET };

		Kind                 kind;
		std::vector<uint8_t> response;  /* bytes to send */
		size_t               consumed;  /* request bytes used */
	};

	/*
	 * Handle the HTTP request in 'buffered', all bytes received so far
	 *
	 * NEED_MORE: the header is incomplete, call again with more bytes.
	 * RESPOND_AND_CLOSE: send 'response', then close the connection (one
	 * request per connection, the response says "Connection: close").
	 * UPGRADE_TO_WEBSOCKET: send 'response' (101), then speak WebSocket;
	 * the bytes of 'buffered' past 'consumed' are already WebSocket data.
	 *
	 * GET and HEAD of an embedded file answer 200 (or 304 for a matching
	 * If-None-Match), "/" is our page, an unknown path 404, another method
	 * 405, a malformed or oversized request 400. A WebSocket upgrade
	 * (RFC 6455, version 13) is accepted on any path; a browser's Origin
	 * must name the Host it connects to (403 otherwise), so that no other
	 * web site can script a connection to the desktop.
	 */
	Http_result handle(std::span<uint8_t const> buffered);

	/*
	 * One server-side WebSocket connection after the upgrade
	 *
	 * Only binary data frames carry RFB; their payload is passed on as it
	 * arrives, also of a frame not yet complete, because RFB is a byte
	 * stream and message boundaries mean nothing to it.
	 */
	class Websocket
	{
		public:

			enum class Status { OK, CLOSED, PROTOCOL_ERROR };

			/* Largest frame payload accepted from a client */
			static constexpr uint64_t MAX_PAYLOAD = 16ull << 20;

			/*
			 * Decode 'wire' bytes from the client
			 *
			 * The payload of binary frames is appended to 'payload', replies
			 * to control frames (pong, close) to 'wire_out'. CLOSED after a
			 * close frame, answered in 'wire_out': send it, then close the
			 * connection. PROTOCOL_ERROR for a frame RFC 6455 forbids (not
			 * masked, reserved bits or opcodes, a control frame that is
			 * fragmented or over 125 bytes, a broken fragment sequence),
			 * for a text frame and for a payload over MAX_PAYLOAD; a close
			 * frame is then appended to 'wire_out' (1002; 1003 for text,
			 * 1009 for the size): send it, then close the connection.
			 * Once not OK, further calls return the same status.
			 */
			Status decode(std::span<uint8_t const> wire,
			              std::vector<uint8_t> &payload,
			              std::vector<uint8_t> &wire_out);

			/* Frame 'payload' as one unmasked binary frame */
			static void encode(std::span<uint8_t const> payload,
			                   std::vector<uint8_t> &wire_out);

			/*
			 * Only the header of such a frame, for 'length' bytes the caller
			 * sends after it (from buffers it does not want to copy)
			 */
			static void encode_header(size_t length, std::vector<uint8_t> &wire_out);

			/* A close frame with 'code', for a server that ends the connection */
			static void encode_close(uint16_t code, std::vector<uint8_t> &wire_out);

		private:

			enum class State { HEADER, PAYLOAD };

			Status   _status = Status::OK;
			State    _state  = State::HEADER;

			/* header bytes (2..14) or a control frame, until complete */
			std::vector<uint8_t> _pending { };

			/* the frame being decoded */
			uint8_t  _opcode    = 0;
			bool     _fin       = false;
			uint8_t  _mask[4]   { };
			uint64_t _length    = 0;
			uint64_t _done      = 0;   /* payload bytes of the frame seen */

			/* a fragmented data message is open: continuation frames follow */
			bool     _in_message = false;

			Status _fail(uint16_t code, std::vector<uint8_t> &wire_out);
			Status _parse_header(std::vector<uint8_t> &wire_out);
			Status _control_frame(std::span<uint8_t const> data,
			                      std::vector<uint8_t> &wire_out);
	};
}
