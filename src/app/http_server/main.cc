/*
 * http_server: serves a ROM over HTTP, on lwIP over a Nic session
 *
 * Every GET (or HEAD) gets the ROM's content, whatever the path: the
 * component is an example of the socket layer, not a web server. The
 * sockets live in a thread of their own (lwIP's socket calls block); the
 * entrypoint moves frames and follows changes of the ROM.
 */

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <lwip/def.h>
#include <lwip/sockets.h>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/lwip/stack.h>
#include <nestbox/manifest.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Nic"/> <service name="ROM"/> </requires>
	</manifest>)");

using namespace nestbox;

namespace Http_server { struct Main; }


struct Http_server::Main
{
	/* a request's header may have this many bytes; a client has this long to send it */
	static constexpr size_t   MAX_REQUEST  = 8192;
	static constexpr unsigned RECV_TIMEOUT_S = 5;

	Env &env;

	Config_document config { env };

	pugi::xml_node const node = [&] { config.update(); return config.node(); }();

	unsigned const port = [&] {
		unsigned const p = node.attribute("port").as_uint(80);
		if (!p || p > 65535) { error("config: port=\"", p, "\" must be 1 to 65535"); env.exit(1); }
		return p;
	}();

	std::string const content_type = node.attribute("content_type").as_string("text/html");

	Attached_rom rom { env, node.attribute("rom").as_string("index.html") };

	Signal_handler<Main> rom_handler { env.ep(), *this, &Main::handle_rom };

	/*
	 * The ROM's text, replaced as a whole when the ROM changes: a request
	 * holds the version it started with and sends it without a copy (a
	 * copy per request of a ROM of megabytes cost more than lwIP did)
	 */
	using Content = std::shared_ptr<std::string const>;

	std::mutex content_mutex { };
	Content    content { };

	void handle_rom()
	{
		rom.update();
		auto fresh = std::make_shared<std::string const>(rom.text());
		std::lock_guard guard(content_mutex);
		content = std::move(fresh);
	}

	bool const rom_loaded = [&] { rom.sigh(rom_handler.cap()); handle_rom(); return true; }();

	Lwip::Stack stack { env, node };

	std::thread server { [this] { serve(); } };

	void respond(int client)
	{
		std::string request;
		char buf[1024];
		while (request.find("\r\n\r\n") == std::string::npos && request.size() < MAX_REQUEST) {
			ssize_t const n = lwip_recv(client, buf, sizeof(buf), 0);
			if (n <= 0) return;
			request.append(buf, size_t(n));
		}
		std::string_view const line = std::string_view(request).substr(0, request.find("\r\n"));
		bool const get = line.starts_with("GET "), head = line.starts_with("HEAD ");

		static Content const not_allowed = std::make_shared<std::string const>("only GET and HEAD\n");
		Content body = not_allowed;
		std::string status = "405 Method Not Allowed";
		if (get || head) {
			std::lock_guard guard(content_mutex);
			body   = content;
			status = "200 OK";
		}
		std::string const header = "HTTP/1.0 " + status + "\r\nContent-Type: "
		                         + (get || head ? content_type : "text/plain")
		                         + "\r\nContent-Length: " + std::to_string(body->size())
		                         + "\r\nConnection: close\r\n\r\n";

		if (!send_all(client, header, 0) || head) return;
		send_all(client, *body, 0);
	}

	static bool send_all(int client, std::string_view data, int flags)
	{
		for (size_t sent = 0; sent < data.size(); ) {
			ssize_t const n = lwip_send(client, data.data() + sent, data.size() - sent, flags);
			if (n <= 0) return false;
			sent += size_t(n);
		}
		return true;
	}

	/* The socket thread: one connection after the other */
	void serve()
	{
		Lwip::Ip4 const address = stack.wait_for_address();

		int const s = lwip_socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in sa { };
		sa.sin_family = AF_INET;
		sa.sin_port   = lwip_htons(uint16_t(port));
		sa.sin_addr.s_addr = 0;
		if (s < 0 || lwip_bind(s, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) < 0 || lwip_listen(s, 8) < 0) {
			error("cannot listen on port ", port, ": ", std::strerror(errno));
			return;
		}
		log("http_server: listening on ", Lwip::ip4_string(address), ":", port);

		for (;;) {
			int const client = lwip_accept(s, nullptr, nullptr);
			if (client < 0) continue;
			timeval tv { RECV_TIMEOUT_S, 0 };
			lwip_setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			respond(client);
			lwip_close(client);
		}
	}

	/* the socket thread lives as long as the component */
	Main(Env &env) : env(env) { server.detach(); }
};


void nestbox::construct(nestbox::Env &env) { static Http_server::Main main(env); }
