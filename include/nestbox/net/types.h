/*
 * Addresses and byte access for network frames
 *
 * Everything read from a frame goes through 'Reader', which checks each
 * access against the frame's length: a parser asks whether the bytes are
 * there and gets 'false' instead of reading past the end.
 */
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nestbox::Net {

	struct Mac_address
	{
		std::array<uint8_t, 6> bytes { };

		static Mac_address broadcast() { return { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } }; }

		bool is_broadcast() const { return *this == broadcast(); }
		bool is_multicast() const { return bytes[0] & 1; }
		bool operator == (Mac_address const &) const = default;
		auto operator <=> (Mac_address const &) const = default;

		std::string string() const;
	};

	/* an IPv4 address in host byte order, so that prefixes are masks */
	struct Ipv4_address
	{
		uint32_t value { 0 };

		static std::optional<Ipv4_address> from_string(std::string_view);
		static Ipv4_address broadcast() { return { 0xffffffffu }; }

		bool is_unspecified() const { return value == 0; }
		bool operator == (Ipv4_address const &) const = default;
		auto operator <=> (Ipv4_address const &) const = default;

		std::string string() const;
	};

	/* an address with its prefix length: "10.0.2.55/24" */
	struct Ipv4_cidr
	{
		Ipv4_address address { };
		unsigned     prefix  { 0 };

		static std::optional<Ipv4_cidr> from_string(std::string_view);

		uint32_t mask() const { return prefix ? ~0u << (32 - prefix) : 0u; }
		bool contains(Ipv4_address a) const { return (a.value & mask()) == (address.value & mask()); }
		Ipv4_address network() const { return { address.value & mask() }; }
		Ipv4_address broadcast() const { return { address.value | ~mask() }; }

		std::string string() const;
	};

	/* bounds-checked big-endian reads from a frame */
	class Reader
	{
		private:

			std::span<uint8_t const> _data;

		public:

			explicit Reader(std::span<uint8_t const> data) : _data(data) { }

			size_t size() const { return _data.size(); }
			bool has(size_t offset, size_t len) const {
				return offset <= _data.size() && len <= _data.size() - offset; }

			/* callers check 'has' first; out of range reads give 0, never UB */
			uint8_t  u8 (size_t o) const { return has(o, 1) ? _data[o] : 0; }
			uint16_t u16(size_t o) const { return has(o, 2) ? uint16_t(_data[o] << 8 | _data[o + 1]) : 0; }
			uint32_t u32(size_t o) const {
				return has(o, 4) ? uint32_t(_data[o]) << 24 | uint32_t(_data[o + 1]) << 16
				                   | uint32_t(_data[o + 2]) << 8 | _data[o + 3] : 0; }
			Mac_address mac(size_t o) const;
			Ipv4_address ipv4(size_t o) const { return { u32(o) }; }
			std::span<uint8_t const> bytes(size_t o, size_t len) const {
				return has(o, len) ? _data.subspan(o, len) : std::span<uint8_t const> { }; }
	};

	/* big-endian writes; the caller owns a buffer large enough */
	inline void put_u8 (std::span<uint8_t> b, size_t o, uint8_t v)  { b[o] = v; }
	inline void put_u16(std::span<uint8_t> b, size_t o, uint16_t v) { b[o] = uint8_t(v >> 8); b[o + 1] = uint8_t(v); }
	inline void put_u32(std::span<uint8_t> b, size_t o, uint32_t v) {
		b[o] = uint8_t(v >> 24); b[o + 1] = uint8_t(v >> 16); b[o + 2] = uint8_t(v >> 8); b[o + 3] = uint8_t(v); }
	inline void put_mac(std::span<uint8_t> b, size_t o, Mac_address const &m) {
		for (unsigned i = 0; i < 6; i++) b[o + i] = m.bytes[i]; }
	inline void put_ipv4(std::span<uint8_t> b, size_t o, Ipv4_address a) { put_u32(b, o, a.value); }
	inline uint16_t get_u16(std::span<uint8_t const> b, size_t o) { return uint16_t(b[o] << 8 | b[o + 1]); }
	inline uint32_t get_u32(std::span<uint8_t const> b, size_t o) {
		return uint32_t(b[o]) << 24 | uint32_t(b[o + 1]) << 16 | uint32_t(b[o + 2]) << 8 | b[o + 3]; }
}
