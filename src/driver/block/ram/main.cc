/*
 * ram_block: a Block device in RAM
 *
 * The device is a dataspace of 'size' bytes in 'block_size' blocks,
 * optionally filled from a ROM module at start (a disk image). Requests
 * complete at once: a read or write is a copy between the device and the
 * client's packet, sync has nothing to do, trim zeroes the blocks.
 */

#include <algorithm>
#include <cstring>
#include <optional>

#include <nestbox/attached_rom.h>
#include <nestbox/block/server.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/util/arg_string.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="ROM" optional="yes"/> </requires>
		<provides> <service name="Block"/> </provides>
	</manifest>)");

using namespace nestbox;

namespace Ram_block { struct Main; }


struct Ram_block::Main : Block::Request_handler
{
	Env &env;

	Config_document config { env };

	/* the device's geometry is fixed at start: a disk does not change its size */
	uint64_t const block_size = [&] {
		config.update();
		uint64_t const bs = config.node().attribute("block_size").as_ullong(512);
		return (bs && (bs & (bs - 1)) == 0 && bs <= 65536) ? bs : 512;
	}();

	uint64_t const block_count = Arg_string::parse_size(
		config.node().attribute("size").as_string("1M")).value_or(1 << 20) / block_size;

	Attached_dataspace disk = [&] {
		auto ds = env.alloc(block_count * block_size);
		if (!ds) {
			error("cannot allocate ", block_count * block_size, " bytes for the disk: ", error_name(ds.error()));
			env.exit(1);
		}
		return Attached_dataspace(std::move(*ds));
	}();

	Block::Root root { env, { block_size, block_count, 0,
	                          config.node().attribute("writeable").as_bool(true) }, *this };

	Signal_handler<Main> config_handler { env.ep(), *this, &Main::handle_config };

	void handle_config()
	{
		config.update();
		root.apply_config(config.node());
	}

	/* A disk image from a ROM module, copied in at start */
	void load_image(std::string_view rom)
	{
		Attached_rom image(env, rom);
		size_t const n = std::min(image.bytes().size(), disk.bytes().size());
		std::memcpy(disk.local_addr<char>(), image.bytes().data(), n);
		log("loaded ", n, " bytes from ROM \"", rom, "\"");
	}

	bool start(Block::Session_component &session, Block::Packet const &p,
	           std::span<std::byte> payload) override
	{
		Block::Operation const &op = p.operation;
		std::byte *at = disk.local_addr<std::byte>() + op.block_number * block_size;
		size_t const bytes = size_t(op.count) * block_size;

		switch (op.type) {
		case Block::Operation::Type::READ:  std::memcpy(payload.data(), at, bytes); break;
		case Block::Operation::Type::WRITE: std::memcpy(at, payload.data(), bytes); break;
		case Block::Operation::Type::TRIM:  std::memset(at, 0, bytes); break;
		default: break;
		}
		session.complete(p, true);
		return true;
	}

	Main(Env &env) : env(env)
	{
		if (char const *image = config.node().attribute("image").as_string(nullptr))
			load_image(image);

		config.sigh(config_handler.cap());
		handle_config();

		if (!announce(env, "Block", root)) env.exit(1);
		log("RAM disk: ", block_count, " blocks of ", block_size, " bytes");
	}
};


void nestbox::construct(nestbox::Env &env) { static Ram_block::Main main(env); }
