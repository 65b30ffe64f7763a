/*
 * ping: ICMP echo requests to a configured address, on lwIP over a Nic
 * session
 *
 * Sends 'count' echo requests, one every 'interval_ms', each waiting up to
 * 'timeout_ms' for its reply; logs each reply's round-trip time and, at
 * the end, a summary. Exits with 0 when every request was answered, 1
 * otherwise. The ICMP socket lives in a thread of its own (lwIP's socket
 * calls block); the entrypoint moves frames.
 */

#include <chrono>
#include <cstring>
#include <thread>

#include <lwip/inet_chksum.h>
#include <lwip/def.h>
#include <lwip/sockets.h>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/lwip/stack.h>
#include <nestbox/manifest.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Nic"/> </requires>
	</manifest>)");

using namespace nestbox;

namespace Ping { struct Main; }


struct Ping::Main
{
	static constexpr size_t PAYLOAD = 56;

	Env &env;

	Config_document config { env };

	pugi::xml_node const node = [&] { config.update(); return config.node(); }();

	Lwip::Ip4 const dest = [&] {
		std::string const d = node.attribute("dest").as_string("");
		auto ip = Lwip::parse_ip4(d);
		if (!ip) { error("config: dest=\"", d, "\" is not an IPv4 address"); env.exit(1); }
		return *ip;
	}();

	unsigned const count       = std::clamp(node.attribute("count").as_uint(3), 1u, 1000u);
	unsigned const interval_ms = std::clamp(node.attribute("interval_ms").as_uint(1000), 10u, 60000u);
	unsigned const timeout_ms  = std::clamp(node.attribute("timeout_ms").as_uint(1000), 10u, 60000u);

	Lwip::Stack stack { env, node };

	/* the thread's result, handed to the entrypoint, which ends the component */
	unsigned received = 0;
	Signal_handler<Main> done_handler { env.ep(), *this, &Main::handle_done };

	void handle_done() { env.exit(received == count ? 0 : 1); }

	struct Echo
	{
		uint8_t  type = 8, code = 0;
		uint16_t checksum = 0, id = 0, seq = 0;
		uint8_t  payload[PAYLOAD] { };
	} __attribute__((packed));

	/* An echo reply to our request 'seq' in what the raw socket gives: the IP header first */
	bool is_reply(uint8_t const *buf, size_t n, uint16_t id, uint16_t seq)
	{
		if (n < 20) return false;
		size_t const ihl = size_t(buf[0] & 0xf) * 4;
		if (ihl < 20 || n < ihl + 8) return false;
		Echo e;
		std::memcpy(&e, buf + ihl, std::min(n - ihl, sizeof(e)));
		return e.type == 0 && e.id == id && lwip_ntohs(e.seq) == seq;
	}

	void run()
	{
		Lwip::Ip4 const own = stack.wait_for_address();
		int const s = lwip_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
		if (s < 0) { error("cannot open an ICMP socket: ", std::strerror(errno)); done_handler.local_submit(); return; }

		log("ping ", Lwip::ip4_string(dest), " from ", Lwip::ip4_string(own), ": ", count,
		    " requests of ", PAYLOAD, " bytes");

		sockaddr_in to { };
		to.sin_family = AF_INET;
		to.sin_addr.s_addr = dest.addr;
		uint16_t const id = lwip_htons(uint16_t(std::rand()));

		using Clock = std::chrono::steady_clock;
		double min = 0, max = 0, sum = 0;
		for (unsigned seq = 1; seq <= count; seq++) {
			Clock::time_point const start = Clock::now();
			Echo e;
			e.id  = id;
			e.seq = lwip_htons(uint16_t(seq));
			for (size_t i = 0; i < PAYLOAD; i++) e.payload[i] = uint8_t(i);
			e.checksum = inet_chksum(&e, sizeof(e));
			lwip_sendto(s, &e, sizeof(e), 0, reinterpret_cast<sockaddr *>(&to), sizeof(to));

			bool answered = false;
			for (;;) {
				auto const waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
				if (waited.count() >= long(timeout_ms)) break;
				long const left_ms = long(timeout_ms) - waited.count();
				timeval tv { left_ms / 1000, (left_ms % 1000) * 1000 };
				lwip_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
				uint8_t buf[1500];
				ssize_t const n = lwip_recv(s, buf, sizeof(buf), 0);
				if (n < 0) break;
				if (is_reply(buf, size_t(n), id, uint16_t(seq))) { answered = true; break; }
			}
			double const ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
			if (answered) {
				received++;
				min = received == 1 ? ms : std::min(min, ms);
				max = std::max(max, ms);
				sum += ms;
				log("reply from ", Lwip::ip4_string(dest), ": seq=", seq, " time=", ms, " ms");
			} else {
				log("no reply from ", Lwip::ip4_string(dest), ": seq=", seq, " (", timeout_ms, " ms)");
			}
			if (seq < count && ms < interval_ms)
				std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(interval_ms - ms));
		}
		lwip_close(s);

		unsigned const lost = count - received;
		if (received)
			log("ping summary: ", count, " sent, ", received, " received, ", lost * 100 / count,
			    "% loss, rtt min/avg/max = ", min, "/", sum / received, "/", max, " ms");
		else
			log("ping summary: ", count, " sent, 0 received, 100% loss");
		done_handler.local_submit();
	}

	std::thread pinger { [this] { run(); } };

	Main(Env &env) : env(env) { pinger.detach(); }
};


void nestbox::construct(nestbox::Env &env) { static Ping::Main main(env); }
