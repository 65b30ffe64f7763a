/*
 * The vnc server's connections, in-process, against viewers on loopback
 *
 * Built with AddressSanitizer where the compiler has it: the leak checker
 * at exit proves that viewers vanishing at every stage of a connection
 * (before the greeting, mid-handshake, with an update being encoded, in the
 * middle of a WebSocket frame) leave nothing behind. The second test shows
 * that a viewer that stops reading does not hold up another one.
 */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <list>

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <admission.h>
#include <auth_blacklist.h>
#include <copy_detect.h>
#include <listener.h>
#include <security.h>
#include <clipboard.h>
#include <session.h>
#include <vnc/test_certificate.h>
#include <tls.h>
#include <wire.h>

#include <zlib.h>

#include "vnc_decode.h"

using namespace Vnc;

namespace {

	struct Test_server : Server, Refresh_timer
	{
		nestbox::Entrypoint &ep;
		Area const           area;
		Frame_history        history { };
		Encode_pool          encoders { ep, 2, 8 << 20 };
		std::string          name { "test" }, secret { };
		std::list<Session>   clients { };
		std::vector<uint32_t> screen;
		size_t               input_events = 0;
		std::vector<nestbox::Input::Event> events { };
		Admission_limits     limits { };
		nestbox::Rate_limited_warning admission_warning { };
		size_t               cap = Wire::client_cap(area);
		size_t               refused = 0;
		int                  sndbuf = 0;   /* the kernel's send buffer of accepted sockets, if set */

		nestbox::Unique_fd listen_fd { };
		uint16_t           port = 0;
		std::optional<Listener> listener { };

		Test_server(nestbox::Entrypoint &ep, Area area)
		: ep(ep), area(area), screen(size_t(area.w) * area.h, 0)
		{
			history.reset(area);
			listen_fd = nestbox::Unique_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
			sockaddr_in a { };
			a.sin_family = AF_INET;
			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			socklen_t len = sizeof(a);
			EXPECT_EQ(::bind(listen_fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)), 0);
			EXPECT_EQ(::listen(listen_fd.get(), 64), 0);
			::getsockname(listen_fd.get(), reinterpret_cast<sockaddr *>(&a), &len);
			port = ntohs(a.sin_port);
			listener.emplace(ep, listen_fd.get(), [this] (int fd) {
				if (!make_room(clients, "127.0.0.1", limits, admission_warning)) { refused++; ::close(fd); return; }
				if (sndbuf) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
				clients.emplace_back(this->ep, *this, fd, "127.0.0.1:" + std::to_string(fd), now_ms);
			});
		}

		~Test_server() { clients.clear(); }

		Frame_history     &frames()       override { return history; }
		Encode_pool       &pool()         override { return encoders; }
		std::string const &desktop_name() override { return name; }
		std::string const &password()     override { return secret; }

		/* security as Main offers it: 'security_list' (default VncAuth or None) with 'tls_context' */
		std::string                  view_secret { };
		std::string                  security_list { };
		std::unique_ptr<Tls_context> tls_context { };
		Security_offer               offer { };

		std::string const &view_password() override { return view_secret; }
		Tls_context const *tls() override { return tls_context.get(); }
		Security_offer const &security() override
		{
			offer = security_offer({ security_list.empty() ? "VncAuth,None" : security_list, true,
			                         tls_context && tls_context->x509(),
			                         !secret.empty() || !view_secret.empty() }).offer;
			return offer;
		}

		void submit_input(std::span<nestbox::Input::Event const> e) override
		{
			input_events += e.size();
			events.insert(events.end(), e.begin(), e.end());
		}

		size_t client_cap() override { return cap; }

		bool h264 = false;
		bool h264_allowed() override { return h264; }

		/* the lossless refresh runs on 'now_ms', which the test moves on */
		uint64_t refresh_wanted = 0;

		/* the clipboard: what viewers are offered, and what they sent */
		std::string              clip { };
		std::vector<std::string> from_viewers { };

		std::string const &clipboard() override { return clip; }
		void clipboard_from_viewer(Session &, std::string const &t) override { from_viewers.push_back(t); }

		void set_clipboard(std::string const &t) { clip = t; for (Session &c : clients) c.clipboard_changed(t); }

		Refresh_timer &refresh_timer() override { return *this; }
		uint64_t clock_ms() override { return now_ms; }
		void refresh_at(uint64_t ms) override { refresh_wanted = ms; }

		/* Connections still open, not closed and waiting for removal */
		size_t open() const
		{
			return size_t(std::count_if(clients.begin(), clients.end(), [] (Session const &c) { return !c.closed(); }));
		}

		Auth_blacklist blacklist { };
		uint64_t       now_ms = 1000;

		bool auth_blocked(std::string const &a) override { return blacklist.blocked(a, now_ms); }

		void auth_result(std::string const &a, bool ok) override
		{
			if (ok) blacklist.succeeded(a); else (void)blacklist.failed(a, now_ms);
		}

		uint32_t request_mode(Area, Session &) override { return 1; /* prohibited */ }

		/* detection is decided by 'decide', not by windows */
		void http_request_from(std::string const &) override { }

		void closed(Session &client) override
		{
			Session *gone = &client;
			ep.schedule([this, gone] { clients.remove_if([gone] (Session const &c) { return &c == gone; }); });
		}

		/* The whole screen in one colour, taken as a frame */
		void publish(uint32_t colour)
		{
			std::fill(screen.begin(), screen.end(), colour);
			publish_screen();
		}

		/* 'screen' as the next frame, with what moved in it found as Main does */
		void publish_screen()
		{
			Tile_set all(area);
			all.set_all();
			auto const previous = history.current();
			Tile_set const changed = history.capture(screen.data(), all);
			auto const copy = detect_copy(*previous, *history.current(), changed);
			for (Session &c : clients) c.frame_changed(changed, copy ? &*copy : nullptr);
		}

		/*
		 * A connection over a UNIX socket pair, as if accepted; returns the
		 * viewer's end. Its buffers are what 'sndbuf' says, with none of
		 * TCP's window probing: a flooder that reads nothing meets the cap
		 * after the same traffic every time.
		 */
		int connect_local()
		{
			int sv[2];
			EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
			::fcntl(sv[0], F_SETFL, O_NONBLOCK);
			if (sndbuf) ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
			clients.emplace_back(ep, *this, sv[0], "127.0.0.1:local", now_ms);
			return sv[1];
		}

