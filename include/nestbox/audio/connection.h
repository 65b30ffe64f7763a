/*
 * The client side of the Play and Record sessions
 *
 * Play::Connection schedules windows of samples (Genode's
 * 'schedule_and_enqueue' and 'enqueue'); it asks the server only where a
 * stream starts, every further window follows the previous one locally.
 * When 'room' says no, the client calls 'wait_for_room' and returns to its
 * entrypoint: the progress handler it passed runs when the server took
 * slots. Record::Connection returns each recorded window with its samples.
 */
#pragma once

#include <span>

#include <nestbox/audio/play_ring.h>
#include <nestbox/base/signal.h>
#include <nestbox/connection.h>
#include <nestbox/session/record.h>

namespace nestbox::Play   { class Connection; }
namespace nestbox::Record { class Connection; }


class nestbox::Play::Connection : public nestbox::Connection<Play::Client>
{
	private:

		Attached_dataspace          _ds { };
		std::optional<Ring_writer>  _writer { };
		Signal_context_capability   _server_sigh { };

	public:

		/* 'progress' is the handler that runs when the server made room */
		Connection(Env &env, Signal_context_capability &&progress, std::string_view label)
		: nestbox::Connection<Play::Client>(env, label, "ram_quota=" + std::to_string(Session::RAM_QUOTA))
		{
			auto ds = Client::dataspace();
			if (!ds) { error("Play session \"", label, "\": no dataspace"); return; }
			_ds = Attached_dataspace(std::move(*ds));
			if (_ds.size() < sizeof(Shared_buffer)) {
				error("Play session \"", label, "\": the server's buffer is too small");
				return;
			}
			auto sigh = Client::sigh(std::move(progress));
			if (!sigh) { error("Play session \"", label, "\": cannot connect its signals"); return; }
			_server_sigh = std::move(*sigh);
			_writer.emplace(*_ds.local_addr<Shared_buffer>());
		}

		bool valid() const { return _writer.has_value(); }

		bool room(uint32_t frames) const { return _writer && _writer->room(frames); }

		/* See Ring_writer::wait_for_room */
		bool wait_for_room(uint32_t frames) { return _writer && _writer->wait_for_room(frames); }

		/* Where a new stream of 'frames' frames starts (asks the server) */
		Time_window start(uint32_t frames)
		{
			auto w = Client::schedule({ }, frames);
			return w ? *w : Time_window { };
		}

		/*
		 * Schedule 'samples' after 'previous' (or at the start of a new
		 * stream if 'previous' is empty) and enqueue them; returns the
		 * window, empty if the server refused. The caller checked 'room'.
		 */
		Time_window schedule_and_enqueue(Time_window previous, std::span<float const> samples)
		{
			uint32_t const n = uint32_t(samples.size());
			Time_window const w = previous.valid() ? Time_window { previous.end, previous.end + n } : start(n);
			if (w.valid()) enqueue(w, samples);
			return w;
		}

		/* Enqueue 'samples' for a known window (another channel's) */
		void enqueue(Time_window w, std::span<float const> samples)
		{
			if (!_writer || w.frames() != samples.size()) return;
			_writer->write(w, samples);
			Signal_transmitter::submit(_server_sigh);
		}

		/* The end of the stream: what was enqueued still plays */
		void stop() { (void)Client::stop(); }
};


class nestbox::Record::Connection : public nestbox::Connection<Record::Client>
{
	private:

		Attached_dataspace _ds { };

	public:

		struct Recorded
		{
			Time_window            window   { };
			bool                   depleted = true;
			std::span<float const> samples  { };
		};

		/* 'wakeup' is the handler that runs when data arrives after a depleted record */
		Connection(Env &env, Signal_context_capability &&wakeup, std::string_view label)
		: nestbox::Connection<Record::Client>(env, label, "ram_quota=" + std::to_string(Session::RAM_QUOTA))
		{
			auto ds = Client::dataspace();
			if (!ds) { error("Record session \"", label, "\": no dataspace"); return; }
			_ds = Attached_dataspace(std::move(*ds));
			if (_ds.size() < Session::DATASPACE_SIZE) {
				error("Record session \"", label, "\": the server's buffer is too small");
				_ds = Attached_dataspace();
				return;
			}
			(void)Client::wakeup_sigh(std::move(wakeup));
		}

		bool valid() const { return _ds.valid(); }

		Recorded record(uint32_t frames) { return _recorded(Client::record(frames)); }
		Recorded record_at(Time_window w) { return _recorded(Client::record_at(w)); }

	private:

		Recorded _recorded(Result<Record_result> r)
		{
			if (!r || r->depleted || !_ds.valid() || r->window.frames() > Session::MAX_FRAMES)
				return { r ? r->window : Time_window { }, true, { } };
			return { r->window, false, { _ds.local_addr<float const>(), r->window.frames() } };
		}
};
