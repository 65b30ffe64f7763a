/*
 * x_workload: the VNC benchmark's frames drawn by an X client (into Xvnc)
 *
 * The Xvnc half of bench/vnc, the peer of vnc_workload: a full-screen
 * override-redirect window at 0,0 that shows one workload of workload.h at a
 * fixed rate. Each frame is drawn into a MIT-SHM image (a plain XImage
 * without the extension) and only the changed rectangle is put, as
 * vnc_workload refreshes only it. A key press puts the input marker at once,
 * the release removes it. Run by bench/vnc/run_vnc_bench.py, or by hand:
 *
 *   Xvnc :7 -geometry 1920x1080 -depth 24 -SecurityTypes None -localhost &
 *   DISPLAY=:7 build/bin/x_workload --workload scroll --fps 30
 *
 * It prints "x_workload: ready" on stderr once the first frame is shown,
 * and the number of frames and missed ticks when it ends (SIGTERM, SIGINT).
 */

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <poll.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>

#include "workload.h"

namespace {

	volatile sig_atomic_t stop_requested = 0;

	void on_signal(int) { stop_requested = 1; }

	uint64_t now_ns()
	{
		timespec ts { };
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
	}

	/* The window and its image, put with MIT-SHM where the server has it */
	struct X_screen
	{
		Display        *dpy;
		Window          win   = 0;
		GC              gc    = nullptr;
		XImage         *image = nullptr;
		XShmSegmentInfo shm   { };
		bool            use_shm = false;
		int             w, h;

		X_screen(Display *d) : dpy(d), w(DisplayWidth(d, DefaultScreen(d))), h(DisplayHeight(d, DefaultScreen(d))) { }

		bool open()
		{
			int const scr = DefaultScreen(dpy);
			Visual *visual = DefaultVisual(dpy, scr);
			int const depth = DefaultDepth(dpy, scr);
			if (depth != 24 || visual->red_mask != 0xff0000 || visual->blue_mask != 0xff) {
				std::fprintf(stderr, "x_workload: needs a 24-bit XRGB visual (have depth %d)\n", depth);
				return false;
			}

			XSetWindowAttributes attr { };
			attr.override_redirect = True;
			attr.background_pixel  = 0;
			attr.event_mask        = KeyPressMask | KeyReleaseMask | StructureNotifyMask;
			win = XCreateWindow(dpy, RootWindow(dpy, scr), 0, 0, unsigned(w), unsigned(h), 0, depth,
			                    InputOutput, visual, CWOverrideRedirect | CWBackPixel | CWEventMask, &attr);
			gc  = XCreateGC(dpy, win, 0, nullptr);

			if (XShmQueryExtension(dpy)) {
				image = XShmCreateImage(dpy, visual, unsigned(depth), ZPixmap, nullptr, &shm, unsigned(w), unsigned(h));
				if (image) {
					shm.shmid = shmget(IPC_PRIVATE, size_t(image->bytes_per_line) * unsigned(h), IPC_CREAT | 0600);
					shm.shmaddr = image->data = static_cast<char *>(shmat(shm.shmid, nullptr, 0));
					shm.readOnly = False;
					use_shm = shm.shmid >= 0 && shm.shmaddr != reinterpret_cast<char *>(-1)
					       && XShmAttach(dpy, &shm);
					XSync(dpy, False);
					if (shm.shmid >= 0) shmctl(shm.shmid, IPC_RMID, nullptr);   /* gone with us */
				}
			}
			if (!use_shm) {
				char *data = static_cast<char *>(std::calloc(size_t(w) * unsigned(h), 4));
				image = XCreateImage(dpy, visual, unsigned(depth), ZPixmap, 0, data, unsigned(w), unsigned(h), 32, 0);
			}
			if (!image || image->bits_per_pixel != 32) {
				std::fprintf(stderr, "x_workload: cannot make a 32-bit image\n");
				return false;
			}

			XMapRaised(dpy, win);
			for (XEvent ev; ; ) {
				XNextEvent(dpy, &ev);
				if (ev.type == MapNotify) break;
			}
			XSetInputFocus(dpy, win, RevertToPointerRoot, CurrentTime);
			return true;
		}

