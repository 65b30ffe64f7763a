/*
 * gui_bench: the gui server's compositing and input routing, in-process
 *
 *   gui_bench [--runs N] [--batch-ms MS] [--verbose] [compose|input]...
 *
 * Links the server's own compositing logic (gui_server_logic, as the unit
 * tests do) and prints JSON lines (docs/PERFORMANCE.md):
 *
 * - gui_compose_1080p_vs_memcpy: a full refresh of a 1920×1080 screen with
 *   one full-screen view of a 1920×1080 client buffer, drawn by
 *   View_stack::draw into a framebuffer array, against a plain memcpy of
 *   the 1920*1080*4 bytes of the frame.
 * - gui_compose_1080p_overlap_vs_memcpy: the same screen with a full-screen
 *   background view, three overlapping 800×600 windows and the pointer.
 * - gui_input_to_signal_vs_pipe_same_cpu: an input event handed to the
 *   server's User_state, routed to the focused client's Input session (the
 *   server's Event_queue_session), whose signal wakes an entrypoint in
 *   another thread; the woken handler answers over a raw pipe and the
 *   queue is flushed. Peer: the same wake-up and answer over raw pipes
 *   between the two threads (…_vs_signal: a bare nestbox signal instead of
 *   the input path, which isolates what the gui server adds).
 */

#include "bench.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <nestbox/base/dataspace.h>
#include <nestbox/base/entrypoint.h>
#include <nestbox/base/signal.h>

#include <event_queue.h>
#include <focus.h>
#include <pointer.h>
#include <user_state.h>
#include <view_stack.h>

using namespace nestbox::bench;
using namespace Gui_server;

namespace {

enum : uint32_t { W = 1920, H = 1080 };

/* A client as the view stack sees it: a buffer in plain memory */
struct Client : View_owner
{
	std::string         name;
	Domain const       *dom;
	std::vector<Pixel>  pixels;
	Area                size;
	Event_queue_session *queue = nullptr;   /* its Input session, if any */

	Client(std::string name, Domain const *dom, Area size, Pixel color)
	: name(std::move(name)), dom(dom), pixels(size_t(size.w) * size.h), size(size)
	{
		/* not one color: a gradient, so nothing can be special-cased */
		for (uint32_t y = 0; y < size.h; y++)
			for (uint32_t x = 0; x < size.w; x++)
				pixels[size_t(y) * size.w + x] = color ^ ((x * 7 + y * 13) & 0xff);
	}

	std::string_view label()  const override { return name; }
	Domain const    *domain() const override { return dom; }

	Texture texture() const override { return { pixels.data(), nullptr, nullptr, size }; }

	void submit(Input::Event const &e) override { if (queue) queue->submit(e); }
};

Domain make_domain(std::string name, unsigned layer)
{
	Domain d { };
	d.name  = std::move(name);
	d.layer = layer;
	d.focus = Domain::Focus::CLICK;
	return d;
}

struct Scene
{
	Area               size { W, H };
	std::vector<Pixel> screen = std::vector<Pixel>(size_t(W) * H, 0);
	View_stack         stack { };
	Draw_context       ctx { };
	std::vector<std::unique_ptr<View>> views { };

	Scene() { stack.screen(size); (void)stack.dirty().take(); }

	View &view(Client &c, Rect r)
	{
		views.push_back(std::make_unique<View>(c, nullptr));
		View &v = *views.back();
		stack.insert(v);
		v.geometry(r);
		return v;
	}