		/* Connections not decided yet are RFB viewers: no need to wait for the detection */
		void decide() { for (Session &c : clients) c.detect_timeout(UINT64_MAX, 0); }
	};

	/* A viewer's end of a connection: the server's entrypoint runs while it waits */
	struct Viewer
	{
		Test_server &server;
		int          fd;

		/* A viewer on 'fd', connected already */
		Viewer(Test_server &server, int fd) : server(server), fd(fd) { ::fcntl(fd, F_SETFL, O_NONBLOCK); }

		explicit Viewer(Test_server &server) : server(server), fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
		{
			sockaddr_in a { };
			a.sin_family = AF_INET;
			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			a.sin_port = htons(server.port);
			EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)), 0);
			::fcntl(fd, F_SETFL, O_NONBLOCK);
			pump(3);
		}

		~Viewer() { if (fd >= 0) ::close(fd); }

		void pump(int rounds = 1) { for (int i = 0; i < rounds; i++) server.ep.dispatch_once(2); }

		void send(std::vector<uint8_t> const &bytes)
		{
			ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
			pump(2);
		}

		std::vector<uint8_t> read(size_t n)
		{
			std::vector<uint8_t> got;
			for (int tries = 0; got.size() < n && tries < 5000; tries++) {
				uint8_t buf[65536];
				ssize_t const r = ::recv(fd, buf, std::min(sizeof(buf), n - got.size()), MSG_DONTWAIT);
				if (r > 0) { got.insert(got.end(), buf, buf + r); continue; }
				if (r == 0) break;
				pump();
			}
			EXPECT_EQ(got.size(), n) << "the server sent too little";
			return got;
		}

		static uint32_t u32(std::vector<uint8_t> const &b, size_t at)
		{
			return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
		}

		/* Version, security None, ClientInit; returns the ServerInit's name length */
		void handshake()
		{
			server.decide();
			pump(2);
			EXPECT_EQ(read(12), std::vector<uint8_t>({ 'R', 'F', 'B', ' ', '0', '0', '3', '.', '0', '0', '8', '\n' }));
			std::string const v = "RFB 003.008\n";
			send({ v.begin(), v.end() });
			EXPECT_EQ(read(2), std::vector<uint8_t>({ 1, 1 }));
			send({ 1 });
			EXPECT_EQ(u32(read(4), 0), 0u);
			send({ 1 });
			auto const init = read(24);
			read(u32(init, 20));
		}

		void request(bool incremental)
		{
			uint16_t const w = uint16_t(server.area.w), h = uint16_t(server.area.h);
			send({ 3, incremental, 0, 0, 0, 0, uint8_t(w >> 8), uint8_t(w), uint8_t(h >> 8), uint8_t(h) });
		}

		/* One Raw update at 32 bpp: the colour of its last pixel */
		uint32_t raw_update()
		{
			auto const head = read(4);
			EXPECT_EQ(head[0], 0);
			size_t const rects = size_t(head[2]) << 8 | head[3];
			uint32_t last = 0;
			for (size_t i = 0; i < rects; i++) {
				auto const r = read(12);
				size_t const w = size_t(r[4]) << 8 | r[5], h = size_t(r[6]) << 8 | r[7];
				EXPECT_EQ(u32(r, 8), 0u) << "Raw";
				auto const pixels = read(w * h * 4);
				std::memcpy(&last, pixels.data() + pixels.size() - 4, 4);
			}
			return last;
		}

		/* Apply one update of Raw and CopyRect rectangles to 'fb'; returns the CopyRects */
		unsigned apply_update(std::vector<uint32_t> &fb)
		{
			auto const head = read(4);
			EXPECT_EQ(head[0], 0);
			size_t const rects = size_t(head[2]) << 8 | head[3];
			unsigned copies = 0;
			size_t const stride = server.area.w;
			for (size_t i = 0; i < rects; i++) {
				auto const r = read(12);
				size_t const x = size_t(r[0]) << 8 | r[1], y = size_t(r[2]) << 8 | r[3];
				size_t const w = size_t(r[4]) << 8 | r[5], h = size_t(r[6]) << 8 | r[7];
				if (u32(r, 8) == uint32_t(COPY_RECT)) {
					auto const src = read(4);
					size_t const sx = size_t(src[0]) << 8 | src[1], sy = size_t(src[2]) << 8 | src[3];
					std::vector<uint32_t> tmp;
					for (size_t j = 0; j < h; j++)
						tmp.insert(tmp.end(), fb.begin() + ptrdiff_t((sy + j) * stride + sx), fb.begin() + ptrdiff_t((sy + j) * stride + sx + w));
					for (size_t j = 0; j < h; j++)
						std::copy(tmp.begin() + ptrdiff_t(j * w), tmp.begin() + ptrdiff_t((j + 1) * w), fb.begin() + ptrdiff_t((y + j) * stride + x));
					copies++;
					continue;
				}
				EXPECT_EQ(u32(r, 8), 0u) << "Raw";
				auto const pixels = read(w * h * 4);
				for (size_t j = 0; j < h; j++)
					std::memcpy(fb.data() + (y + j) * stride + x, pixels.data() + j * w * 4, w * 4);
			}
			return copies;
		}

		/*
		 * One update of Tight rectangles, decoded into 'fb' (pixel values
		 * of the default format); returns the Tight kinds it held
		 */
		/* Skip one Tight rectangle at 32 bpp, depth 24 (3-byte TPIXELs) without decoding it */
		static void skip_tight(Vnc_test::Reader &rd, uint32_t w, uint32_t h)
		{
			uint8_t const ctl = rd.u8() >> 4;
			if (ctl == 8) { rd.take(3); return; }
			if (ctl == 9) { rd.take(rd.compact_length()); return; }
			size_t expected = size_t(w) * h * 3;
			if (ctl & 4) {
				if (rd.u8() != 1) throw Vnc_test::Decode_error("filter");
				unsigned const size = rd.u8() + 1u;
				rd.take(size * 3);
				expected = size == 2 ? size_t((w + 7) / 8) * h : size_t(w) * h;
			}
			rd.take(expected < 12 ? expected : rd.compact_length());
		}

		std::set<std::string> apply_tight_update(Vnc_test::Decoder &decoder, std::vector<uint32_t> &fb)
		{
			std::vector<uint8_t> got;
			for (int tries = 0; tries < 5000; tries++) {
				uint8_t buf[65536];
				ssize_t const r = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
				if (r > 0) got.insert(got.end(), buf, buf + r);
				else pump();
				if (got.size() < 4) continue;
				/* the update's length, found without decoding: a short read throws, and waits for more */
				try {
					Vnc_test::Reader rd(got.data(), got.size());
					rd.take(2);
					size_t const rects = size_t(rd.u8()) << 8 | rd.u8();
					for (size_t i = 0; i < rects; i++) {
						rd.take(4);
						uint32_t const w = uint32_t(rd.u8()) << 8 | rd.u8(), h = uint32_t(rd.u8()) << 8 | rd.u8();
						rd.take(4);
						skip_tight(rd, w, h);
					}
				} catch (Vnc_test::Decode_error const &) { continue; }

				std::set<std::string> had = decoder.seen;
				decoder.seen.clear();
				Vnc_test::Reader rd(got.data(), got.size());
				rd.take(2);
				size_t const rects = size_t(rd.u8()) << 8 | rd.u8();
				for (size_t i = 0; i < rects; i++) {
					uint32_t const x = uint32_t(rd.u8()) << 8 | rd.u8(), y = uint32_t(rd.u8()) << 8 | rd.u8();
					uint32_t const w = uint32_t(rd.u8()) << 8 | rd.u8(), h = uint32_t(rd.u8()) << 8 | rd.u8();
					EXPECT_EQ(rd.u32(), uint32_t(TIGHT));
					auto const pixels = decoder.tight_rect(rd, w, h);
					for (uint32_t j = 0; j < h; j++)
						std::copy(pixels.begin() + ptrdiff_t(j * w), pixels.begin() + ptrdiff_t((j + 1) * w),
						          fb.begin() + ptrdiff_t((y + j) * server.area.w + x));
				}
				EXPECT_EQ(rd.left(), 0u) << "bytes after the update";
				std::set<std::string> kinds = std::move(decoder.seen);
				decoder.seen = std::move(had);
				return kinds;
			}
			ADD_FAILURE() << "no whole update came";
			return { };
		}

		void abort_connection()
		{
			linger const l { 1, 0 };   /* a reset, not an orderly close */
			::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
			::close(fd);
			fd = -1;
			pump(3);
		}
	};
}


TEST(VncSession, viewers_vanishing_at_any_stage_leave_nothing_behind)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 320, 200 });

	for (unsigned i = 0; i < 100; i++) {
		server.publish(0x010203 * i);
		Viewer v(server);
		switch (i % 6) {
		case 0: break;                                    /* before anything */
		case 1: server.decide(); v.pump(2); v.read(12); break;   /* after the greeting */
		case 2: server.decide(); v.pump(2); v.send({ 'R', 'F', 'B', ' ' }); break;   /* mid-version */
		case 3:                                           /* while an update is encoded */
			v.handshake();
			v.send({ 2, 0, 0, 2, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xe8 });   /* Tight, JPEG quality 8 */
			v.request(false);
			break;
		case 4:                                           /* halfway through an update */
			v.handshake();
			v.request(false);
			v.read(100);
			break;
		case 5: {                                         /* in the middle of a WebSocket frame */
			std::string const upgrade = "GET /websockify HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
			                            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			                            "Sec-WebSocket-Version: 13\r\n\r\n";
			v.send({ upgrade.begin(), upgrade.end() });
			v.pump(3);
			v.send({ 0x82, 0x85, 1, 2, 3 });
			break;
		}
		}
		v.abort_connection();
	}
	for (int i = 0; i < 200 && !server.clients.empty(); i++) ep.dispatch_once(5);
	EXPECT_TRUE(server.clients.empty()) << server.clients.size() << " connections left";

	/* and the server still serves */
	Viewer v(server);
	v.handshake();
	v.request(false);
	EXPECT_EQ(v.raw_update(), 0x010203u * 99);
}


