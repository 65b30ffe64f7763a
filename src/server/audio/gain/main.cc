/*
 * gain: an audio filter that scales its channels
 *
 * <config db="-6"/> (or gain="0.5", a factor). A change in the config moves
 * the gain there over a ramp of ramp_ms (at most 5 ms, the default) at the
 * declared rate, so that it never clicks. At a gain of exactly 1 (0 dB) the
 * samples pass untouched: a chain of unity gains is bit-exact.
 */

#include <cmath>

#include <nestbox/audio/filter.h>
#include <nestbox/audio/ramp.h>
#include <nestbox/component.h>
#include <nestbox/manifest.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<provides> <service name="Play"/> </provides>
		<requires> <service name="Play"/> </requires>
	</manifest>)");

using namespace nestbox;

namespace Gain { struct Main; }


struct Gain::Main : Audio::Filter_component
{
	std::vector<Audio::Ramp> gains = std::vector<Audio::Ramp>(filter.num_channels(), Audio::Ramp(1.0f));

	bool configured = false;

	/* Audio::Filter_component */
	void configure(pugi::xml_node node) override
	{
		double const factor = node.attribute("gain")
		                    ? node.attribute("gain").as_double(1.0)
		                    : std::pow(10.0, node.attribute("db").as_double(0.0) / 20.0);
		if (!std::isfinite(factor) || factor < 0 || factor > 1000) {
			warning("gain ", factor, " is out of range (0 to 1000), the gain stays");
			return;
		}
		/* the first config sets the gain, a later one ramps to it */
		uint32_t const frames = configured ? Audio::ramp_frames(rate, node.attribute("ramp_ms").as_uint(Audio::MAX_RAMP_MS)) : 0;
		for (Audio::Ramp &g : gains) g.set(float(factor), frames);
		configured = true;
		log("gain ", factor, " (", 20 * std::log10(factor), " dB) over ", frames, " frames");
	}

	/* Audio::Filter::Processor */
	void process(unsigned channel, std::span<float> samples) override
	{
		Audio::Ramp &g = gains[channel];
		if (!g.ramping() && g.value() == 1.0f) return;
		for (float &v : samples) v *= g.next();
	}

	Main(Env &env) : Filter_component(env) { start(); }
};


void nestbox::construct(nestbox::Env &env) { static Gain::Main main(env); }
