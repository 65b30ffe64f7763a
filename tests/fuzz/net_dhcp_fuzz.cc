/*
 * Fuzz target: arbitrary bytes as a DHCP message (a UDP payload to or from
 * port 67/68) for the protocol library's DHCP parser, and, with the first
 * byte choosing how, as a single option area. Options must stay within
 * their documented bounds.
 */
#include <nestbox/net/frame.h>

#include <cstdlib>

using namespace nestbox::Net;

static void require(bool ok) { if (!ok) abort(); }


extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	Dhcp_message m;
	if (parse_dhcp({ data, size }, m) == Drop_reason::NONE) {
		require(m.options.message_type >= Dhcp_type::DISCOVER);
		require(m.options.message_type <= Dhcp_type::INFORM);
		require(m.options.overload <= 3);
	}
	require(m.options.dns_servers.size() <= DHCP_MAX_DNS);
	require(m.options.domain_name.size() <= 255 && m.options.host_name.size() <= 255);

	if (size > 0) {
		Dhcp_options o;
		parse_dhcp_options({ data + 1, size - 1 }, o, data[0] & 1);
		require(o.dns_servers.size() <= DHCP_MAX_DNS);
		require((data[0] & 1) || o.overload == 0);
	}
	return 0;
}