TEST(VncSession, a_viewer_that_stops_reading_does_not_hold_up_another)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 256, 256 });   /* each Raw update: 256 KiB */

	Viewer stalled(server);
	int const small = 4096;
	::setsockopt(stalled.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	stalled.handshake();

	Viewer reader(server);
	reader.handshake();

	for (uint32_t colour = 1; colour <= 30; colour++) {
		stalled.request(true);   /* asks for more, reads nothing */
		server.publish(colour);
		reader.request(true);
		ASSERT_EQ(reader.raw_update(), colour) << "the reader missed frame " << colour;
	}

	int unread = 0;
	::ioctl(stalled.fd, FIONREAD, &unread);
	EXPECT_GT(unread, 0) << "the stalled viewer was sent something";
	EXPECT_EQ(server.clients.size(), 2u) << "both are still connected: the stalled one merely waits";
}


TEST(VncSession, scrolled_content_reaches_the_viewer_as_copies)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 320, 256 });
	auto page = [] (uint32_t x, uint32_t y) {
		return ((x * 31 + y * 17) % 23 < 9 && y % 12 > 2) ? 0x202020u + (y / 12 % 7) * 0x100000u : 0xeeeeeeu;
	};
	auto draw = [&] (uint32_t scroll) {
		for (uint32_t y = 0; y < server.area.h; y++)
			for (uint32_t x = 0; x < server.area.w; x++) server.screen[size_t(y) * server.area.w + x] = page(x, y + scroll);
		server.publish_screen();
	};
	draw(0);

	Viewer v(server);
	v.handshake();
	v.send({ 2, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0 });   /* CopyRect, Raw */
	std::vector<uint32_t> fb(size_t(server.area.w) * server.area.h, 0);
	v.request(false);
	v.apply_update(fb);
	ASSERT_EQ(fb, server.screen);

	unsigned copies = 0;
	for (uint32_t scroll = 5; scroll <= 50; scroll += 5) {
		draw(scroll);
		v.request(true);
		unsigned const step = v.apply_update(fb);
		copies += step;
		ASSERT_EQ(fb, server.screen) << "after scrolling to " << scroll;
	}
	EXPECT_GE(copies, 10u) << "each scroll step copies what the viewer has";
}


TEST(VncSession, a_small_change_is_sent_as_its_own_pixels)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 320, 200 });
	server.publish(0x101010);

	Viewer v(server);
	v.handshake();
	std::vector<uint32_t> fb(size_t(server.area.w) * server.area.h, 0);
	v.request(false);
	v.apply_update(fb);

	/* a caret: 2x18 pixels inside one tile */
	for (uint32_t y = 70; y < 88; y++) { server.screen[y * 320 + 100] = 0xffffff; server.screen[y * 320 + 101] = 0xffffff; }
	server.publish_screen();
	v.request(true);
	auto const head = v.read(4);
	ASSERT_EQ(size_t(head[2]) << 8 | head[3], 1u);
	auto const r = v.read(12);
	EXPECT_EQ(std::vector<uint8_t>(r.begin(), r.begin() + 8), std::vector<uint8_t>({ 0, 100, 0, 70, 0, 2, 0, 18 }))
		<< "the rectangle is the caret's, not its tile's";
	v.read(2 * 18 * 4);
}


TEST(VncSession, a_listener_off_loopback_is_refused_unless_the_config_allows)
{
	/* bound, never listening: nothing serves, but the address is what core would grant */
	auto bound = [] (uint32_t address) {
		int const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sockaddr_in a { };
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(address);
		EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)), 0);
		return fd;
	};
	int const loopback = bound(INADDR_LOOPBACK), other_loopback = bound(0x7f000002), any = bound(INADDR_ANY);
	EXPECT_TRUE(Endpoint::of(loopback, false).loopback);
	EXPECT_TRUE(Endpoint::of(other_loopback, false).loopback) << "all of 127/8 is loopback";
	EXPECT_FALSE(Endpoint::of(any, false).loopback) << "0.0.0.0 is every interface";
	EXPECT_TRUE(Endpoint::of(any, false).text.starts_with("0.0.0.0:"));

	/* the default serves loopback only; the network only when the config asks */
	EXPECT_TRUE(may_serve(Endpoint::of(loopback, false), true));
	EXPECT_FALSE(may_serve(Endpoint::of(any, false), true));
	EXPECT_TRUE(may_serve(Endpoint::of(any, false), false));
	for (int fd : { loopback, other_loopback, any }) ::close(fd);
}


TEST(VncSession, rfb_over_a_websocket)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 64 });
	Viewer v(server);

	std::string const upgrade = "GET /websockify HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
	v.send({ upgrade.begin(), upgrade.end() });
	std::string response;
	while (!response.ends_with("\r\n\r\n")) response += char(v.read(1)[0]);
	EXPECT_TRUE(response.starts_with("HTTP/1.1 101")) << response;

	/* the server speaks first, in a binary frame */
	EXPECT_EQ(v.read(2), std::vector<uint8_t>({ 0x82, 12 }));
	EXPECT_EQ(v.read(12), std::vector<uint8_t>({ 'R', 'F', 'B', ' ', '0', '0', '3', '.', '0', '0', '8', '\n' }));

	/* masked client frames: a ping is answered, RFB bytes go on, a close is echoed */
	auto masked = [] (uint8_t opcode, std::vector<uint8_t> payload) {
		std::vector<uint8_t> f { uint8_t(0x80 | opcode), uint8_t(0x80 | payload.size()), 1, 2, 3, 4 };
		for (size_t i = 0; i < payload.size(); i++) f.push_back(uint8_t(payload[i] ^ (i % 4 + 1)));
		return f;
	};
	v.send(masked(0x9, { 'h', 'i' }));
	EXPECT_EQ(v.read(4), std::vector<uint8_t>({ 0x8a, 2, 'h', 'i' }));

	std::string const version = "RFB 003.008\n";
	v.send(masked(0x2, { version.begin(), version.end() }));
	EXPECT_EQ(v.read(4), std::vector<uint8_t>({ 0x82, 2, 1, 1 })) << "security types, in a frame";

	v.send(masked(0x8, { 0x03, 0xe8 }));
	EXPECT_EQ(v.read(4), std::vector<uint8_t>({ 0x88, 2, 0x03, 0xe8 }));
	for (int i = 0; i < 50 && !server.clients.empty(); i++) ep.dispatch_once(5);
	EXPECT_TRUE(server.clients.empty());
}


