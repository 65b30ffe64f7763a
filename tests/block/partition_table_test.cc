/*
 * part_block's partition table parser: MBR with a chain of logical
 * partitions, GPT as sfdisk writes it, and tables that lie
 */

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "partition_table.h"

using namespace Part_block;

namespace {

struct Disk
{
	std::vector<uint8_t> bytes;
	uint64_t block_count = 1 << 16;

	Block_reader reader() const
	{
		return [this] (uint64_t first, uint32_t count) {
			std::vector<uint8_t> out(size_t(count) * 512, 0);
			for (size_t i = 0; i < out.size(); i++)
				if (first * 512 + i < bytes.size()) out[i] = bytes[first * 512 + i];
			return out;
		};
	}

	Table parse() const { return parse_partition_table(reader(), 512, block_count); }

	void entry(uint64_t sector, unsigned slot, uint8_t type, uint32_t start, uint32_t count)
	{
		if (bytes.size() < (sector + 1) * 512) bytes.resize((sector + 1) * 512);
		uint8_t *e = &bytes[sector * 512 + 446 + slot * 16];
		e[4] = type;
		std::memcpy(e + 8, &start, 4);
		std::memcpy(e + 12, &count, 4);
		bytes[sector * 512 + 510] = 0x55;
		bytes[sector * 512 + 511] = 0xaa;
	}
};

Disk from_file(char const *name)
{
	std::ifstream in(std::string(NESTBOX_SOURCE_DIR "/tests/fuzz/corpus/partition_table/") + name, std::ios::binary);
	return Disk { std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {}) };
}

}


TEST(PartitionTable, no_signature_no_table)
{
	Disk d { std::vector<uint8_t>(4096, 0) };
	EXPECT_EQ(d.parse().kind, Table::Kind::NONE);
}


TEST(PartitionTable, mbr_primary_and_logical_partitions)
{
	Disk d = from_file("mbr-logical");
	Table const t = d.parse();
	ASSERT_EQ(t.kind, Table::Kind::MBR);
	ASSERT_EQ(t.partitions.size(), 3u);
	EXPECT_EQ(t.partitions[0].number, 1u);
	EXPECT_EQ(t.partitions[0].start, 100u);
	EXPECT_EQ(t.partitions[0].count, 50u);
	EXPECT_EQ(t.partitions[0].type, "0x83");
	EXPECT_EQ(t.partitions[1].number, 5u);   /* EBR at 4, relative start 10 */
	EXPECT_EQ(t.partitions[1].start, 14u);
	EXPECT_EQ(t.partitions[2].number, 6u);   /* the next EBR at 4 + 2 */
	EXPECT_EQ(t.partitions[2].start, 11u);
	EXPECT_EQ(t.partitions[2].type, "0x07");
}


TEST(PartitionTable, mbr_entries_beyond_the_disk_are_ignored)
{
	Disk d;
	d.block_count = 1000;
	d.entry(0, 0, 0x83, 10, 100);
	d.entry(0, 1, 0x83, 900, 200);          /* runs past the end */
	d.entry(0, 2, 0x83, 0xffffffff, 10);    /* starts past the end */
	d.entry(0, 3, 0x83, 20, 0);             /* empty */
	Table const t = d.parse();
	ASSERT_EQ(t.partitions.size(), 1u);
	EXPECT_EQ(t.partitions[0].start, 10u);
}


TEST(PartitionTable, a_logical_chain_that_loops_ends)
{
	Disk d;
	d.entry(0, 0, 0x05, 4, 1000);
	d.entry(4, 0, 0x83, 1, 1);
	d.entry(4, 1, 0x05, 0, 1000);   /* points back at itself */
	EXPECT_EQ(d.parse().partitions.size(), 1u);
}


TEST(PartitionTable, gpt_as_sfdisk_writes_it)
{
	Disk d = from_file("gpt-two");
	Table const t = d.parse();
	ASSERT_EQ(t.kind, Table::Kind::GPT) << t.problem;
	ASSERT_EQ(t.partitions.size(), 2u);
	EXPECT_EQ(t.partitions[0].start, 2048u);
	EXPECT_EQ(t.partitions[0].count, 4096u);
	EXPECT_EQ(t.partitions[1].start, 8192u);
	EXPECT_EQ(t.partitions[1].type, "0FC63DAF-8483-4772-8E79-3D69D8477DE4");   /* Linux data */
}


TEST(PartitionTable, gpt_with_a_broken_checksum_is_not_used)
{
	Disk d = from_file("gpt-two");
	d.bytes[512 + 0x20] ^= 1;   /* the backup header's place, inside the checksummed header */
	Table t = d.parse();
	EXPECT_TRUE(t.partitions.empty());
	EXPECT_EQ(t.problem, "GPT header CRC mismatch");

	d = from_file("gpt-two");
	d.bytes[1024 + 40] ^= 1;    /* the first entry's start */
	t = d.parse();
	EXPECT_TRUE(t.partitions.empty());
	EXPECT_EQ(t.problem, "GPT entry array CRC mismatch");
}
