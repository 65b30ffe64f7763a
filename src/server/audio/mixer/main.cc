/*
 * mixer: mixes Play clients into named mixes that Record clients read
 *
 * In the spirit of Genode's record_play_mixer: each <mix> of the config
 * names the Play sessions that play into it (<play label_suffix="left"
 * volume="0.5"/>), each <policy> says which mix a Record session reads and
 * at what volume. One mix is one channel. The config is re-applied live:
 * sessions move between mixes, and a changed volume ramps to its new value
 * over 5 ms (at the mixes' 'rate'), so that it never clicks.
 *
 * Each mix has a timeline position: where its recorders have read up to.
 * A new stream starts there. The mixer holds up to FIFO_FRAMES frames per
 * Play session and takes no more from a client that is that far ahead, so
 * the recorders' pace throttles the players. With freewheel="yes" a window
 * is handed out only when every playing client delivered it (a file
 * driver running as fast as the graph can, for tests); without, a window
 * mixes whatever arrived in time, as a real-time device needs.
 */

#include <map>

#include <nestbox/audio/sample_fifo.h>
#include <nestbox/audio/server.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/util/policy.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<provides> <service name="Play"/> <service name="Record"/> </provides>
	</manifest>)");

using namespace nestbox;
using namespace nestbox::Audio;

namespace Mixer { struct Main; }


struct Mixer::Main : Play_handler, Record_handler
{
	/* frames held per Play session: 170 ms at 48 kHz */
	static constexpr uint32_t FIFO_FRAMES = 8192;

	Env &env;

	Config_document config { env };

	bool freewheel = false;

	/* a volume change ramps over 5 ms at the mixes' rate */
	unsigned rate = 48000;

	uint32_t ramp_frames() const { return Audio::ramp_frames(rate, MAX_RAMP_MS); }

	struct Mix { uint64_t position = 0; };

	std::map<std::string, Mix> mixes { };

	struct Player
	{
		Play_session &session;
		Sample_fifo   fifo { FIFO_FRAMES };
		std::string   mix { };
		float         volume = -1.0f;   /* the target; -1: not assigned yet */
		Ramp          ramp { 1.0f };    /* the volume frame by frame */

		bool                 told_start = false;   /* only the first stream's start is logged */
		Sample_fifo::Stats   stats { };
		Rate_limited_warning late_warning { };
		Rate_limited_warning gap_warning { };

		explicit Player(Play_session &s) : session(s) { }
	};

	struct Recorder
	{
		Record_session &session;
		std::string     mix { };
		float           volume = -1.0f;
		Ramp            ramp { 1.0f };
	};

	std::map<Play_session *,   std::unique_ptr<Player>> players   { };
	std::map<Record_session *, Recorder>                recorders { };

	Play_root   play_root   { env, *this };
	Record_root record_root { env, *this };

	/* Whether a <play> node names 'label' (label, label_prefix, label_suffix) */
	static bool matches(pugi::xml_node node, std::string const &label)
	{
		auto const exact  = node.attribute("label");
		auto const prefix = node.attribute("label_prefix");
		auto const suffix = node.attribute("label_suffix");
		if (exact && label != exact.as_string()) return false;
		if (prefix && !label.starts_with(prefix.as_string())) return false;
		if (suffix && !label.ends_with(suffix.as_string())) return false;
		return true;
	}

	/* The mix a Play session plays into, by the first <play> node naming it */
	void assign(Player &p)
	{
		std::string mix_name { };
		float volume = 1.0f;
		for (pugi::xml_node mix : config.node().children("mix"))
			for (pugi::xml_node play : mix.children("play"))
				if (mix_name.empty() && matches(play, p.session.label())) {
					mix_name = mix.attribute("name").as_string();
					volume   = std::clamp(play.attribute("volume").as_float(1.0f), 0.0f, 1000.0f);
				}
		if (mix_name == p.mix && volume == p.volume) return;
		p.ramp.set(volume, p.volume < 0 ? 0 : ramp_frames());
		p.mix    = mix_name;
		p.volume = volume;
		if (p.mix.empty()) log("Play session \"", p.session.label(), "\" plays into no mix (none names it)");
		else log("Play session \"", p.session.label(), "\" plays into ", p.mix, " at volume ", double(p.volume));
	}

	void assign(Recorder &r)
	{
		pugi::xml_node const policy = select_policy(config.node(), r.session.label());
		r.mix = policy.attribute("record").as_string();
		float const volume = std::clamp(policy.attribute("volume").as_float(1.0f), 0.0f, 1000.0f);
		if (volume != r.volume) r.ramp.set(volume, r.volume < 0 ? 0 : ramp_frames());
		r.volume = volume;
		if (!mixes.count(r.mix)) r.mix = { };
	}

	Mix *mix_of(std::string const &name)
	{
		auto it = mixes.find(name);
		return name.empty() || it == mixes.end() ? nullptr : &it->second;
	}

