/*
 * Flood: a component that misbehaves towards its servers and its parent
 *
 * The hostile tests (tests/hostile/) run it beside well-behaved children to
 * show that core, init and report_rom stay responsive whatever it does: it
 * floods a session with requests and never reads a reply, hangs inside a
 * session request it serves, leaks descriptors and memory, exits in the
 * middle of a call, and forks; towards a framebuffer driver or the gui server,
 * it floods refreshes and view commands while it never takes a signal. The
 * steps of its config run in order on the entrypoint, which they may block:
 * blocking only stops the flood itself.
 */

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/connection.h>
#include <nestbox/manifest.h>
#include <nestbox/root_component.h>
#include <nestbox/session/framebuffer.h>
#include <nestbox/session/gui.h>
#include <nestbox/session/input.h>
#include <nestbox/session/log.h>
#include <nestbox/session/report.h>
#include <nestbox/session/rom.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="ROM" optional="yes"/> <service name="Report" optional="yes"/>
			<service name="Framebuffer" optional="yes"/> <service name="Input" optional="yes"/>
			<service name="Gui" optional="yes"/>
		</requires>
		<provides> <service name="LOG"/> </provides>
	</manifest>)");

namespace Flood {

	using namespace nestbox;

	struct Main;

	/* Block the calling thread for good (signals are not expected) */
	[[noreturn]] static void hang() { for (;;) ::pause(); }

	/* A LOG service whose session requests never return: a server hung in a call */
	struct Hanging_root : Root_component<Rpc_object<Log::Session>>
	{
		using Root_component::Root_component;

		Result<std::unique_ptr<Rpc_object<Log::Session>>> _create_session(std::string_view) override
		{
			log("hanging in a session request");
			hang();
		}
	};
}


struct Flood::Main
{
	Env &_env;

	Attached_rom _config { _env, "config" };

	std::unique_ptr<Hanging_root> _hanging_root { };

	std::vector<Unique_fd> _leaked_fds { };
	std::vector<char *>    _leaked_memory { };

	uint64_t _next_call_id = 1;

	/* the sessions of the Framebuffer and Gui floods, held until the component dies */
	std::unique_ptr<Connection<Framebuffer::Client>> _framebuffer { };
	std::unique_ptr<Connection<Input::Client>>       _input { };
	std::unique_ptr<Connection<Gui::Client>>         _gui { };
	std::unique_ptr<Framebuffer::Client>             _gui_fb { };
	Attached_dataspace                               _gui_pixels { }, _gui_commands { };

	/*
	 * The signals of those sessions go here, and are never taken: the steps
	 * run on the entrypoint, which does not dispatch while they run
	 */
	void _never_taken() { }
	Signal_handler<Main> _ignored { _env.ep(), *this, &Main::_never_taken };

	/*
	 * Send requests on several channels in turn, each with a blocking send,
	 * never reading a reply, until a peer disconnects or 'limit' requests
	 * are out (0: no limit). Each 'encode' fills the writer for its channel.
	 */
	struct Stream { int fd; std::function<void(Msg_writer &, uint64_t id)> encode; };

	void _flood_streams(std::string const &what, std::vector<Stream> const &streams, uint64_t limit)
	{
		log("flood ", what, ": started");
		thread_local Msg_writer w;
		uint64_t sent = 0;
		for (; !limit || sent < limit; sent++) {
			Stream const &s = streams[sent % streams.size()];
			s.encode(w, _next_call_id++);
			if (auto ok = Channel::send(s.fd, w); !ok) {
				log("flood ", what, ": disconnected after ", sent, " requests (", error_name(ok.error()), ")");
				return;
			}
		}
		log("flood ", what, ": sent ", sent, " requests");
	}

	template <auto F, typename... ARGS>
	static Stream _stream(int fd, ARGS const &... args)
	{
		using Interface = typename Rpc_function_traits<decltype(F)>::Class;
		constexpr uint32_t opcode = rpc_opcode<F>(typename Interface::Rpc_functions { });
		return Stream { fd, [=] (Msg_writer &w, uint64_t id) { Rpc_call_encoder::encode<F>(w, id, opcode, args...); } };
	}

	/*
	 * A Framebuffer client that takes no signal (mode, sync) and floods
	 * refreshes of the whole screen
	 */
	void _flood_framebuffer(std::string const &label, uint64_t limit)
	{
		auto fb = Connection<Framebuffer::Client>::open(_env, label);
		if (!fb) { error("flood Framebuffer: no session: ", error_name(fb.error())); return; }
		_framebuffer = std::move(*fb);
		auto mode = _framebuffer->mode();
		if (!mode) { error("flood Framebuffer: no mode: ", error_name(mode.error())); return; }
		(void)_framebuffer->mode_sigh(_ignored.cap());
		(void)_framebuffer->sync_sigh(_ignored.cap());
		log("flood Framebuffer: screen ", mode->area.w, "x", mode->area.h);
		_flood_streams("Framebuffer", { _stream<&Framebuffer::Session::refresh>(_framebuffer->cap().fd(),
		                                Rect { { 0, 0 }, mode->area }) }, limit);
	}

