/*
 * The plumbing every audio filter shares
 */

#include <nestbox/audio/filter.h>

#include <nestbox/root_component.h>

using namespace nestbox;
using namespace nestbox::Audio;


std::vector<std::string> Filter::channel_names(std::string_view attribute)
{
	std::vector<std::string> names;
	size_t pos = 0;
	while (pos < attribute.size()) {
		size_t const end = std::min(attribute.find(' ', pos), attribute.size());
		if (end > pos) names.emplace_back(attribute.substr(pos, end - pos));
		pos = end + 1;
	}
	return names;
}


Filter::Filter(Env &env, Processor &processor, std::vector<std::string> const &channels)
: _env(env), _processor(processor)
{
	for (std::string const &name : channels)
		_channels.push_back(Channel { name, std::make_unique<Play::Connection>(env, _progress_handler.cap(), name) });
}


bool Filter::announce() { return bool(nestbox::announce(_env, "Play", _root)); }


void Filter_component::start()
{
	config.sigh(_config_handler.cap());
	_handle_config();
	if (!filter.announce()) env.exit(1);
}


Filter::Channel *Filter::_channel(Play_session &s)
{
	for (Channel &c : _channels)
		if (c.in == &s) return &c;
	return nullptr;
}


bool Filter::play_accept(std::string const &label)
{
	for (Channel &c : _channels)
		if (label.ends_with(c.name)) {
			if (!c.in) return true;
			warning("Play session \"", label, "\": channel ", c.name, " is fed already");
			return false;
		}
	warning("Play session \"", label, "\": its label ends in none of the channels");
	return false;
}


void Filter::play_opened(Play_session &s)
{
	for (Channel &c : _channels)
		if (s.label().ends_with(c.name) && !c.in) { c.in = &s; return; }
}


void Filter::play_closed(Play_session &s)
{
	Channel *c = _channel(s);
	if (!c) return;
	c->in = nullptr;
	if (!c->out_stopped) { c->out->stop(); c->out_stopped = true; }
}


Play::Time_window Filter::play_start(Play_session &s, uint32_t frames)
{
	/* the stream starts where the next component says (one call, at the start only) */
	Channel *c = _channel(s);
	return c ? c->out->start(frames) : Play::Time_window { };
}


void Filter::_pump(Channel &c)
{
	if (!c.in) return;
	unsigned const index = unsigned(&c - _channels.data());

	while (auto slot = c.in->peek()) {
		uint32_t const n = slot->window.frames();
		if (!c.out->room(n) && !c.out->wait_for_room(n)) return;   /* the progress signal resumes */

		std::span<float> samples(_buffer.data(), n);
		std::copy(slot->samples.begin(), slot->samples.end(), samples.begin());
		_processor.process(index, samples);
		c.out->enqueue(slot->window, samples);
		c.out_stopped = false;
		c.in->release();
	}
	if (c.in->stopped() && !c.out_stopped) {
		c.out->stop();
		c.out_stopped = true;
	}
}
