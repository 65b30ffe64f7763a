/*
 * Entrypoint: the one thread that dispatches RPC requests, replies to
 * asynchronous calls, signals and other I/O of a component.
 *
 * Every channel end of an RPC object, every signal handler's pipe and every
 * other watched descriptor sits in one epoll set; the descriptor that became
 * readable names the object.
 */
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <nestbox/base/busy_poll.h>
#include <nestbox/base/capability.h>
#include <nestbox/base/message.h>
#include <nestbox/base/send_queue.h>

struct epoll_event;

namespace nestbox {

class Entrypoint;
class Rpc_object_base;

/* Anything the entrypoint wakes up for */
struct Io_handler
{
	virtual void handle_io(uint32_t epoll_events) = 0;
	virtual ~Io_handler() = default;
};

/*
 * The server end of one channel, bound to one RPC object
 *
 * Replies are sent without waiting. Those the client's socket does not take
 * wait in 'replies'; meanwhile the channel is throttled: the entrypoint
 * watches it for writability only and reads no further request, so a client
 * that does not read its replies stops nobody but itself.
 */
struct Channel_binding : Io_handler
{
	Entrypoint      &ep;
	Unique_fd        server_end;
	Rpc_object_base *object;
	ino_t            client_inode;

	Send_queue replies { };
	bool       throttled       = false;
	uint64_t   throttled_since = 0;      /* ms on CLOCK_MONOTONIC */
	bool       throttle_logged = false;  /* once per channel, not per message */
	bool       dropped         = false;  /* disconnected, removal scheduled */

	Channel_binding(Entrypoint &ep, Unique_fd &&fd, Rpc_object_base &obj, ino_t ino)
	: ep(ep), server_end(std::move(fd)), object(&obj), client_inode(ino) { }

	void handle_io(uint32_t) override;
};

/* A reply that the object gives later, e.g. once a routed session is granted */
class Deferred_reply
{
	private:

		std::weak_ptr<Channel_binding> _binding;
		uint64_t                       _call_id = 0;

	public:

		Deferred_reply() { }
		Deferred_reply(std::weak_ptr<Channel_binding> b, uint64_t id) : _binding(b), _call_id(id) { }

		bool valid() const { return !_binding.expired(); }

		/* Sends the reply whose payload 'fill' writes; a vanished caller is ignored */
		void send(std::function<void(Msg_writer &)> const &fill);
};

/* How many channels a client can make to one object by copying its capability */
enum : size_t { MAX_CHANNELS_PER_OBJECT = 32 };

/* How long a throttled client may leave its replies unread before it is disconnected */
enum : unsigned { UNREAD_REPLY_TIMEOUT_MS = 5000 };

class Entrypoint
{
	private:

		Unique_fd _epoll;

		std::unordered_map<int, Io_handler *> _watches;   /* by descriptor */

		std::unordered_map<int, std::shared_ptr<Channel_binding>> _bindings;      /* by server fd */
		std::unordered_map<ino_t, std::weak_ptr<Channel_binding>> _by_client_ino;

		std::deque<std::function<void()>> _scheduled;

		bool _exit = false;

		Busy_poll _busy_poll { };

		/*
		 * When the first throttled channel's time is up (ms on
		 * CLOCK_MONOTONIC, 0: none); 'dispatch_once' wakes for it. No timer
		 * descriptor: a sealed component may not create one.
		 */
		uint64_t _throttle_deadline = 0;

		friend struct Channel_binding;
		friend class Deferred_reply;

		/* Run what 'schedule' queued, including what that queues */
		void _run_scheduled();

		/*
		 * epoll_wait for up to 'timeout_ms' (-1: no limit), woken early for
		 * a throttled channel's deadline: if that passed, the throttled
		 * channels were checked ('deadline_checked', which counts as
		 * dispatch). Returns the number of events (0 on a timeout).
		 */
		int _wait(::epoll_event *events, int max, int timeout_ms, bool &deadline_checked);

		void _dispatch_request(Channel_binding &, Msg_reader &);
		void _send_reply(std::shared_ptr<Channel_binding> const &, Msg_writer &);
		void _throttle(Channel_binding &);
		void _unthrottle(Channel_binding &);
		void _disconnect(std::shared_ptr<Channel_binding> const &, std::string const &reason);
		void _check_throttled();
		void _remove_binding(int server_fd);
		void _bind(Unique_fd &&server_end, Rpc_object_base &, ino_t client_ino);

	public:

		Entrypoint();
		Entrypoint(Entrypoint const &) = delete;

		/* Watch a descriptor; the handler must outlive the watch */
		void watch(int fd, Io_handler &, uint32_t events);
		void unwatch(int fd);

		/* Mint a fresh channel to 'obj'; returns the client end */
		Result<Unique_fd> mint(Rpc_object_base &obj);

		/* Serve 'obj' on a server end made elsewhere (e.g. inherited at start) */
		void adopt(Unique_fd &&server_end, Rpc_object_base &obj);

		/* Close every channel of 'obj' */
		void dissolve(Rpc_object_base &obj);

		/* The local object behind a capability, if it is one of ours */
		Rpc_object_base *lookup(Untyped_capability const &cap);

		template <typename T>
		T *lookup_as(Untyped_capability const &cap) { return dynamic_cast<T *>(lookup(cap)); }

		/* Spinning before a sleep, off unless a component sets a bound (base/busy_poll.h) */
		Busy_poll &busy_poll() { return _busy_poll; }

		/* Run 'fn' after the current dispatch, before waiting again */
		void schedule(std::function<void()> fn) { _scheduled.push_back(std::move(fn)); }

		/* Dispatch what is pending; wait at most timeout_ms (-1: forever). False on timeout. */
		bool dispatch_once(int timeout_ms = -1);

		/* Dispatch until 'stop' is called */
		void run();
		void stop() { _exit = true; }
};

} /* namespace nestbox */
