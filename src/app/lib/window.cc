/*
 * Window: a Gui session with one view that shows the whole buffer
 */

#include <app/window.h>

#include <nestbox/log.h>

using namespace App;


namespace {

	/* The value of a session request the window cannot do without */
	template <typename T>
	T required(Env &env, Result<T> &&result, char const *what)
	{
		if (!result) {
			error("Gui session: ", what, " failed: ", error_name(result.error()));
			env.exit(-1);
		}
		return std::move(*result);
	}

	template <typename CLIENT>
	CLIENT client_of(Env &env, Result<Capability<typename CLIENT::Interface>> &&cap, char const *what)
	{
		return CLIENT(required(env, std::move(cap), what));
	}
}


Window::Window(Env &env, std::string_view title)
:
	/* what the server's session costs without a buffer; 'place' donates for the buffer */
	_env(env),
	_gui(env, "", "ram_quota=64K, cap_quota=8"),
	_fb(client_of<Framebuffer::Client>(env, _gui.framebuffer(), "framebuffer")),
	_input(client_of<Input::Client>(env, _gui.input(), "input")),
	_events(required(env, _input.dataspace(), "input dataspace")),
	_commands(required(env, _gui.command_dataspace(), "command dataspace")),
	_view(required(env, _gui.create_view(), "create_view"))
{
	if (_commands.size() < sizeof(Gui::Command_buffer)) {
		error("Gui session: command dataspace too small");
		env.exit(-1);
	}
	_execute({ Gui::Command::title_of(_view, title) });
}


void Window::_execute(std::initializer_list<Gui::Command> commands)
{
	auto &buffer = *_commands.local_addr<Gui::Command_buffer>();

	buffer.count = 0;
	for (Gui::Command const &command : commands)
		buffer.commands[buffer.count++] = command;

	if (auto executed = _gui.execute(); !executed)
		warning("Gui session: execute failed: ", error_name(executed.error()));
}


Area Window::screen()
{
	auto const mode = _gui.mode();
	Area const area = mode ? mode->area : Area { 0, 0 };
	_had_screen = _had_screen || (area.w && area.h);
	return area;
}


void Window::exit_if_closed()
{
	bool const had_screen = _had_screen;
	Area const area = screen();
	if (!had_screen || area.w || area.h) return;

	log("window closed");
	_env.exit(0);
}


Result<void> Window::place(Rect geometry, Draw const &draw)
{
	Framebuffer::Mode const mode { .area = geometry.area, .alpha = false };

	/* the session pays for the buffer: donate what the new size needs beyond the old */
	if (mode.bytes() > _donated) {
		uint64_t const more = mode.bytes() - _donated;
		if (auto upgraded = _gui.upgrade("ram_quota=" + std::to_string(more)); !upgraded)
			return upgraded;
		_donated = mode.bytes();
	}

	/*
	 * init answers an upgrade before the server has the quota, so the
	 * buffer request can overtake it and fail for want of RAM. A few
	 * retries let the upgrade arrive; they can go once init's upgrade
	 * waits for the server.
	 */
	Result<void> sized = _gui.buffer(mode);
	for (unsigned retry = 0; retry < UPGRADE_RETRIES && !sized && sized.error() == Error::OUT_OF_RAM; retry++)
		sized = _gui.buffer(mode);
	if (!sized)
		return sized;

	/* a new mode comes with a new dataspace */
	_pixels = Attached_dataspace();
	auto ds = _fb.dataspace();
	if (!ds) return failure(ds.error());
	_pixels = Attached_dataspace(std::move(*ds));

	/* a server that hands out less than the mode needs would let us write past the mapping */
	if (_pixels.size() < mode.bytes()) {
		_pixels = Attached_dataspace();
		return failure(Error::INVALID_ARGS);
	}

	bool const moved = geometry.at.x != _geometry.at.x || geometry.at.y != _geometry.at.y
	                || geometry.area.w != _geometry.area.w || geometry.area.h != _geometry.area.h;
	_geometry = geometry;

	/* drawn before it is shown: the screen never has a black window for a moment */
	if (draw) draw();

	_execute({ Gui::Command::geometry(_view, geometry),
	           Gui::Command::offset_of(_view, { 0, 0 }),
	           Gui::Command::to_front(_view) });

	/* input reaches a window only once its view is placed, drawn if 'draw' was given: tests wait for this line */
	if (moved)
		log("window ", geometry.area.w, "x", geometry.area.h, " at ", geometry.at.x, ",", geometry.at.y);
	return { };
}
