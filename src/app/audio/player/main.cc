/*
 * player: plays a WAV or FLAC file into Play sessions
 *
 * The file is the one the start node grants (<host> <file path=…/>), read
 * through libsndfile (include/nestbox/audio/sound_file.h). <config
 * channels="left right" period="256" loop="no"/>: each channel is one Play
 * session named after it (file channel i plays into channel i, a mono file
 * into all); the player plays as fast as the sessions take its windows, so
 * the end of the graph sets the pace, and stops at the end of the file or,
 * with loop="yes", starts it again.
 */

#include <nestbox/audio/connection.h>
#include <nestbox/audio/filter.h>
#include <nestbox/audio/sound_file.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Play"/> </requires>
	</manifest>)");

using namespace nestbox;

namespace Player { struct Main; }


struct Player::Main
{
	Env &env;

	Config_document config { env };

	pugi::xml_node const start_config = [&] { config.update(); return config.node(); }();

	uint32_t const period = std::clamp(start_config.attribute("period").as_uint(256), 1u,
	                                   Play::Shared_buffer::MAX_PER_SLOT);

	std::pair<int, std::string> const grant = [&] {
		for (auto const &[name, fd] : env.host_fds())
			if (name.starts_with("file-ro:") || name.starts_with("file-rw:")) return std::pair { fd, name.substr(8) };
		error("no file granted: the start node needs <host> <file path=\"…\"/> </host>");
		env.exit(1);
	}();

	std::unique_ptr<Audio::Sound_file> file = [&] {
		auto f = Audio::Sound_file::open_read(grant.first, grant.second);
		if (!f) env.exit(1);
		return std::move(*f);
	}();

	Signal_handler<Main> progress_handler { env.ep(), *this, &Main::play };

	std::vector<std::unique_ptr<Play::Connection>> channels =
		Audio::play_connections(env, progress_handler, start_config);

	std::vector<float> frames  = std::vector<float>(period * file->channels());
	std::vector<float> samples = std::vector<float>(period);
	Play::Time_window  previous { };
	uint64_t played = 0;
	bool     ended  = false;

	void play()
	{
		while (!ended) {
			for (auto &c : channels)
				if (!c->room(period) && !c->wait_for_room(period)) return;

			uint64_t const n = file->read(frames);
			if (n == 0) {
				if (config.node().attribute("loop").as_bool(false) && played && file->rewind()) continue;
				for (auto &c : channels) c->stop();
				ended = true;
				log("player: played ", played, " frames of ", grant.second);
				return;
			}
			unsigned const fc = file->channels();
			for (size_t c = 0; c < channels.size(); c++) {
				for (uint64_t i = 0; i < n; i++) samples[i] = frames[i * fc + c % fc];
				std::span<float const> s(samples.data(), n);
				if (c == 0) {
					previous = channels[0]->schedule_and_enqueue(previous, s);
					if (!previous.valid()) { error("the Play server refused the stream"); ended = true; return; }
				} else {
					channels[c]->enqueue(previous, s);
				}
			}
			played += n;
		}
	}

	Signal_handler<Main> config_handler { env.ep(), *this, &Main::handle_config };

	void handle_config() { config.update(); }

	Main(Env &env) : env(env)
	{
		config.sigh(config_handler.cap());
		log("player: ", grant.second, ", ", file->channels(), " channels at ", file->rate(), " Hz, ",
		    file->frames(), " frames");
		play();
	}
};


void nestbox::construct(nestbox::Env &env) { static Player::Main main(env); }
