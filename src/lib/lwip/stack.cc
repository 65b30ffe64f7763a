/*
 * lwIP over a Nic session
 *
 * Three threads touch the stack, each with its own part: the entrypoint
 * takes frames from the rx stream and queues them for lwIP (tcpip_input
 * posts to lwIP's mailbox); lwIP's thread runs the protocol and its timers
 * and writes frames to the tx stream (the stream's source has one producer:
 * this thread); the component's socket threads call the socket API, which
 * hands each call to lwIP's thread. Calls into lwIP's core from elsewhere
 * hold its core lock (LOCK_TCPIP_CORE), as Debian's build checks.
 */

#include <nestbox/lwip/stack.h>
#include <nestbox/lwip/dhcp.h>

#include <cstring>
#include <future>
#include <vector>
#include <sys/random.h>

#include <nestbox/lwip/lwip_core.h>
#include <lwip/etharp.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>

#include <nestbox/log.h>

using namespace nestbox;
using namespace nestbox::Lwip;

namespace {

/* lwIP runs once per process: its thread, timers and memory are global */
void start_lwip()
{
	static std::once_flag once;
	std::call_once(once, [] {
		/* lwIP's initial sequence numbers and local ports come from rand() */
		unsigned seed = 0;
		(void)::getrandom(&seed, sizeof(seed), 0);
		std::srand(seed);

		std::promise<void> started;
		tcpip_init([] (void *arg) { static_cast<std::promise<void> *>(arg)->set_value(); }, &started);
		started.get_future().wait();
	});
}

struct Core_lock
{
	Core_lock()  { LOCK_TCPIP_CORE(); }
	~Core_lock() { UNLOCK_TCPIP_CORE(); }
};

}


std::optional<Ip4> Lwip::parse_ip4(std::string_view s)
{
	std::string const str(s);
	ip4_addr_t a;
	if (str.empty() || !ip4addr_aton(str.c_str(), &a)) return std::nullopt;
	/* aton accepts "10" or "10.1"; only four parts are an address here */
	if (std::count(str.begin(), str.end(), '.') != 3) return std::nullopt;
	return Ip4 { a.addr };
}


std::string Lwip::ip4_string(Ip4 ip)
{
	ip4_addr_t a { ip.addr };
	char buf[IP4ADDR_STRLEN_MAX];
	return ip4addr_ntoa_r(&a, buf, sizeof(buf));
}


Result<Address_config> Lwip::parse_address_config(pugi::xml_node node, std::string &problem)
{
	Address_config c;
	c.dhcp = node.attribute("dhcp").as_bool(false);
	std::string const address = node.attribute("address").as_string("");
	if (c.dhcp) {
		if (!address.empty()) { problem = "both dhcp=\"yes\" and an address"; return failure(Error::INVALID_ARGS); }
		return c;
	}
	if (address.empty()) { problem = "neither address=\"A.B.C.D/N\" nor dhcp=\"yes\""; return failure(Error::INVALID_ARGS); }

	size_t const slash = address.find('/');
	auto const ip = parse_ip4(address.substr(0, slash));
	unsigned prefix = 24;
	bool prefix_ok = true;
	if (slash != std::string::npos) {
		std::string const p = address.substr(slash + 1);
		prefix = unsigned(std::atoi(p.c_str()));
		prefix_ok = !p.empty() && p.size() <= 2 && prefix <= 32
		         && p.find_first_not_of("0123456789") == std::string::npos;
	}
	if (!ip || !prefix_ok) { problem = "address=\"" + address + "\" is not like 10.0.9.2/24"; return failure(Error::INVALID_ARGS); }
	c.address = Ip4 { ip->addr };
	c.netmask = Ip4 { lwip_htonl(prefix ? ~uint32_t(0) << (32 - prefix) : 0) };

	std::string const gateway = node.attribute("gateway").as_string("");
	if (!gateway.empty()) {
		auto gw = parse_ip4(gateway);
		if (!gw) { problem = "gateway=\"" + gateway + "\" is not an IPv4 address"; return failure(Error::INVALID_ARGS); }
		c.gateway = *gw;
	}
	return c;
}


