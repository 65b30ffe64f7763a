/*
 * What an RFB session sends through, without knowing the transport
 *
 * The connection (connection.h) implements it; the session (session.h)
 * and its updates (update.h) send their messages through it. A message is
 * a list of chunks, bytes of its own or payloads shared with other
 * viewers, so that an encoded rectangle is never copied per viewer.
 */
#pragma once

#include <string>
#include <vector>

#include "encoding/encoder.h"

namespace Vnc {

	/* A piece of output: bytes of its own or a payload shared with other viewers */
	struct Chunk
	{
		std::vector<uint8_t> own { };
		Payload              shared { };
		size_t               offset = 0;   /* bytes of it sent already */

		size_t size() const { return shared ? shared->size() : own.size(); }
		uint8_t const *data() const { return shared ? shared->data() : own.data(); }
	};

	struct Output
	{
		virtual ~Output() = default;

		/* Send one message (a WebSocket carries it in one frame); nothing once closed */
		virtual void send(std::vector<Chunk> &&message) = 0;

		/* Whether so much output is still queued that no update should follow yet */
		virtual bool congested() const = 0;

		/* End the connection for the reason 'why' (logged) */
		virtual void close(std::string const &why) = 0;

		/* Send a message of bytes of its own */
		void send_bytes(std::vector<uint8_t> &&bytes)
		{
			std::vector<Chunk> message;
			message.push_back(Chunk { std::move(bytes), { }, 0 });
			send(std::move(message));
		}
	};
}
