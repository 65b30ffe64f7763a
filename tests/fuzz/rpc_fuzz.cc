/*
 * Fuzz target: hostile bytes on an RPC channel
 *
 * The input is sent as one message to an object that implements the parent
 * interface (the interface with the richest arguments) and dispatched by a
 * real entrypoint. Whatever arrives, the server must answer or ignore it and
 * stay able to serve the next, well-formed call.
 */

#include <cstdint>
#include <cstdlib>
#include <sys/socket.h>

#include <nestbox/session/parent.h>

using namespace nestbox;

namespace {

struct Parent_stub : Rpc_object<Parent::Session>
{
	Result<void> announce(std::string_view, Capability<Root::Session>) override { return { }; }
	Result<Session_grant> session(std::string_view s, std::string_view l, std::string_view a) override
	{
		if (s.size() + l.size() + a.size() > MAX_MSG_SIZE) std::abort();
		return failure(Error::DENIED);
	}
	Result<void> upgrade(uint32_t, std::string_view) override { return { }; }
	Result<void> close(uint32_t) override { return { }; }
	void exit(int32_t) override { }
	void idle(int32_t) override { }
	Result<void> resource_request(std::string_view) override { return { }; }
	void resource_avail_sigh(Signal_context_capability) override { }
	void heartbeat_sigh(Signal_context_capability) override { }
	void heartbeat_response() override { }
	void yield_sigh(Signal_context_capability) override { }
	std::string yield_request() override { return "ram_quota=0"; }
	void yield_response() override { }
};

struct Harness
{
	Entrypoint                  ep   { };
	Parent_stub                 stub { };
	Capability<Parent::Session> raw  { std::move(*manage(ep, stub)) };
	Msg_writer                  w    { };
	Msg_reader                  r    { };
};

}


extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	static Harness h;

	if (size > MAX_MSG_SIZE) return 0;
	if (::send(h.raw.fd(), data, size, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) return 0;
	h.ep.dispatch_once(0);

	/* drain whatever reply came back */
	while (Channel::receive(h.raw.fd(), h.r, true).ok()) { }

	/*
	 * The server still answers a well-formed call. It may have disconnected
	 * the misbehaving channel (an empty message reads as a hang-up), so the
	 * check uses a fresh one.
	 */
	h.raw = std::move(*manage(h.ep, h.stub));
	constexpr uint32_t opcode = rpc_opcode<&Parent::Session::yield_request>(Parent::Session::Rpc_functions { });
	Rpc_call_encoder::encode<&Parent::Session::yield_request>(h.w, 1, opcode);
	if (!Channel::send(h.raw.fd(), h.w).ok()) std::abort();
	h.ep.dispatch_once(0);
	if (!Channel::receive(h.raw.fd(), h.r, true).ok()) std::abort();
	if (h.r.header().status != 0 || h.r.header().call_id != 1) std::abort();
	return 0;
}
