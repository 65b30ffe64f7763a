/*
 * Prints what the protocol library makes of each frame file given on the
 * command line, one line per file: "ok KIND fields..." or "drop REASON".
 * kernel_frames_test.py feeds it frames a real Linux stack sent.
 */
#include <nestbox/net/frame.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

using namespace nestbox::Net;


int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		std::ifstream in(argv[i], std::ios::binary);
		std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
		Parsed_frame p;
		Drop_reason const r = parse_frame(f, p);
		if (r != Drop_reason::NONE) {
			printf("%s drop %s\n", argv[i], std::string(drop_reason_name(r)).c_str());
			continue;
		}
		if (p.arp) {
			printf("%s ok arp op=%u sender=%s target=%s\n", argv[i], p.arp->op,
			       p.arp->sender_ip.string().c_str(), p.arp->target_ip.string().c_str());
			continue;
		}
		std::string const src = p.ipv4->src.string(), dst = p.ipv4->dst.string();
		if (p.dhcp)
			printf("%s ok dhcp type=%u xid=%u\n", argv[i], p.dhcp->options.message_type, p.dhcp->xid);
		else if (p.ipv4->protocol == Ip_protocol::ICMP)
			printf("%s ok icmp %s>%s type=%u id=%u\n", argv[i], src.c_str(), dst.c_str(),
			       p.l4->icmp_type, p.l4->icmp_id);
		else if (p.ipv4->protocol == Ip_protocol::TCP)
			printf("%s ok tcp %s:%u>%s:%u flags=%u\n", argv[i], src.c_str(), p.l4->src_port,
			       dst.c_str(), p.l4->dst_port, p.l4->tcp_flags);
		else if (p.ipv4->protocol == Ip_protocol::UDP)
			printf("%s ok udp %s:%u>%s:%u len=%zu\n", argv[i], src.c_str(), p.l4->src_port,
			       dst.c_str(), p.l4->dst_port, p.l4->payload_length);
		else
			printf("%s ok ipv4 protocol=%u\n", argv[i], p.ipv4->protocol);
	}
	return 0;
}
