/*
 * A DHCP client for lwIP, in lwIP's thread
 */

#include <nestbox/lwip/dhcp.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include <nestbox/lwip/lwip_core.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>
#include <lwip/timeouts.h>
#include <lwip/udp.h>

#include <nestbox/log.h>

using namespace nestbox;
using namespace nestbox::Lwip;

namespace {

enum : uint8_t { DISCOVER = 1, OFFER = 2, REQUEST = 3, ACK = 5, NAK = 6 };
enum : uint16_t { SERVER_PORT = 67, CLIENT_PORT = 68 };

constexpr size_t   FIXED_PART = 236;          /* op .. file */
constexpr uint32_t MAGIC      = 0x63825363;

uint32_t get32(uint8_t const *p) { uint32_t v; std::memcpy(&v, p, 4); return v; }   /* as is: network order */

struct Core_lock
{
	Core_lock()  { LOCK_TCPIP_CORE(); }
	~Core_lock() { UNLOCK_TCPIP_CORE(); }
};

}


std::optional<Dhcp_reply> Lwip::parse_dhcp_reply(std::span<uint8_t const> m)
{
	if (m.size() < FIXED_PART + 4) return std::nullopt;
	if (m[0] != 2 /* BOOTREPLY */ || m[1] != 1 /* Ethernet */ || m[2] != 6) return std::nullopt;
	if (lwip_ntohl(get32(&m[FIXED_PART])) != MAGIC) return std::nullopt;

	Dhcp_reply r;
	r.xid    = lwip_ntohl(get32(&m[4]));
	r.yiaddr = get32(&m[16]);
	std::memcpy(r.chaddr.addr.data(), &m[28], 6);

	/* options: code, length, value; a length past the end ends the parsing */
	size_t i = FIXED_PART + 4;
	while (i < m.size()) {
		uint8_t const code = m[i++];
		if (code == 0)   continue;   /* pad */
		if (code == 255) break;      /* end */
		if (i >= m.size()) break;
		size_t const len = m[i++];
		if (len > m.size() - i) break;
		uint8_t const *v = &m[i];
		switch (code) {
		case 53: if (len == 1) r.type = v[0]; break;
		case 54: if (len == 4) r.server_id = get32(v); break;
		case 1:  if (len == 4) r.netmask = get32(v); break;
		case 3:  if (len >= 4) r.router = get32(v); break;
		case 51: if (len == 4) r.lease_s = lwip_ntohl(get32(v)); break;
		default: break;
		}
		i += len;
	}
	if (!r.type) return std::nullopt;
	return r;
}


std::span<uint8_t const> Lwip::dhcp_payload(std::span<std::byte const> frame)
{
	auto const *f = reinterpret_cast<uint8_t const *>(frame.data());
	size_t const n = frame.size();
	if (n < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00) return { };   /* IPv4 */
	uint8_t const *ip = f + 14;
	size_t const ihl = size_t(ip[0] & 0xf) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || n < 14 + ihl + 8 || ip[9] != 17) return { };   /* UDP */
	if ((ip[6] & 0x3f) || ip[7]) return { };   /* a fragment */
	uint8_t const *udp = ip + ihl;
	if ((udp[2] << 8 | udp[3]) != CLIENT_PORT) return { };
	size_t const udp_len = size_t(udp[4] << 8 | udp[5]);
	if (udp_len < 8 || udp_len > n - 14 - ihl) return { };
	return { udp + 8, udp_len - 8 };
}


void Dhcp_client::input(std::span<uint8_t const> message)
{
	if (auto reply = parse_dhcp_reply(message)) _received(*reply);
}


Dhcp_client::Dhcp_client(::netif &netif, Nic::Mac_address mac, Bound const &bound)
: _netif(netif), _mac(mac), _bound(bound)
{
	Core_lock lock;
	_pcb = udp_new();
	if (!_pcb) { error("DHCP: out of memory for a UDP socket"); return; }
	ip_set_option(_pcb, SOF_BROADCAST);
	udp_bind(_pcb, IP4_ADDR_ANY, CLIENT_PORT);
	/* replies come through 'input': the socket only sends (and keeps port 68 ours) */
	udp_recv(_pcb, [] (void *, udp_pcb *, pbuf *p, ip_addr_t const *, u16_t) { pbuf_free(p); }, nullptr);
	_start();
}


Dhcp_client::~Dhcp_client()
{
	Core_lock lock;
	sys_untimeout(_timeout, this);
	sys_untimeout(_renew, this);
	if (_pcb) udp_remove(_pcb);
}


void Dhcp_client::_start()
{
	_state   = State::SELECTING;
	_xid     = uint32_t(std::rand());
	_retry_s = 1;
	_send(DISCOVER);
}


