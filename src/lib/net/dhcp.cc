/*
 * DHCP messages: parsing with bounded options, and writing
 */
#include <nestbox/net/dhcp.h>
#include <nestbox/net/frame.h>

#include <algorithm>

using namespace nestbox::Net;

/* the most bytes kept of a string option, even when concatenated (RFC 3396) */
static constexpr size_t MAX_STRING_OPTION = 255;


static Drop_reason take_option(uint8_t code, std::span<uint8_t const> v, Dhcp_options &out,
                               bool allow_overload)
{
	auto fixed_ip = [&] (bool &has, Ipv4_address &a) {
		/* RFC 2132 option 3 is a list; its first entry is the one that counts */
		if (v.size() < 4 || v.size() % 4) return Drop_reason::DHCP_OPTION_LENGTH;
		if (!has) a = { get_u32(v, 0) };
		has = true;
		return Drop_reason::NONE;
	};
	auto fixed_u32 = [&] (bool &has, uint32_t &value) {
		if (v.size() != 4) return Drop_reason::DHCP_OPTION_LENGTH;
		value = get_u32(v, 0);
		has = true;
		return Drop_reason::NONE;
	};
	auto string = [&] (std::string &s) {
		for (uint8_t c : v)
			if (s.size() < MAX_STRING_OPTION) s.push_back(char(c));
		return Drop_reason::NONE;
	};

	switch (code) {
	case Dhcp_option::MESSAGE_TYPE:
		if (v.size() != 1) return Drop_reason::DHCP_OPTION_LENGTH;
		out.message_type = v[0];
		return Drop_reason::NONE;
	case Dhcp_option::SUBNET_MASK:  return fixed_ip(out.has_subnet_mask, out.subnet_mask);
	case Dhcp_option::ROUTER:       return fixed_ip(out.has_router, out.router);
	case Dhcp_option::REQUESTED_IP: return fixed_ip(out.has_requested_ip, out.requested_ip);
	case Dhcp_option::SERVER_ID:    return fixed_ip(out.has_server_id, out.server_id);
	case Dhcp_option::LEASE_TIME:     return fixed_u32(out.has_lease_time, out.lease_time);
	case Dhcp_option::RENEWAL_TIME:   return fixed_u32(out.has_renewal_time, out.renewal_time);
	case Dhcp_option::REBINDING_TIME: return fixed_u32(out.has_rebinding_time, out.rebinding_time);
	case Dhcp_option::DNS_SERVER:
		if (v.size() % 4) return Drop_reason::DHCP_OPTION_LENGTH;
		for (size_t i = 0; i < v.size(); i += 4)
			if (out.dns_servers.size() < DHCP_MAX_DNS)
				out.dns_servers.push_back({ get_u32(v, i) });
		return Drop_reason::NONE;
	case Dhcp_option::DOMAIN_NAME: return string(out.domain_name);
	case Dhcp_option::HOST_NAME:   return string(out.host_name);
	case Dhcp_option::OVERLOAD:
		/* only in the options field, once, with a defined value */
		if (!allow_overload || out.overload || v.size() != 1 || v[0] < 1 || v[0] > 3)
			return Drop_reason::DHCP_OPTION_OVERLOAD;
		out.overload = v[0];
		return Drop_reason::NONE;
	}
	return Drop_reason::NONE;
}


Drop_reason nestbox::Net::parse_dhcp_options(std::span<uint8_t const> area, Dhcp_options &out,
                                             bool allow_overload)
{
	/* each step consumes at least one byte: the walk ends within area.size() steps */
	for (size_t i = 0; i < area.size(); ) {
		uint8_t const code = area[i];
		if (code == Dhcp_option::END) return Drop_reason::NONE;
		if (code == Dhcp_option::PAD) { i++; continue; }
		if (i + 1 >= area.size()) return Drop_reason::DHCP_OPTION_LENGTH;
		size_t const len = area[i + 1];
		if (len > area.size() - i - 2) return Drop_reason::DHCP_OPTION_LENGTH;
		Drop_reason const r = take_option(code, area.subspan(i + 2, len), out, allow_overload);
		if (r != Drop_reason::NONE) return r;
		i += 2 + len;
	}
	return Drop_reason::DHCP_OPTION_UNTERMINATED;
}


