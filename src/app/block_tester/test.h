/*
 * The tests of block_tester: what each asks of the device, and what it counts
 */
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <pugixml.hpp>

#include <nestbox/block/connection.h>
#include <nestbox/util/arg_string.h>

#include "pattern.h"

namespace Block_tester {

	using namespace nestbox;

	struct Test_job : Block::Job { using Job::Job; };

	struct Result_line;
	class  Test;
	class  Sequential;
	class  Random;
	class  Replay;
}


/* What one test measured */
struct Block_tester::Result_line
{
	std::string name, what;
	uint64_t    bytes = 0, requests = 0, errors = 0, mismatches = 0;
	double      seconds = 0;

	bool passed() const { return errors == 0 && mismatches == 0; }

	double mib_per_s() const { return seconds > 0 ? double(bytes) / double(1 << 20) / seconds : 0; }
	double iops()      const { return seconds > 0 ? double(requests) / seconds : 0; }

	std::string text() const
	{
		char rate[64];
		std::snprintf(rate, sizeof(rate), "%.1f MiB/s, %.0f requests/s", mib_per_s(), iops());
		return name + " (" + what + "): " + Arg_string::format_size(bytes) + " in " + std::to_string(requests)
		     + " requests, " + rate + ", " + std::to_string(errors) + " errors, "
		     + std::to_string(mismatches) + " mismatching words";
	}

	std::string xml() const
	{
		return "<result test=\"" + name + "\" bytes=\"" + std::to_string(bytes) + "\" requests=\""
		     + std::to_string(requests) + "\" errors=\"" + std::to_string(errors) + "\" mismatches=\""
		     + std::to_string(mismatches) + "\" microseconds=\"" + std::to_string(uint64_t(seconds * 1e6))
		     + "\"/>";
	}
};


class Block_tester::Test
{
	protected:

		Block::Info const _info;
		uint32_t    const _batch;      /* requests in flight */
		bool        const _verify;
		bool        const _verbose;
		uint64_t    const _seed;

		std::unordered_map<Test_job *, std::unique_ptr<Test_job>> _jobs { };

		Result_line _result { };

		Test(pugi::xml_node n, Block::Info info, bool verbose)
		: _info(info), _batch(std::max(1u, n.attribute("batch").as_uint(1))),
		  _verify(n.attribute("verify").as_bool(false)), _verbose(verbose),
		  _seed(n.attribute("seed").as_ullong(42)) { _result.name = n.name(); }

		/* The next request to issue, if one may be issued now */
		virtual std::optional<Block::Operation> _next() = 0;

		/* Nothing more will be issued */
		virtual bool _issued_all() const = 0;

		static uint64_t _size(pugi::xml_node n, char const *attr, uint64_t fallback)
		{
			return Arg_string::parse_size(n.attribute(attr).as_string("")).value_or(fallback);
		}

		uint64_t _address(Test_job const &job, uint64_t offset) const
		{
			return job.operation.block_number * _info.block_size + offset;
		}

	public:

		virtual ~Test() = default;

		static std::unique_ptr<Test> from_xml(pugi::xml_node, Block::Info, bool verbose, std::string &error);

		std::string describe() const { return _result.name + " (" + _result.what + ")"; }

		void queue_jobs(Block::Connection &block)
		{
			while (_jobs.size() < _batch) {
				auto op = _next();
				if (!op) return;
				auto job = std::make_unique<Test_job>(*op);
				block.submit(*job);
				_jobs.emplace(job.get(), std::move(job));
			}
		}

		bool done() const { return _issued_all() && _jobs.empty(); }

		/* Writes always carry the pattern, so that a later read can be verified */
		void produce(Test_job &job, uint64_t offset, std::span<std::byte> dst) {
			fill_pattern(_seed, _address(job, offset), dst); }

		void consume(Test_job &job, uint64_t offset, std::span<std::byte const> src)
		{
			if (_verify) _result.mismatches += pattern_mismatches(_seed, _address(job, offset), src);
		}

		void completed(Test_job &job, bool success)
		{
			Block::Operation const &op = job.operation;
			if (!success) {
				if (_verbose || _result.errors == 0)
					nestbox::warning(type_name(op.type), " of block ", op.block_number, " (",
					                 op.count, " blocks) failed");
				_result.errors++;
			}
			_result.requests++;
			if (op.has_payload()) _result.bytes += uint64_t(op.count) * _info.block_size;
			_jobs.erase(&job);
		}

		Result_line result(double seconds) { _result.seconds = seconds; return _result; }
};


/*
 * <sequential start="0" length="16M" size="64K" write="no" verify="no" batch="8"/>
 * With verify and write: the range is written with the pattern, then read
 * back and compared. With verify alone: read and compared.
 */
class Block_tester::Sequential : public Test
{
	private:

		uint64_t const _start, _blocks, _per_request;
		bool     const _write;

		bool     _reading;       /* the read pass of a verified write */
		uint64_t _next_block = 0;

	public:

		Sequential(pugi::xml_node n, Block::Info info, bool verbose)
		: Test(n, info, verbose),
		  _start(n.attribute("start").as_ullong(0)),
		  _blocks(_size(n, "length", info.block_count * info.block_size) / info.block_size),
		  _per_request(std::max<uint64_t>(1, _size(n, "size", 64 * 1024) / info.block_size)),
		  _write(n.attribute("write").as_bool(false)),
		  _reading(!_write)
		{
			_result.what = std::string(_write ? (_verify ? "write, then read and verify" : "write")
			                                  : (_verify ? "read and verify" : "read"))
			             + ", " + Arg_string::format_size(_blocks * info.block_size) + " from block "
			             + std::to_string(_start) + " in requests of "
			             + Arg_string::format_size(_per_request * info.block_size) + ", "
			             + std::to_string(_batch) + " in flight";
		}

		bool valid() const { return _start + _blocks <= _info.block_count && _blocks; }

		std::optional<Block::Operation> _next() override
		{
			if (_next_block >= _blocks) {
				/* the read pass starts once every write is done */
				if (_reading || !_verify || !_jobs.empty()) return std::nullopt;
				_reading = true;
				_next_block = 0;
			}
			uint32_t const count = uint32_t(std::min(_per_request, _blocks - _next_block));
			Block::Operation op { _reading ? Block::Operation::Type::READ : Block::Operation::Type::WRITE,
			                      count, _start + _next_block };
			_next_block += count;
			return op;
		}

		bool _issued_all() const override
		{
			return _next_block >= _blocks && (_reading || !_verify);
		}
};


/* <random length="16M" size="4K" seed="42" write_ratio="30" batch="16"/> */
class Block_tester::Random : public Test
{
	private:

		uint64_t const _per_request;
		uint64_t const _requests;
		unsigned const _write_ratio;   /* percent */
		uint64_t       _issued = 0;
		std::mt19937_64 _rng;

	public:

		Random(pugi::xml_node n, Block::Info info, bool verbose)
		: Test(n, info, verbose),
		  _per_request(std::max<uint64_t>(1, _size(n, "size", 4096) / info.block_size)),
		  _requests(_size(n, "length", 16 << 20) / (_per_request * info.block_size)),
		  _write_ratio(std::min(100u, n.attribute("write_ratio").as_uint(0))),
		  _rng(_seed)
		{
			_result.what = std::to_string(_requests) + " requests of "
			             + Arg_string::format_size(_per_request * info.block_size) + ", "
			             + std::to_string(_write_ratio) + "% writes, " + std::to_string(_batch) + " in flight";
		}

		bool valid() const { return _per_request <= _info.block_count && !_verify; }

		std::optional<Block::Operation> _next() override
		{
			if (_issued >= _requests) return std::nullopt;
			_issued++;
			uint64_t const slots = _info.block_count / _per_request;
			uint64_t const block = (_rng() % slots) * _per_request;
			bool const write = (_rng() % 100) < _write_ratio;
			return Block::Operation { write ? Block::Operation::Type::WRITE : Block::Operation::Type::READ,
			                          uint32_t(_per_request), block };
		}

		bool _issued_all() const override { return _issued >= _requests; }
};


/*
 * <replay batch="4"> <request type="write" lba="0" count="8"/> … </replay>
 * Requests go out in order, 'batch' at a time.
 */
class Block_tester::Replay : public Test
{
	private:

		std::vector<Block::Operation> _ops { };
		size_t _next_op = 0;

	public:

		std::string problem { };

		Replay(pugi::xml_node n, Block::Info info, bool verbose) : Test(n, info, verbose)
		{
			for (pugi::xml_node r : n.children("request")) {
				std::string_view const type = r.attribute("type").value();
				Block::Operation op { Block::Operation::Type::INVALID,
				                      r.attribute("count").as_uint(1), r.attribute("lba").as_ullong(0) };
				if      (type == "read")  op.type = Block::Operation::Type::READ;
				else if (type == "write") op.type = Block::Operation::Type::WRITE;
				else if (type == "sync")  op.type = Block::Operation::Type::SYNC;
				else if (type == "trim")  op.type = Block::Operation::Type::TRIM;
				else problem = "unknown request type \"" + std::string(type) + "\"";
				_ops.push_back(op);
			}
			_result.what = std::to_string(_ops.size()) + " requests, " + std::to_string(_batch) + " in flight";
		}

		std::optional<Block::Operation> _next() override
		{
			if (_next_op >= _ops.size()) return std::nullopt;
			return _ops[_next_op++];
		}

		bool _issued_all() const override { return _next_op >= _ops.size(); }
};


inline std::unique_ptr<Block_tester::Test>
Block_tester::Test::from_xml(pugi::xml_node n, Block::Info info, bool verbose, std::string &error)
{
	std::string_view const type = n.name();
	if (type == "sequential") {
		auto t = std::make_unique<Sequential>(n, info, verbose);
		if (t->valid()) return t;
		error = "its range lies beyond the device's " + std::to_string(info.block_count) + " blocks";
	} else if (type == "random") {
		auto t = std::make_unique<Random>(n, info, verbose);
		if (t->valid()) return t;
		error = "verify is not supported for random tests, or a request is larger than the device";
	} else if (type == "replay") {
		auto t = std::make_unique<Replay>(n, info, verbose);
		if (t->problem.empty()) return t;
		error = t->problem;
	} else {
		error = "unknown test";
	}
	return nullptr;
}
