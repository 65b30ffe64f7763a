/*
 * gui_client: a Gui client whose views are described by its config
 *
 * Scenario tests use it to put known pixels on the screen and to see which
 * input reaches which client: it logs every event it gets. Its config is
 * applied again whenever it changes, so a test moves, raises or retitles
 * views by rewriting it. It can also crash or flood the server on purpose.
 * See README.md for the config and the log lines.
 */

#include <cstdlib>
#include <map>
#include <vector>
#include <string>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/session/gui.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Gui"/> </requires>
	</manifest>)");

namespace Gui_client {

	using namespace nestbox;

	struct Main;

	/* the buffer holds one area per view, side by side, each as high as the highest view */
	enum : uint32_t { MAX_BUFFER_W = 4096, MAX_BUFFER_H = 2048 };
}

struct Gui_client::Main
{
	Env &_env;

	Attached_rom _config { _env, "config" };

	Connection<Gui::Client> _gui { _env, "", "ram_quota=64K, cap_quota=4" };

	Framebuffer::Client _fb    { [&] { auto c = _gui.framebuffer(); return c ? std::move(*c) : Capability<Framebuffer::Session>(); }() };
	Input::Client       _input { [&] { auto c = _gui.input();       return c ? std::move(*c) : Capability<Input::Session>(); }() };

	Attached_dataspace _events   { [&] { auto d = _input.dataspace();       return d ? std::move(*d) : Dataspace_capability(); }() };
	Attached_dataspace _commands { [&] { auto d = _gui.command_dataspace(); return d ? std::move(*d) : Dataspace_capability(); }() };
	Attached_dataspace _pixels   { };

	Area     _buffer  { 0, 0 };
	uint64_t _donated = 0;

	std::map<std::string, Gui::View_id> _views { };

	unsigned _presses = 0;

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _input_handler  { _env.ep(), *this, &Main::_handle_input };
	Signal_handler<Main> _mode_handler   { _env.ep(), *this, &Main::_handle_mode };
	Signal_handler<Main> _info_handler   { _env.ep(), *this, &Main::_handle_info };

	void _execute(std::initializer_list<Gui::Command> commands)
	{
		auto &buffer = *_commands.local_addr<Gui::Command_buffer>();
		buffer.count = 0;
		for (Gui::Command const &c : commands) buffer.commands[buffer.count++] = c;
		if (auto r = _gui.execute(); !r) log("execute failed: ", error_name(r.error()));
	}

	/* A buffer of 'area', paid for by an upgrade of the session quota */
	bool _size_buffer(Area area)
	{
		if (area.w == _buffer.w && area.h == _buffer.h && _pixels.valid()) return true;

		Framebuffer::Mode const mode { area, false };
		if (mode.bytes() > _donated) {
			uint64_t const more = mode.bytes() - _donated;
			if (!_gui.upgrade("ram_quota=" + std::to_string(more))) return false;
			_donated = mode.bytes();
		}
		_pixels = Attached_dataspace();
		if (auto r = _gui.buffer(mode); !r) { log("buffer failed: ", error_name(r.error())); return false; }
		auto ds = _fb.dataspace();
		if (!ds) return false;
		_pixels = Attached_dataspace(std::move(*ds));
		_buffer = area;
		return _pixels.size() >= mode.bytes();
	}

	void _fill(Rect r, uint32_t color)
	{
		auto *p = _pixels.local_addr<Framebuffer::Pixel>();
		for (uint32_t y = 0; y < r.area.h; y++)
			for (uint32_t x = 0; x < r.area.w; x++)
				p[size_t(r.at.y + y) * _buffer.w + size_t(r.at.x) + x] = color;
	}

	static uint32_t _color(pugi::xml_node node)
	{
		std::string_view const s = node.attribute("color").as_string("#ffffff");
		return s.size() == 7 ? uint32_t(std::strtoul(std::string(s.substr(1)).c_str(), nullptr, 16)) : 0xffffff;
	}

	static Rect _rect(pugi::xml_node node)
	{
		return { { node.attribute("x").as_int(0), node.attribute("y").as_int(0) },
		         { std::min<uint32_t>(node.attribute("width").as_uint(0),  MAX_BUFFER_W),
		           std::min<uint32_t>(node.attribute("height").as_uint(0), MAX_BUFFER_H) } };
	}

	Gui::View_id _view(std::string const &name, pugi::xml_node node)
	{
		auto it = _views.find(name);
		if (it != _views.end()) return it->second;

		Gui::View_id parent { 0 };
		if (auto p = _views.find(node.attribute("parent").value()); p != _views.end()) parent = p->second;

		auto id = _gui.create_view(parent);
		if (!id) { log("create_view failed: ", error_name(id.error())); return { 0 }; }
		_views.emplace(name, *id);
		_execute({ Gui::Command::to_front(*id) });
		return *id;
	}