TEST(VncSession, an_address_that_guesses_too_often_is_refused_for_a_while)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 64 });
	server.secret = "secret";

	/* version 3.8 and VNC authentication with 'password'; the SecurityResult, or 2 if refused early */
	auto attempt = [&] (std::string const &password) -> uint32_t {
		Viewer v(server);
		server.decide();
		v.pump(2);
		v.read(12);
		std::string const version = "RFB 003.008\n";
		v.send({ version.begin(), version.end() });
		auto const count = v.read(1);
		if (count[0] == 0) {   /* refused: a reason follows */
			std::vector<uint8_t> const length = v.read(4);
			auto const reason = v.read(Viewer::u32(length, 0));
			EXPECT_EQ(std::string(reason.begin(), reason.end()), "too many authentication failures, try again later");
			return 2;
		}
		EXPECT_EQ(v.read(1), std::vector<uint8_t>({ 2 }));
		v.send({ 2 });
		Challenge challenge;
		auto const c = v.read(16);
		std::copy(c.begin(), c.end(), challenge.begin());
		Challenge const response = expected_response(password, challenge);
		v.send({ response.begin(), response.end() });
		return Viewer::u32(v.read(4), 0);
	};

	for (unsigned i = 0; i < Auth_blacklist::THRESHOLD; i++)
		EXPECT_EQ(attempt("guess"), 1u) << "failure " << i;
	EXPECT_EQ(attempt("secret"), 2u) << "refused, even with the right password";

	server.now_ms += Auth_blacklist::FIRST_BLOCK_MS;
	EXPECT_EQ(attempt("secret"), 0u) << "the block ends";

	/* a success forgets the address; without one, each further round blocks twice as long */
	for (unsigned i = 0; i < Auth_blacklist::THRESHOLD; i++) EXPECT_EQ(attempt("guess"), 1u);
	EXPECT_EQ(attempt("secret"), 2u);
	server.now_ms += Auth_blacklist::FIRST_BLOCK_MS;
	for (unsigned i = 0; i < Auth_blacklist::THRESHOLD; i++) EXPECT_EQ(attempt("guess"), 1u);
	server.now_ms += Auth_blacklist::FIRST_BLOCK_MS;
	EXPECT_EQ(attempt("secret"), 2u) << "the second round in a row blocks for 20 s";
	server.now_ms += Auth_blacklist::FIRST_BLOCK_MS;
	EXPECT_EQ(attempt("secret"), 0u);
}


namespace {

	/* The log lines written while it lives */
	struct Captured_log
	{
		std::vector<std::string> lines { };

		Captured_log()  { nestbox::Log_backend::install([this] (std::string_view l) { lines.emplace_back(l); }); }
		~Captured_log() { nestbox::Log_backend::install(nullptr); }

		bool has(std::string_view part) const
		{
			return std::any_of(lines.begin(), lines.end(), [&] (std::string const &l) { return l.find(part) != l.npos; });
		}
	};

	std::vector<uint8_t> pointer_event(uint8_t buttons, uint16_t x, uint16_t y)
	{
		return { 5, buttons, uint8_t(x >> 8), uint8_t(x), uint8_t(y >> 8), uint8_t(y) };
	}

	/* A masked client frame (RFC 6455) */
	std::vector<uint8_t> masked_frame(uint8_t opcode, std::vector<uint8_t> const &payload)
	{
		std::vector<uint8_t> f { uint8_t(0x80 | opcode), uint8_t(0x80 | payload.size()), 1, 2, 3, 4 };
		for (size_t i = 0; i < payload.size(); i++) f.push_back(uint8_t(payload[i] ^ (i % 4 + 1)));
		return f;
	}
}


TEST(VncSession, hovering_is_coalesced_button_changes_and_strokes_are_kept)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 320, 200 });
	Viewer v(server);
	v.handshake();

	/* one read's worth: a flood of hovering, a stroke from (10,10) to (20,20), more hovering */
	std::vector<uint8_t> flood;
	auto add = [&] (std::vector<uint8_t> const &e) { flood.insert(flood.end(), e.begin(), e.end()); };
	for (uint16_t i = 0; i < 1000; i++) add(pointer_event(0, uint16_t(i % 300), uint16_t(i % 200)));
	add(pointer_event(1, 10, 10));
	for (uint16_t i = 0; i < 500; i++) add(pointer_event(1, uint16_t(100 + i % 100), 50));
	add(pointer_event(0, 20, 20));
	for (uint16_t i = 0; i < 500; i++) add(pointer_event(0, uint16_t(i % 300), 7));
	v.send(flood);
	v.pump(5);

	using nestbox::Input::Event;
	auto const &e = server.events;
	auto press = std::find_if(e.begin(), e.end(), [] (Event const &x) { return x.type == Event::PRESS && x.code == BTN_LEFT; });
	auto release = std::find_if(e.begin(), e.end(), [] (Event const &x) { return x.type == Event::RELEASE && x.code == BTN_LEFT; });
	ASSERT_NE(press, e.end());
	ASSERT_NE(release, e.end());
	ASSERT_LT(press, release);

	/* the press and the release each where it happened */
	ASSERT_NE(press, e.begin());
	EXPECT_EQ((press - 1)->type, Event::ABS_MOTION);
	EXPECT_EQ((press - 1)->x, 10);
	EXPECT_EQ((release - 1)->type, Event::ABS_MOTION);
	EXPECT_EQ((release - 1)->x, 20);
	EXPECT_EQ((release - 1)->y, 20);

	/* the stroke keeps its path: every position between press and release */
	EXPECT_EQ(release - press - 1, 500 + 1) << "500 positions with the button held, then the release's";
	EXPECT_EQ((press + 1)->x, 100);
	EXPECT_EQ((press + 500)->x, 100 + 499 % 100);

	/* hovering, 1500 events before and after, is merged */
	EXPECT_LE(press - e.begin(), 3) << "hovering before the press, merged";
	EXPECT_LE(e.end() - release, 3) << "hovering after the release, merged";
	ASSERT_FALSE(e.empty());
	EXPECT_EQ(e.back().type, Event::ABS_MOTION);
	EXPECT_EQ(e.back().x, 499 % 300);
	EXPECT_EQ(e.back().y, 7);
}


/*
 * A client that provokes replies (fence answers, pongs, fence requests on
 * each SetEncodings that turns fences on) and never reads them: it is
 * disconnected at its cap, while another viewer goes on being served
 */
TEST(VncSession, a_client_that_floods_and_never_reads_is_disconnected_another_is_served)
{
	for (char const *kind : { "fences", "pings", "set_encodings" }) {
		SCOPED_TRACE(kind);
		Captured_log log;
		nestbox::Entrypoint ep;
		Test_server server(ep, Area { 64, 64 });
		server.sndbuf = 16 * 1024;   /* what the kernel holds is not the point: the cap is reached sooner */

		Viewer reader(server);
		reader.handshake();

		Viewer flooder(server, server.connect_local());

		std::vector<uint8_t> message;
		if (kind == std::string("pings")) {
			std::string const upgrade = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
			flooder.send({ upgrade.begin(), upgrade.end() });
			message = masked_frame(0x9, std::vector<uint8_t>(125, 'p'));   /* each answered by a pong */
		} else {
			flooder.handshake();
			if (kind == std::string("fences")) {
				message = { 248, 0, 0, 0, 0x80, 0, 0, 0, 64 };   /* a fence request, 64 bytes of payload */
				message.resize(message.size() + 64, 'f');
			} else {
				/* Fence announced, then not: each announcement is answered by a fence request */
				message = { 2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xfe, 0xc8, 2, 0, 0, 1, 0, 0, 0, 0 };
			}
		}

		/* up to 64 MiB: the cap must end it long before */
		std::vector<uint8_t> burst;
		while (burst.size() < 64 * 1024) burst.insert(burst.end(), message.begin(), message.end());
		size_t sent = 0;   /* the burst holds whole messages: a partial send goes on where it ended */
		while (sent < (64u << 20) && server.open() == 2) {
			size_t const at = sent % burst.size();
			ssize_t const n = ::send(flooder.fd, burst.data() + at, burst.size() - at, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) sent += size_t(n);
			ep.dispatch_once(1);
		}
		EXPECT_EQ(server.open(), 1u) << "the flooder is still connected after " << (sent >> 20) << " MiB";
		EXPECT_LT(sent, size_t(8) << 20);
		EXPECT_TRUE(log.has("over its memory cap")) << "the reason is logged";

		/* the other viewer is served */
		for (Session &c : server.clients) {
			if (!c.closed()) { EXPECT_LT(c.memory(), server.cap); }
		}
		reader.request(false);
		server.publish(0x445566);
		reader.request(true);
		uint32_t last = 0;
		for (int i = 0; i < 3 && last != 0x445566; i++) last = reader.raw_update();
		EXPECT_EQ(last, 0x445566u);
	}
}


