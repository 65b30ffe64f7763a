/*
 * The server side of the Block session
 */

#include <nestbox/block/server.h>

#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>
#include <nestbox/util/policy.h>

using namespace nestbox;
using namespace nestbox::Block;


Session_component::Session_component(Env &env, std::string const &label, Window window, Stream stream,
                                     Request_handler &handler, Attached_dataspace &&ds)
:
	_env(env), _label(label), _info(window.info), _first_block(window.first_block),
	_stream(stream), _handler(handler),
	_sink(std::move(ds), stream.geometry())
{
	_env.ep().busy_poll().add(*this);
}


Session_component::~Session_component()
{
	_env.ep().busy_poll().remove(*this);
	_closing = true;
	(void)_env.pd().free(_sink.dataspace());
}


Result<Dataspace_capability> Session_component::tx_dataspace()
{
	return _sink.dataspace();
}


Result<Signal_context_capability> Session_component::tx_sigh(Signal_context_capability client)
{
	_sink.peer_sigh(std::move(client));

	/* packets submitted before the client connected its signal are not lost */
	_stream_handler.local_submit();
	return _stream_handler.cap();
}


/*
 * A request the device can carry out as given. The range check cannot
 * overflow: 'count' is 32 bits and 'block_number' is compared against the
 * block count before they are added.
 */
bool Session_component::_acceptable(Packet const &p)
{
	Operation const &op = p.operation;
	auto invalid = [&] (char const *why) {
		if (!_told_invalid)
			warning("Block session \"", _label, "\": ", type_name(op.type), " of block ",
			        op.block_number, " (", op.count, " blocks): ", why, " (further ones are not logged)");
		_told_invalid = true;
		return false;
	};

	switch (op.type) {
	case Operation::Type::SYNC:
		return true;
	case Operation::Type::READ:
	case Operation::Type::WRITE:
	case Operation::Type::TRIM:
		break;
	case Operation::Type::INVALID:
	default:
		return invalid("unknown operation");
	}

	if ((op.type == Operation::Type::WRITE || op.type == Operation::Type::TRIM) && !_info.writeable) {
		if (!_told_read_only)
			warning("Block session \"", _label, "\": ", type_name(op.type),
			        " refused: the device is read-only for this client (further ones are not logged)");
		_told_read_only = true;
		return false;
	}
	if (op.count == 0)
		return invalid("no blocks");
	if (op.block_number >= _info.block_count || op.count > _info.block_count - op.block_number)
		return invalid("beyond the end of the device");
	if (op.has_payload()) {
		if (p.size != uint64_t(op.count) * _info.block_size)
			return invalid("the packet's size is not count * block size");
		if (p.offset & ((uint64_t(1) << _info.align_log2) - 1))
			return invalid("the packet's buffer is not aligned as 'info' says");
	}
	return true;
}


/* In order: behind those still waiting for room in the ack ring */
void Session_component::_acknowledge(Packet const &p)
{
	if (!_unacked.empty() || !_sink.ack(p))
		_unacked.push_back(p);
}


/*
 * The acknowledgement goes out at once; the stream handler runs again only
 * where requests wait for the driver. Everything else that a completion
 * could unblock wakes us by itself: an ack ring that was full asked the
 * client for a signal when it took acks, and the client cannot submit more
 * than its queue depth before it took acks.
 */
void Session_component::complete(Packet p, bool success)
{
	if (_in_flight) _in_flight--;
	p.success = success ? 1 : 0;
	_acknowledge(p);
	_recent = true;
	if (!_waiting.empty()) _stream_handler.local_submit();
}


/*
 * Runs whenever the client signals (packets submitted, acknowledgements
 * taken) or the driver makes progress. Each round moves what can move
 * without waiting: acknowledgements first (they free the client's queue),
 * then new requests as long as the driver takes them.
 */
