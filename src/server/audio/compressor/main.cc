/*
 * compressor: an audio filter that compresses (or limits) its channels' level
 *
 * <config threshold_db="-20" ratio="4" attack_ms="5" release_ms="100"
 * makeup_db="0" link="yes"/>. A feed-forward compressor: the level is the
 * peak of the input, followed by an envelope (attack when it rises, release
 * when it falls); above the threshold the gain falls by (1 - 1/ratio) dB
 * per dB. A ratio of 100 or more is a limiter. link="yes" (the default)
 * applies the loudest channel's gain to all, so the stereo image stays.
 * Threshold and ratio changes reach the gain through the envelope, the
 * makeup gain through a ramp of at most 5 ms: no change clicks.
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

namespace Compressor { struct Main; }


struct Compressor::Main : Audio::Filter_component
{
	double threshold_db = -20, ratio = 4;
	double attack = 0, release = 0;   /* per-frame coefficients of the envelope */
	bool   link = true;

	/* per channel: each channel's windows pass separately, each must see the whole ramp */
	std::vector<Audio::Ramp> makeup = std::vector<Audio::Ramp>(filter.num_channels(), Audio::Ramp(1.0f));

	/* the envelope per channel, in linear level */
	std::vector<double> envelope = std::vector<double>(filter.num_channels(), 0.0);

	bool configured = false;

	static double coefficient(double ms, unsigned rate) { return ms <= 0 ? 0 : std::exp(-1000.0 / (ms * rate)); }

	/* Audio::Filter_component */
	void configure(pugi::xml_node node) override
	{
		threshold_db = std::clamp(node.attribute("threshold_db").as_double(-20), -96.0, 0.0);
		ratio        = std::clamp(node.attribute("ratio").as_double(4), 1.0, 1000.0);
		attack       = coefficient(std::clamp(node.attribute("attack_ms").as_double(5), 0.0, 1000.0), rate);
		release      = coefficient(std::clamp(node.attribute("release_ms").as_double(100), 0.0, 10000.0), rate);
		link         = node.attribute("link").as_bool(true);
		double const makeup_db = std::clamp(node.attribute("makeup_db").as_double(0), -48.0, 48.0);
		for (Audio::Ramp &m : makeup)
			m.set(float(std::pow(10.0, makeup_db / 20)), configured ? Audio::ramp_frames(rate, Audio::MAX_RAMP_MS) : 0);
		configured = true;
		log("compressor: threshold ", threshold_db, " dB, ratio ", ratio, ", makeup ", makeup_db, " dB");
	}

	/* The gain for an envelope level */
	double gain(double level) const
	{
		double const level_db = level > 0 ? 20 * std::log10(level) : -200;
		if (level_db <= threshold_db) return 1.0;
		return std::pow(10.0, -(level_db - threshold_db) * (1 - 1 / ratio) / 20);
	}

	void follow(double &env, double x) const
	{
		double const level = std::fabs(x);
		double const c = level > env ? attack : release;
		env = c * env + (1 - c) * level;
	}

	/*
	 * Linked channels: each channel's window runs through its own envelope,
	 * and the gain comes from the loudest envelope at that moment
	 */
	void process(unsigned channel, std::span<float> samples) override
	{
		double &env = envelope[channel];
		Audio::Ramp &gain_out = makeup[channel];
		for (float &v : samples) {
			follow(env, v);
			double level = env;
			if (link)
				for (double e : envelope) level = std::max(level, e);
			v = float(double(v) * gain(level) * double(gain_out.next()));
		}
	}

	Main(Env &env) : Filter_component(env) { start(); }
};


void nestbox::construct(nestbox::Env &env) { static Compressor::Main main(env); }
