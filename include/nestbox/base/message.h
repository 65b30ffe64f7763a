/*
 * Messages on a channel: a fixed header, a payload of plain bytes and up to
 * four capabilities (file descriptors passed with SCM_RIGHTS).
 */
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <nestbox/util/result.h>
#include <nestbox/util/unique_fd.h>

namespace nestbox {

struct Msg_header
{
	uint64_t call_id;  /* matches a reply to its call; also the trace flow id */
	uint32_t opcode;   /* index of the function in the interface */
	int32_t  status;   /* replies: 0 or an Error */
};

enum : size_t   { MAX_MSG_SIZE = 16*1024 };
enum : unsigned { MAX_MSG_CAPS = 4 };

/* Opcodes the entrypoint handles for every object, not the interface */
enum : uint32_t { OPCODE_MINT = 0xffffffffu };

class Msg_writer
{
	private:

		std::array<uint8_t, MAX_MSG_SIZE> _buf;

		size_t    _len      = sizeof(Msg_header);
		bool      _overflow = false;
		Unique_fd _caps[MAX_MSG_CAPS];
		unsigned  _num_caps = 0;

	public:

		Msg_header &header() { return *reinterpret_cast<Msg_header *>(_buf.data()); }

		void put_bytes(void const *src, size_t n)
		{
			if (_overflow || n > _buf.size() - _len) { _overflow = true; return; }
			std::memcpy(_buf.data() + _len, src, n);
			_len += n;
		}

		template <typename T> void put_raw(T const &v) { put_bytes(&v, sizeof(v)); }

		/* Takes ownership: the capability moves with the message. Returns its index. */
		uint8_t put_cap(Unique_fd &&fd)
		{
			if (_num_caps == MAX_MSG_CAPS) { _overflow = true; return 0xff; }
			_caps[_num_caps] = std::move(fd);
			return uint8_t(_num_caps++);
		}

		bool           overflow() const { return _overflow; }
		uint8_t const *data()     const { return _buf.data(); }
		size_t         size()     const { return _len; }
		unsigned       num_caps() const { return _num_caps; }
		int            cap_fd(unsigned i) const { return _caps[i].get(); }

		/* Move a capability out, e.g. into a send queue (the count stays) */
		Unique_fd take_cap(unsigned i) { return std::move(_caps[i]); }

		/* After sending, the sender's copies are closed: passing moves */
		void release_caps() { for (auto &c : _caps) c.reset(); _num_caps = 0; }

		void reset() { _len = sizeof(Msg_header); _overflow = false; release_caps(); }
};

class Msg_reader
{
	private:

		std::array<uint8_t, MAX_MSG_SIZE> _buf;

		size_t    _len    = 0;
		size_t    _pos    = sizeof(Msg_header);
		bool      _failed = false;
		bool      _caps_lost = false;   /* the receiver was out of descriptors */
		Unique_fd _caps[MAX_MSG_CAPS];
		unsigned  _num_caps = 0;

		friend struct Channel;

	public:

		Msg_header const &header() const { return *reinterpret_cast<Msg_header const *>(_buf.data()); }

		bool get_bytes(void *dst, size_t n)
		{
			if (_failed || n > _len - _pos) { _failed = true; return false; }
			std::memcpy(dst, _buf.data() + _pos, n);
			_pos += n;
			return true;
		}

		template <typename T> T get_raw()
		{
			T v { };
			get_bytes(&v, sizeof(v));
			return v;
		}

		/* A view into the message buffer, valid until the next receive */
		std::string_view get_view(size_t n)
		{
			if (_failed || n > _len - _pos) { _failed = true; return { }; }
			std::string_view v(reinterpret_cast<char const *>(_buf.data() + _pos), n);
			_pos += n;
			return v;
		}

		Unique_fd take_cap(uint8_t index)
		{
			if (index >= _num_caps || !_caps[index].valid()) { _failed = true; return { }; }
			return std::move(_caps[index]);
		}

		void fail() { _failed = true; }
		bool failed() const { return _failed; }

		/* Descriptors were passed that this process had no room for */
		bool caps_lost() const { return _caps_lost; }

		void reset()
		{
			_len = 0; _pos = sizeof(Msg_header); _failed = false; _caps_lost = false;
			for (auto &c : _caps) c.reset();
			_num_caps = 0;
		}
};

/*
 * Raw channel operations on a SOCK_SEQPACKET end
 */
struct Channel
{
	/* A connected pair: first is the server end, second the client end */
	static Result<std::pair<Unique_fd, Unique_fd>> create();

	/* Blocking send: only towards a peer that one may wait for (a client to its server) */
	static Result<void> send(int fd, Msg_writer &);

	/*
	 * Send without waiting: Error::UNAVAILABLE means the peer's socket is
	 * full now; the message's capabilities then stay with the writer
	 */
	static Result<void> send_nonblocking(int fd, Msg_writer &);

	/* One message of raw bytes and descriptors (the descriptors stay open) */
	static Result<void> send_raw(int fd, uint8_t const *data, size_t len,
	                             int const *fds, unsigned num_fds, bool nonblock);

	/*
	 * Receive one message. With 'nonblock', Error::UNAVAILABLE means nothing
	 * was pending. Error::PEER_DEAD means the other end is closed.
	 */
	static Result<void> receive(int fd, Msg_reader &, bool nonblock);
};

} /* namespace nestbox */
