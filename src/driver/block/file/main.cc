/*
 * block_file: a host file or block device as a Block device
 *
 * Core opens the file its start node grants (<host> <file path=… writeable=…/>)
 * with O_DIRECT where the file system allows it and hands over the
 * descriptor; block_file never names a path. Requests go to the kernel
 * through io_uring, a batch per round of the Block server, so that the queue
 * depth a client asks for reaches the kernel as it does for fio. Where
 * io_uring is not available the driver says why and uses pread/pwrite.
 */

#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <nestbox/block/server.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>

#include "io_engine.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<provides> <service name="Block"/> </provides>
	</manifest>)");

using namespace nestbox;

namespace Block_file { struct Main; }


struct Block_file::Main : Block::Request_handler
{
	/* how long the entrypoint may poll before it sleeps (base/busy_poll.h); 0: never */
	static constexpr uint64_t DEFAULT_BUSY_POLL_US = 100;

	Env &env;

	Config_document config { env };

	/* the granted file: the first host resource of kind file */
	struct Grant { int fd = -1; bool writeable = false; std::string path { }; };

	Grant const grant = [&] {
		for (auto const &[name, fd] : env.host_fds()) {
			if (name.starts_with("file-ro:")) return Grant { fd, false, name.substr(8) };
			if (name.starts_with("file-rw:")) return Grant { fd, true,  name.substr(8) };
		}
		error("no file granted: the start node needs <host> <file path=\"…\"/> </host>");
		env.exit(1);
	}();

	bool const direct = (::fcntl(grant.fd, F_GETFL) & O_DIRECT) != 0;

	uint64_t const block_size = [&] {
		config.update();
		uint64_t const bs = config.node().attribute("block_size").as_ullong(512);
		return (bs >= 512 && (bs & (bs - 1)) == 0 && bs <= 65536) ? bs : 512;
	}();

	uint64_t const bytes = [&] {
		struct stat st { };
		uint64_t size = 0;
		if (::fstat(grant.fd, &st) == 0 && S_ISBLK(st.st_mode)) {
			if (::ioctl(grant.fd, BLKGETSIZE64, &size) < 0)
				error("cannot read the size of block device ", grant.path, ": ", std::strerror(errno));
		} else {
			size = uint64_t(st.st_size);
		}
		return size;
	}();

	/* io_uring, or pread/pwrite where the kernel refuses it */
	std::unique_ptr<Io_engine> engine = Io_engine::create(env, grant.fd,
		config.node().attribute("io_uring").as_bool(true),
		config.node().attribute("queue_depth").as_uint(256));

	Block::Root root { env, { block_size, bytes / block_size,
	                          12 /* page-aligned buffers: O_DIRECT needs them */,
	                          grant.writeable }, *this };

	Signal_handler<Main> config_handler { env.ep(), *this, &Main::handle_config };

	void handle_config()
	{
		config.update();
		root.apply_config(config.node());
	}

	/* Block::Request_handler */
	bool start(Block::Session_component &s, Block::Packet const &p, std::span<std::byte> payload) override {
		return engine->start(s, p, payload, p.operation.block_number * block_size); }

	void submit_batch() override { engine->submit_batch(); }

	void session_closed(Block::Session_component &s) override { engine->forget(s); }

	Main(Env &env) : env(env)
	{
		config.sigh(config_handler.cap());
		handle_config();
		env.ep().busy_poll().bound_us(config.node().attribute("busy_poll_us").as_ullong(DEFAULT_BUSY_POLL_US));

		if (!announce(env, "Block", root)) env.exit(1);
		log(grant.path, ": ", bytes / block_size, " blocks of ", block_size, " bytes, ",
		    grant.writeable ? "writeable" : "read-only", ", ", direct ? "O_DIRECT" : "page cache",
		    ", ", engine->name());
	}
};


void nestbox::construct(nestbox::Env &env) { static Block_file::Main main(env); }