TEST(VncSession, silent_connections_do_not_lock_out_a_viewer)
{
	Captured_log log;
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 64 });
	server.publish(0x123456);

	/* connections that never send the handshake, as many as max_clients */
	std::list<Viewer> silent;
	for (unsigned i = 0; i < server.limits.max_clients; i++) {
		silent.emplace_back(server);
		server.decide();   /* RFB clients, greeted, silent */
	}
	EXPECT_LE(server.open(), server.limits.max_handshaking_per_address) << "the oldest were dropped";
	EXPECT_TRUE(log.has("still in its handshake"));

	/* a real viewer gets in, and is served */
	Viewer v(server);
	v.handshake();
	v.request(false);
	EXPECT_EQ(v.raw_update(), 0x123456u);

	/* at the deadline, the silent ones go; the viewer stays */
	server.now_ms += server.limits.handshake_ms;
	EXPECT_FALSE(enforce_handshake_deadline(server.clients, server.now_ms, server.limits));
	EXPECT_EQ(server.open(), 1u);
	v.request(false);
	EXPECT_EQ(v.raw_update(), 0x123456u);
}


TEST(VncSession, handshakes_are_limited_in_total_and_viewers_are_never_dropped_for_them)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 64 });
	server.limits.max_clients = 3;
	server.limits.max_handshaking_per_address = 8;
	server.limits.max_handshaking = 2;

	Viewer a(server);
	a.handshake();
	Viewer b(server);
	b.handshake();

	/* the third slot takes one connection in its handshake at a time: the newest */
	Viewer c(server);
	Viewer d(server);
	EXPECT_EQ(server.open(), 3u);
	c.pump(3);
	uint8_t byte;
	EXPECT_EQ(::recv(c.fd, &byte, 1, MSG_DONTWAIT), 0) << "the older was dropped";
	d.handshake();

	/* every slot holds a viewer: the next connection is refused, no viewer dropped */
	Viewer e(server);
	EXPECT_EQ(server.refused, 1u);
	EXPECT_EQ(server.open(), 3u);
	a.request(false);
	EXPECT_EQ(a.raw_update(), 0u);
}


/* VeNCrypt: TLS under RFB, against OpenSSL as the viewer's TLS */

namespace {

	/* The viewer's TLS over a Viewer's socket (memory BIOs, the server pumped while waiting) */
	struct Tls_viewer
	{
		Viewer  &v;
		SSL_CTX *ctx;
		SSL     *ssl;
		BIO     *in  = BIO_new(BIO_s_mem());
		BIO     *out = BIO_new(BIO_s_mem());

		/* 'ca_pem' empty: anonymous TLS */
		Tls_viewer(Viewer &v, std::string const &ca_pem) : v(v), ctx(SSL_CTX_new(TLS_client_method()))
		{
			if (ca_pem.empty()) {
				SSL_CTX_set_security_level(ctx, 0);
				SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
				SSL_CTX_set_cipher_list(ctx, "aNULL:@SECLEVEL=0");
			} else {
				BIO *b = BIO_new_mem_buf(ca_pem.data(), int(ca_pem.size()));
				X509 *ca = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
				X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
				X509_free(ca);
				BIO_free(b);
				SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
			}
			ssl = SSL_new(ctx);
			BIO_set_mem_eof_return(in, -1);
			BIO_set_mem_eof_return(out, -1);
			SSL_set_bio(ssl, in, out);
			SSL_set_connect_state(ssl);
		}

		~Tls_viewer() { SSL_free(ssl); SSL_CTX_free(ctx); }

		void flush()
		{
			char buf[65536];
			int n;
			while ((n = BIO_read(out, buf, sizeof(buf))) > 0) v.send({ buf, buf + n });
		}

		/* false: the server's bytes ended */
		bool fill()
		{
			uint8_t buf[65536];
			for (int tries = 0; tries < 5000; tries++) {
				ssize_t const r = ::recv(v.fd, buf, sizeof(buf), MSG_DONTWAIT);
				if (r > 0) { BIO_write(in, buf, int(r)); return true; }
				if (r == 0) return false;
				v.pump();
			}
			return false;
		}

		bool handshake()
		{
			for (int i = 0; i < 100; i++) {
				int const r = SSL_do_handshake(ssl);
				flush();
				if (r == 1) return true;
				if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ || !fill()) return false;
			}
			return false;
		}

		void send(std::vector<uint8_t> const &bytes)
		{
			SSL_write(ssl, bytes.data(), int(bytes.size()));
			flush();
		}

		std::vector<uint8_t> read(size_t n)
		{
			std::vector<uint8_t> got(n);
			size_t have = 0;
			while (have < n) {
				int const r = SSL_read(ssl, got.data() + have, int(n - have));
				if (r > 0) { have += size_t(r); continue; }
				flush();
				if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ || !fill()) break;
			}
			got.resize(have);
			EXPECT_EQ(have, n) << "the server sent too little over TLS";
			return got;
		}

		std::string version() const { return SSL_get_version(ssl); }
	};

	/* Up to the VeNCrypt subtype list: returns the subtypes offered */
	std::vector<uint32_t> vencrypt_subtypes(Viewer &v)
	{
		v.server.decide();
		v.pump(2);
		v.read(12);
		std::string const version = "RFB 003.008\n";
		v.send({ version.begin(), version.end() });
		auto const count = v.read(1);
		auto const types = v.read(count.at(0));
		EXPECT_NE(std::find(types.begin(), types.end(), uint8_t(SECURITY_VENCRYPT)), types.end());
		v.send({ SECURITY_VENCRYPT });
		EXPECT_EQ(v.read(2), std::vector<uint8_t>({ 0, 2 }));
		v.send({ 0, 2 });
		EXPECT_EQ(v.read(1), std::vector<uint8_t>({ 0 }));
		auto const n = v.read(1);
		auto const list = v.read(size_t(n.at(0)) * 4);
		std::vector<uint32_t> subtypes;
		for (size_t i = 0; i + 4 <= list.size(); i += 4) subtypes.push_back(Viewer::u32(list, i));
		return subtypes;
	}

	void choose(Viewer &v, uint32_t subtype)
	{
		v.send({ uint8_t(subtype >> 24), uint8_t(subtype >> 16), uint8_t(subtype >> 8), uint8_t(subtype) });
		EXPECT_EQ(v.read(1), std::vector<uint8_t>({ 1 })) << "subtype accepted";
	}

	/* VNC authentication over 't' with 'password'; returns the SecurityResult */
	uint32_t vnc_auth(Tls_viewer &t, std::string const &password)
	{
		auto const c = t.read(16);
		Challenge challenge { };
		std::copy(c.begin(), c.end(), challenge.begin());
		Challenge const response = expected_response(password, challenge);
		t.send({ response.begin(), response.end() });
		return Viewer::u32(t.read(4), 0);
	}

	/* ClientInit, ServerInit, a full update request: the colour of the update's last pixel */
	uint32_t first_update(Tls_viewer &t, Area area)
	{
		t.send({ 1 });
		auto const init = t.read(24);
		t.read(Viewer::u32(init, 20));
		uint16_t const w = uint16_t(area.w), h = uint16_t(area.h);
		t.send({ 3, 0, 0, 0, 0, 0, uint8_t(w >> 8), uint8_t(w), uint8_t(h >> 8), uint8_t(h) });
		auto const head = t.read(4);
		size_t const rects = size_t(head[2]) << 8 | head[3];
		uint32_t last = 0;
		for (size_t i = 0; i < rects; i++) {
			auto const r = t.read(12);
			size_t const rw = size_t(r[4]) << 8 | r[5], rh = size_t(r[6]) << 8 | r[7];
			EXPECT_EQ(Viewer::u32(r, 8), 0u) << "Raw";
			auto const pixels = t.read(rw * rh * 4);
			std::memcpy(&last, pixels.data() + pixels.size() - 4, 4);
		}
		return last;
	}
}


