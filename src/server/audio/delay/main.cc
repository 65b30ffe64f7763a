/*
 * delay: an audio filter that delays its channels by a number of frames
 *
 * <config frames="480"/> or <config ms="10"/> (at most MAX_MS). The delay is
 * exact: an impulse at frame n comes out at frame n + frames. A changed
 * delay crossfades from the old tap to the new one over a ramp of at most
 * 5 ms, so it never clicks.
 */

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

namespace Delay { struct Main; }


struct Delay::Main : Audio::Filter_component
{
	static constexpr unsigned MAX_MS = 2000;

	uint32_t const capacity = rate * MAX_MS / 1000 + 1;

	struct Channel
	{
		std::vector<float> ring;
		uint32_t           pos = 0;
		uint32_t           delay = 0, old_delay = 0;
		Audio::Ramp        fade { 1.0f };   /* 1: the new tap only */

		explicit Channel(uint32_t capacity) : ring(capacity, 0.0f) { }

		float tap(uint32_t d) const { return ring[(pos + ring.size() - d) % ring.size()]; }
	};

	std::vector<Channel> channels = std::vector<Channel>(filter.num_channels(), Channel(capacity));

	bool configured = false;

	/* Audio::Filter_component */
	void configure(pugi::xml_node node) override
	{
		uint64_t const frames = node.attribute("frames")
		                      ? node.attribute("frames").as_ullong(0)
		                      : uint64_t(node.attribute("ms").as_double(0) * rate / 1000 + 0.5);
		if (frames >= capacity) {
			warning("a delay of ", frames, " frames is more than ", MAX_MS, " ms: the delay stays");
			return;
		}
		uint32_t const ramp = configured ? Audio::ramp_frames(rate, node.attribute("ramp_ms").as_uint(Audio::MAX_RAMP_MS)) : 0;
		for (Channel &c : channels) {
			if (c.delay == frames) continue;
			c.old_delay = c.delay;
			c.delay     = uint32_t(frames);
			c.fade = Audio::Ramp(ramp ? 0.0f : 1.0f);
			c.fade.set(1.0f, ramp);
		}
		configured = true;
		log("delay: ", frames, " frames");
	}

	/* Audio::Filter::Processor */
	void process(unsigned channel, std::span<float> samples) override
	{
		Channel &c = channels[channel];
		for (float &v : samples) {
			c.ring[c.pos] = v;
			if (c.fade.ramping()) {
				float const t = c.fade.next();
				v = t * c.tap(c.delay) + (1 - t) * c.tap(c.old_delay);
			} else {
				v = c.tap(c.delay);
			}
			c.pos = (c.pos + 1) % uint32_t(c.ring.size());
		}
	}

	Main(Env &env) : Filter_component(env) { start(); }
};


void nestbox::construct(nestbox::Env &env) { static Delay::Main main(env); }
