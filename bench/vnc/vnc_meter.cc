/*
 * vnc_meter: what a VNC client gets from a server, measured (bench/vnc)
 *
 * Connects with libvncclient, asks for what TigerVNC's viewer asks for by
 * default (Tight, JPEG quality 8, compression level 2, CopyRect, the cursor
 * pseudo-encodings, a 32-bit XRGB pixel format) and keeps one incremental
 * update request outstanding: the next goes out as soon as an update has
 * been read. After a warm-up it measures, over --seconds:
 *
 *   fps              frames shown per second: updates after which the frame
 *                    tag of workload.h reads another number than before,
 *                    over the span from the first to the last of them
 *   bytes_per_frame  bytes the socket received (TCP_INFO) per frame shown
 *   cpu_ms_per_frame CPU time of the --pids processes (all their threads,
 *                    /proc/PID/task/TID/schedstat) per frame shown
 *
 * With --workload, the client's screen is compared five times with the frame
 * its tag names, or the next (wrong_pixels_pct: the worst share of pixels off
 * by more than JPEG explains), so that a server cannot win by sending wrong
 * pixels.
 * Then --samples times the input-to-pixel latency: a key press (keysym 'a')
 * is sent and timed until the workload's marker (workload.h) shows in the
 * client's framebuffer; the release removes it again. The median counts.
 * One JSON object goes to stdout, e.g.:
 *
 *   vnc_meter --port 5907 --seconds 6 --pids 1234
 *   {"fps": 29.8, "bytes_per_frame": 51234, "cpu_ms_per_frame": 3.1, "input_latency_ms": 4.2, …}
 */

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <dirent.h>
#include <sys/socket.h>
#include <linux/tcp.h>

#include <rfb/rfbclient.h>

#include "workload.h"

namespace {

	double now_s()
	{
		timespec ts { };
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
	}

	/* CPU time in ns of all threads of 'pid' (0 when it is gone) */
	uint64_t cpu_ns(int pid)
	{
		uint64_t sum = 0;
		std::string const dir = "/proc/" + std::to_string(pid) + "/task";
		DIR *d = opendir(dir.c_str());
		if (!d) return 0;
		while (dirent *e = readdir(d)) {
			if (e->d_name[0] == '.') continue;
			std::string const path = dir + "/" + e->d_name + "/schedstat";
			if (FILE *f = std::fopen(path.c_str(), "r")) {
				unsigned long long ns = 0;
				if (std::fscanf(f, "%llu", &ns) == 1) sum += ns;
				std::fclose(f);
			}
		}
		closedir(d);
		return sum;
	}

	uint64_t cpu_ns(std::vector<int> const &pids)
	{
		uint64_t sum = 0;
		for (int pid : pids) sum += cpu_ns(pid);
		return sum;
	}

	uint64_t bytes_received(int sock)
	{
		tcp_info info { };
		socklen_t len = sizeof(info);
		if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
		return info.tcpi_bytes_received;
	}

	void quiet(const char *, ...) { }

	struct Meter
	{
		rfbClient *client = nullptr;

		/* the update being read */
		bool     pixels_in_update = false;
		uint64_t area_in_update   = 0;

		/* since the last reset */
		uint64_t frames  = 0;   /* frames shown: updates after which the frame tag changed */
		uint64_t updates = 0;   /* all updates */
		uint64_t pixel_updates = 0;   /* updates with pixels */
		uint32_t tag     = ~0u; /* the frame tag last seen */
		double   first_frame_at = 0, last_frame_at = 0;
		uint64_t area    = 0;   /* pixels updated */
		uint64_t rects   = 0;

		bool marker = false;    /* the marker shows in our copy of the screen */

		void reset() { frames = updates = pixel_updates = area = rects = 0; }

		bool marker_shown() const
		{
			auto const *px = reinterpret_cast<uint32_t const *>(client->frameBuffer);
			int const w = client->width;
			int const inset = 4, far = Vnc_bench::MARKER_SIZE - 1 - inset;
			int const probes[5][2] = { { inset, inset }, { far, inset }, { inset, far }, { far, far },
			                           { Vnc_bench::MARKER_SIZE / 2, Vnc_bench::MARKER_SIZE / 2 } };
			int hits = 0;
			for (auto const &p : probes)
				hits += Vnc_bench::marker_like(px[size_t(Vnc_bench::MARKER_Y + p[1]) * size_t(w)
				                                  + size_t(Vnc_bench::MARKER_X + p[0])]);
			return hits == 5;
		}

		/*
		 * Read and handle server messages for up to 'timeout' seconds;
		 * false when the connection broke
		 */
		bool run_for(double timeout, bool (*until)(Meter const &) = nullptr)
		{
			double const end = now_s() + timeout;
			for (;;) {
				if (until && until(*this)) return true;
				double const left = end - now_s();
				if (left <= 0) return true;
				if (client->buffered == 0) {
					int const n = WaitForMessage(client, unsigned(left * 1e6) + 1);
					if (n < 0) return false;
					if (n == 0) continue;
				}
				if (!HandleRFBServerMessage(client)) return false;
			}
		}
	};

