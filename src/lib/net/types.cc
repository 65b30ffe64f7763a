/*
 * Addresses: parsing and printing
 */
#include <nestbox/net/types.h>

#include <charconv>
#include <cstdio>

using namespace nestbox::Net;


std::string Mac_address::string() const
{
	char buf[18];
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
	         bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]);
	return buf;
}


std::optional<Ipv4_address> Ipv4_address::from_string(std::string_view s)
{
	uint32_t value = 0;
	char const *p = s.data(), *end = s.data() + s.size();
	for (unsigned i = 0; i < 4; i++) {
		if (i) {
			if (p == end || *p != '.') return std::nullopt;
			p++;
		}
		/* decimal only, no sign, no leading '+' or spaces */
		if (p == end || *p < '0' || *p > '9') return std::nullopt;
		unsigned octet = 0;
		auto [next, ec] = std::from_chars(p, end, octet);
		if (ec != std::errc() || octet > 255 || next - p > 3) return std::nullopt;
		p = next;
		value = value << 8 | octet;
	}
	if (p != end) return std::nullopt;
	return Ipv4_address { value };
}


std::string Ipv4_address::string() const
{
	return std::to_string(value >> 24) + "." + std::to_string(value >> 16 & 0xff) + "."
	     + std::to_string(value >> 8 & 0xff) + "." + std::to_string(value & 0xff);
}


std::optional<Ipv4_cidr> Ipv4_cidr::from_string(std::string_view s)
{
	size_t const slash = s.find('/');
	if (slash == std::string_view::npos) return std::nullopt;
	auto const address = Ipv4_address::from_string(s.substr(0, slash));
	std::string_view const p = s.substr(slash + 1);
	unsigned prefix = 0;
	auto [next, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
	if (!address || p.empty() || ec != std::errc() || next != p.data() + p.size() || prefix > 32)
		return std::nullopt;
	return Ipv4_cidr { *address, prefix };
}


std::string Ipv4_cidr::string() const
{
	return address.string() + "/" + std::to_string(prefix);
}


Mac_address Reader::mac(size_t o) const
{
	Mac_address m { };
	if (has(o, 6))
		for (unsigned i = 0; i < 6; i++) m.bytes[i] = _data[o + i];
	return m;
}