		uint32_t *pixels() { return reinterpret_cast<uint32_t *>(image->data); }
		size_t    stride() const { return size_t(image->bytes_per_line) / 4; }

		/* Put 'r' and wait until the server has it (the image is ours again) */
		void put(Vnc_bench::Rect r)
		{
			if (r.empty()) return;
			if (use_shm)
				XShmPutImage(dpy, win, gc, image, r.x, r.y, r.x, r.y, unsigned(r.w), unsigned(r.h), False);
			else
				XPutImage(dpy, win, gc, image, r.x, r.y, r.x, r.y, unsigned(r.w), unsigned(r.h));
			XSync(dpy, False);
		}
	};
}


int main(int argc, char **argv)
{
	std::string workload_name = "idle";
	unsigned    fps = 30;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string const opt = argv[i];
		if (opt == "--workload") workload_name = argv[i + 1];
		else if (opt == "--fps") fps = unsigned(std::max(1, std::atoi(argv[i + 1])));
		else { std::fprintf(stderr, "usage: x_workload [--workload idle|scroll|window|animation] [--fps N]\n"); return 2; }
	}
	auto const workload = Vnc_bench::workload_from_name(workload_name);
	if (!workload) {
		std::fprintf(stderr, "x_workload: unknown workload '%s'\n", workload_name.c_str());
		return 2;
	}

	Display *dpy = XOpenDisplay(nullptr);
	if (!dpy) {
		std::fprintf(stderr, "x_workload: cannot open display '%s'\n", XDisplayName(nullptr));
		return 1;
	}
	X_screen screen { dpy };
	if (!screen.open()) return 1;

	std::signal(SIGTERM, on_signal);
	std::signal(SIGINT,  on_signal);

	Vnc_bench::Frames const frames { *workload, screen.w, screen.h };
	uint64_t frame = 0, missed = 0;
	bool     marker = false;

	frames.draw(0, frames.screen(), screen.pixels(), screen.stride());
	screen.put(frames.screen());
	std::fprintf(stderr, "x_workload: ready (%s, %u fps, %dx%d, %s)\n", workload_name.c_str(), fps,
	             screen.w, screen.h, screen.use_shm ? "MIT-SHM" : "XPutImage");

	uint64_t const period = 1'000'000'000ull / fps;
	uint64_t deadline = now_ns() + period;
	int const fd = ConnectionNumber(dpy);

	while (!stop_requested) {

		/* input until the next frame is due */
		for (;;) {
			while (XPending(dpy)) {
				XEvent ev;
				XNextEvent(dpy, &ev);
				if (ev.type == KeyPress && !marker) {
					marker = true;
					Vnc_bench::Frames::draw_marker(screen.pixels(), screen.stride());
					screen.put(Vnc_bench::Frames::marker());
				}
				if (ev.type == KeyRelease && marker) {
					marker = false;
					frames.draw(frame, Vnc_bench::Frames::marker(), screen.pixels(), screen.stride());
					screen.put(Vnc_bench::Frames::marker());
				}
			}
			uint64_t const now = now_ns();
			if (now >= deadline || stop_requested) break;
			pollfd pfd { fd, POLLIN, 0 };
			int const ms = int((deadline - now + 999'999) / 1'000'000);
			if (poll(&pfd, 1, ms) < 0 && errno != EINTR) break;
		}
		if (stop_requested) break;

		/* like the timer of vnc_workload: late ticks coalesce into one frame */
		uint64_t const now = now_ns();
		while (deadline <= now) { deadline += period; missed++; }
		missed--;

		frame++;
		Vnc_bench::Rect const changed = frames.changed(frame);
		frames.draw(frame, changed, screen.pixels(), screen.stride());
		if (marker && !changed.intersect(Vnc_bench::Frames::marker()).empty())
			Vnc_bench::Frames::draw_marker(screen.pixels(), screen.stride());
		screen.put(changed);
		if (frames.tag_separate(frame)) {
			frames.draw(frame, frames.tag(), screen.pixels(), screen.stride());
			screen.put(frames.tag());
		}
	}
	std::fprintf(stderr, "x_workload: %llu frames, %llu ticks missed\n",
	             (unsigned long long)frame, (unsigned long long)missed);
	XCloseDisplay(dpy);
	return 0;
}