	/* Take the client's slots while the fifo has room (or drop them: no mix) */
	void pull(Player &p)
	{
		Sample_fifo::Stats const before = p.stats;
		while (auto slot = p.session.peek()) {
			bool const starting = !p.fifo.started();
			if (mix_of(p.mix) && !p.fifo.put(slot->window, slot->samples, p.stats)) break;
			if (starting && p.fifo.started() && !p.told_start) {
				p.told_start = true;
				log("Play session \"", p.session.label(), "\" starts at frame ", p.fifo.first(), " of ", p.mix);
			}
			p.session.release();
		}
		if (p.stats.late > before.late)
			p.late_warning("Play session \"", p.session.label(), "\": ", p.stats.late - before.late,
			               " frames arrived too late and were dropped");
		if (p.stats.gap > before.gap)
			p.gap_warning("Play session \"", p.session.label(), "\": a gap of ", p.stats.gap - before.gap,
			              " frames in its stream, played as silence");
	}

	void wake_recorders(std::string const &mix)
	{
		for (auto &[s, r] : recorders)
			if (r.mix == mix) r.session.wakeup();
	}

	Signal_handler<Main> config_handler { env.ep(), *this, &Main::handle_config };

	void handle_config()
	{
		config.update();
		freewheel = config.node().attribute("freewheel").as_bool(false);
		rate      = config.node().attribute("rate").as_uint(48000);

		std::map<std::string, Mix> updated;
		for (pugi::xml_node mix : config.node().children("mix")) {
			std::string const name = mix.attribute("name").as_string();
			if (name.empty()) { warning("a <mix> without a name is ignored"); continue; }
			updated[name] = mixes.count(name) ? mixes[name] : Mix { };
		}
		mixes = std::move(updated);

		for (auto &[s, p] : players)   { assign(*p); pull(*p); }
		for (auto &[s, r] : recorders) { assign(r); r.session.wakeup(); }
	}

	/* Play_handler */

	bool play_accept(std::string const &) override { return true; }

	void play_opened(Play_session &s) override
	{
		auto p = std::make_unique<Player>(s);
		assign(*p);
		players.emplace(&s, std::move(p));
	}

	void play_closed(Play_session &s) override
	{
		auto it = players.find(&s);
		if (it == players.end()) return;
		std::string const mix = it->second->mix;
		players.erase(it);
		wake_recorders(mix);
	}

	Play::Time_window play_start(Play_session &s, uint32_t frames) override
	{
		auto it = players.find(&s);
		Mix const *mix = it != players.end() ? mix_of(it->second->mix) : nullptr;
		uint64_t const start = mix ? mix->position : 0;
		if (it != players.end()) it->second->fifo.reset();
		return { start, start + frames };
	}

	void play_data(Play_session &s) override
	{
		auto it = players.find(&s);
		if (it == players.end()) return;
		pull(*it->second);
		wake_recorders(it->second->mix);
	}

	/* Record_handler */

	bool record_accept(std::string const &label) override
	{
		pugi::xml_node const policy = select_policy(config.node(), label);
		if (!policy || !mixes.count(policy.attribute("record").as_string())) {
			warning("Record session \"", label, "\": no policy names a mix for it");
			return false;
		}
		return true;
	}

	void record_opened(Record_session &s) override
	{
		auto [it, inserted] = recorders.emplace(&s, Recorder { s });
		assign(it->second);
	}

	void record_closed(Record_session &s) override { recorders.erase(&s); }

	uint64_t record_start(Record_session &s) override
	{
		auto it = recorders.find(&s);
		Mix const *mix = it != recorders.end() ? mix_of(it->second.mix) : nullptr;
		return mix ? mix->position : 0;
	}

	bool record_mix(Record_session &s, Play::Time_window w, std::span<float> out) override
	{
		auto it = recorders.find(&s);
		if (it == recorders.end()) return false;
		Recorder &r = it->second;
		Mix *mix = mix_of(r.mix);
		if (!mix) return false;

		bool contributes = false;
		for (auto &[ps, p] : players) {
			if (p->mix != r.mix) continue;
			pull(*p);
			bool const playing = p->fifo.started() && !p->session.stopped();
			if (freewheel && playing && p->fifo.end() < w.end) return false;   /* not delivered yet */
			contributes |= p->fifo.covers_part(w);
		}
		if (!contributes) return false;

		for (auto &[ps, p] : players) {
			if (p->mix != r.mix) continue;
			if (p->ramp.ramping()) p->fifo.mix_into(w, out, p->ramp);
			else                   p->fifo.mix_into(w, out, p->ramp.value());
		}
		if (r.ramp.ramping() || r.ramp.value() != 1.0f)
			for (float &v : out) v *= r.ramp.next();

		/* what lies before the window's end is recorded (or too late): room for more */
		mix->position = std::max(mix->position, w.end);
		for (auto &[ps, p] : players)
			if (p->mix == r.mix) { p->fifo.discard_before(w.end); pull(*p); }
		return true;
	}

	Main(Env &env) : env(env)
	{
		config.sigh(config_handler.cap());
		handle_config();
		if (!announce(env, "Play", play_root) || !announce(env, "Record", record_root)) env.exit(1);
	}
};


void nestbox::construct(nestbox::Env &env) { static Mixer::Main main(env); }
