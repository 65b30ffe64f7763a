/*
 * part_block: the partitions of a Block device, each a Block device of its own
 *
 * As Genode's part_block: it reads the MBR or GPT of the device it is a
 * client of, and serves each partition to the clients a policy names
 * (<policy label_prefix="…" partition="2" writeable="yes"/>). A client's
 * request becomes a job on the device, shifted by the partition's start;
 * read data and write data are copied between the client's buffer and the
 * device's. A client that goes away with requests in flight takes nothing
 * with it: its jobs are cancelled or orphaned and their results dropped.
 */

#include <cstring>
#include <list>

#include <nestbox/block/connection.h>
#include <nestbox/block/server.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/report.h>

#include "partition_table.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Block"/>
			<service name="Report" optional="yes"/>
		</requires>
		<provides> <service name="Block"/> </provides>
	</manifest>)");

using namespace nestbox;

namespace Part_block { struct Main; }


struct Part_block::Main : Block::Request_handler, Block::Device_chooser
{
	Env &env;

	Config_document config { env };

	/* a job on the device: a client's request, or one of the reads at start */
	struct Request : Block::Job
	{
		Block::Session_component *session;    /* nullptr: the client is gone, or a start-up read */
		Block::Packet             packet;
		std::span<std::byte>      payload;    /* the client's buffer */
		std::vector<uint8_t>      data { };   /* a start-up read's result */
		bool                      complete = false;

		Request(Block::Operation op, Block::Session_component *s, Block::Packet p, std::span<std::byte> payload)
		: Job(op), session(s), packet(p), payload(payload) { }
	};

	std::list<Request> requests { };

	Signal_handler<Main> device_handler { env.ep(), *this, &Main::handle_device };

	Block::Connection device { env, device_handler.cap(), 64, 8u << 20 };

	/* Block::Connection's policy */
	void produce_write_content(Block::Job &job, uint64_t offset, std::span<std::byte> dst)
	{
		Request &r = static_cast<Request &>(job);
		if (r.session) std::memcpy(dst.data(), r.payload.data() + offset, dst.size());
	}

	void consume_read_result(Block::Job &job, uint64_t offset, std::span<std::byte const> src)
	{
		Request &r = static_cast<Request &>(job);
		if (r.session)
			std::memcpy(r.payload.data() + offset, src.data(), src.size());
		else if (r.data.size() >= offset + src.size())
			std::memcpy(r.data.data() + offset, src.data(), src.size());
	}

	void completed(Block::Job &job, bool success)
	{
		Request &r = static_cast<Request &>(job);
		r.complete = true;
		r.failed   = !success;
		if (r.session) r.session->complete(r.packet, success);
		if (r.session || r.data.empty())
			requests.remove_if([&] (Request const &q) { return &q == &r; });
	}

	std::vector<Block::Session_component *> refused { };

	void handle_device()
	{
		device.update_jobs(*this);
		for (auto *s : refused) s->wakeup();
		refused.clear();
	}

	/* At start, before any client: read blocks and wait for them */
	std::vector<uint8_t> read_blocks(uint64_t first, uint32_t count)
	{
		Block::Info const info = device.info();
		if (first >= info.block_count || count > info.block_count - first || !count) return { };

		Request &r = requests.emplace_back(Block::Operation { Block::Operation::Type::READ, count, first },
		                                   nullptr, Block::Packet { }, std::span<std::byte> { });
		r.data.resize(size_t(count) * info.block_size);
		device.submit(r);
		device.update_jobs(*this);
		while (!r.complete) env.ep().dispatch_once(-1);

		std::vector<uint8_t> data = r.failed ? std::vector<uint8_t>() : std::move(r.data);
		requests.remove_if([&] (Request const &q) { return &q == &r; });
		return data;
	}

	Table const table = parse_partition_table(
		[&] (uint64_t first, uint32_t count) { return read_blocks(first, count); },
		device.info().block_size, device.info().block_count);

	Block::Root root { env, device.info(), *this, this };

	Signal_handler<Main> config_handler { env.ep(), *this, &Main::handle_config };

	void handle_config()
	{
		config.update();
		root.apply_config(config.node());
	}

	/* Block::Device_chooser */
	std::optional<Block::Window> window(pugi::xml_node policy, std::string const &label) override
	{
		unsigned const number = policy.attribute("partition").as_uint(0);
		for (Partition const &p : table.partitions) {
			if (p.number != number) continue;
			Block::Info info = device.info();
			info.block_count = p.count;
			return Block::Window { info, p.start };
		}
		warning("Block session \"", label, "\": its policy names partition ", number,
		        ", which the device does not have");
		return std::nullopt;
	}

	/* Block::Request_handler */
	bool start(Block::Session_component &session, Block::Packet const &p,
	           std::span<std::byte> payload) override
	{
		if (requests.size() >= 256) { refused.push_back(&session); return false; }

		Block::Operation op = p.operation;
		op.block_number += session.first_block();
		Request &r = requests.emplace_back(op, &session, p, payload);
		device.submit(r);
		return true;
	}

	void submit_batch() override { device.update_jobs(*this); }

	void session_closed(Block::Session_component &session) override
	{
		std::erase(refused, &session);
		for (auto it = requests.begin(); it != requests.end(); ) {
			if (it->session != &session) { ++it; continue; }
			it->session = nullptr;
			it = device.cancel(*it) ? requests.erase(it) : std::next(it);
		}
	}

	void report_partitions()
	{
		if (!config.node().attribute("report").as_bool(false)) return;
		std::string xml = std::string("<partitions type=\"")
		                + (table.kind == Table::Kind::GPT ? "gpt" : table.kind == Table::Kind::MBR ? "mbr" : "none")
		                + "\">";
		for (Partition const &p : table.partitions)
			xml += "<partition number=\"" + std::to_string(p.number) + "\" type=\"" + p.type
			     + "\" start=\"" + std::to_string(p.start) + "\" length=\"" + std::to_string(p.count) + "\"/>";
		xml += "</partitions>";
		Reporter reporter(env, "partitions");
		(void)reporter.report(xml);
	}

	Main(Env &env) : env(env)
	{
		if (!device.valid()) { error("no usable Block session to the device"); env.exit(1); }

		if (!table.problem.empty()) warning("partition table not used: ", table.problem);
		log(table.kind == Table::Kind::GPT ? "GPT" : table.kind == Table::Kind::MBR ? "MBR" : "no partition table",
		    ", ", table.partitions.size(), " partitions");
		for (Partition const &p : table.partitions)
			log("partition ", p.number, ": ", p.count, " blocks from block ", p.start, ", type ", p.type);

		report_partitions();

		config.sigh(config_handler.cap());
		handle_config();

		if (!announce(env, "Block", root)) env.exit(1);
	}
};


void nestbox::construct(nestbox::Env &env) { static Part_block::Main main(env); }