	int meter_tag;   /* the key of the Meter in the rfbClient's client data */

	Meter &meter_of(rfbClient *client)
	{
		return *static_cast<Meter *>(rfbClientGetClientData(client, &meter_tag));
	}

	void got_update(rfbClient *client, int, int, int w, int h)
	{
		Meter &m = meter_of(client);
		m.pixels_in_update = true;
		m.area_in_update  += uint64_t(w) * uint64_t(h);
		m.rects++;
	}

	void finished_update(rfbClient *client)
	{
		Meter &m = meter_of(client);
		m.updates++;
		if (m.pixels_in_update) m.pixel_updates++;
		m.area += m.area_in_update;
		m.pixels_in_update = false;
		m.area_in_update   = 0;
		m.marker = m.marker_shown();

		uint32_t const tag = Vnc_bench::Frames::read_tag(reinterpret_cast<uint32_t const *>(client->frameBuffer),
		                                                 size_t(client->width), client->width, client->height);
		if (tag != m.tag) {
			if (m.frames++ == 0) m.first_frame_at = now_s();
			m.last_frame_at = now_s();
		}
		m.tag = tag;
	}

	/*
	 * Per cent of the pixels of the client's screen that are far (more than
	 * 64 in a channel, beyond what JPEG does) from frame 'frame'
	 */
	double wrong_pixels_pct(rfbClient *client, Vnc_bench::Frames const &frames, uint64_t frame)
	{
		int const w = client->width, h = client->height;
		auto const *px = reinterpret_cast<uint32_t const *>(client->frameBuffer);
		static std::vector<uint32_t> expected;
		expected.assign(size_t(w) * size_t(h), 0);
		frames.draw(frame, frames.screen(), expected.data(), size_t(w));

		uint64_t wrong = 0;
		for (size_t i = 0; i < expected.size(); i++) {
			uint32_t const a = px[i], b = expected[i];
			for (int shift = 0; shift < 24; shift += 8) {
				int const d = int((a >> shift) & 0xff) - int((b >> shift) & 0xff);
				if (d > 64 || d < -64) { wrong++; break; }
			}
		}
		return 100.0 * double(wrong) / double(expected.size());
	}

	/*
	 * The same for the frame the tag names or the next that changes
	 * something, whichever fits better: a client refreshes the tag after the
	 * rest of a frame, and a server may send the two in separate updates
	 */
	double wrong_pixels_pct(rfbClient *client, Vnc_bench::Frames const &frames)
	{
		int const w = client->width, h = client->height;
		uint32_t const tag = Vnc_bench::Frames::read_tag(reinterpret_cast<uint32_t const *>(client->frameBuffer),
		                                                 size_t(w), w, h);
		uint64_t next = uint64_t(tag) + 1;
		while (frames.tag_value(next) == tag && next < uint64_t(tag) + 1000) next++;
		return std::min(wrong_pixels_pct(client, frames, tag), wrong_pixels_pct(client, frames, next));
	}

	std::vector<int> parse_pids(char const *list)
	{
		std::vector<int> pids;
		for (char const *p = list; *p; ) {
			char *end = nullptr;
			long const v = std::strtol(p, &end, 10);
			if (end == p) break;
			if (v > 0) pids.push_back(int(v));
			p = *end ? end + 1 : end;
		}
		return pids;
	}
}