TEST(VncSession, vencrypt_anonymous_tls_carries_the_session)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 48 });
	server.tls_context = Tls_context::create("", "").context;
	ASSERT_TRUE(server.tls_context);
	server.security_list = "TLSNone";
	server.publish(0x123456);

	Viewer v(server);
	EXPECT_EQ(vencrypt_subtypes(v), std::vector<uint32_t>({ VENCRYPT_TLS_NONE }));
	choose(v, VENCRYPT_TLS_NONE);
	Tls_viewer t(v, "");
	ASSERT_TRUE(t.handshake());
	EXPECT_EQ(t.version(), "TLSv1.2") << "anonymous TLS stops at 1.2";
	EXPECT_EQ(Viewer::u32(t.read(4), 0), 0u) << "SecurityResult OK";
	EXPECT_EQ(first_update(t, server.area), 0x123456u);
	ASSERT_EQ(server.clients.size(), 1u);
	EXPECT_TRUE(server.clients.front().authenticated());

	/* its TLS session counts against its cap */
	EXPECT_GE(server.clients.front().memory(), size_t(Tls_session::SESSION_BYTES));
}


TEST(VncSession, vencrypt_x509_with_a_view_password_drops_that_viewers_input)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 48 });
	Vnc_test::Test_certificate const cert;
	auto created = Tls_context::create(cert.certificate_pem, cert.key_pem);
	ASSERT_TRUE(created.error.empty()) << created.error;
	server.tls_context = std::move(created.context);
	ASSERT_TRUE(server.tls_context->x509());
	server.secret = "full";
	server.view_secret = "look";
	server.security_list = "X509Vnc,X509None,TLSVnc,VncAuth,None";
	server.publish(0x00ff00);

	/* the None types are not offered with a password: the certificate's first */
	for (char const *password : { "look", "full" }) {
		Viewer v(server);
		EXPECT_EQ(vencrypt_subtypes(v), std::vector<uint32_t>({ VENCRYPT_X509_VNC, VENCRYPT_TLS_VNC }));
		choose(v, VENCRYPT_X509_VNC);
		Tls_viewer t(v, cert.certificate_pem);
		ASSERT_TRUE(t.handshake()) << "the viewer verified the certificate";
		EXPECT_EQ(vnc_auth(t, password), 0u);
		EXPECT_EQ(first_update(t, server.area), 0x00ff00u);

		size_t const before = server.input_events;
		t.send({ 5, 1, 0, 10, 0, 10 });   /* a click at 10,10 */
		t.send({ 5, 0, 0, 10, 0, 10 });
		t.send({ 4, 1, 0, 0, 0, 0, 0, 'a' });   /* a key */
		t.send({ 4, 0, 0, 0, 0, 0, 0, 'a' });
		t.send({ 6, 0, 0, 0, 0, 0, 0, 2, 'h', 'i' });   /* cut text */
		auto provided = Cut_text_codec::provide("ho");   /* the same as an Extended Clipboard provide */
		provided[0] = 6;
		t.send(provided);
		for (int i = 0; i < 20; i++) v.pump();
		bool const view_only = std::string(password) == "look";
		ASSERT_FALSE(server.clients.empty());
		EXPECT_EQ(server.clients.back().view_only(), view_only);
		if (view_only) EXPECT_EQ(server.input_events, before) << "a view-only viewer's input went through";
		else           EXPECT_GT(server.input_events, before + 3) << "a full viewer's input was dropped";
		if (view_only) EXPECT_TRUE(server.from_viewers.empty()) << "a view-only viewer's clipboard went through";
		else           EXPECT_EQ(server.from_viewers, std::vector<std::string>({ "hi", "ho" }));
	}
}


TEST(VncSession, plain_types_are_refused_when_the_config_requires_tls)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 48 });
	server.tls_context = Tls_context::create("", "").context;
	server.security_list = "TLSNone";

	/* RFB 3.8: only VeNCrypt is offered, and choosing None fails with the reason */
	{
		Viewer v(server);
		server.decide();
		v.pump(2);
		v.read(12);
		std::string const version = "RFB 003.008\n";
		v.send({ version.begin(), version.end() });
		EXPECT_EQ(v.read(2), std::vector<uint8_t>({ 1, SECURITY_VENCRYPT }));
		v.send({ SECURITY_NONE });
		EXPECT_EQ(Viewer::u32(v.read(4), 0), 1u) << "SecurityResult failed";
		v.pump(3);
		EXPECT_EQ(server.open(), 0u);
	}
	/* RFB 3.3: the server would choose, and cannot choose TLS */
	{
		Viewer v(server);
		server.decide();
		v.pump(2);
		v.read(12);
		std::string const version = "RFB 003.003\n";
		v.send({ version.begin(), version.end() });
		EXPECT_EQ(Viewer::u32(v.read(4), 0), 0u) << "no security type: a reason follows";
		auto const reason = v.read(Viewer::u32(v.read(4), 0));
		EXPECT_NE(std::string(reason.begin(), reason.end()).find("TLS"), std::string::npos);
	}
	for (int i = 0; i < 20; i++) ep.dispatch_once(2);
	EXPECT_EQ(server.open(), 0u);
}


TEST(VncSession, a_stalled_tls_handshake_meets_the_handshake_deadline)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 48 });
	server.tls_context = Tls_context::create("", "").context;
	server.security_list = "TLSNone";

	Viewer v(server);
	vencrypt_subtypes(v);
	choose(v, VENCRYPT_TLS_NONE);
	v.send({ 0x16, 0x03, 0x01 });   /* the start of a ClientHello, and then nothing */
	ASSERT_EQ(server.open(), 1u);
	EXPECT_FALSE(server.clients.front().authenticated());

	(void)enforce_handshake_deadline(server.clients, server.now_ms + server.limits.handshake_ms, server.limits);
	v.pump(3);
	EXPECT_EQ(server.open(), 0u);
}


TEST(VncSession, a_failed_tls_handshake_closes_with_the_reason)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 48 });
	server.tls_context = Tls_context::create("", "").context;
	server.security_list = "TLSNone";

	Viewer v(server);
	vencrypt_subtypes(v);
	choose(v, VENCRYPT_TLS_NONE);
	std::vector<uint8_t> garbage(64, 0x42);
	v.send(garbage);
	v.pump(3);
	EXPECT_EQ(server.open(), 0u);
}


TEST(VncSession, a_browser_is_not_offered_vencrypt_and_refused_where_tls_is_required)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 64 });
	server.tls_context = Tls_context::create("", "").context;

	auto masked = [] (std::string const &payload) {
		std::vector<uint8_t> f { 0x82, uint8_t(0x80 | payload.size()), 1, 2, 3, 4 };
		for (size_t i = 0; i < payload.size(); i++) f.push_back(uint8_t(payload[i] ^ (i % 4 + 1)));
		return f;
	};
	/* up to the security types, over a WebSocket: the payload of the server's frame */
	auto types_over_websocket = [&] (Viewer &v) {
		std::string const upgrade = "GET /websockify HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
		v.send({ upgrade.begin(), upgrade.end() });
		std::string response;
		while (!response.ends_with("\r\n\r\n")) response += char(v.read(1)[0]);
		v.read(14);   /* the greeting's frame */
		v.send(masked("RFB 003.008\n"));
		auto const head = v.read(2);
		return v.read(head.at(1));
	};

	server.security_list = "TLSNone,None";
	{
		Viewer v(server);
		EXPECT_EQ(types_over_websocket(v), std::vector<uint8_t>({ 1, SECURITY_NONE })) << "VeNCrypt left out";
	}
	server.security_list = "TLSNone";
	{
		Viewer v(server);
		auto const refusal = types_over_websocket(v);
		ASSERT_GE(refusal.size(), 5u);
		EXPECT_EQ(refusal[0], 0) << "no security type: the reason follows";
		std::string const reason(refusal.begin() + 5, refusal.end());
		EXPECT_NE(reason.find("a browser cannot do"), std::string::npos) << reason;
	}
}