	void _apply_views(pugi::xml_node config)
	{
		Area need { 0, 0 };
		for (pugi::xml_node v : config.children("view")) {
			Rect const r = _rect(v);
			need.w = std::min(need.w + r.area.w, uint32_t(MAX_BUFFER_W));
			need.h = std::max(need.h, r.area.h);
		}
		if (need.w && need.h && !_size_buffer(need)) return;

		int32_t x = 0;
		for (pugi::xml_node v : config.children("view")) {
			std::string const name = v.attribute("name").as_string("main");
			Gui::View_id const id = _view(name, v);
			Rect const r = _rect(v);

			/* each view shows its own part of the buffer, in its own color */
			Rect const part { { x, 0 }, r.area };
			if (uint64_t(x) + r.area.w > _buffer.w || r.area.h > _buffer.h) {
				log("view \"", name, "\" does not fit into the buffer");
				continue;
			}
			_fill(part, _color(v));
			(void)_fb.refresh(part);

			_execute({ Gui::Command::geometry(id, r), Gui::Command::offset_of(id, part.at),
			           Gui::Command::title_of(id, v.attribute("title").value()) });
			if (v.attribute("front").as_bool(false)) _execute({ Gui::Command::to_front(id) });
			if (v.attribute("back").as_bool(false))  _execute({ Gui::Command::to_back(id) });
			x += int32_t(r.area.w);
		}

		for (pugi::xml_node d : config.children("destroy")) {
			auto it = _views.find(d.attribute("name").value());
			if (it == _views.end()) continue;
			(void)_gui.destroy_view(it->second);
			_views.erase(it);
		}
	}

	/* Everything a hostile client might try, none of which may disturb anybody else */
	void _flood(pugi::xml_node node)
	{
		unsigned const rounds = node.attribute("rounds").as_uint(100);
		auto &buffer = *_commands.local_addr<Gui::Command_buffer>();

		std::vector<Gui::View_id> created { };
		for (unsigned i = 0; i < rounds; i++) {
			if (auto v = _gui.create_view({ 0 })) created.push_back(*v);
			(void)_gui.create_view({ 0xdead0000 + i });
			(void)_gui.destroy_view({ 0xbeef0000 + i });
			(void)_gui.buffer({ { 1u << 30, 1u << 30 }, true });
			(void)_fb.refresh({ { -(1 << 30), -(1 << 30) }, { ~0u, ~0u } });
			if (auto c = _gui.framebuffer(); c) { }
			buffer.count = ~0u;
			for (auto &c : buffer.commands) {
				c = Gui::Command::geometry({ i }, { { 1 << 30, -(1 << 30) }, { ~0u, ~0u } });
				c.op = Gui::Command::Op(i % 9);
				c.neighbor = { i * 7 };
				std::memset(c.title, 'x', sizeof(c.title));
			}
			(void)_gui.execute();
		}
		/* the views it could create were paid for with its quota: give it back */
		for (Gui::View_id v : created) (void)_gui.destroy_view(v);
		log("flood of ", rounds, " rounds done, ", created.size(), " views created");
	}

	void _handle_config()
	{
		_config.update();
		pugi::xml_document doc;
		doc.load_buffer(_config.text().data(), _config.text().size());
		pugi::xml_node const config = doc.document_element();

		/* after a flood, the client starts over with a fresh buffer */
		if (pugi::xml_node f = config.child("flood")) {
			_flood(f);
			_buffer = { 0, 0 };
		}
		_apply_views(config);

		if (auto mode = _gui.mode()) log("screen ", mode->area.w, "x", mode->area.h);
		log("config ", config.attribute("version").as_string("0"), " applied");

		if (config.child("crash")) {
			log("going to crash");
			std::abort();
		}
	}

	void _handle_mode()
	{
		if (auto mode = _gui.mode()) log("mode changed: ", mode->area.w, "x", mode->area.h);
	}

	void _handle_info()
	{
		auto ds = _gui.info();
		if (!ds) { log("info failed: ", error_name(ds.error())); return; }
		Attached_dataspace info(std::move(*ds));
		std::string_view const text(info.local_addr<char const>(), info.size());
		log("info: ", text.substr(0, text.find('\0')));
	}

	void _handle_input()
	{
		using Event = Input::Event;
		for (;;) {
			auto const n = _input.flush();
			if (!n || *n == 0) return;
			auto const *events = _events.local_addr<Event const>();
			for (uint32_t i = 0; i < std::min<uint32_t>(*n, Input::MAX_EVENTS); i++) {
				Event const &e = events[i];
				switch (e.type) {
				case Event::PRESS:
					if (e.unicode) log("input: press ", e.code, " unicode ", e.unicode);
					else           log("input: press ", e.code);

					/* the count shows a test which presses did not come here */
					log("presses seen: ", ++_presses);
					break;
				case Event::RELEASE:       log("input: release ", e.code);                 break;
				case Event::ABS_MOTION:    log("input: motion ", e.x, ",", e.y);           break;
				case Event::REL_MOTION:    log("input: rel_motion ", e.x, ",", e.y);       break;
				case Event::WHEEL:         log("input: wheel ", e.x, ",", e.y);            break;
				case Event::FOCUS_ENTER:   log("input: focus enter");                      break;
				case Event::FOCUS_LEAVE:   log("input: focus leave");                      break;
				case Event::HOVER_LEAVE:   log("input: hover leave");                      break;
				case Event::TOUCH:         log("input: touch ", e.code, " ", e.x, ",", e.y); break;
				case Event::TOUCH_RELEASE: log("input: touch release ", e.code);           break;
				case Event::INVALID:       log("input: invalid");                          break;
				}
			}
		}
	}

	Main(Env &env) : _env(env)
	{
		if (!_events.valid() || !_commands.valid()) {
			error("Gui sub-sessions unavailable");
			_env.exit(-1);
		}
		(void)_input.sigh(_input_handler.cap());
		(void)_gui.mode_sigh(_mode_handler.cap());
		(void)_gui.info_sigh(_info_handler.cap());
		_config.sigh(_config_handler.cap());
		_handle_config();
	}
};

void nestbox::construct(nestbox::Env &env) { static Gui_client::Main main(env); }
