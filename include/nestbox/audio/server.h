/*
 * The server side of the Play and Record sessions, shared by every audio server
 *
 * A server (the mixer, each filter, a driver) implements 'Play_handler'
 * and/or 'Record_handler'; the roots here check each session's quota, ask
 * the handler whether its policy admits the label, set up the dataspace and
 * the signals, and hand the sessions to the handler. A Play session reads
 * its client's ring slot by slot ('peek', 'release'); a Record session turns
 * 'record'/'record_at' into one 'record_mix' call for a checked window.
 */
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nestbox/audio/play_ring.h>
#include <nestbox/base/signal.h>
#include <nestbox/env.h>
#include <nestbox/root_component.h>
#include <nestbox/session/record.h>
#include <nestbox/util/rate_limited_warning.h>

namespace nestbox::Audio {

	class Play_session;
	class Record_session;
	struct Play_handler;
	struct Record_handler;
	template <typename SESSION, typename HANDLER> class Session_root;

	using Play_root   = Session_root<Play_session, Play_handler>;
	using Record_root = Session_root<Record_session, Record_handler>;
}


struct nestbox::Audio::Play_handler
{
	virtual ~Play_handler() = default;

	/* Whether the policy admits a Play session with this label (logs why not) */
	virtual bool play_accept(std::string const &label) = 0;

	virtual void play_opened(Play_session &) { }
	virtual void play_closed(Play_session &) = 0;

	/* Where a new stream of 'frames' frames starts */
	virtual Play::Time_window play_start(Play_session &, uint32_t frames) = 0;

	/* Slots arrived, or the client stopped */
	virtual void play_data(Play_session &) = 0;
};


class nestbox::Audio::Play_session : public Rpc_object<Play::Session>
{
	private:

		Env           &_env;
		std::string    _label;
		Play_handler  &_handler;
		Attached_dataspace _ds;
		Play::Ring_reader  _reader;
		std::vector<float> _scratch = std::vector<float>(Play::Shared_buffer::MAX_PER_SLOT);

		Signal_context_capability _client_sigh { };
		bool _stop_requested = false;
		bool _told_broken    = false;

		Signal_handler<Play_session> _data_handler { _env.ep(), *this, &Play_session::_handle_data };

		void _handle_data() { _handler.play_data(*this); }

	public:

		Play_session(Env &, std::string const &label, Play_handler &, Attached_dataspace &&);
		~Play_session();

		std::string const &label() const { return _label; }

		/* The next slot the client submitted, if any */
		std::optional<Play::Ring_reader::Slot_data> peek();

		/* Done with the peeked slot: the client may reuse it */
		void release();

		/* The client stopped and everything it sent before was taken */
		bool stopped() const { return _stop_requested && _reader.empty(); }

		/* Play::Session */
		Result<Dataspace_capability>      dataspace() override;
		Result<Signal_context_capability> sigh(Signal_context_capability) override;
		Play::Time_window schedule(Play::Time_window previous, uint32_t frames) override;
		void stop() override;

		std::string client_name() const override { return _label; }
};


struct nestbox::Audio::Record_handler
{
	virtual ~Record_handler() = default;

	virtual bool record_accept(std::string const &label) = 0;

	virtual void record_opened(Record_session &) { }
	virtual void record_closed(Record_session &) = 0;

	/* Where a new recorder's timeline starts */
	virtual uint64_t record_start(Record_session &) = 0;

	/* Fill 'out' (zeroed, w.frames() floats) with window 'w'; false: depleted */
	virtual bool record_mix(Record_session &, Play::Time_window w, std::span<float> out) = 0;
};


class nestbox::Audio::Record_session : public Rpc_object<Record::Session>
{
	private:

		Env               &_env;
		std::string        _label;
		Record_handler    &_handler;
		Attached_dataspace _ds;

		std::optional<uint64_t>   _cursor { };
		Signal_context_capability _wakeup { };
		bool                      _armed = false;

		Record::Record_result _record(Play::Time_window);

	public:

		Record_session(Env &env, std::string const &label, Record_handler &handler, Attached_dataspace &&ds)
		: _env(env), _label(label), _handler(handler), _ds(std::move(ds)) { }

		~Record_session() { (void)_env.pd().free(_ds.cap().copy()); }

		std::string const &label() const { return _label; }

		/* Signal the client if it waits for data (once per depleted record) */
		void wakeup();

		/* Record::Session */
		Result<Dataspace_capability> dataspace() override { return _ds.cap().copy(); }
		void wakeup_sigh(Signal_context_capability cap) override { _wakeup = std::move(cap); }
		Record::Record_result record(uint32_t frames) override;
		Record::Record_result record_at(Play::Time_window) override;

		std::string client_name() const override { return _label; }
};


/*
 * The root of Play or Record sessions: it asks the handler whether to accept
 * a label, checks the client's quota, gives each session its dataspace and
 * tells the handler of opened and closed sessions (src/lib/audio/server.cc
 * has the two instances)
 */
template <typename SESSION, typename HANDLER>
class nestbox::Audio::Session_root : public Root_component<SESSION>
{
	private:

		Env     &_env;
		HANDLER &_handler;

		Result<std::unique_ptr<SESSION>> _create_session(std::string_view args) override;
		void _destroy_session(SESSION &s) override;

	public:

		Session_root(Env &env, HANDLER &handler) : Root_component<SESSION>(env.ep()), _env(env), _handler(handler) { }
};


namespace nestbox::Audio {

	extern template class Session_root<Play_session, Play_handler>;
	extern template class Session_root<Record_session, Record_handler>;
}
