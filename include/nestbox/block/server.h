/*
 * The server side of the Block session, shared by every block driver
 *
 * A driver (ram_block, block_file, part_block) implements 'Request_handler':
 * it is handed each valid request with its bulk range and completes it,
 * now or later, with 'Session_component::complete'. Everything else is
 * here: the session's quota check and stream, taking packets in batches,
 * checking each request against the device (range, size, alignment,
 * read-only) before a driver sees it, holding acknowledgements the client
 * has no room for yet, and a policy per client label
 * (<policy label_prefix="…" writeable="no"/>).
 */
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include <nestbox/base/signal.h>
#include <nestbox/env.h>
#include <nestbox/root_component.h>
#include <nestbox/session/block.h>

namespace nestbox::Block {

	class Session_component;
	struct Request_handler;
	struct Device_chooser;
	struct Window;
	class Root;
}


/* The part of the device a session sees: all of it, or a partition */
struct nestbox::Block::Window
{
	Info     info;             /* as the client sees it: block_count is the window's */
	uint64_t first_block = 0;  /* where the window starts on the device */
};


/*
 * Chooses each session's window by its policy (part_block: a partition);
 * without one, every session sees the whole device
 */
struct nestbox::Block::Device_chooser
{
	virtual ~Device_chooser() = default;

	/* The window for a client whose policy is 'policy', or nullopt to deny it */
	virtual std::optional<Window> window(pugi::xml_node policy, std::string const &label) = 0;
};


struct nestbox::Block::Request_handler
{
	virtual ~Request_handler() = default;

	/*
	 * Start a request. 'payload' is the packet's bulk range (empty for sync
	 * and trim). Return false when the driver cannot take more now; it then
	 * calls 'Session_component::wakeup' once it can.
	 */
	virtual bool start(Session_component &, Packet const &, std::span<std::byte> payload) = 0;

	/* A round of 'start' calls is over: hand what it started to the device at once */
	virtual void submit_batch() { }

	/* The session ends: forget its requests in flight (their completions are dropped) */
	virtual void session_closed(Session_component &) { }
};


/*
 * Each session is a source the entrypoint may poll (base/busy_poll.h) for
 * a while after it was busy, where the driver set a bound.
 */
class nestbox::Block::Session_component : public Rpc_object<Block::Session>, private Poll_source
{
	private:

		Env                        &_env;
		std::string const           _label;
		Info const                  _info;
		uint64_t const              _first_block;
		Stream const                _stream;
		Request_handler            &_handler;
		Packet_stream::Sink<Packet> _sink;

		Signal_handler<Session_component> _stream_handler {
			_env.ep(), *this, &Session_component::_handle_stream };

		std::deque<Packet> _waiting  { };   /* taken, the driver was busy */
		std::deque<Packet> _unacked  { };   /* completed, the ack ring was full */
		unsigned           _in_flight = 0;  /* started, not completed */
		bool               _closing   = false;
		bool               _recent    = false;  /* took or completed packets since the last poll */

		/* each kind of client misbehaviour is logged once per session */
		bool _told_invalid = false, _told_read_only = false, _told_broken = false, _told_bad = false;

		bool _acceptable(Packet const &);
		void _acknowledge(Packet const &);
		void _handle_stream();

		/* Poll_source */
		bool expecting() override { return std::exchange(_recent, false); }
		void quiet()     override { _sink.quiet(); }
		bool ready()     override { return !_closing && _waiting.empty() && _sink.ready(); }
		bool listen()    override { return _sink.listen() && !_closing && _waiting.empty(); }
		void handle()    override { _handle_stream(); }

	public:

		/* 'ds' is the stream's dataspace, allocated from the client's donation */
		Session_component(Env &, std::string const &label, Window, Stream, Request_handler &,
		                  Attached_dataspace &&ds);
		~Session_component();

		std::string const &label() const { return _label; }
		Info        const &device()  const { return _info; }

		/* Where the session's block 0 lies on the device */
		uint64_t first_block() const { return _first_block; }

		/* Finish a request the driver started; 'success' goes back to the client */
		void complete(Packet, bool success);

		/* The driver can take requests again */
		void wakeup() { _stream_handler.local_submit(); }

		/* Block::Session */
		Info   info()   override { return _info; }
		Stream stream() override { return _stream; }
		Result<Dataspace_capability> tx_dataspace() override;
		Result<Signal_context_capability> tx_sigh(Signal_context_capability client) override;
};


/*
 * Sessions for every client that a policy admits, all on one device.
 * Config of the driver (its <config> node, re-read with 'apply_config'):
 *
 *   <config max_queue_depth="256" max_buffer="64M">
 *     <policy label_prefix="tester" writeable="yes"/>
 *     <default-policy writeable="no"/>
 *   </config>
 */
class nestbox::Block::Root : public Root_component<Session_component>
{
	private:

		Env             &_env;
		Info             _device;
		Request_handler &_handler;
		Device_chooser  *_chooser;
		pugi::xml_document _config { };

		Packet_stream::Geometry _limit { 256, 64ull << 20 };

		Result<std::unique_ptr<Session_component>> _create_session(std::string_view args) override;
		void _destroy_session(Session_component &s) override { _handler.session_closed(s); }

	public:

		/* Defaults when a client names neither */
		static constexpr uint32_t DEFAULT_QUEUE_DEPTH = 16;
		static constexpr uint64_t DEFAULT_BUFFER      = 1ull << 20;

		Root(Env &, Info device, Request_handler &, Device_chooser * = nullptr);

		void apply_config(pugi::xml_node config);
};