TEST(VncSession, what_went_out_as_jpeg_is_sent_again_losslessly_once_still)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 256, 128 });
	/* noise: far too many colours for a palette, so Tight with a quality level sends JPEG */
	uint32_t seed = 1;
	for (uint32_t &p : server.screen) { seed = seed * 1103515245 + 12345; p = seed >> 8 & 0xffffff; }
	server.publish_screen();

	Viewer v(server);
	v.handshake();
	v.send({ 2, 0, 0, 2, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xe0 + 7 });   /* Tight, JPEG quality 7 (-25) */
	Vnc_test::Decoder decoder { Pixel_format { } };
	std::vector<uint32_t> fb(size_t(server.area.w) * server.area.h, 0);
	v.request(false);
	auto const first = v.apply_tight_update(decoder, fb);
	ASSERT_TRUE(first.count("tight jpeg")) << "the test needs a JPEG rectangle";
	ASSERT_NE(fb, server.screen) << "JPEG of noise is not exact";
	ASSERT_EQ(server.refresh_wanted, server.now_ms + LOSSLESS_REFRESH_MS);

	/* not yet still for long enough: nothing goes */
	v.request(true);
	Session &session = server.clients.front();
	EXPECT_EQ(session.refresh_due(server.now_ms + LOSSLESS_REFRESH_MS - 1), server.now_ms + LOSSLESS_REFRESH_MS);
	v.pump(5);
	uint8_t byte;
	EXPECT_EQ(::recv(v.fd, &byte, 1, MSG_DONTWAIT), -1) << "an update before the region was still for long enough";

	/* still for long enough: sent again without JPEG, and the viewer's picture is exact */
	server.now_ms += LOSSLESS_REFRESH_MS;
	EXPECT_EQ(session.refresh_due(server.now_ms), 0u) << "nothing left lossy";
	auto const second = v.apply_tight_update(decoder, fb);
	EXPECT_FALSE(second.count("tight jpeg"));
	EXPECT_EQ(fb, server.screen);

	/* exact now: no further refresh */
	server.refresh_wanted = 0;
	v.request(true);
	server.now_ms += 10 * LOSSLESS_REFRESH_MS;
	EXPECT_EQ(session.refresh_due(server.now_ms), 0u);
	v.pump(5);
	EXPECT_EQ(::recv(v.fd, &byte, 1, MSG_DONTWAIT), -1) << "a refresh of what the viewer has exactly";
	EXPECT_EQ(server.refresh_wanted, 0u);
}


TEST(VncSession, a_region_that_keeps_changing_is_not_refreshed_in_between)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 128, 64 });
	uint32_t seed = 7;
	auto noise = [&] { for (uint32_t &p : server.screen) { seed = seed * 1103515245 + 12345; p = seed >> 8 & 0xffffff; } };
	noise();
	server.publish_screen();

	Viewer v(server);
	v.handshake();
	v.send({ 2, 0, 0, 2, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xe0 + 2 });   /* Tight, JPEG quality 2 */
	Vnc_test::Decoder decoder { Pixel_format { } };
	std::vector<uint32_t> fb(size_t(server.area.w) * server.area.h, 0);
	v.request(false);
	ASSERT_TRUE(v.apply_tight_update(decoder, fb).count("tight jpeg"));
	Session &session = server.clients.front();

	/* a new frame just before the refresh falls due: it goes as JPEG, and the refresh waits for it */
	server.now_ms += LOSSLESS_REFRESH_MS - 1;
	noise();
	server.publish_screen();
	EXPECT_EQ(session.refresh_due(server.now_ms + 1), 0u) << "a changed tile waits for its own update";
	v.request(true);
	EXPECT_TRUE(v.apply_tight_update(decoder, fb).count("tight jpeg")) << "the new frame, not a refresh";
	EXPECT_EQ(server.refresh_wanted, server.now_ms + LOSSLESS_REFRESH_MS);

	server.now_ms += LOSSLESS_REFRESH_MS;
	v.request(true);
	EXPECT_EQ(session.refresh_due(server.now_ms), 0u);
	EXPECT_FALSE(v.apply_tight_update(decoder, fb).count("tight jpeg"));
	EXPECT_EQ(fb, server.screen);
}


namespace {

	std::vector<uint8_t> cut_text_message(uint8_t type, int32_t length, std::vector<uint8_t> const &body)
	{
		std::vector<uint8_t> m { type, 0, 0, 0 };
		Wire::Writer { m }.s32(length);
		m.insert(m.end(), body.begin(), body.end());
		return m;
	}

	std::vector<uint8_t> extended_message(uint32_t flags, std::vector<uint8_t> const &data = { })
	{
		std::vector<uint8_t> body;
		Wire::Writer { body }.u32(flags);
		body.insert(body.end(), data.begin(), data.end());
		return cut_text_message(6, -int32_t(body.size()), body);
	}

	std::vector<uint8_t> zlib(std::vector<uint8_t> const &plain)
	{
		uLongf size = compressBound(uLong(plain.size()));
		std::vector<uint8_t> out(size);
		EXPECT_EQ(compress(out.data(), &size, plain.data(), uLong(plain.size())), Z_OK);
		out.resize(size);
		return out;
	}

	/* A ServerCutText as the viewer reads it: (length field, body) */
	std::pair<int32_t, std::vector<uint8_t>> read_cut_text(Viewer &v)
	{
		auto const head = v.read(8);
		EXPECT_EQ(head[0], 3) << "ServerCutText";
		int32_t const length = int32_t(Viewer::u32(head, 4));
		return { length, v.read(length < 0 ? size_t(-int64_t(length)) : size_t(length)) };
	}
}


TEST(VncSession, clipboard_text_goes_both_ways_as_latin1)
{
	using namespace Cut_text_codec;
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 64 });
	server.clip = "caf\u00e9 first";

	Viewer v(server);
	v.handshake();
	v.send({ 2, 0, 0, 1, 0, 0, 0, 0 });   /* Raw only: no extended clipboard */
	auto const first = read_cut_text(v);
	EXPECT_EQ(std::string(first.second.begin(), first.second.end()), "caf\xe9 first")
		<< "a new viewer is given the clipboard as it is";

	server.set_clipboard("gr\u00fc\u00dfe \u20ac\nline");
	auto const cut = read_cut_text(v);
	EXPECT_EQ(std::string(cut.second.begin(), cut.second.end()), "gr\xfc\xdf" "e ?\nline")
		<< "Latin-1, a character beyond it as '?'";

	std::string const latin1 = "d\xe9j\xe0 vu";
	v.send(cut_text_message(6, int32_t(latin1.size()), { latin1.begin(), latin1.end() }));
	ASSERT_EQ(server.from_viewers.size(), 1u);
	EXPECT_EQ(server.from_viewers[0], "d\u00e9j\u00e0 vu");

	/* the viewer's own text is not echoed back to it */
	server.set_clipboard(server.from_viewers[0]);
	v.pump(3);
	uint8_t byte;
	EXPECT_EQ(::recv(v.fd, &byte, 1, MSG_DONTWAIT), -1);

	/* too long: dropped unread, the viewer stays */
	std::vector<uint8_t> big(MAX_CUT_TEXT + 1, 'x');
	auto const m = cut_text_message(6, int32_t(big.size()), big);
	for (size_t at = 0; at < m.size(); at += 4096) {
		size_t const n = std::min<size_t>(4096, m.size() - at);
		ASSERT_EQ(::write(v.fd, m.data() + at, n), ssize_t(n));
		v.pump(1);
	}
	EXPECT_EQ(server.open(), 1u);
	std::string const after = "after";
	v.send(cut_text_message(6, int32_t(after.size()), { after.begin(), after.end() }));
	for (int i = 0; i < 1000 && server.from_viewers.size() < 2; i++) v.pump();   /* the big one may still be on its way */
	ASSERT_EQ(server.from_viewers.size(), 2u);
	EXPECT_EQ(server.from_viewers[1], "after");
}


