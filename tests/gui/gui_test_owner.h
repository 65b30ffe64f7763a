/*
 * A stand-in for a Gui session in the unit tests of the gui server: a
 * label, a domain, a buffer in plain memory, and the events it received
 */
#pragma once

#include <string>
#include <vector>

#include <view_owner.h>

namespace Gui_test {

	using namespace Gui_server;

	struct Owner : View_owner
	{
		std::string               name;
		Domain const             *dom;
		std::vector<Pixel>        pixels { };
		std::vector<uint8_t>      planes { };   /* alpha, then input mask */
		Area                      size   { 0, 0 };
		std::vector<Input::Event> events { };

		Owner(std::string name, Domain const *dom) : name(name), dom(dom) { }

		/* a buffer of one color */
		void buffer(Area a, Pixel color)
		{
			size = a;
			pixels.assign(size_t(a.w) * a.h, color);
		}

		/* an alpha plane of one value, taking input where alpha is not 0 */
		void alpha(uint8_t value)
		{
			size_t const n = size_t(size.w) * size.h;
			planes.assign(2 * n, value);
			for (size_t i = n; i < 2 * n; i++) planes[i] = value ? 1 : 0;
		}

		std::string_view label()  const override { return name; }
		Domain const    *domain() const override { return dom; }

		Texture texture() const override
		{
			if (pixels.empty()) return { };
			size_t const n = size_t(size.w) * size.h;
			return { pixels.data(), planes.empty() ? nullptr : planes.data(),
			         planes.empty() ? nullptr : planes.data() + n, size };
		}

		void submit(Input::Event const &e) override { events.push_back(e); }

		/* the types of the events received so far, as text, and forget them */
		std::string take()
		{
			std::string out;
			for (Input::Event const &e : events) {
				if (!out.empty()) out += " ";
				switch (e.type) {
				case Input::Event::PRESS:       out += "press "   + std::to_string(e.code); break;
				case Input::Event::RELEASE:     out += "release " + std::to_string(e.code); break;
				case Input::Event::ABS_MOTION:  out += "motion "  + std::to_string(e.x) + "," + std::to_string(e.y); break;
				case Input::Event::FOCUS_ENTER: out += "enter"; break;
				case Input::Event::FOCUS_LEAVE: out += "leave"; break;
				case Input::Event::HOVER_LEAVE: out += "hover_leave"; break;
				case Input::Event::WHEEL:       out += "wheel"; break;
				case Input::Event::TOUCH:       out += "touch " + std::to_string(e.x) + "," + std::to_string(e.y); break;
				case Input::Event::TOUCH_RELEASE: out += "touch_release"; break;
				default:                        out += "other"; break;
				}
			}
			events.clear();
			return out;
		}
	};

	inline Domain domain(std::string name, unsigned layer)
	{
		Domain d { };
		d.name  = name;
		d.layer = layer;
		d.focus = Domain::Focus::CLICK;
		return d;
	}
}