Drop_reason nestbox::Net::parse_dhcp(std::span<uint8_t const> p, Dhcp_message &out)
{
	Reader const r { p };
	if (!r.has(0, DHCP_FIXED + 4)) return Drop_reason::DHCP_TRUNCATED;
	if (r.u32(DHCP_FIXED) != DHCP_MAGIC_COOKIE) return Drop_reason::DHCP_MAGIC;

	out = Dhcp_message { };
	out.op     = r.u8(0);
	out.xid    = r.u32(4);
	out.flags  = r.u16(10);
	out.ciaddr = r.ipv4(12);
	out.yiaddr = r.ipv4(16);
	out.siaddr = r.ipv4(20);
	out.giaddr = r.ipv4(24);
	out.chaddr = r.mac(28);

	Drop_reason res = parse_dhcp_options(p.subspan(DHCP_FIXED + 4), out.options, true);
	if (res != Drop_reason::NONE) return res;

	/* RFC 2131 4.1: with overload, 'file' is read before 'sname' */
	if (out.options.overload & 1) {
		res = parse_dhcp_options(r.bytes(DHCP_FILE_OFFSET, DHCP_FILE_LENGTH), out.options, false);
		if (res != Drop_reason::NONE) return res;
	}
	if (out.options.overload & 2) {
		res = parse_dhcp_options(r.bytes(DHCP_SNAME_OFFSET, DHCP_SNAME_LENGTH), out.options, false);
		if (res != Drop_reason::NONE) return res;
	}
	if (out.options.message_type < Dhcp_type::DISCOVER || out.options.message_type > Dhcp_type::INFORM)
		return Drop_reason::DHCP_MESSAGE_TYPE;
	return Drop_reason::NONE;
}


Dhcp_writer::Dhcp_writer(std::vector<uint8_t> &buffer, uint8_t op, uint32_t xid, Mac_address chaddr)
: _buffer(buffer)
{
	size_t const base = _buffer.size();
	_buffer.resize(base + DHCP_FIXED + 4, 0);
	std::span<uint8_t> b { _buffer.data() + base, DHCP_FIXED + 4 };
	put_u8(b, 0, op);
	put_u8(b, 1, 1);   /* Ethernet */
	put_u8(b, 2, 6);
	put_u32(b, 4, xid);
	put_mac(b, 28, chaddr);
	put_u32(b, DHCP_FIXED, DHCP_MAGIC_COOKIE);
	_fixed = base;
}


Dhcp_writer &Dhcp_writer::ciaddr(Ipv4_address a) { put_ipv4(_fixed_part(), 12, a); return *this; }
Dhcp_writer &Dhcp_writer::yiaddr(Ipv4_address a) { put_ipv4(_fixed_part(), 16, a); return *this; }
Dhcp_writer &Dhcp_writer::siaddr(Ipv4_address a) { put_ipv4(_fixed_part(), 20, a); return *this; }
Dhcp_writer &Dhcp_writer::flags(uint16_t f)      { put_u16(_fixed_part(), 10, f); return *this; }


Dhcp_writer &Dhcp_writer::option(uint8_t code, std::span<uint8_t const> data)
{
	/* longer data goes into several options of the same code (RFC 3396) */
	do {
		size_t const n = std::min<size_t>(data.size(), 255);
		_buffer.push_back(code);
		_buffer.push_back(uint8_t(n));
		_buffer.insert(_buffer.end(), data.begin(), data.begin() + n);
		data = data.subspan(n);
	} while (!data.empty());
	return *this;
}


Dhcp_writer &Dhcp_writer::option_u8(uint8_t code, uint8_t v)
{
	uint8_t const b[1] { v };
	return option(code, b);
}


Dhcp_writer &Dhcp_writer::option_u32(uint8_t code, uint32_t v)
{
	uint8_t b[4];
	put_u32(b, 0, v);
	return option(code, b);
}


Dhcp_writer &Dhcp_writer::option_ip(uint8_t code, Ipv4_address a)
{
	return option_u32(code, a.value);
}


Dhcp_writer &Dhcp_writer::option_ips(uint8_t code, std::span<Ipv4_address const> ips)
{
	std::vector<uint8_t> b(ips.size() * 4);
	for (size_t i = 0; i < ips.size(); i++) put_u32(b, i * 4, ips[i].value);
	return option(code, b);
}


void Dhcp_writer::end()
{
	_buffer.push_back(Dhcp_option::END);
}