	/* An Input client that takes no signal and floods 'pending' queries */
	void _flood_input(std::string const &label, uint64_t limit)
	{
		auto input = Connection<Input::Client>::open(_env, label);
		if (!input) { error("flood Input: no session: ", error_name(input.error())); return; }
		_input = std::move(*input);
		(void)_input->sigh(_ignored.cap());
		_flood_streams("Input", { _stream<&Input::Session::pending>(_input->cap().fd()) }, limit);
	}

	/*
	 * A Gui client that shows one view (in 'color' at x, y, width, height),
	 * creates views until the server refuses one, takes no signal, and
	 * floods view-stack commands and refreshes
	 */
	void _flood_gui(pugi::xml_node step, std::string const &label, uint64_t limit)
	{
		auto gui = Connection<Gui::Client>::open(_env, label, "ram_quota=64K, cap_quota=4");
		if (!gui) { error("flood Gui: no session: ", error_name(gui.error())); return; }
		_gui = std::move(*gui);

		auto fb  = _gui->framebuffer();
		auto cmd = _gui->command_dataspace();
		if (!fb || !cmd) { error("flood Gui: no framebuffer or command buffer"); return; }
		_gui_fb = std::make_unique<Framebuffer::Client>(std::move(*fb));
		_gui_commands = Attached_dataspace(std::move(*cmd));

		Rect const shown { { step.attribute("x").as_int(0), step.attribute("y").as_int(0) },
		                   { std::min(step.attribute("width").as_uint(64), 256u),
		                     std::min(step.attribute("height").as_uint(64), 256u) } };
		Framebuffer::Mode const mode { shown.area, false };
		if (!_gui->upgrade("ram_quota=" + std::to_string(mode.bytes())) || !_gui->buffer(mode)) {
			error("flood Gui: no buffer");
			return;
		}
		if (auto ds = _gui_fb->dataspace()) _gui_pixels = Attached_dataspace(std::move(*ds));
		if (!_gui_pixels.valid()) { error("flood Gui: no buffer"); return; }
		uint32_t const color = uint32_t(std::strtoul(step.attribute("color").as_string("#ff0000") + 1, nullptr, 16));
		auto *pixels = _gui_pixels.local_addr<Framebuffer::Pixel>();
		for (size_t i = 0; i < size_t(shown.area.w) * shown.area.h; i++) pixels[i] = color;
		(void)_gui_fb->refresh({ { 0, 0 }, shown.area });

		/* views up to the cap: the server must refuse the next one with its reason */
		std::vector<Gui::View_id> views;
		for (;;) {
			auto v = _gui->create_view({ 0 });
			if (!v) {
				log("flood Gui: created ", views.size(), " views, then: ", error_name(v.error()));
				break;
			}
			views.push_back(*v);
			if (views.size() > 100000) { log("flood Gui: no cap on views"); break; }
		}
		if (views.empty()) return;

		auto &buffer = *_gui_commands.local_addr<Gui::Command_buffer>();
		buffer.count = 0;
		buffer.commands[buffer.count++] = Gui::Command::geometry(views[0], shown);
		buffer.commands[buffer.count++] = Gui::Command::to_front(views[0]);
		(void)_gui->execute();

		(void)_gui->mode_sigh(_ignored.cap());
		(void)_gui->info_sigh(_ignored.cap());
		(void)_gui_fb->sync_sigh(_ignored.cap());
		(void)_gui_fb->mode_sigh(_ignored.cap());

		/* one command buffer, executed over and over: the views shuffled in the stack */
		buffer.count = Gui::Command_buffer::MAX_COMMANDS;
		for (uint32_t i = 0; i < buffer.count; i++) {
			Gui::View_id const v = views[1 + i % (views.size() - 1 ? views.size() - 1 : 1)];
			Gui::View_id const n = views[(i * 7) % views.size()];
			buffer.commands[i] = (i % 2) ? Gui::Command::to_back(v, n) : Gui::Command::to_front(v, n);
		}
		buffer.commands[0] = Gui::Command::to_front(views[0]);   /* the shown view stays on top */
		_flood_streams("Gui", { _stream<&Gui::Session::execute>(_gui->cap().fd()),
		                        _stream<&Framebuffer::Session::refresh>(_gui_fb->cap().fd(), Rect { { 0, 0 }, shown.area }) },
		               limit);
	}

	/*
	 * Send one request of function F after another on 'fd' with a blocking
	 * send and never read a reply, until the peer disconnects or 'limit'
	 * requests are out (0: no limit)
	 */
	template <auto F, typename... ARGS>
	void _flood(std::string const &what, int fd, uint64_t limit, ARGS const &... args)
	{
		using Interface = typename Rpc_function_traits<decltype(F)>::Class;
		constexpr uint32_t opcode = rpc_opcode<F>(typename Interface::Rpc_functions { });

		log("flood ", what, ": started");
		thread_local Msg_writer w;
		uint64_t sent = 0;
		for (; !limit || sent < limit; sent++) {
			Rpc_call_encoder::encode<F>(w, _next_call_id++, opcode, args...);
			if (auto ok = Channel::send(fd, w); !ok) {
				log("flood ", what, ": disconnected after ", sent, " requests (", error_name(ok.error()), ")");
				return;
			}
		}
		log("flood ", what, ": sent ", sent, " requests");
	}

