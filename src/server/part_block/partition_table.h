/*
 * Partition tables: the MBR's four primary entries (and the logical ones of
 * an extended partition) and GPT, parsed from the first blocks of a disk
 *
 * Hand-written because no Debian library parses partition tables without
 * also wanting the device itself (libblkid, libfdisk open paths); this one
 * reads bytes the disk's owner wrote, so it trusts none of them: every
 * offset and count is checked against the disk's size and the bytes read,
 * GPT's header and entry array are checked by their CRC32, and a chain of
 * logical partitions ends after 'MAX_LOGICAL' links. tests/fuzz/
 * partition_table_fuzz.cc feeds it arbitrary bytes.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace Part_block {

	struct Partition
	{
		unsigned    number;        /* 1-based: MBR 1-4 primary, 5… logical; GPT entry index + 1 */
		uint64_t    start;         /* first block */
		uint64_t    count;         /* blocks */
		std::string type;          /* "0x83", or the GPT type GUID */
	};

	struct Table
	{
		enum class Kind { NONE, MBR, GPT } kind = Kind::NONE;
		std::vector<Partition> partitions { };
		std::string            problem { };   /* why a table that looked present was not used */
	};

	/*
	 * Reads 'count' blocks from block 'first'; returns fewer bytes (or none)
	 * where the disk cannot give them
	 */
	using Block_reader = std::function<std::vector<uint8_t>(uint64_t first, uint32_t count)>;

	constexpr unsigned MAX_LOGICAL = 64;

	Table parse_partition_table(Block_reader const &read, uint64_t block_size, uint64_t block_count);
}