/* lwIP's thread: a frame for the network */
int8_t Stack::_link_output(::netif *netif, ::pbuf *p)
{
	Stack &stack = *static_cast<Stack *>(netif->state);
	/* a full stream drops the frame (counted) as a busy NIC would: TCP sends it again */
	(void)stack._nic.send(p->tot_len, [&] (std::span<std::byte> dst) {
		pbuf_copy_partial(p, dst.data(), p->tot_len, 0); });
	return ERR_OK;
}


int8_t Stack::_init_netif(::netif *netif)
{
	Stack &stack = *static_cast<Stack *>(netif->state);
	Nic::Mac_address const mac = stack._nic.mac_address();
	netif->hwaddr_len = ETH_HWADDR_LEN;
	std::memcpy(netif->hwaddr, mac.addr.data(), ETH_HWADDR_LEN);
	netif->mtu        = 1500;
	netif->flags      = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	netif->output     = etharp_output;
	netif->linkoutput = _link_output;
	netif->name[0] = 'n'; netif->name[1] = 'b';
	return ERR_OK;
}


void Stack::_set_address(Ip4 ip)
{
	{
		std::lock_guard guard(_mutex);
		_address = ip;
	}
	_address_changed.notify_all();
}


Stack::Stack(Env &env, pugi::xml_node config, std::string_view nic_label)
:
	_env(env), _nic(env, _nic_handler.cap(), nic_label), _netif(new ::netif { })
{
	std::string problem;
	auto address = parse_address_config(config, problem);
	if (!address) {
		error("config: ", problem);
		env.exit(1);
	}
	if (!_nic.valid()) env.exit(1);

	start_lwip();
	(void)_nic.link_state_sigh(_link_handler.cap());

	{
		Core_lock lock;
		ip4_addr_t ip { address->address.addr }, mask { address->netmask.addr }, gw { address->gateway.addr };
		netif_add(_netif, &ip, &mask, &gw, this, _init_netif, tcpip_input);
		netif_set_default(_netif);
		netif_set_up(_netif);
		if (_nic.link_state()) netif_set_link_up(_netif);
	}

	if (address->dhcp) {
		_dhcp = std::make_unique<Dhcp_client>(*_netif, _nic.mac_address(),
		                                      [this] (uint32_t ip) { _set_address(Ip4 { ip }); });
	} else {
		_set_address(address->address);
		log("lwIP: ", ip4_string(address->address), " netmask ", ip4_string(address->netmask),
		    " gateway ", ip4_string(address->gateway), " on ", _nic.mac_address().string());
	}

	/* frames that arrived before we were ready */
	_handle_nic();
}


Stack::~Stack()
{
	_dhcp.reset();
	Core_lock lock;
	netif_remove(_netif);
	delete _netif;
}


Ip4 Stack::address()
{
	std::lock_guard guard(_mutex);
	return _address;
}


Ip4 Stack::wait_for_address()
{
	std::unique_lock guard(_mutex);
	_address_changed.wait(guard, [&] { return _address.addr != 0; });
	return _address;
}


/* The entrypoint: frames from the network go to lwIP's mailbox */
void Stack::_handle_nic()
{
	_nic.receive([&] (std::span<std::byte const> frame) {
		if (_dhcp) {
			auto const dhcp = dhcp_payload(frame);
			if (!dhcp.empty()) {
				/* to lwIP's thread, where the client runs */
				struct Message { Dhcp_client &client; std::vector<uint8_t> bytes; };
				auto *m = new Message { *_dhcp, { dhcp.begin(), dhcp.end() } };
				if (tcpip_try_callback([] (void *arg) {
					std::unique_ptr<Message> m(static_cast<Message *>(arg));
					m->client.input(m->bytes); }, m) != ERR_OK)
					delete m;
				return;
			}
		}
		::pbuf *p = pbuf_alloc(PBUF_RAW, uint16_t(frame.size()), PBUF_POOL);
		if (!p) { _rx_dropped++; return; }
		pbuf_take(p, frame.data(), uint16_t(frame.size()));
		if (_netif->input(p, _netif) != ERR_OK) { pbuf_free(p); _rx_dropped++; }
	});
}


void Stack::_handle_link()
{
	bool const up = _nic.link_state();
	Core_lock lock;
	if (up) netif_set_link_up(_netif);
	else    netif_set_link_down(_netif);
}
