/*
 * TAP devices for <host><tap/> grants, in a network namespace or on the host
 */
#pragma once

#include <string>

#include <nestbox/util/result.h>
#include <nestbox/util/unique_fd.h>

namespace Core {

/*
 * A network namespace core made for a grant, named in /run/netns as
 * 'ip netns' names them: removed (unmounted and unlinked) when the
 * component that holds it ends. A namespace that existed before is used and
 * left alone.
 */
class Owned_netns
{
	private:

		std::string _path { };

	public:

		Owned_netns() { }
		explicit Owned_netns(std::string path) : _path(std::move(path)) { }
		Owned_netns(Owned_netns &&o) : _path(std::move(o._path)) { o._path.clear(); }
		Owned_netns &operator = (Owned_netns &&o) { std::swap(_path, o._path); return *this; }
		~Owned_netns();

		bool valid() const { return !_path.empty(); }
};

struct Tap
{
	nestbox::Unique_fd fd { };
	Owned_netns        netns { };   /* valid where core made the namespace */
};

/*
 * A TAP device 'name' (IFF_TAP | IFF_NO_PI, no offloads, non-blocking,
 * link up) in the network namespace 'netns' (made by core where it does not
 * exist), or in core's own namespace where 'netns' is empty (the config
 * said host="yes"). 'problem' says what failed.
 */
nestbox::Result<Tap> open_tap(std::string const &name, std::string const &netns, std::string &problem);

/* Names the kernel and 'ip netns' accept, and that fit a grant's encoding */
bool valid_ifname(std::string const &);
bool valid_netns_name(std::string const &);

} /* namespace Core */
