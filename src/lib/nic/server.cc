/*
 * The server side of the Nic and Uplink sessions
 */

#include <nestbox/nic/server.h>

#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

using namespace nestbox;
using namespace nestbox::Nic;


Packet_stream::Geometry Nic::stream_limit(pugi::xml_node config)
{
	auto const depth  = config.attribute("max_queue_depth").as_uint(MAX_QUEUE_DEPTH);
	auto const buffer = Arg_string::parse_size(config.attribute("max_buffer").as_string(""));
	return Packet_stream::Geometry::granted(depth, buffer.value_or(MAX_BUFFER),
	                                        { Packet_stream::Geometry::MAX_SLOTS,
	                                          Packet_stream::Geometry::MAX_BULK });
}


Result<Allocated_streams> Nic::allocate_streams(Env &env, std::string_view args, std::string const &label,
                                                Packet_stream::Geometry limit, char const *service)
{
	auto geometry = [&] (char const *prefix) {
		std::string const p = prefix;
		uint64_t const depth  = Arg_string::number(args, p + "_queue_depth", DEFAULT_QUEUE_DEPTH);
		uint64_t const buffer = Arg_string::number(args, p + "_buf_size", DEFAULT_BUFFER);
		return Packet_stream::Geometry::granted(depth ? depth : 1, buffer, limit);
	};
	Packet_stream::Geometry const tx = geometry("tx"), rx = geometry("rx");

	if (tx.bulk_size < MAX_FRAME || rx.bulk_size < MAX_FRAME) {
		warning(service, " session \"", label, "\": a buffer of ", std::min(tx.bulk_size, rx.bulk_size),
		        " bytes cannot hold a frame of ", MAX_FRAME);
		return failure(Error::INVALID_ARGS);
	}

	uint64_t const needed = ram_quota(tx, rx);
	uint64_t const quota  = Arg_string::number(args, "ram_quota");
	if (quota < needed) {
		warning(service, " session \"", label, "\": streams of ", tx.slots, "/", rx.slots,
		        " frames and ", Arg_string::format_size(tx.bulk_size), "/",
		        Arg_string::format_size(rx.bulk_size), " need a ram_quota of ",
		        Arg_string::format_size(needed), ", the client donated ", Arg_string::format_size(quota));
		return failure(Error::OUT_OF_RAM);
	}

	/* from the PD, never blocking: the donation has arrived with the request */
	auto tx_ds = env.pd().alloc(Packet_stream::Layout<Packet>(tx).total);
	if (!tx_ds) return failure(tx_ds.error());
	auto rx_ds = env.pd().alloc(Packet_stream::Layout<Packet>(rx).total);
	if (!rx_ds) {
		(void)env.pd().free(std::move(*tx_ds));
		return failure(rx_ds.error());
	}

	Allocated_streams s { { { tx.slots, tx.bulk_size }, { rx.slots, rx.bulk_size } },
	                      Attached_dataspace(std::move(*tx_ds)), Attached_dataspace(std::move(*rx_ds)) };
	if (!s.tx.valid() || !s.rx.valid()) return failure(Error::OUT_OF_RAM);
	return s;
}


std::optional<Mac_address> Uplink::mac_from_args(std::string_view args)
{
	return Mac_address::parse(Arg_string::string(args, "mac_address"));
}


Session_streams::Session_streams(Env &env, std::string const &label, Allocated_streams &&s,
                                 Frame_handler &handler)
:
	_env(env), _label(label), _streams(s.streams),
	_from_client(std::move(s.tx), s.streams.tx.geometry()),
	_to_client(std::move(s.rx), s.streams.rx.geometry()),
	_handler(handler)
{ }


Session_streams::~Session_streams()
{
	(void)_env.pd().free(_from_client.dataspace());
	(void)_env.pd().free(_to_client.dataspace());
}


Result<Signal_context_capability> Session_streams::stream_sigh(Signal_context_capability client)
{
	_to_client.peer_sigh(client.copy());
	_from_client.peer_sigh(std::move(client));

	/* frames sent before the client connected its signal are not lost */
	_stream_handler.local_submit();
	return _stream_handler.cap();
}


bool Session_streams::send(std::span<std::byte const> frame)
{
	bool const sent = _to_client.send(frame);
	if (!sent) _dropped();
	return sent;
}


void Session_streams::_dropped()
{
	if (_told_drop) return;
	_told_drop = true;
	warning("Nic session \"", _label, "\": the client takes no frames now; frames for it are dropped "
	        "(further drops are not logged)");
}


/*
 * Runs whenever the client signals: frames arrived, or it acknowledged
 * frames we sent (their buffer is free again)
 */
void Session_streams::_handle_stream()
{
	_to_client.collect_acks();
	_from_client.receive([&] (std::span<std::byte const> frame) {
		_handler.handle_frame(*this, frame); });

	if ((_from_client.broken() || _to_client.broken()) && !_told_broken) {
		warning("Nic session \"", _label, "\": the client corrupted its streams' indices; "
		        "the streams are stopped");
		_told_broken = true;
	}
	if (_from_client.bad_frames() && !_told_bad) {
		warning("Nic session \"", _label, "\": dropped a frame of a bad size or outside the buffer "
		        "(further ones are not logged)");
		_told_bad = true;
	}
}
