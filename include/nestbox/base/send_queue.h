/*
 * Messages a peer has not taken yet
 *
 * A server, core and init never block on a peer: they send with
 * MSG_DONTWAIT, and a message the peer's socket does not take now waits here
 * until the channel is writable again. The queue is bounded in messages and
 * in bytes, so what a peer can make its counterpart hold is small and known.
 */
#pragma once

#include <deque>
#include <vector>

#include <nestbox/base/message.h>

namespace nestbox {

class Send_queue
{
	public:

		/* the bounds of one channel's queue (documented in src/base/README.md) */
		enum : size_t { MAX_MESSAGES = 64, MAX_BYTES = 256*1024 };

		/* What 'send' did with a message */
		enum class Sent { NOW, QUEUED };

	private:

		struct Message
		{
			std::vector<uint8_t> bytes;
			Unique_fd            caps[MAX_MSG_CAPS];
			unsigned             num_caps = 0;
		};

		std::deque<Message> _messages { };
		size_t              _bytes = 0;
		bool                _bounded = true;

	public:

		/*
		 * Towards one's own parent the queue is unbounded: a component may
		 * wait for its parent (init's burst of session requests to core at
		 * start), never the other way round
		 */
		enum class Bound { BOUNDED, TOWARDS_PARENT };

		explicit Send_queue(Bound bound = Bound::BOUNDED) : _bounded(bound == Bound::BOUNDED) { }

		/*
		 * Send 'w' at once where nothing waits before it and the socket takes
		 * it, else queue it (its capabilities move along). Error::OUT_OF_RAM:
		 * the queue is full, the message is dropped; Error::PEER_DEAD: the
		 * other end is closed.
		 */
		Result<Sent> send(int fd, Msg_writer &w);

		/* Send what waits, as far as the socket takes it; true once empty */
		Result<bool> flush(int fd);

		bool   empty()    const { return _messages.empty(); }
		size_t messages() const { return _messages.size(); }
		size_t bytes()    const { return _bytes; }

		/* Drop everything (the channel is gone) */
		void clear() { _messages.clear(); _bytes = 0; }
};

} /* namespace nestbox */
