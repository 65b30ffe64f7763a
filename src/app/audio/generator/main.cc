/*
 * generator: a tone or noise source that plays into Play sessions
 *
 * <config wave="sine" frequency="1000" amplitude="0.5" channels="left right"
 * period="256" frames="48000"/>. Each channel is one Play session named
 * after it; the first starts the stream, the others enqueue into its
 * windows. The generator plays as fast as the sessions take its windows,
 * so the component at the end of the graph sets the pace; after 'frames'
 * frames (0: never) it stops. Amplitude and frequency change live, the
 * amplitude over a ramp of at most 5 ms, the frequency phase-continuously.
 */

#include <cmath>
#include <numbers>

#include <nestbox/audio/connection.h>
#include <nestbox/audio/filter.h>
#include <nestbox/audio/ramp.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Play"/> </requires>
	</manifest>)");

using namespace nestbox;

namespace Generator { struct Main; }


struct Generator::Main
{
	Env &env;

	Config_document config { env };

	unsigned const rate = [&] {
		config.update();
		return config.node().attribute("rate").as_uint(48000);
	}();

	uint32_t const period = std::clamp(config.node().attribute("period").as_uint(256), 1u,
	                                   Play::Shared_buffer::MAX_PER_SLOT);
	uint64_t const limit  = config.node().attribute("frames").as_ullong(0);

	enum class Wave { SINE, SQUARE, NOISE, SILENCE } wave = Wave::SINE;

	double      frequency = 1000;
	Audio::Ramp amplitude { 0.0f };
	double      phase = 0;                       /* in cycles, [0, 1) */
	uint64_t    noise = 0x9e3779b97f4a7c15ull;   /* xorshift state: the same noise every run */

	Signal_handler<Main> progress_handler { env.ep(), *this, &Main::produce };

	std::vector<std::unique_ptr<Play::Connection>> channels =
		Audio::play_connections(env, progress_handler, config.node());

	std::vector<float> buffer = std::vector<float>(period);
	Play::Time_window  previous { };
	uint64_t           produced = 0;
	bool               stopped  = false;

	float sample()
	{
		double v = 0;
		switch (wave) {
		case Wave::SINE:    v = std::sin(2 * std::numbers::pi * phase); break;
		case Wave::SQUARE:  v = phase < 0.5 ? 1 : -1; break;
		case Wave::NOISE:
			noise ^= noise << 13; noise ^= noise >> 7; noise ^= noise << 17;
			v = double(noise >> 11) / double(1ull << 52) - 1.0;
			break;
		case Wave::SILENCE: break;
		}
		phase += frequency / rate;
		phase -= std::floor(phase);
		return float(v * amplitude.next());
	}

	void produce()
	{
		while (!stopped) {
			if (limit && produced >= limit) {
				for (auto &c : channels) c->stop();
				stopped = true;
				log("generator: played ", produced, " frames");
				return;
			}
			uint32_t const n = uint32_t(limit ? std::min<uint64_t>(period, limit - produced) : period);

			/* all channels must take the window: wait for the first that cannot */
			for (auto &c : channels)
				if (!c->room(n) && !c->wait_for_room(n)) return;

			for (uint32_t i = 0; i < n; i++) buffer[i] = sample();
			std::span<float const> samples(buffer.data(), n);

			Play::Time_window const w = channels[0]->schedule_and_enqueue(previous, samples);
			if (!w.valid()) {
				error("the Play server refused the stream");
				stopped = true;
				return;
			}
			for (size_t i = 1; i < channels.size(); i++) channels[i]->enqueue(w, samples);
			previous  = w;
			produced += n;
		}
	}

	Signal_handler<Main> config_handler { env.ep(), *this, &Main::handle_config };

	void handle_config()
	{
		config.update();
		pugi::xml_node const node = config.node();
		std::string const w = node.attribute("wave").as_string("sine");
		wave = w == "square" ? Wave::SQUARE : w == "noise" ? Wave::NOISE : w == "silence" ? Wave::SILENCE : Wave::SINE;
		if (w != "sine" && w != "square" && w != "noise" && w != "silence")
			warning("unknown wave \"", w, "\", playing a sine");
		frequency = std::clamp(node.attribute("frequency").as_double(1000), 0.0, rate / 2.0);
		float const a = std::clamp(node.attribute("amplitude").as_float(0.5f), 0.0f, 1.0f);
		amplitude.set(a, produced ? Audio::ramp_frames(rate, Audio::MAX_RAMP_MS) : 0);
		log("generator: ", w, " at ", frequency, " Hz, amplitude ", double(a));
	}

	Main(Env &env) : env(env)
	{
		config.sigh(config_handler.cap());
		handle_config();
		produce();
	}
};


void nestbox::construct(nestbox::Env &env) { static Generator::Main main(env); }