void Session_component::_handle_stream()
{
	if (_closing) return;

	while (!_unacked.empty() && _sink.ack(_unacked.front()))
		_unacked.pop_front();

	for (;;) {
		while (!_waiting.empty()) {
			Packet const &p = _waiting.front();
			if (!_handler.start(*this, p, p.operation.has_payload() ? _sink.content(p) : std::span<std::byte>())) {
				_handler.submit_batch();
				return;   /* the driver calls 'wakeup' */
			}
			_in_flight++;
			_waiting.pop_front();
		}

		Packet batch[32];
		size_t const n = _sink.get_packets(batch);
		if (!n) break;
		_recent = true;

		for (size_t i = 0; i < n; i++) {
			if (_acceptable(batch[i])) { _waiting.push_back(batch[i]); continue; }
			batch[i].success = 0;
			_acknowledge(batch[i]);
		}
	}

	_handler.submit_batch();

	if (_sink.broken() && !_told_broken) {
		warning("Block session \"", _label, "\": the client corrupted its stream's indices; "
		        "the stream is stopped");
		_told_broken = true;
	}
	if (_sink.bad_packets() && !_told_bad) {
		warning("Block session \"", _label, "\": dropped a packet whose range lies outside "
		        "the buffer (further ones are not logged)");
		_told_bad = true;
	}
}


Block::Root::Root(Env &env, Info device, Request_handler &handler, Device_chooser *chooser)
: Root_component(env.ep()), _env(env), _device(device), _handler(handler), _chooser(chooser) { }


void Block::Root::apply_config(pugi::xml_node config)
{
	_config.reset();
	_config.append_copy(config);

	auto const depth  = config.attribute("max_queue_depth").as_uint(256);
	auto const buffer = Arg_string::parse_size(config.attribute("max_buffer").as_string("64M"));
	_limit = Packet_stream::Geometry::granted(depth, buffer.value_or(64ull << 20),
	                                          { Packet_stream::Geometry::MAX_SLOTS,
	                                            Packet_stream::Geometry::MAX_BULK });
}


Result<std::unique_ptr<Session_component>> Block::Root::_create_session(std::string_view args)
{
	std::string const label = Arg_string::string(args, "label");

	pugi::xml_node const policy = select_policy(_config.first_child(), label);
	if (!policy) {
		warning("no policy for Block session \"", label, "\"");
		return failure(Error::DENIED);
	}

	Window window { _device, 0 };
	if (_chooser) {
		auto chosen = _chooser->window(policy, label);
		if (!chosen) return failure(Error::DENIED);
		window = *chosen;
	}
	Info &info = window.info;
	info.writeable = info.writeable && policy.attribute("writeable").as_bool(false);

	/* the client's wishes, within the driver's limits; at least one block fits the buffer */
	uint64_t const depth  = Arg_string::number(args, "queue_depth", DEFAULT_QUEUE_DEPTH);
	uint64_t const buffer = Arg_string::number(args, "tx_buf_size", DEFAULT_BUFFER);
	Packet_stream::Geometry g = Packet_stream::Geometry::granted(depth ? depth : 1, buffer, _limit);
	if (g.bulk_size < info.block_size) {
		warning("Block session \"", label, "\": a buffer of ", g.bulk_size,
		        " bytes cannot hold one block of ", info.block_size);
		return failure(Error::INVALID_ARGS);
	}

	uint64_t const needed = Block::Session::ram_quota(g);
	uint64_t const quota  = Arg_string::number(args, "ram_quota");
	if (quota < needed) {
		warning("Block session \"", label, "\": a queue depth of ", g.slots, " and a buffer of ",
		        Arg_string::format_size(g.bulk_size), " need a ram_quota of ",
		        Arg_string::format_size(needed), ", the client donated ",
		        Arg_string::format_size(quota));
		return failure(Error::OUT_OF_RAM);
	}

	/* from the PD, never blocking: the donation has arrived with the request */
	auto ds = _env.pd().alloc(Packet_stream::Layout<Packet>(g).total);
	if (!ds) return failure(ds.error());

	Attached_dataspace attached(std::move(*ds));
	if (!attached.valid()) return failure(Error::OUT_OF_RAM);

	return std::make_unique<Session_component>(_env, label, window, Stream { g.slots, g.bulk_size },
	                                           _handler, std::move(attached));
}
