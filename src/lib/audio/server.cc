/*
 * The server side of the Play and Record sessions
 */

#include <nestbox/audio/server.h>

#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

using namespace nestbox;
using namespace nestbox::Audio;


/* The donation a session needs, checked before anything is allocated */
static bool quota_ok(std::string_view service, std::string const &label, std::string_view args, uint64_t needed)
{
	uint64_t const quota = Arg_string::number(args, "ram_quota");
	if (quota >= needed) return true;
	warning(service, " session \"", label, "\": needs a ram_quota of ", Arg_string::format_size(needed),
	        ", the client donated ", Arg_string::format_size(quota));
	return false;
}


Play_session::Play_session(Env &env, std::string const &label, Play_handler &handler, Attached_dataspace &&ds)
:
	_env(env), _label(label), _handler(handler), _ds(std::move(ds)),
	_reader(*new (_ds.local_addr()) Play::Shared_buffer())
{ }


Play_session::~Play_session() { (void)_env.pd().free(_ds.cap().copy()); }


std::optional<Play::Ring_reader::Slot_data> Play_session::peek()
{
	auto slot = _reader.peek(_scratch);
	if (_reader.broken() && !_told_broken) {
		warning("Play session \"", _label, "\": the client corrupted its ring; the session plays nothing more");
		_told_broken = true;
	}
	return slot;
}


void Play_session::release()
{
	if (_reader.release() && _client_sigh.valid())
		Signal_transmitter::submit(_client_sigh);
}


Result<Dataspace_capability> Play_session::dataspace() { return _ds.cap().copy(); }


Result<Signal_context_capability> Play_session::sigh(Signal_context_capability client)
{
	_client_sigh = std::move(client);

	/* slots submitted before the client connected its signal are not lost */
	_data_handler.local_submit();
	return _data_handler.cap();
}


Play::Time_window Play_session::schedule(Play::Time_window previous, uint32_t frames)
{
	if (frames == 0 || frames > Play::Shared_buffer::MAX_PER_SLOT) return { };
	if (previous.valid()) return { previous.end, previous.end + frames };

	/* a new stream */
	_stop_requested = false;
	return _handler.play_start(*this, frames);
}


void Play_session::stop()
{
	_stop_requested = true;
	_handler.play_data(*this);
}


void Record_session::wakeup()
{
	if (!_armed) return;
	_armed = false;
	if (_wakeup.valid()) Signal_transmitter::submit(_wakeup);
}


Record::Record_result Record_session::_record(Play::Time_window w)
{
	if (!w.valid() || w.frames() > Record::Session::MAX_FRAMES) return { w, true };

	std::span<float> out(_ds.local_addr<float>(), w.frames());
	std::fill(out.begin(), out.end(), 0.0f);
	if (!_handler.record_mix(*this, w, out)) {
		_armed = true;
		return { w, true };
	}
	_cursor = w.end;
	return { w, false };
}


Record::Record_result Record_session::record(uint32_t frames)
{
	if (!_cursor) _cursor = _handler.record_start(*this);
	return _record({ *_cursor, *_cursor + frames });
}


Record::Record_result Record_session::record_at(Play::Time_window w) { return _record(w); }


/* What tells the Play root from the Record root */
template <typename> struct Root_traits;

template <> struct Root_traits<Play_session>
{
	using Session = Play::Session;
	static constexpr char const *service = "Play";
	static bool accept(Play_handler &h, std::string const &label) { return h.play_accept(label); }
	static void opened(Play_handler &h, Play_session &s) { h.play_opened(s); }
	static void closed(Play_handler &h, Play_session &s) { h.play_closed(s); }
};

template <> struct Root_traits<Record_session>
{
	using Session = Record::Session;
	static constexpr char const *service = "Record";
	static bool accept(Record_handler &h, std::string const &label) { return h.record_accept(label); }
	static void opened(Record_handler &h, Record_session &s) { h.record_opened(s); }
	static void closed(Record_handler &h, Record_session &s) { h.record_closed(s); }
};


template <typename SESSION, typename HANDLER>
Result<std::unique_ptr<SESSION>> Session_root<SESSION, HANDLER>::_create_session(std::string_view args)
{
	using Traits = Root_traits<SESSION>;

	std::string const label = Arg_string::string(args, "label");
	if (!Traits::accept(_handler, label)) return failure(Error::DENIED);
	if (!quota_ok(Traits::service, label, args, Traits::Session::RAM_QUOTA)) return failure(Error::OUT_OF_RAM);

	auto ds = _env.pd().alloc(Traits::Session::DATASPACE_SIZE);
	if (!ds) return failure(ds.error());
	Attached_dataspace attached(std::move(*ds));
	if (!attached.valid()) return failure(Error::OUT_OF_RAM);

	auto session = std::make_unique<SESSION>(_env, label, _handler, std::move(attached));
	Traits::opened(_handler, *session);
	return session;
}


template <typename SESSION, typename HANDLER>
void Session_root<SESSION, HANDLER>::_destroy_session(SESSION &s) { Root_traits<SESSION>::closed(_handler, s); }


template class nestbox::Audio::Session_root<Play_session, Play_handler>;
template class nestbox::Audio::Session_root<Record_session, Record_handler>;
