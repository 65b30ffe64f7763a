/*
 * meter: an audio filter that passes its channels unchanged and reports
 * their levels
 *
 * Every 'interval_ms' of audio (default 100; counted in frames, not by a
 * clock, so the numbers are the same at any speed) it reports each
 * channel's peak and RMS level in dBFS as a "levels" report
 * (<levels frames="…"> <channel name="left" peak_db="…" rms_db="…"/> …)
 * and, with log="yes", as a log line.
 */

#include <cmath>
#include <cstdio>

#include <nestbox/audio/filter.h>
#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/report.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<provides> <service name="Play"/> </provides>
		<requires> <service name="Play"/> <service name="Report" optional="yes"/> </requires>
	</manifest>)");

using namespace nestbox;

namespace Meter { struct Main; }


struct Meter::Main : Audio::Filter_component
{
	struct Level { double peak = 0, sum = 0; uint64_t frames = 0; };

	std::vector<Level> levels = std::vector<Level>(names.size());
	std::vector<Level> done   = std::vector<Level>(names.size());
	std::vector<bool>  ready  = std::vector<bool>(names.size(), false);
	uint64_t           reported = 0;   /* frames per channel */

	uint32_t interval = 4800;
	bool     log_levels = false;

	std::optional<Reporter> reporter { };

	/* Audio::Filter_component */
	void configure(pugi::xml_node node) override
	{
		interval   = std::max(1u, uint32_t(uint64_t(rate) * std::clamp(node.attribute("interval_ms").as_uint(100), 1u, 10000u) / 1000));
		log_levels = node.attribute("log").as_bool(false);
		bool const report = node.attribute("report").as_bool(true);
		if (report && !reporter) reporter.emplace(env, "levels");
		if (!report) reporter.reset();
	}

	static double db(double v) { return v > 0 ? 20 * std::log10(v) : -200.0; }

	static std::string fixed(double v)
	{
		char buf[32];
		std::snprintf(buf, sizeof(buf), "%.2f", v);
		return buf;
	}

	/* All channels finished an interval: report it */
	void report()
	{
		reported += interval;
		std::string xml = "<levels frames=\"" + std::to_string(reported) + "\">";
		std::string line = "levels at frame " + std::to_string(reported) + ":";
		for (size_t i = 0; i < names.size(); i++) {
			Level const &l = done[i];
			std::string const peak = fixed(db(l.peak)), rms = fixed(db(std::sqrt(l.sum / double(l.frames))));
			xml  += "<channel name=\"" + names[i] + "\" peak_db=\"" + peak + "\" rms_db=\"" + rms + "\"/>";
			line += " " + names[i] + " peak " + peak + " dB rms " + rms + " dB";
			ready[i] = false;
		}
		xml += "</levels>";
		if (reporter) (void)reporter->report(xml);
		if (log_levels) log(line);
	}

	/* Audio::Filter::Processor */
	void process(unsigned channel, std::span<float> samples) override
	{
		Level &l = levels[channel];
		for (float v : samples) {
			l.peak = std::max(l.peak, double(std::fabs(v)));
			l.sum += double(v) * v;
			if (++l.frames < interval) continue;

			/* reported once every channel finished the interval (channels run a slot apart at most) */
			done[channel]  = l;
			ready[channel] = true;
			l = Level { };
			if (std::all_of(ready.begin(), ready.end(), [] (bool r) { return r; })) report();
		}
	}

	Main(Env &env) : Filter_component(env) { start(); }
};


void nestbox::construct(nestbox::Env &env) { static Meter::Main main(env); }
