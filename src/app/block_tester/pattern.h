/*
 * The pattern of verify mode: every 8-byte word of the device is a
 * function of its byte address and a seed, so a read shows which block,
 * and which part of it, it really came from
 */
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

namespace Block_tester {

	/* splitmix64: cheap, and no two nearby addresses give similar words */
	inline uint64_t pattern_word(uint64_t seed, uint64_t byte_address)
	{
		uint64_t z = seed + byte_address * 0x9e3779b97f4a7c15ull;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}

	/* Fill 'dst', which holds the device's bytes from 'address' on */
	inline void fill_pattern(uint64_t seed, uint64_t address, std::span<std::byte> dst)
	{
		for (size_t i = 0; i + 8 <= dst.size(); i += 8) {
			uint64_t const w = pattern_word(seed, address + i);
			std::memcpy(dst.data() + i, &w, 8);
		}
	}

	/* The number of 8-byte words of 'src' that differ from the pattern */
	inline uint64_t pattern_mismatches(uint64_t seed, uint64_t address, std::span<std::byte const> src)
	{
		uint64_t bad = 0;
		for (size_t i = 0; i + 8 <= src.size(); i += 8) {
			uint64_t w;
			std::memcpy(&w, src.data() + i, 8);
			bad += w != pattern_word(seed, address + i);
		}
		return bad;
	}
}
