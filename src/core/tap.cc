/*
 * TAP devices for <host><tap/> grants
 *
 * The namespace work happens in a thread of its own: setns(CLONE_NEWNET)
 * and unshare(CLONE_NEWNET) change only the calling thread's network
 * namespace, so core's other threads (its entrypoint) stay where they are.
 * A TAP device belongs to the namespace its creator was in; its descriptor
 * works from anywhere, so the component, in an empty namespace of its own,
 * reads and writes the frames of an interface it cannot otherwise see.
 */

#include "tap.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace nestbox;

namespace {

constexpr char const *NETNS_DIR = "/run/netns";

/* ip-netns(8): "ip netns add" mounts the namespace on a file there */
std::string netns_path(std::string const &name) { return std::string(NETNS_DIR) + "/" + name; }

std::string errno_text(char const *what) { return std::string(what) + ": " + std::strerror(errno); }

/* Make and name a namespace for the calling thread, as 'ip netns add' does */
bool make_netns(std::string const &path, std::string &problem)
{
	::mkdir("/run", 0755);
	::mkdir(NETNS_DIR, 0755);
	Unique_fd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
	if (!file.valid()) { problem = errno_text(("cannot create " + path).c_str()); return false; }
	file.reset();
	if (::unshare(CLONE_NEWNET) < 0) {
		problem = errno_text("cannot make a network namespace");
		::unlink(path.c_str());
		return false;
	}
	std::string const self = "/proc/self/task/" + std::to_string(::gettid()) + "/ns/net";
	if (::mount(self.c_str(), path.c_str(), "none", MS_BIND, nullptr) < 0) {
		problem = errno_text(("cannot name the network namespace " + path).c_str());
		::unlink(path.c_str());
		return false;
	}
	return true;
}

Unique_fd create_tap(std::string const &name, std::string &problem)
{
	Unique_fd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
	if (!fd.valid()) { problem = errno_text("cannot open /dev/net/tun"); return { }; }

	ifreq ifr { };
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
	if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
		problem = errno_text(("cannot create TAP device " + name).c_str());
		return { };
	}

	/* whole frames as they are: no checksum or segmentation offloads */
	if (::ioctl(fd.get(), TUNSETOFFLOAD, 0UL) < 0) {
		problem = errno_text(("cannot switch offloads off on " + name).c_str());
		return { };
	}

	/* the link goes up; addresses on the host side are the administrator's */
	Unique_fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	ifreq up { };
	std::strncpy(up.ifr_name, name.c_str(), IFNAMSIZ - 1);
	if (!sock.valid() || ::ioctl(sock.get(), SIOCGIFFLAGS, &up) < 0) {
		problem = errno_text(("cannot read the flags of " + name).c_str());
		return { };
	}
	up.ifr_flags = short(up.ifr_flags | IFF_UP);
	if (::ioctl(sock.get(), SIOCSIFFLAGS, &up) < 0) {
		problem = errno_text(("cannot bring " + name + " up").c_str());
		return { };
	}
	return fd;
}

}


Core::Owned_netns::~Owned_netns()
{
	if (_path.empty()) return;
	::umount2(_path.c_str(), MNT_DETACH);
	::unlink(_path.c_str());
}


bool Core::valid_ifname(std::string const &s)
{
	if (s.empty() || s.size() >= IFNAMSIZ || s == "." || s == "..") return false;
	for (char c : s)
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
	return true;
}


bool Core::valid_netns_name(std::string const &s)
{
	if (s.empty() || s.size() > 64 || s == "." || s == "..") return false;
	for (char c : s)
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
	return true;
}


Result<Core::Tap> Core::open_tap(std::string const &name, std::string const &netns, std::string &problem)
{
	if (!valid_ifname(name)) { problem = "invalid TAP name \"" + name + "\""; return failure(Error::INVALID_ARGS); }
	if (!netns.empty() && !valid_netns_name(netns)) {
		problem = "invalid network namespace name \"" + netns + "\"";
		return failure(Error::INVALID_ARGS);
	}

	Tap tap;
	if (netns.empty()) {
		tap.fd = create_tap(name, problem);
		if (!tap.fd.valid()) return failure(Error::UNAVAILABLE);
		return tap;
	}

	/* a thread of its own enters (or makes) the namespace; it ends with it */
	std::string const path = netns_path(netns);
	std::thread worker([&] {
		Unique_fd existing(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
		if (existing.valid()) {
			if (::setns(existing.get(), CLONE_NEWNET) < 0) {
				problem = errno_text(("cannot enter the network namespace " + path).c_str());
				return;
			}
		} else if (errno != ENOENT) {
			problem = errno_text(("cannot open " + path).c_str());
			return;
		} else {
			if (!make_netns(path, problem)) return;
			tap.netns = Owned_netns(path);
		}
		tap.fd = create_tap(name, problem);
	});
	worker.join();

	if (!tap.fd.valid()) return failure(Error::UNAVAILABLE);   /* 'tap.netns' goes with it */
	return tap;
}
