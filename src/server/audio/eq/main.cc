/*
 * eq: an audio filter of cascaded biquad sections
 *
 * <config> <band type="peak" frequency="1000" gain_db="6" q="1"/> … </config>
 * (types: peak, low_shelf, high_shelf, low_pass, high_pass; Robert
 * Bristow-Johnson's cookbook, include/nestbox/audio/biquad.h). A changed
 * config crossfades from the old bands to the new ones over a ramp of at
 * most 5 ms (the bands that stay keep their state), so the change never
 * clicks.
 */

#include <nestbox/audio/biquad.h>
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
using Audio::Biquad;

namespace Eq { struct Main; }


struct Eq::Main : Audio::Filter_component
{
	static constexpr unsigned MAX_BANDS = 16;

	struct Channel
	{
		std::vector<Biquad> bands { }, fading { };   /* 'fading': the old bands during a crossfade */
		Audio::Ramp         mix { 1.0f };            /* 1: the new bands only */
	};

	std::vector<Channel> channels = std::vector<Channel>(filter.num_channels());

	std::vector<Biquad::Coefficients> designed(pugi::xml_node config)
	{
		std::vector<Biquad::Coefficients> v;
		for (pugi::xml_node band : config.children("band")) {
			auto const type = Biquad::type(band.attribute("type").as_string("peak"));
			double const f  = band.attribute("frequency").as_double(1000);
			double const q  = band.attribute("q").as_double(0.707);
			if (!type || !(f > 0 && f < rate / 2.0) || !(q > 0.01 && q < 100) || v.size() == MAX_BANDS) {
				warning("band ", v.size() + 1, ": needs a type (peak, low_shelf, high_shelf, low_pass, "
				        "high_pass), a frequency below ", rate / 2, " Hz and a q of 0.01 to 100 "
				        "(at most ", MAX_BANDS, " bands): ignored");
				continue;
			}
			v.push_back(Biquad::design(*type, f, std::clamp(band.attribute("gain_db").as_double(0), -48.0, 48.0), q, rate));
		}
		return v;
	}

	bool configured = false;

	/* Audio::Filter_component */
	void configure(pugi::xml_node node) override
	{
		auto const coefficients = designed(node);
		uint32_t const frames = configured ? Audio::ramp_frames(rate, node.attribute("ramp_ms").as_uint(Audio::MAX_RAMP_MS)) : 0;
		for (Channel &c : channels) {
			c.fading = c.bands;
			c.bands.resize(coefficients.size());
			for (size_t i = 0; i < coefficients.size(); i++) c.bands[i].c = coefficients[i];
			c.mix = Audio::Ramp(frames ? 0.0f : 1.0f);
			c.mix.set(1.0f, frames);
		}
		configured = true;
		log("eq: ", coefficients.size(), " bands, crossfade over ", frames, " frames");
	}

	static double run(std::vector<Biquad> &bands, double x)
	{
		for (Biquad &b : bands) x = b.process(x);
		return x;
	}

	/* Audio::Filter::Processor */
	void process(unsigned channel, std::span<float> samples) override
	{
		Channel &c = channels[channel];
		for (float &v : samples) {
			double const x = v;
			if (!c.mix.ramping()) { v = float(run(c.bands, x)); continue; }
			double const t = c.mix.next();
			v = float(t * run(c.bands, x) + (1 - t) * run(c.fading, x));
		}
	}

	Main(Env &env) : Filter_component(env) { start(); }
};


void nestbox::construct(nestbox::Env &env) { static Eq::Main main(env); }
