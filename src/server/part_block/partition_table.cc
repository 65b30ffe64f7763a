/*
 * Partition tables, parsed without trusting a byte
 */

#include "partition_table.h"

#include <cstdio>
#include <cstring>

#include <zlib.h>

using namespace Part_block;

namespace {

uint32_t le32(uint8_t const *p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t le64(uint8_t const *p) { return uint64_t(le32(p)) | uint64_t(le32(p + 4)) << 32; }

/* GPT writes a GUID's first three fields little-endian */
std::string guid(uint8_t const *g)
{
	char s[40];
	std::snprintf(s, sizeof(s), "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
	              le32(g), unsigned(g[4] | g[5] << 8), unsigned(g[6] | g[7] << 8),
	              g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
	return s;
}

bool inside(uint64_t start, uint64_t count, uint64_t block_count)
{
	return count && start < block_count && count <= block_count - start;
}

constexpr uint8_t MBR_PROTECTIVE = 0xee;
constexpr uint8_t MBR_EXTENDED[] = { 0x05, 0x0f, 0x85 };

bool extended(uint8_t type)
{
	for (uint8_t t : MBR_EXTENDED) if (t == type) return true;
	return false;
}

bool mbr_signature(std::vector<uint8_t> const &b)
{
	return b.size() >= 512 && b[510] == 0x55 && b[511] == 0xaa;
}


Table parse_gpt(Block_reader const &read, uint64_t block_size, uint64_t block_count)
{
	Table t { Table::Kind::GPT };
	std::vector<uint8_t> const h = read(1, 1);
	if (h.size() < 92 || std::memcmp(h.data(), "EFI PART", 8) != 0) {
		t.problem = "protective MBR without a GPT header";
		return t;
	}

	uint32_t const header_size = le32(&h[12]);
	if (header_size < 92 || header_size > h.size() || header_size > block_size) {
		t.problem = "GPT header size out of range";
		return t;
	}
	std::vector<uint8_t> header(h.begin(), h.begin() + header_size);
	uint32_t const header_crc = le32(&header[16]);
	std::memset(&header[16], 0, 4);
	if (uint32_t(crc32(0, header.data(), header_size)) != header_crc) {
		t.problem = "GPT header CRC mismatch";
		return t;
	}

	uint64_t const first_usable = le64(&h[40]), last_usable = le64(&h[48]);
	uint64_t const entries_lba  = le64(&h[72]);
	uint32_t const entries      = le32(&h[80]);
	uint32_t const entry_size   = le32(&h[84]);
	uint32_t const entries_crc  = le32(&h[88]);

	if (entry_size < 128 || entry_size % 8 || entry_size > 4096 || entries > 1024 || !entries) {
		t.problem = "GPT entry array out of range";
		return t;
	}
	uint64_t const bytes  = uint64_t(entries) * entry_size;
	uint64_t const blocks = (bytes + block_size - 1) / block_size;
	if (!inside(entries_lba, blocks, block_count) || first_usable > last_usable || last_usable >= block_count) {
		t.problem = "GPT entry array or usable range beyond the disk";
		return t;
	}

	std::vector<uint8_t> const a = read(entries_lba, uint32_t(blocks));
	if (a.size() < bytes) { t.problem = "GPT entry array unreadable"; return t; }
	if (uint32_t(crc32(0, a.data(), uInt(bytes))) != entries_crc) {
		t.problem = "GPT entry array CRC mismatch";
		return t;
	}

	static uint8_t const unused[16] { };
	for (uint32_t i = 0; i < entries; i++) {
		uint8_t const *e = &a[size_t(i) * entry_size];
		if (std::memcmp(e, unused, 16) == 0) continue;
		uint64_t const first = le64(e + 32), last = le64(e + 40);
		if (last < first || first < first_usable || last > last_usable) continue;   /* not on this disk */
		t.partitions.push_back({ i + 1, first, last - first + 1, guid(e) });
	}
	return t;
}


/* The chain of logical partitions of an extended one: each EBR names the next */
void parse_logical(Block_reader const &read, uint64_t ext_start, uint64_t ext_count,
                   uint64_t block_count, Table &t)
{
	uint64_t ebr = ext_start;
	for (unsigned n = 0; n < MAX_LOGICAL; n++) {
		std::vector<uint8_t> const b = read(ebr, 1);
		if (!mbr_signature(b)) return;

		uint8_t const *first = &b[446], *next = &b[446 + 16];
		uint64_t const start = ebr + le32(first + 8), count = le32(first + 12);
		if (first[4] && inside(start, count, block_count))
			t.partitions.push_back({ 5 + n, start, count, "0x" + [&] {
				char s[3]; std::snprintf(s, sizeof(s), "%02x", first[4]); return std::string(s); }() });

		uint64_t const rel = le32(next + 8);
		if (!extended(next[4]) || !rel || rel >= ext_count) return;
		uint64_t const following = ext_start + rel;
		if (following <= ebr) return;   /* links only go forward: no loops */
		ebr = following;
	}
}

}


Table Part_block::parse_partition_table(Block_reader const &read, uint64_t block_size, uint64_t block_count)
{
	if (block_size < 512 || block_count < 2) return { };

	std::vector<uint8_t> const mbr = read(0, 1);
	if (!mbr_signature(mbr)) return { };

	/* a protective MBR (one entry of type 0xEE) announces GPT */
	for (unsigned i = 0; i < 4; i++)
		if (mbr[446 + i * 16 + 4] == MBR_PROTECTIVE)
			return parse_gpt(read, block_size, block_count);

	Table t { Table::Kind::MBR };
	for (unsigned i = 0; i < 4; i++) {
		uint8_t const *e = &mbr[446 + i * 16];
		uint8_t const type = e[4];
		uint64_t const start = le32(e + 8), count = le32(e + 12);
		if (!type || !inside(start, count, block_count)) continue;
		if (extended(type)) { parse_logical(read, start, count, block_count, t); continue; }
		char s[8];
		std::snprintf(s, sizeof(s), "0x%02x", type);
		t.partitions.push_back({ i + 1, start, count, s });
	}
	return t;
}
