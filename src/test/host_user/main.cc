/*
 * host_user: a component that uses the host resources its start node grants
 *
 * Its config lists steps, each logging what happened:
 *
 *   <echo tcp="tcp:127.0.0.1:5900"/>   serve the granted listening socket: echo
 *                                      each line back and log "tcp: LINE"
 *   <read path="/srv/hello"/>          log "read PATH: FIRST LINE" or the error
 *   <write path="/srv/out" content=""/> log "write PATH: ok" or the error
 *   <device name="device:/dev/null"/>  write to a granted device, log the result
 */

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <list>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>

NESTBOX_MANIFEST(R"(<manifest> <requires/> <provides/> </manifest>)");

namespace Host_user {

	using namespace nestbox;

	struct Connection;
	struct Listener;
	struct Main;
}


/* One accepted TCP connection: lines in, the same lines out */
struct Host_user::Connection : Io_handler
{
	Entrypoint &ep;
	Unique_fd   fd;
	std::string partial { };
	bool        closed = false;

	Connection(Entrypoint &ep, int fd) : ep(ep), fd(fd) { ep.watch(fd, *this, EPOLLIN); }
	~Connection() { if (fd.valid()) ep.unwatch(fd.get()); }

	void handle_io(uint32_t) override
	{
		char buf[1024];
		ssize_t const n = ::read(fd.get(), buf, sizeof(buf));
		if (n <= 0) { ep.unwatch(fd.get()); fd.reset(); closed = true; return; }
		partial.append(buf, size_t(n));
		size_t nl;
		while ((nl = partial.find('\n')) != std::string::npos) {
			std::string const line = partial.substr(0, nl);
			partial.erase(0, nl + 1);
			log("tcp: ", line);
			std::string const reply = line + "\n";
			(void)!::write(fd.get(), reply.data(), reply.size());
		}
	}
};


struct Host_user::Listener : Io_handler
{
	Entrypoint &ep;
	int const   fd;
	std::list<Connection> connections { };

	Listener(Entrypoint &ep, int fd) : ep(ep), fd(fd) { ep.watch(fd, *this, EPOLLIN); }

	void handle_io(uint32_t) override
	{
		int const c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
		if (c < 0) { warning("accept: ", std::strerror(errno)); return; }
		connections.remove_if([] (Connection const &c) { return c.closed; });
		connections.emplace_back(ep, c);
		log("tcp: connection accepted");
	}
};


struct Host_user::Main
{
	Env &env;

	Attached_rom config { env, "config" };

	std::list<Listener> listeners { };

	static std::string error_text(int err) { return std::strerror(err); }

	void read(std::string const &path)
	{
		Unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
		if (!fd.valid()) { log("read ", path, ": ", error_text(errno)); return; }
		char buf[256] { };
		ssize_t const n = ::read(fd.get(), buf, sizeof(buf) - 1);
		std::string_view text(buf, n > 0 ? size_t(n) : 0);
		text = text.substr(0, text.find('\n'));
		while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
		log("read ", path, ": ", text);
	}

	void write(std::string const &path, std::string const &content)
	{
		Unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
		if (!fd.valid()) { log("write ", path, ": ", error_text(errno)); return; }
		bool const ok = ::write(fd.get(), content.data(), content.size()) == ssize_t(content.size());
		log("write ", path, ": ", ok ? "ok" : error_text(errno));
	}

	void device(std::string const &name)
	{
		int const fd = env.host_fd(name);
		if (fd < 0) { log("device ", name, ": not granted"); return; }
		ssize_t const n = ::write(fd, "x", 1);
		log("device ", name, ": ", n == 1 ? "wrote 1 byte" : error_text(errno));
	}

	Main(Env &env) : env(env)
	{
		pugi::xml_document doc;
		doc.load_buffer(config.text().data(), config.text().size());
		for (pugi::xml_node step : doc.child("config").children()) {
			std::string_view const type = step.name();
			if (type == "read")   read(step.attribute("path").value());
			if (type == "write")  write(step.attribute("path").value(), step.attribute("content").value());
			if (type == "device") device(step.attribute("name").value());
			if (type == "echo") {
				int const fd = env.host_fd(step.attribute("tcp").value());
				if (fd < 0) { log("echo: ", step.attribute("tcp").value(), " not granted"); continue; }
				listeners.emplace_back(env.ep(), fd);
				log("echo: listening");
			}
		}
	}
};


void nestbox::construct(nestbox::Env &env) { static Host_user::Main main(env); }
