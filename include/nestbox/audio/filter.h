/*
 * Filter: the plumbing every audio filter shares
 *
 * A filter is a Play server towards the component before it and a Play
 * client of the one after it, so that filters chain by routing alone. Its
 * config names its channels (channels="left right", the default); a Play
 * session whose label ends in a channel's name feeds that channel, and the
 * filter plays the channel on to a Play session of the same name. Each
 * window passes on unchanged in time: the filter takes a slot from its
 * client only when the next component has room for it, so a chain runs at
 * the pace of its end and no filter drops or buffers more than one slot.
 *
 * A filter component provides a 'Processor', which changes the samples of
 * each window in place, and applies its config (the channels stay as they
 * were at start). 'Filter_component' is the skeleton every filter's Main
 * shares: the config, its rate, the Filter and the config signal.
 */
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nestbox/audio/connection.h>
#include <nestbox/audio/server.h>
#include <nestbox/config_document.h>

namespace nestbox::Audio {
	class Filter;
	struct Filter_component;

	/*
	 * A source's outputs: one Play session per channel that its config's
	 * 'channels' attribute names ("left right", the default), each telling
	 * of its progress to 'progress'
	 */
	template <typename HANDLER>
	std::vector<std::unique_ptr<Play::Connection>> play_connections(Env &env, HANDLER &progress,
	                                                                 pugi::xml_node config);
}


class nestbox::Audio::Filter : private Play_handler
{
	public:

		struct Processor
		{
			virtual ~Processor() = default;

			/* Change the samples of one window of channel 'channel' in place */
			virtual void process(unsigned channel, std::span<float> samples) = 0;
		};

	private:

		struct Channel
		{
			std::string                       name;
			std::unique_ptr<Play::Connection> out;
			Play_session                     *in = nullptr;
			bool                              out_stopped = true;
		};

		Env       &_env;
		Processor &_processor;

		Signal_handler<Filter> _progress_handler { _env.ep(), *this, &Filter::_handle_progress };

		std::vector<Channel> _channels { };
		std::vector<float>   _buffer = std::vector<float>(Play::Shared_buffer::MAX_PER_SLOT);

		Play_root _root { _env, *this };

		Channel *_channel(Play_session &);
		void _pump(Channel &);
		void _handle_progress() { for (Channel &c : _channels) _pump(c); }

		/* Play_handler */
		bool play_accept(std::string const &label) override;
		void play_opened(Play_session &) override;
		void play_closed(Play_session &) override;
		Play::Time_window play_start(Play_session &, uint32_t frames) override;
		void play_data(Play_session &s) override { if (Channel *c = _channel(s)) _pump(*c); }

	public:

		/* The channel names from a config's 'channels' attribute */
		static std::vector<std::string> channel_names(std::string_view attribute);

		Filter(Env &, Processor &, std::vector<std::string> const &channels);

		unsigned num_channels() const { return unsigned(_channels.size()); }

		/* Offer the Play service; false (logged) if the parent refused */
		bool announce();
};


/*
 * The base of a filter component's Main: it reads the config once for the
 * rate (rate="48000", the default) and the channels, then calls 'configure'
 * with the config on 'start' and on every change of it. Main's constructor
 * calls 'start' once its own members exist, which applies the first config
 * and announces the Play service (the component exits if the parent
 * refuses it).
 */
struct nestbox::Audio::Filter_component : Filter::Processor
{
	Env &env;

	Config_document config { env };

	unsigned const rate = [&] {
		config.update();
		return config.node().attribute("rate").as_uint(48000);
	}();

	std::vector<std::string> const names =
		Filter::channel_names(config.node().attribute("channels").as_string("left right"));

	Filter filter { env, *this, names };

	/* Apply the (updated) config */
	virtual void configure(pugi::xml_node node) = 0;

	Filter_component(Env &env) : env(env) { }

	/* Apply the config, follow its changes, offer the Play service */
	void start();

	private:

		Signal_handler<Filter_component> _config_handler { env.ep(), *this, &Filter_component::_handle_config };

		void _handle_config() { config.update(); configure(config.node()); }
};


template <typename HANDLER>
std::vector<std::unique_ptr<nestbox::Play::Connection>>
nestbox::Audio::play_connections(Env &env, HANDLER &progress, pugi::xml_node config)
{
	std::vector<std::unique_ptr<Play::Connection>> v;
	for (std::string const &name : Filter::channel_names(config.attribute("channels").as_string("left right")))
		v.push_back(std::make_unique<Play::Connection>(env, progress.cap(), name));
	return v;
}
