/*
 * Fuzz target: part_block's partition table parser on an arbitrary disk
 *
 * The input is the disk's first blocks (the rest reads as zeros). Every
 * partition the parser reports must lie inside the disk.
 */

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "partition_table.h"

extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	uint64_t const block_size = 512, block_count = 1 << 20;

	auto read = [&] (uint64_t first, uint32_t count) {
		std::vector<uint8_t> out(size_t(count) * block_size, 0);
		for (size_t i = 0; i < out.size(); i++) {
			uint64_t const at = first * block_size + i;
			if (at < size) out[i] = data[at];
		}
		return out;
	};

	auto const table = Part_block::parse_partition_table(read, block_size, block_count);
	for (auto const &p : table.partitions)
		if (!p.count || p.start >= block_count || p.count > block_count - p.start) std::abort();
	return 0;
}