	/* what the server's update does for a fully damaged screen */
	void refresh(bool pointer, Point at)
	{
		Canvas canvas(screen.data(), size);
		stack.damage_all();
		for (Rect const &r : stack.dirty().take()) {
			stack.draw(canvas, r, ctx);
			if (pointer) {
				canvas.clip(r);
				Pointer::draw(canvas, at);
				canvas.clip(canvas.bounds());
			}
		}
		escape(screen.data());
	}
};

void compose(Options const &opt)
{
	Domain const d = make_domain("default", 1);

	/* one full-screen view of a 1920×1080 client buffer */
	Client full("full", &d, { W, H }, 0x336699);
	Scene one;
	one.view(full, { { 0, 0 }, { W, H } });

	/* a background, three overlapping windows and the pointer */
	Client bg("bg", &d, { W, H }, 0x102030);
	Client w1("w1", &d, { 800, 600 }, 0xaa0000);
	Client w2("w2", &d, { 800, 600 }, 0x00aa00);
	Client w3("w3", &d, { 800, 600 }, 0x0000aa);
	Scene many;
	View &vbg = many.view(bg, { { 0, 0 }, { W, H } });
	vbg.background(true);
	many.stack.stack(vbg, nullptr, false);
	many.view(w1, { { 100, 100 }, { 800, 600 } });
	many.view(w2, { { 500, 300 }, { 800, 600 } });
	many.view(w3, { { 900, 400 }, { 800, 600 } });
	Point const pointer { 960, 540 };
	many.stack.pointer(pointer);

	std::vector<Pixel> src(full.pixels), dst(size_t(W) * H);
	Contestant const memcpy_peer { "memcpy", [&] (unsigned long n) {
		double const start = now_ns();
		for (unsigned long i = 0; i < n; i++) {
			std::memcpy(dst.data(), src.data(), size_t(W) * H * sizeof(Pixel));
			escape(dst.data());
		}
		return now_ns() - start; } };

	compare(opt, { "gui_compose_1080p", [&] (unsigned long n) {
		double const start = now_ns();
		for (unsigned long i = 0; i < n; i++) one.refresh(false, { 0, 0 });
		return now_ns() - start; } }, { memcpy_peer });

	/* the pixels must be the client's: a wrong picture would be a fast one */
	if (one.screen[size_t(500) * W + 700] != full.pixels[size_t(500) * W + 700])
		die("composed picture differs from the client buffer");

	compare(opt, { "gui_compose_1080p_overlap", [&] (unsigned long n) {
		double const start = now_ns();
		for (unsigned long i = 0; i < n; i++) many.refresh(true, pointer);
		return now_ns() - start; } }, { memcpy_peer });
}

/* Our User_state::Action: nothing to do for a benchmark */
struct Action : User_state::Action
{
	void focus_changed(View_owner *, View_owner *) override { }
	void hover_changed() override { }
	View_owner *global_key_receiver(uint32_t) override { return nullptr; }
};

/* The client thread: an entrypoint whose input handler answers over a raw pipe */
struct Client_side
{
	int ack;   /* write end */
	void handle_input() { char const b = 1; if (::write(ack, &b, 1) != 1) die("write ack"); }
};

void input(Options const &opt)
{
	Domain const d = make_domain("default", 1);
	Client client("client", &d, { 64, 64 }, 0x808080);
	Scene scene;
	scene.view(client, { { 0, 0 }, { 64, 64 } });

	auto buffer = nestbox::create_dataspace(Input::EVENT_BUFFER_SIZE, "input");
	if (!buffer) die("create_dataspace");
	Event_queue_session queue { nestbox::Attached_dataspace(std::move(*buffer)) };
	client.queue = &queue;

	Focus focus;
	Action action;
	User_state user(scene.stack, focus, action);
	user.focus(&client);

	int ack[2], raw_in[2], raw_ack[2];
	if (::pipe2(ack, O_CLOEXEC) < 0 || ::pipe2(raw_in, O_CLOEXEC) < 0 || ::pipe2(raw_ack, O_CLOEXEC) < 0)
		die("pipe");

	/* the client's entrypoint; its signal capabilities come back through 'caps' */
	nestbox::Signal_context_capability input_sigh, bare_sigh;
	int ready[2];
	if (::pipe2(ready, O_CLOEXEC) < 0) die("pipe");
	std::thread client_thread([&] {
		nestbox::Entrypoint ep;
		Client_side side { ack[1] };
		nestbox::Signal_handler<Client_side> h_input(ep, side, &Client_side::handle_input);
		nestbox::Signal_handler<Client_side> h_bare (ep, side, &Client_side::handle_input);
		input_sigh = h_input.cap();
		bare_sigh  = h_bare.cap();
		char const b = 1;
		if (::write(ready[1], &b, 1) != 1) die("write");
		ep.run();
	});
	char b;
	if (::read(ready[0], &b, 1) != 1) die("read");

	/* the raw peer thread: blocking pipe ping-pong */
	std::thread raw_thread([&] {
		char c;
		while (::read(raw_in[0], &c, 1) == 1)
			if (::write(raw_ack[1], &c, 1) != 1) return;
	});

	queue.sigh(input_sigh.copy());
	(void)queue.flush();
	if (::read(ack[0], &b, 1) != 1) die("read");   /* the signal for the focus-enter event */

	Input::Event press   { Input::Event::PRESS,   30, 0, 0, 'a' };
	Input::Event release { Input::Event::RELEASE, 30, 0, 0, 0 };

	/* press and release alternate across batches: a key pressed twice is one press */
	unsigned long events = 0;
	compare(opt, { "gui_input_to_signal", [&] (unsigned long n) {
		double const start = now_ns();
		for (unsigned long i = 0; i < n; i++) {
			user.handle((events++ & 1) ? release : press);
			if (::read(ack[0], &b, 1) != 1) die("read ack");
			if (queue.flush() != 1) die("event not queued for the focused client");
		}
		return now_ns() - start; } },
		{ { "pipe", [&] (unsigned long n) {
			char c = 1;
			double const start = now_ns();
			for (unsigned long i = 0; i < n; i++) {
				if (::write(raw_in[1], &c, 1) != 1) die("write");
				if (::read(raw_ack[0], &c, 1) != 1) die("read");
			}
			return now_ns() - start; } },
		  { "signal", [&] (unsigned long n) {
			double const start = now_ns();
			for (unsigned long i = 0; i < n; i++) {
				nestbox::Signal_transmitter::submit(bare_sigh);
				if (::read(ack[0], &b, 1) != 1) die("read ack");
			}
			return now_ns() - start; } } });

	/* the threads stay blocked; the process exits without joining them */
	client_thread.detach();
	::close(raw_in[1]);
	raw_thread.join();
}

[[noreturn]] void usage(int code = 2)
{
	std::fprintf(stderr, "usage: gui_bench [--runs N] [--batch-ms MS] [--verbose] [compose|input]...\n");
	std::exit(code);
}

}


int main(int argc, char **argv)
{
	Options opt;
	bool do_compose = false, do_input = false;
	for (int i = 1; i < argc; i++) {
		std::string_view const arg = argv[i];
		if      (arg == "--help" || arg == "-h")      usage(0);
		else if (arg == "--verbose")                 opt.verbose = true;
		else if (arg == "--runs" && i + 1 < argc)     opt.runs = unsigned(std::atoi(argv[++i]));
		else if (arg == "--batch-ms" && i + 1 < argc) opt.batch_ms = std::atof(argv[++i]);
		else if (arg == "compose")                   do_compose = true;
		else if (arg == "input")                     do_input = true;
		else usage();
	}
	if (opt.runs == 0 || opt.batch_ms <= 0) usage();
	if (!do_compose && !do_input) do_compose = do_input = true;

	/* both threads of the input path on CPU 0, like base_bench's default */
	pin_to_cpu(own_cpu(opt));

	if (do_compose) {
		Options single = opt;   /* one thread: no placement to name */
		single.placement = Options::Placement::ANY;
		compose(single);
	}
	if (do_input) input(opt);
	std::_Exit(0);
}