TEST(VncSession, extended_clipboard_caps_notify_request_provide)
{
	using namespace Cut_text_codec;
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 64, 64 });

	Viewer v(server);
	v.handshake();
	v.send({ 2, 0, 0, 2, 0, 0, 0, 0, 0xc0, 0xa1, 0xe5, 0xce });   /* Raw, Extended Clipboard */
	{
		auto const caps = read_cut_text(v);
		ASSERT_EQ(caps.first, -8);
		uint32_t const flags = Viewer::u32(caps.second, 0);
		EXPECT_EQ(flags, CAPS | REQUEST | PEEK | NOTIFY | PROVIDE | FORMAT_TEXT);
		EXPECT_EQ(Viewer::u32(caps.second, 4), uint32_t(MAX_CUT_TEXT));
	}
	std::vector<uint8_t> size;
	Wire::Writer { size }.u32(1 << 20);
	v.send(extended_message(CAPS | REQUEST | NOTIFY | PROVIDE | FORMAT_TEXT, size));

	/* the server's text: told of it, the viewer asks, and is given it with \r\n and a NUL */
	server.set_clipboard("line one\nline two \u2713");
	auto const notify = read_cut_text(v);
	EXPECT_EQ(Viewer::u32(notify.second, 0), NOTIFY | FORMAT_TEXT);
	v.send(extended_message(REQUEST | FORMAT_TEXT));
	auto const provided = read_cut_text(v);
	EXPECT_EQ(Viewer::u32(provided.second, 0), PROVIDE | FORMAT_TEXT);
	{
		std::vector<uint8_t> plain(4096);
		uLongf n = plain.size();
		ASSERT_EQ(uncompress(plain.data(), &n, provided.second.data() + 4, uLong(provided.second.size() - 4)), Z_OK);
		std::string const expect = "line one\r\nline two \u2713";
		ASSERT_EQ(Viewer::u32(plain, 0), expect.size() + 1);
		EXPECT_EQ(std::string(plain.begin() + 4, plain.begin() + 4 + ptrdiff_t(expect.size() + 1)), expect + '\0');
	}

	/* the viewer's text: it notifies, the server asks, the viewer provides */
	v.send(extended_message(NOTIFY | FORMAT_TEXT));
	auto const request = read_cut_text(v);
	EXPECT_EQ(Viewer::u32(request.second, 0), REQUEST | FORMAT_TEXT);
	std::string const text = "from the viewer \u00e9\r\nsecond";
	std::vector<uint8_t> plain;
	Wire::Writer { plain }.u32(uint32_t(text.size() + 1));
	plain.insert(plain.end(), text.begin(), text.end());
	plain.push_back(0);
	v.send(extended_message(PROVIDE | FORMAT_TEXT, zlib(plain)));
	ASSERT_EQ(server.from_viewers.size(), 1u);
	EXPECT_EQ(server.from_viewers[0], "from the viewer \u00e9\nsecond");

	/* a peek is answered with a notify */
	v.send(extended_message(PEEK));
	EXPECT_EQ(Viewer::u32(read_cut_text(v).second, 0), NOTIFY | FORMAT_TEXT);

	/* a provide that claims more text than the limit ends the connection */
	std::vector<uint8_t> bomb;
	Wire::Writer { bomb }.u32(uint32_t(MAX_CUT_TEXT + 1));
	bomb.resize(4 + MAX_CUT_TEXT + 1, 'a');
	v.send(extended_message(PROVIDE | FORMAT_TEXT, zlib(bomb)));
	v.pump(3);
	EXPECT_EQ(server.open(), 0u) << "a provide beyond MAX_CUT_TEXT is refused";
	EXPECT_EQ(server.from_viewers.size(), 1u);
}


TEST(VncSession, what_changes_in_every_frame_goes_as_h264_where_allowed)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 256, 192 });
	server.h264 = true;
	server.cap = Wire::client_cap_h264(server.area);   /* as Main's: the encoder counts */
	uint32_t seed = 3;
	auto noise = [&] {
		for (uint32_t y = 0; y < 128; y++)
			for (uint32_t x = 0; x < 128; x++) { seed = seed * 1103515245 + 12345; server.screen[y * 256 + x] = seed >> 8 & 0xffffff; }
		server.publish_screen();
	};
	server.publish(0x204060);

	Viewer v(server);
	v.handshake();
	v.send({ 2, 0, 0, 2, 0, 0, 0, 50, 0, 0, 0, 0 });   /* H.264, Raw */
	v.request(false);

	/* (encoding, flags) of each H.264 rectangle of one update; Raw rectangles are skipped */
	auto update = [&] {
		std::vector<std::pair<Rect, uint32_t>> h264;
		auto const head = v.read(4);
		EXPECT_EQ(head[0], 0);
		size_t const rects = size_t(head[2]) << 8 | head[3];
		for (size_t i = 0; i < rects; i++) {
			auto const r = v.read(12);
			int32_t const x = r[0] << 8 | r[1], y = r[2] << 8 | r[3];
			uint32_t const w = uint32_t(r[4] << 8 | r[5]), h = uint32_t(r[6] << 8 | r[7]);
			int32_t const enc = int32_t(Viewer::u32(r, 8));
			if (enc == RAW) { v.read(size_t(w) * h * 4); continue; }
			EXPECT_EQ(enc, int32_t(H264));
			auto const lf = v.read(8);
			auto const data = v.read(Viewer::u32(lf, 0));
			EXPECT_TRUE(data.size() > 4 && data[0] == 0 && data[1] == 0 && (data[2] == 1 || (data[2] == 0 && data[3] == 1)))
				<< "H.264 in Annex B form";
			h264.push_back({ Rect { { x, y }, { w, h } }, Viewer::u32(lf, 4) });
		}
		return h264;
	};
	EXPECT_TRUE(update().empty()) << "the first, whole screen is no video";

	/* a 128x128 corner changes in every frame: from the third on, it is H.264 */
	std::vector<std::vector<std::pair<Rect, uint32_t>>> got;
	for (int frame = 0; frame < 5; frame++) {
		noise();
		v.request(true);
		got.push_back(update());
	}
	EXPECT_TRUE(got[0].empty() && got[1].empty()) << "not video before it changed in three frames in a row";
	ASSERT_EQ(got[2].size(), 1u);
	EXPECT_EQ(got[2][0].first.area.w, 128u);
	EXPECT_EQ(got[2][0].first.area.h, 128u);
	EXPECT_EQ(got[2][0].second, 1u) << "the first frame of a stream resets the viewer's context";
	for (int frame = 3; frame < 5; frame++) {
		ASSERT_EQ(got[frame].size(), 1u);
		EXPECT_EQ(got[frame][0].second, 0u) << "later frames go on in the same context";
	}

	/* once still, the region is refreshed losslessly, as JPEG would be */
	EXPECT_NE(server.refresh_wanted, 0u);
	server.now_ms += LOSSLESS_REFRESH_MS;
	v.request(true);
	EXPECT_EQ(server.clients.front().refresh_due(server.now_ms), 0u);
	std::vector<uint32_t> fb(size_t(server.area.w) * server.area.h, 0);
	EXPECT_EQ(v.apply_update(fb), 0u);
	for (uint32_t y = 0; y < 128; y++)
		for (uint32_t x = 0; x < 128; x++)
			ASSERT_EQ(fb[y * 256 + x], server.screen[y * 256 + x]) << "at " << x << "," << y;
}


TEST(VncSession, no_h264_unless_the_config_allows_it)
{
	nestbox::Entrypoint ep;
	Test_server server(ep, Area { 128, 128 });
	server.publish(0);
	Viewer v(server);
	v.handshake();
	v.send({ 2, 0, 0, 2, 0, 0, 0, 50, 0, 0, 0, 0 });   /* H.264, Raw */
	std::vector<uint32_t> fb(size_t(server.area.w) * server.area.h, 0);
	v.request(false);
	v.apply_update(fb);
	for (uint32_t colour = 1; colour < 6; colour++) {
		server.publish(colour * 0x102030);
		v.request(true);
		v.apply_update(fb);   /* fails on anything but Raw and CopyRect */
		ASSERT_EQ(fb, server.screen);
	}
}