void Dhcp_client::_retry()
{
	sys_untimeout(_timeout, this);
	sys_timeout(_retry_s * 1000, _timeout, this);
	_retry_s = std::min(_retry_s * 2, RETRY_MAX_S);
}


void Dhcp_client::_timeout(void *arg)
{
	Dhcp_client &c = *static_cast<Dhcp_client *>(arg);
	switch (c._state) {
	case State::SELECTING:  c._send(DISCOVER); break;
	case State::REQUESTING:
	case State::RENEWING:   c._send(REQUEST);  break;
	case State::BOUND:      break;
	}
}


void Dhcp_client::_renew(void *arg)
{
	Dhcp_client &c = *static_cast<Dhcp_client *>(arg);
	c._state   = State::RENEWING;
	c._xid     = uint32_t(std::rand());
	c._retry_s = 1;
	c._send(REQUEST);
}


void Dhcp_client::_send(uint8_t type)
{
	if (!_pcb) return;
	uint8_t m[FIXED_PART + 4 + 32] { };
	m[0] = 1; m[1] = 1; m[2] = 6;                      /* BOOTREQUEST, Ethernet */
	uint32_t const xid = lwip_htonl(_xid);
	std::memcpy(&m[4], &xid, 4);
	uint16_t const broadcast = lwip_htons(0x8000);     /* answer by broadcast: we have no address yet */
	std::memcpy(&m[10], &broadcast, 2);
	if (_state == State::RENEWING) {
		uint32_t const ciaddr = _offered;
		std::memcpy(&m[12], &ciaddr, 4);
	}
	std::memcpy(&m[28], _mac.addr.data(), 6);
	uint32_t const magic = lwip_htonl(MAGIC);
	std::memcpy(&m[FIXED_PART], &magic, 4);

	size_t i = FIXED_PART + 4;
	m[i++] = 53; m[i++] = 1; m[i++] = type;
	if (type == REQUEST && _state == State::REQUESTING) {
		m[i++] = 50; m[i++] = 4; std::memcpy(&m[i], &_offered, 4); i += 4;
		m[i++] = 54; m[i++] = 4; std::memcpy(&m[i], &_server, 4); i += 4;
	}
	m[i++] = 55; m[i++] = 3; m[i++] = 1; m[i++] = 3; m[i++] = 51;   /* netmask, router, lease */
	m[i++] = 255;

	pbuf *p = pbuf_alloc(PBUF_TRANSPORT, uint16_t(sizeof(m)), PBUF_RAM);
	if (p) {
		pbuf_take(p, m, uint16_t(sizeof(m)));
		udp_sendto_if_src(_pcb, p, IP_ADDR_BROADCAST, SERVER_PORT, &_netif, IP4_ADDR_ANY);
		pbuf_free(p);
	}
	_retry();
}


void Dhcp_client::_received(Dhcp_reply const &r)
{
	if (r.xid != _xid || r.chaddr != _mac) return;

	if (r.type == OFFER && _state == State::SELECTING) {
		if (!r.yiaddr || !r.server_id) return;
		_offered = r.yiaddr;
		_server  = r.server_id;
		_state   = State::REQUESTING;
		_retry_s = 1;
		_send(REQUEST);
		return;
	}
	if (r.type == NAK && (_state == State::REQUESTING || _state == State::RENEWING)) {
		warning("DHCP: the server refused the address; starting over");
		ip4_addr_t any { 0 };
		netif_set_addr(&_netif, &any, &any, &any);
		_bound(0);
		_start();
		return;
	}
	if (r.type == ACK && (_state == State::REQUESTING || _state == State::RENEWING)) {
		sys_untimeout(_timeout, this);
		ip4_addr_t ip { r.yiaddr }, mask { r.netmask ? r.netmask : lwip_htonl(0xffffff00) }, gw { r.router };
		bool const fresh = _state == State::REQUESTING;
		_offered = r.yiaddr;
		_state   = State::BOUND;
		netif_set_addr(&_netif, &ip, &mask, &gw);
		_bound(r.yiaddr);

		/* renewed at half the lease; a lease of "forever" (or none given) is kept as it is */
		uint32_t const lease = r.lease_s ? r.lease_s : 3600;
		if (lease != 0xffffffff)
			sys_timeout(std::min<uint32_t>(lease / 2, 0x7fffffff / 1000) * 1000, _renew, this);

		if (fresh) {
			char a[16], m[16], g[16];
			log("DHCP: lease of ", ip4addr_ntoa_r(&ip, a, sizeof(a)), " netmask ",
			    ip4addr_ntoa_r(&mask, m, sizeof(m)), " gateway ", ip4addr_ntoa_r(&gw, g, sizeof(g)),
			    " for ", lease, " s");
		}
	}
}
