/*
 * audio_file: a headless audio device that plays into a WAV file and
 * records from one
 *
 * What the graph plays (Record sessions, one per channel) goes to the file
 * granted writeable; the file granted read-only (or named by 'input') is
 * played into the graph (Play sessions, one per channel), as a microphone
 * would be. Core opens both (<host> <file path=… writeable=…/>); the driver
 * names no path itself.
 *
 * clock="timer" runs in real time: each period is due when the timer says
 * so, and a window the graph did not deliver in time is written as silence
 * (an xrun, counted and logged). clock="freewheel" runs as fast as the
 * graph delivers, waiting for each window however long it takes (JACK's
 * freewheel): no load can drop a sample, so tests compare files bit by bit.
 */

#include <nestbox/audio/connection.h>
#include <nestbox/audio/filter.h>
#include <nestbox/audio/sound_file.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/timer.h>
#include <nestbox/util/rate_limited_warning.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Record" optional="yes"/> <service name="Play" optional="yes"/>
		           <service name="Timer" optional="yes"/> </requires>
	</manifest>)");

using namespace nestbox;

namespace Audio_file { struct Main; }


struct Audio_file::Main
{
	Env &env;

	Config_document config { env };

	pugi::xml_node const start_config = [&] { config.update(); return config.node(); }();

	/* the granted files: 'output' and 'input' name them where more than one is granted */
	struct Grant { int fd = -1; std::string path { }; };

	Grant grant(bool writeable, char const *attr, char const *other_attr)
	{
		std::string const wanted = start_config.attribute(attr).as_string();
		std::string const other  = start_config.attribute(other_attr).as_string();
		for (auto const &[name, fd] : env.host_fds()) {
			bool const rw = name.starts_with("file-rw:"), ro = name.starts_with("file-ro:");
			if (!rw && !ro) continue;
			std::string const path = name.substr(8);
			if (!wanted.empty() ? path == wanted : ((writeable ? rw : ro) && path != other)) return { fd, path };
		}
		if (!wanted.empty()) error(attr, " file ", wanted, " is not granted (<host> <file path=…/>)");
		return { };
	}

	Grant const out_grant = grant(true,  "output", "input");
	Grant const in_grant  = grant(false, "input",  "output");

	std::vector<std::string> const names =
		Audio::Filter::channel_names(start_config.attribute("channels").as_string("left right"));

	unsigned const rate   = start_config.attribute("rate").as_uint(48000);
	uint32_t const period = std::clamp(start_config.attribute("period").as_uint(1024), 1u,
	                                   std::min(Record::Session::MAX_FRAMES, Play::Shared_buffer::MAX_PER_SLOT));
	bool const freewheel  = std::string(start_config.attribute("clock").as_string("timer")) == "freewheel";
	uint64_t const limit  = start_config.attribute("frames").as_ullong(0);   /* output frames, 0: no end */

	std::unique_ptr<Audio::Sound_file> out = [&] () -> std::unique_ptr<Audio::Sound_file> {
		if (out_grant.fd < 0) return { };
		auto const format = Audio::Sound_file::format(start_config.attribute("format").as_string("pcm16"));
		if (!format) { error("unknown format \"", start_config.attribute("format").as_string(), "\""); env.exit(1); }
		auto f = Audio::Sound_file::open_write(out_grant.fd, out_grant.path, *format, unsigned(names.size()), rate);
		if (!f) env.exit(1);
		return std::move(*f);
	}();

	std::unique_ptr<Audio::Sound_file> in = [&] () -> std::unique_ptr<Audio::Sound_file> {
		if (in_grant.fd < 0) return { };
		auto f = Audio::Sound_file::open_read(in_grant.fd, in_grant.path);
		if (!f) env.exit(1);
		if ((*f)->rate() != rate)
			warning(in_grant.path, ": recorded at ", (*f)->rate(), " Hz, played at ", rate, " Hz (no resampling yet)");
		return std::move(*f);
	}();

	/*
	 * Recording: the graph's output into 'out'
	 */

	Signal_handler<Main> wakeup_handler { env.ep(), *this, &Main::handle_wakeup };

	std::vector<std::unique_ptr<Record::Connection>> recorders = [&] {
		std::vector<std::unique_ptr<Record::Connection>> v;
		if (out)
			for (std::string const &name : names)
				v.push_back(std::make_unique<Record::Connection>(env, wakeup_handler.cap(), name));
		return v;
	}();

	std::vector<float> frames_out = std::vector<float>(period * names.size());
	uint64_t written = 0;
	std::optional<Play::Time_window> window { };   /* being recorded; channels [0, next) have it */
	size_t   next = 0;
	bool     paused = false, finished = false;
	uint64_t xruns = 0;
	Rate_limited_warning xrun_warning { };

	void store(size_t channel, std::span<float const> samples)
	{
		for (size_t i = 0; i < samples.size(); i++) frames_out[i * names.size() + channel] = samples[i];
	}

	void write_window(uint32_t n)
	{
		if (!out->write(std::span<float const>(frames_out.data(), n * names.size()))) env.exit(1);
		written += n;
		if (limit && written >= limit) {
			out->close();
			finished = true;
			log("audio_file: wrote ", written, " frames to ", out_grant.path);
		}
	}

