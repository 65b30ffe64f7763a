/*
 * Block session: a device of fixed-size blocks, read and written through a
 * packet stream
 *
 * As Genode's Block session: 'info' says the block size and count, the
 * alignment the bulk buffer needs and whether the device may be written.
 * Requests (read, write, sync, trim) are packets on the session's stream
 * (include/nestbox/packet_stream.h): the client is the source, the server
 * the sink. A client asks for a queue depth and a buffer size with the
 * session arguments ("queue_depth=32, tx_buf_size=4M"); the server grants
 * what its policy allows and says so in 'stream'. The session's dataspace,
 * rings and all, is paid for by the client's RAM donation.
 */
#pragma once

#include <nestbox/base/rpc.h>
#include <nestbox/packet_stream.h>

namespace nestbox::Block {

using block_number_t = uint64_t;

struct Info
{
	uint64_t       block_size  = 0;   /* bytes */
	block_number_t block_count = 0;
	uint32_t       align_log2  = 0;   /* packet ranges in the bulk buffer are aligned to 2^align_log2 */
	bool           writeable   = false;
};

struct Operation
{
	enum class Type : uint32_t { INVALID = 0, READ, WRITE, SYNC, TRIM };

	Type           type         = Type::INVALID;
	uint32_t       count        = 0;   /* blocks */
	block_number_t block_number = 0;

	/* Reads and writes move data through the bulk buffer; sync and trim do not */
	bool has_payload() const { return type == Type::READ || type == Type::WRITE; }
};

inline char const *type_name(Operation::Type t)
{
	switch (t) {
	case Operation::Type::READ:    return "read";
	case Operation::Type::WRITE:   return "write";
	case Operation::Type::SYNC:    return "sync";
	case Operation::Type::TRIM:    return "trim";
	case Operation::Type::INVALID: break;
	}
	return "invalid";
}

/* One request on the stream and, acknowledged, its result */
struct Packet
{
	uint64_t  offset  = 0;   /* into the bulk buffer */
	uint64_t  size    = 0;   /* bytes: count * block_size for a read or write, else 0 */
	uint32_t  tag     = 0;   /* the source's; the sink returns it unchanged */
	uint32_t  success = 0;   /* set by the server on acknowledgement */
	Operation operation { };
};

/* The stream the server granted */
struct Stream
{
	uint32_t queue_depth = 0;   /* packets in flight at most */
	uint64_t buffer_size = 0;   /* bytes of the bulk buffer */

	Packet_stream::Geometry geometry() const { return { queue_depth, buffer_size }; }
};

struct Session
{
	static constexpr char const *service_name() { return "Block"; }

	/* What a session costs its client beyond the stream's dataspace */
	static constexpr uint64_t SESSION_OVERHEAD = 16 * 1024;

	/* The RAM a client donates for a stream of this geometry */
	static uint64_t ram_quota(Packet_stream::Geometry g)
	{
		return Packet_stream::Layout<Packet>(g).total + SESSION_OVERHEAD;
	}

	virtual ~Session() = default;

	virtual Info   info()   = 0;
	virtual Stream stream() = 0;

	/* The stream's dataspace, mapped by the client as the source */
	virtual Result<Dataspace_capability> tx_dataspace() = 0;

	/*
	 * Connect the stream's signals: the client's handler (woken when
	 * acknowledgements arrive or the submit ring has room again) for the
	 * server's (woken when packets arrive or the ack ring has room again)
	 */
	virtual Result<Signal_context_capability> tx_sigh(Signal_context_capability client) = 0;

	using Rpc_functions = Rpc_list<&Session::info, &Session::stream, &Session::tx_dataspace,
	                               &Session::tx_sigh>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Info>                      info()         { return call<&Session::info>(); }
	Result<Stream>                    stream()       { return call<&Session::stream>(); }
	Result<Dataspace_capability>      tx_dataspace() { return call<&Session::tx_dataspace>(); }
	Result<Signal_context_capability> tx_sigh(Signal_context_capability s) {
		return call<&Session::tx_sigh>(std::move(s)); }
};

} /* namespace nestbox::Block */
