/*
 * WebSocket framing (RFC 6455, 5), server side
 *
 * Data frames are decoded as a stream: the payload is unmasked and passed
 * on as far as it has arrived, so a large frame is never held in memory.
 * Only frame headers and control frames, both small, are buffered until
 * complete.
 */

#include "web.h"

#include <algorithm>

using namespace Vnc::Web;

namespace {

	enum Opcode : uint8_t {
		CONTINUATION = 0x0, TEXT = 0x1, BINARY = 0x2,
		CLOSE = 0x8, PING = 0x9, PONG = 0xa };

	/* close codes (RFC 6455, 7.4.1) */
	enum : uint16_t { PROTOCOL_ERROR_CODE = 1002, UNSUPPORTED_DATA = 1003, TOO_BIG = 1009 };

	constexpr size_t MAX_CONTROL_PAYLOAD = 125;

	void append_header(uint8_t opcode, uint64_t n, std::vector<uint8_t> &wire_out)
	{
		wire_out.push_back(uint8_t(0x80 | opcode));   /* FIN, no fragmentation */
		if (n < 126) {
			wire_out.push_back(uint8_t(n));
		} else if (n <= 0xffff) {
			wire_out.push_back(126);
			wire_out.push_back(uint8_t(n >> 8));
			wire_out.push_back(uint8_t(n));
		} else {
			wire_out.push_back(127);
			for (int shift = 56; shift >= 0; shift -= 8)
				wire_out.push_back(uint8_t(n >> shift));
		}
	}

	void append_frame(uint8_t opcode, std::span<uint8_t const> payload,
	                  std::vector<uint8_t> &wire_out)
	{
		append_header(opcode, payload.size(), wire_out);
		wire_out.insert(wire_out.end(), payload.begin(), payload.end());
	}
}


void Websocket::encode_header(size_t length, std::vector<uint8_t> &wire_out)
{
	append_header(BINARY, length, wire_out);
}


void Websocket::encode(std::span<uint8_t const> payload, std::vector<uint8_t> &wire_out)
{
	append_frame(BINARY, payload, wire_out);
}


void Websocket::encode_close(uint16_t code, std::vector<uint8_t> &wire_out)
{
	uint8_t const body[2] = { uint8_t(code >> 8), uint8_t(code) };
	append_frame(CLOSE, body, wire_out);
}


Websocket::Status Websocket::_fail(uint16_t code, std::vector<uint8_t> &wire_out)
{
	encode_close(code, wire_out);
	_pending.clear();
	return _status = Status::PROTOCOL_ERROR;
}


/*
 * Called with the complete header in '_pending': validate it before any of
 * the payload is passed on
 */
Websocket::Status Websocket::_parse_header(std::vector<uint8_t> &wire_out)
{
	uint8_t const b0 = _pending[0], b1 = _pending[1];

	_fin    = b0 & 0x80;
	_opcode = b0 & 0x0f;
	_done   = 0;

	/* no extension was negotiated that could give the reserved bits a meaning */
	if (b0 & 0x70)      return _fail(PROTOCOL_ERROR_CODE, wire_out);
	if (!(b1 & 0x80))   return _fail(PROTOCOL_ERROR_CODE, wire_out);   /* clients must mask */

	uint64_t length = b1 & 0x7f;
	size_t   pos    = 2;
	if (length == 126) {
		length = uint64_t(_pending[2]) << 8 | _pending[3];
		pos = 4;
	} else if (length == 127) {
		length = 0;
		for (unsigned i = 0; i < 8; i++)
			length = length << 8 | _pending[2 + i];
		pos = 10;
	}
	for (unsigned i = 0; i < 4; i++)
		_mask[i] = _pending[pos + i];
	_length = length;

	switch (_opcode) {

	case CLOSE: case PING: case PONG:
		if (!_fin || _length > MAX_CONTROL_PAYLOAD)
			return _fail(PROTOCOL_ERROR_CODE, wire_out);
		return Status::OK;

	case BINARY:
		if (_in_message) return _fail(PROTOCOL_ERROR_CODE, wire_out);
		_in_message = !_fin;
		break;

	case CONTINUATION:
		if (!_in_message) return _fail(PROTOCOL_ERROR_CODE, wire_out);
		_in_message = !_fin;
		break;

	case TEXT:
		/* RFB is binary; websockify's base64 text mode is not spoken */
		return _fail(UNSUPPORTED_DATA, wire_out);

	default:
		return _fail(PROTOCOL_ERROR_CODE, wire_out);
	}

	if (_length > MAX_PAYLOAD)
		return _fail(TOO_BIG, wire_out);
	return Status::OK;
}


Websocket::Status Websocket::_control_frame(std::span<uint8_t const> data,
                                            std::vector<uint8_t> &wire_out)
{
	std::vector<uint8_t> body(data.begin(), data.end());
	for (size_t i = 0; i < body.size(); i++)
		body[i] ^= _mask[i % 4];

	switch (_opcode) {

	case PING:
		append_frame(PONG, body, wire_out);
		return Status::OK;

	case PONG:   /* unsolicited pongs are allowed as heartbeats */
		return Status::OK;

	default:     /* CLOSE */
		/* a close body is empty or a 2-byte code, then a reason */
		if (body.size() == 1) return _fail(PROTOCOL_ERROR_CODE, wire_out);

		/* echo the code (RFC 6455, 5.5.1), without the reason */
		if (body.size() >= 2) append_frame(CLOSE, std::span(body).first(2), wire_out);
		else                  append_frame(CLOSE, {}, wire_out);
		return _status = Status::CLOSED;
	}
}


Websocket::Status Websocket::decode(std::span<uint8_t const> wire,
                                    std::vector<uint8_t> &payload,
                                    std::vector<uint8_t> &wire_out)
{
	while (_status == Status::OK && !wire.empty()) {

		if (_state == State::HEADER) {

			/* the header is 2 bytes, plus 2 or 8 of length, plus 4 of mask */
			auto header_size = [&] () -> size_t {
				if (_pending.size() < 2) return 2;

				/* refused at once by _parse_header, whatever follows */
				if (!(_pending[1] & 0x80)) return 2;

				uint8_t const len7 = _pending[1] & 0x7f;
				return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
			};
			while (!wire.empty() && _pending.size() < header_size()) {
				_pending.push_back(wire.front());
				wire = wire.subspan(1);
			}
			if (_pending.size() < header_size()) break;

			if (_parse_header(wire_out) != Status::OK) break;
			_pending.clear();
			_state = State::PAYLOAD;
		}

		bool const control = (_opcode & 0x8);

		/* the payload of this frame that has arrived */
		size_t const n = size_t(std::min<uint64_t>(_length - _done, wire.size()));

		if (control) {
			_pending.insert(_pending.end(), wire.begin(), wire.begin() + n);
		} else {
			size_t const at = payload.size();
			payload.insert(payload.end(), wire.begin(), wire.begin() + n);
			for (size_t i = 0; i < n; i++)
				payload[at + i] ^= _mask[(_done + i) % 4];
		}
		_done += n;
		wire   = wire.subspan(n);

		if (_done < _length) break;

		/* the frame is complete */
		_state = State::HEADER;
		if (control) {
			std::vector<uint8_t> const body = std::move(_pending);
			_pending.clear();
			_control_frame(body, wire_out);
		}
	}
	return _status;
}