	void _flood_step(pugi::xml_node step)
	{
		std::string const service = step.attribute("service").as_string("LOG");
		/* the sessions of a driver and gui are named by the component alone */
		bool const named_by_component = service == "Framebuffer" || service == "Input" || service == "Gui";
		std::string const label   = step.attribute("label").as_string(named_by_component ? "" : "flood");
		uint64_t    const limit   = step.attribute("requests").as_ullong(0);

		if (service == "Framebuffer") { _flood_framebuffer(label, limit); return; }
		if (service == "Input")       { _flood_input(label, limit); return; }
		if (service == "Gui")         { _flood_gui(step, label, limit); return; }

		/* a channel of its own to the parent: the environment's one stays usable */
		if (service == "Parent") {
			auto parent = copy(_env.parent().cap());
			if (!parent) { error("flood Parent: no channel: ", error_name(parent.error())); return; }
			_flood<&Parent::Session::heartbeat_response>(service, parent->fd(), limit);
			return;
		}

		auto grant = _env.session(service, label, "ram_quota=8K, buffer_size=4K");
		if (!grant) {
			error("flood ", service, ": no session: ", error_name(grant.error()));
			return;
		}
		int const fd = grant->cap.fd();
		if      (service == "LOG")    _flood<&Log::Session::write>(service, fd, limit, std::string_view("flood"));
		else if (service == "ROM")    _flood<&Rom::Session::update>(service, fd, limit);
		else if (service == "Report") _flood<&Report::Session::submit>(service, fd, limit, uint64_t(0));
		else error("flood: unknown service ", service);
	}

	void _leak_fds(pugi::xml_node step)
	{
		unsigned const max = step.attribute("count").as_uint(1000000);
		while (_leaked_fds.size() < max) {
			int fds[2];
			if (::pipe2(fds, O_CLOEXEC) < 0) {
				log("leaked ", _leaked_fds.size(), " fds, then: ", std::strerror(errno));
				return;
			}
			_leaked_fds.emplace_back(fds[0]);
			_leaked_fds.emplace_back(fds[1]);
		}
		log("leaked ", _leaked_fds.size(), " fds");
	}

	void _leak_memory(pugi::xml_node step)
	{
		size_t const amount = size_t(step.attribute("mib").as_uint(1)) << 20;
		char *p = static_cast<char *>(::malloc(amount));
		if (!p) { log("leak of ", amount >> 20, " MiB failed"); return; }
		std::memset(p, 0x5a, amount);
		_leaked_memory.push_back(p);
		log("leaked ", amount >> 20, " MiB");
	}

	/* A session request whose reply the component does not wait for */
	[[noreturn]] void _exit_mid_call(pugi::xml_node step)
	{
		std::string const service = step.attribute("service").as_string("LOG");
		constexpr uint32_t opcode = rpc_opcode<&Parent::Session::session>(Parent::Session::Rpc_functions { });
		thread_local Msg_writer w;
		Rpc_call_encoder::encode<&Parent::Session::session>(w, _next_call_id++, opcode,
			std::string_view(service), std::string_view("mid-call"), std::string_view(""));
		log("exiting in the middle of a ", service, " session request");
		(void)Channel::send(_env.parent().cap().fd(), w);
		::_exit(step.attribute("value").as_int(0));
	}

	void _fork()
	{
		pid_t const pid = ::fork();
		if (pid == 0) hang();
		if (pid < 0) log("fork failed: ", std::strerror(errno));
		else         log("forked a process that sleeps forever");
	}

	void _run(pugi::xml_node config)
	{
		for (pugi::xml_node step : config.children()) {
			std::string_view const type = step.name();
			if      (type == "log")           log(step.attribute("string").value());
			else if (type == "flood")         _flood_step(step);
			else if (type == "leak_fds")      _leak_fds(step);
			else if (type == "leak_memory")   _leak_memory(step);
			else if (type == "exit_mid_call") _exit_mid_call(step);
			else if (type == "fork")          _fork();
			else if (type == "sleep")         ::usleep(useconds_t(step.attribute("ms").as_uint(100)) * 1000);
			else if (type == "hang")          { log("hanging"); hang(); }
			else if (type == "exit")          _env.exit(step.attribute("value").as_int(0));
			else if (type == "hanging_service") {
				_hanging_root = std::make_unique<Hanging_root>(_env.ep());
				(void)announce(_env, "LOG", *_hanging_root);
			}
		}
	}

	Main(Env &env) : _env(env)
	{
		pugi::xml_document doc;
		if (!doc.load_buffer(_config.text().data(), _config.text().size())) {
			error("config is no valid XML");
			return;
		}
		_run(doc.first_child());
	}
};


void nestbox::construct(Env &env) { static Flood::Main main(env); }