	/* Freewheel: record window after window until the graph has none */
	void record_freewheel()
	{
		while (out && !finished) {
			uint64_t const pause_at = config.node().attribute("pause_at").as_ullong(0);
			if (pause_at && written >= pause_at) {
				if (!paused) log("audio_file: paused at ", written, " frames");
				paused = true;
				return;
			}
			paused = false;

			if (!window) {
				uint64_t n = limit ? std::min<uint64_t>(period, limit - written) : period;
				if (pause_at) n = std::min(n, pause_at - written);
				auto r = recorders[0]->record(uint32_t(n));
				if (r.depleted) return;   /* the wakeup signal resumes */
				store(0, r.samples);
				window = r.window;
				next   = 1;
			}
			for (; next < recorders.size(); next++) {
				auto r = recorders[next]->record_at(*window);
				if (r.depleted) return;
				store(next, r.samples);
			}
			write_window(window->frames());
			window.reset();
		}
	}

	/* Timer: one period now, silence where the graph was late */
	std::optional<uint64_t> position { };

	void record_period()
	{
		if (!out || finished) return;
		uint32_t const n = uint32_t(limit ? std::min<uint64_t>(period, limit - written) : period);
		bool late = false;
		for (size_t c = 0; c < recorders.size(); c++) {
			auto r = position ? recorders[c]->record_at({ *position, *position + n }) : recorders[c]->record(n);
			if (!position && !r.depleted) position = r.window.start;
			if (r.depleted) {
				std::fill(frames_out.begin(), frames_out.end(), 0.0f);
				late = position.has_value();
				if (!position) break;
				continue;
			}
			store(c, r.samples);
		}
		if (late) {
			xruns++;
			xrun_warning("audio_file: the graph was late for a period, wrote silence (", xruns, " xruns)");
		}
		if (position) *position += n;
		write_window(n);
	}

	void handle_wakeup() { if (freewheel) record_freewheel(); }

	/*
	 * Playing: 'in' into the graph
	 */

	Signal_handler<Main> progress_handler { env.ep(), *this, &Main::handle_progress };

	std::vector<std::unique_ptr<Play::Connection>> players = [&] {
		std::vector<std::unique_ptr<Play::Connection>> v;
		if (in)
			for (std::string const &name : names)
				v.push_back(std::make_unique<Play::Connection>(env, progress_handler.cap(), name));
		return v;
	}();

	std::vector<float> frames_in = std::vector<float>(in ? period * in->channels() : 0);
	std::vector<float> channel_in = std::vector<float>(period);
	Play::Time_window previous { };
	uint64_t played = 0;
	bool     input_ended = false;

	/* One period of the input into the graph; false: no room (or the end) */
	bool play_period()
	{
		if (!in || input_ended) return false;
		for (auto &p : players)
			if (!p->room(period) && !p->wait_for_room(period)) return false;

		uint64_t const n = in->read(frames_in);
		if (n == 0) {
			for (auto &p : players) p->stop();
			input_ended = true;
			log("audio_file: played ", played, " frames from ", in_grant.path);
			return false;
		}
		unsigned const file_channels = in->channels();
		for (size_t c = 0; c < players.size(); c++) {
			for (uint64_t i = 0; i < n; i++) channel_in[i] = frames_in[i * file_channels + c % file_channels];
			std::span<float const> samples(channel_in.data(), n);
			if (c == 0) {
				previous = players[0]->schedule_and_enqueue(previous, samples);
				if (!previous.valid()) { error("the Play server refused the stream"); input_ended = true; return false; }
			} else {
				players[c]->enqueue(previous, samples);
			}
		}
		played += n;
		return true;
	}

	void handle_progress() { if (freewheel) while (play_period()); }

	/*
	 * The clock
	 */

	std::optional<Timer::Connection> timer { };
	uint64_t start_us = 0, periods = 0;

	Signal_handler<Main> timer_handler { env.ep(), *this, &Main::handle_timer };

	void handle_timer()
	{
		auto now = timer->elapsed_us();
		if (!now) return;
		uint64_t const due = (*now - start_us) * rate / 1'000'000 / period;
		for (; periods < due; periods++) {
			(void)play_period();
			record_period();
		}
	}

	Signal_handler<Main> config_handler { env.ep(), *this, &Main::handle_config };

	void handle_config()
	{
		config.update();
		if (freewheel) record_freewheel();
	}

	Main(Env &env) : env(env)
	{
		if (!out && !in) {
			error("no file granted: the start node needs <host> <file path=\"…\" writeable=\"yes\"/> </host> "
			      "(to play into) or a read-only one (to record from)");
			env.exit(1);
		}
		config.sigh(config_handler.cap());
		log("audio_file: ", names.size(), " channels at ", rate, " Hz, periods of ", period, " frames, ",
		    freewheel ? "freewheeling" : "clocked by the timer",
		    out ? ", playing into " + out_grant.path : std::string(),
		    in  ? ", recording from " + in_grant.path : std::string());

		if (freewheel) {
			handle_progress();
			record_freewheel();
			return;
		}
		timer.emplace(env);
		(void)timer->sigh(timer_handler.cap());
		auto const now = timer->elapsed_us();
		start_us = now ? *now : 0;
		/* half a period: a period is never more than half a period late for the timer */
		(void)timer->trigger_periodic(std::max<uint64_t>(1000, uint64_t(period) * 500'000 / rate));
	}
};


void nestbox::construct(nestbox::Env &env) { static Audio_file::Main main(env); }