int main(int argc, char **argv)
{
	int const CHECKS = 5;   /* times the screen is compared with the frame it should show */

	std::string      host = "127.0.0.1";
	int              port = 5900;
	double           seconds = 6, warmup = 1;
	int              samples = 20;
	std::vector<int> pids;
	std::string      workload_name;

	for (int i = 1; i + 1 < argc; i += 2) {
		std::string const opt = argv[i];
		char const *arg = argv[i + 1];
		if      (opt == "--host")    host    = arg;
		else if (opt == "--port")    port    = std::atoi(arg);
		else if (opt == "--seconds") seconds = std::atof(arg);
		else if (opt == "--warmup")  warmup  = std::atof(arg);
		else if (opt == "--samples") samples = std::atoi(arg);
		else if (opt == "--workload") workload_name = arg;
		else if (opt == "--pids")    pids    = parse_pids(arg);
		else {
			std::fprintf(stderr, "usage: vnc_meter [--host H] [--port P] [--seconds S] [--warmup S]"
			                     " [--samples N] [--pids PID,PID…] [--workload NAME]\n");
			return 2;
		}
	}

	rfbClientLog = quiet;

	Meter meter;
	rfbClient *client = rfbGetClient(8, 3, 4);
	meter.client = client;
	rfbClientSetClientData(client, &meter_tag, &meter);
	client->GotFrameBufferUpdate      = got_update;
	client->FinishedFrameBufferUpdate = finished_update;

	/* what TigerVNC's vncviewer asks for by default */
	client->appData.encodingsString = "tight copyrect";
	client->appData.compressLevel   = 2;
	client->appData.qualityLevel    = 8;
	client->appData.enableJPEG      = TRUE;
	client->appData.useRemoteCursor = TRUE;
	client->format.redShift   = 16;
	client->format.greenShift = 8;
	client->format.blueShift  = 0;

	client->serverHost = strdup(host.c_str());
	client->serverPort = port;
	if (!rfbInitClient(client, nullptr, nullptr)) {
		std::fprintf(stderr, "vnc_meter: cannot connect to %s:%d\n", host.c_str(), port);
		return 1;
	}
	if (client->width < Vnc_bench::MARKER_X + Vnc_bench::MARKER_SIZE
	 || client->height < Vnc_bench::MARKER_Y + Vnc_bench::MARKER_SIZE) {
		std::fprintf(stderr, "vnc_meter: screen %dx%d too small\n", client->width, client->height);
		return 1;
	}

	if (!meter.run_for(warmup)) { std::fprintf(stderr, "vnc_meter: connection lost in warm-up\n"); return 1; }

	/* throughput */
	meter.reset();
	uint64_t const bytes0 = bytes_received(client->sock);
	uint64_t const cpu0   = cpu_ns(pids);
	double   const t0     = now_s();
	std::optional<Vnc_bench::Frames> expected;
	if (auto const w = Vnc_bench::workload_from_name(workload_name))
		expected.emplace(*w, client->width, client->height);
	double wrong_pct = -1;   /* the worst of the checks, -1: not checked */
	for (int slice = 0; slice < CHECKS; slice++) {
		if (!meter.run_for(seconds / CHECKS)) { std::fprintf(stderr, "vnc_meter: connection lost\n"); return 1; }
		if (expected) wrong_pct = std::max(wrong_pct, wrong_pixels_pct(client, *expected));
	}
	double   const elapsed = now_s() - t0;
	uint64_t const cpu     = cpu_ns(pids) - cpu0;
	uint64_t const bytes   = bytes_received(client->sock) - bytes0;
	uint64_t const frames  = meter.frames, updates = meter.updates, area = meter.area, rects = meter.rects;
	uint64_t const pixel_updates = meter.pixel_updates;
	double   const span = meter.last_frame_at - meter.first_frame_at;

	/* input to pixel: press, wait for the marker; release, wait until it is gone */
	std::vector<double> latencies;
	int timeouts = 0;
	auto shown  = [] (Meter const &m) { return m.marker; };
	auto hidden = [] (Meter const &m) { return !m.marker; };
	for (int i = 0; i < samples; i++) {
		/* a pause that varies, so the presses fall on every phase of the frame clock */
		if (!meter.run_for(0.08 + 0.013 * (i % 7))) break;
		if (!meter.run_for(3.0, hidden)) break;

		double const pressed = now_s();
		SendKeyEvent(client, XK_a, TRUE);
		if (!meter.run_for(3.0, shown)) break;
		if (meter.marker) latencies.push_back((now_s() - pressed) * 1e3);
		else              timeouts++;
		SendKeyEvent(client, XK_a, FALSE);
		if (!meter.run_for(3.0, hidden)) break;
	}

	double latency = -1;
	if (!latencies.empty()) {
		std::sort(latencies.begin(), latencies.end());
		size_t const n = latencies.size();
		latency = n % 2 ? latencies[n / 2] : (latencies[n / 2 - 1] + latencies[n / 2]) / 2;
	}

	/*
	 * Frames per second over the span from the first to the last frame shown,
	 * so that where the window cuts the frame clock does not count: at 2 fps
	 * (idle) a 5-s window holds 10 or 11 frames by chance alone
	 */
	double const fps  = frames >= 2 && span > 0 ? double(frames - 1) / span : double(frames) / elapsed;
	double const f    = double(std::max<uint64_t>(frames, 1));
	std::printf("{\"fps\": %.2f, \"bytes_per_frame\": %.0f, \"cpu_ms_per_frame\": %.3f, "
	            "\"input_latency_ms\": %.2f, \"frames\": %llu, \"updates\": %llu, \"pixel_updates\": %llu, \"seconds\": %.2f, "
	            "\"bytes\": %llu, \"cpu_ms\": %.1f, \"rects_per_frame\": %.1f, \"pixels_per_frame\": %.0f, "
	            "\"latency_samples\": %zu, \"latency_timeouts\": %d, \"latency_min_ms\": %.2f, \"latency_max_ms\": %.2f, \"wrong_pixels_pct\": %.3f}\n",
	            fps, double(bytes) / f, double(cpu) / 1e6 / f,
	            latency, (unsigned long long)frames, (unsigned long long)updates,
	            (unsigned long long)pixel_updates, elapsed,
	            (unsigned long long)bytes, double(cpu) / 1e6, double(rects) / f, double(area) / f,
	            latencies.size(), timeouts,
	            latencies.empty() ? -1.0 : latencies.front(), latencies.empty() ? -1.0 : latencies.back(),
	            wrong_pct);

	rfbClientCleanup(client);
	return latencies.empty() && samples > 0 ? 1 : 0;
}
