/*
 * Remote procedure calls
 *
 * An interface is an abstract class whose functions are listed once, in order:
 *
 *   struct Session {
 *       virtual void write(std::string_view) = 0;
 *       using Rpc_functions = Rpc_list<&Session::write>;
 *   };
 *
 * The list is the whole declaration: the function's position is its opcode,
 * its signature drives the marshalling on both sides. A server derives from
 * 'Rpc_object<Session>' and implements the functions; a client calls
 * 'call<&Session::write>(line)' on an 'Rpc_client<Session>'.
 */
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <nestbox/base/entrypoint.h>
#include <nestbox/base/marshal.h>
#include <nestbox/base/trace.h>

namespace nestbox {

template <auto... FUNCTIONS> struct Rpc_list { };

template <typename> struct Rpc_function_traits;
template <typename R, typename C, typename... A>
struct Rpc_function_traits<R (C::*)(A...)>
{
	using Ret   = R;
	using Class = C;
	using Args  = std::tuple<std::decay_t<A>...>;
};

template <auto> struct Rpc_tag { };

template <auto F, auto... L>
constexpr uint32_t rpc_opcode(Rpc_list<L...>)
{
	uint32_t i = 0, found = ~0u;
	((std::is_same_v<Rpc_tag<F>, Rpc_tag<L>> ? (found = i, i++) : i++), ...);
	return found;
}

/* What a client gets back: the function's own Result, or its value wrapped in one */
template <typename R> struct Client_result_t { using Type = Result<R>; };
template <typename T> struct Client_result_t<Result<T>> { using Type = Result<T>; };
template <typename R> using Client_result = typename Client_result_t<R>::Type;


class Rpc_object_base
{
	private:

		friend class Entrypoint;
		friend struct Channel_binding;

		Entrypoint                    *_ep = nullptr;
		std::vector<int>               _channel_fds { };
		std::weak_ptr<Channel_binding> _current_binding { };
		uint64_t                       _current_call = 0;
		bool                           _reply_deferred = false;

	protected:

		/*
		 * Called from within a dispatched function: the entrypoint sends no
		 * reply now; the object sends it through the returned handle later.
		 */
		Deferred_reply defer_reply()
		{
			_reply_deferred = true;
			return Deferred_reply(_current_binding, _current_call);
		}

	public:

		Rpc_object_base() { }
		Rpc_object_base(Rpc_object_base const &) = delete;
		virtual ~Rpc_object_base();

		/* Decode, call, encode the result; an error becomes the reply's status */
		virtual Result<void> dispatch(uint32_t opcode, Msg_reader &, Msg_writer &) = 0;

		/* The last channel to this object was closed by its holders */
		virtual void all_channels_closed() { }

		size_t num_channels() const { return _channel_fds.size(); }

		/* Whom the object serves, named in the entrypoint's log lines about its channels */
		virtual std::string client_name() const { return { }; }
};


template <typename INTERFACE>
class Rpc_object : public INTERFACE, public Rpc_object_base
{
	private:

		template <typename TUPLE, size_t... I>
		static TUPLE _decode(Msg_reader &r, std::index_sequence<I...>)
		{
			return TUPLE { Marshal<std::tuple_element_t<I, TUPLE>>::get(r)... };
		}

		template <auto F>
		Result<void> _call(Msg_reader &r, Msg_writer &w)
		{
			using Traits = Rpc_function_traits<decltype(F)>;
			using Args   = typename Traits::Args;
			using Ret    = typename Traits::Ret;

			Args args = _decode<Args>(r, std::make_index_sequence<std::tuple_size_v<Args>>());
			if (r.failed())
				return failure(Error::MALFORMED);

			auto invoke = [&] (auto &... a) -> decltype(auto) {
				return (static_cast<INTERFACE &>(*this).*F)(std::move(a)...); };

			if constexpr (std::is_void_v<Ret>) {
				std::apply(invoke, args);
			} else {
				Ret ret = std::apply(invoke, args);
				Marshal<Ret>::put(w, ret);
			}
			return { };
		}

		template <auto... L>
		Result<void> _dispatch(uint32_t opcode, Msg_reader &r, Msg_writer &w, Rpc_list<L...>)
		{
			Result<void> result = failure(Error::INVALID_OPCODE);
			uint32_t i = 0;
			(void)((opcode == i++ ? (result = _call<L>(r, w), true) : false) || ...);
			return result;
		}

	public:

		using Interface_type = INTERFACE;

		Result<void> dispatch(uint32_t opcode, Msg_reader &r, Msg_writer &w) override
		{
			return _dispatch(opcode, r, w, typename INTERFACE::Rpc_functions { });
		}
};


/* Shared by the synchronous and asynchronous clients */
struct Rpc_call_encoder
{
	template <auto F, typename... ARGS>
	static void encode(Msg_writer &w, uint64_t call_id, uint32_t opcode, ARGS &&... args)
	{
		using Args = typename Rpc_function_traits<decltype(F)>::Args;
		static_assert(sizeof...(ARGS) == std::tuple_size_v<Args>, "wrong number of RPC arguments");
		w.reset();
		w.header() = Msg_header { call_id, opcode, 0 };
		_put<Args>(w, std::index_sequence_for<ARGS...>(), std::forward<ARGS>(args)...);
	}

	template <typename ARGS, size_t... I, typename... A>
	static void _put(Msg_writer &w, std::index_sequence<I...>, A &&... a)
	{
		(Marshal<std::tuple_element_t<I, ARGS>>::put(w, std::tuple_element_t<I, ARGS>(std::forward<A>(a))), ...);
	}

	template <typename R>
	static Client_result<R> decode(Msg_reader &r)
	{
		if (r.header().status != 0) {
			int const s = r.header().status;
			return failure(s >= int(Error::PEER_DEAD) && s <= int(Error::UNAVAILABLE) ? Error(s) : Error::MALFORMED);
		}
		if (r.caps_lost()) return failure(Error::OUT_OF_CAPS);
		if constexpr (std::is_void_v<R>) {
			return { };
		} else if constexpr (Is_result<R>::value) {
			R ret = Marshal<R>::get(r);
			if (r.failed()) return failure(Error::MALFORMED);
			return ret;
		} else {
			R ret = Marshal<R>::get(r);
			if (r.failed()) return failure(Error::MALFORMED);
			return Result<R>(std::move(ret));
		}
	}
};


/* Blocking client: one call at a time on its own channel */
template <typename INTERFACE>
class Rpc_client
{
	private:

		Capability<INTERFACE> _cap;
		std::mutex            _mutex { };
		bool                  _dead = false;

		/* shared per thread: messages are large and calls never nest on one thread */
		struct Buffers { Msg_writer w; Msg_reader r; };
		static Buffers &_buffers() { thread_local Buffers b; return b; }

		static uint64_t _new_call_id()
		{
			static std::atomic<uint64_t> next { 1 };
			return next.fetch_add(1, std::memory_order_relaxed);
		}

	public:

		using Interface = INTERFACE;

		Rpc_client() { }
		explicit Rpc_client(Capability<INTERFACE> &&cap) : _cap(std::move(cap)) { }

		bool valid() const { return _cap.valid() && !_dead; }
		Capability<INTERFACE> const &cap() const { return _cap; }

		/* Take over a (new) channel */
		void assign(Capability<INTERFACE> &&cap)
		{
			std::lock_guard guard(_mutex);
			_cap  = std::move(cap);
			_dead = false;
		}

		template <auto F, typename... ARGS>
		auto call(ARGS &&... args)
		{
			using Ret = typename Rpc_function_traits<decltype(F)>::Ret;
			constexpr uint32_t opcode = rpc_opcode<F>(typename INTERFACE::Rpc_functions { });
			static_assert(opcode != ~0u, "function is not listed in the interface's Rpc_functions");

			std::lock_guard guard(_mutex);
			Buffers &b = _buffers();
			uint64_t const id = _new_call_id();
			Rpc_call_encoder::encode<F>(b.w, id, opcode, std::forward<ARGS>(args)...);

			if (!_cap.valid() || _dead)
				return Client_result<Ret>(failure(Error::PEER_DEAD));

			trace::rpc_call(id, opcode);
			if (auto sent = Channel::send(_cap.fd(), b.w); !sent) {
				if (sent.error() == Error::PEER_DEAD) _dead = true;
				return Client_result<Ret>(failure(sent.error()));
			}
			for (;;) {
				auto received = Channel::receive(_cap.fd(), b.r, false);
				if (!received) {
					_dead = true;
					return Client_result<Ret>(failure(Error::PEER_DEAD));
				}
				if (b.r.header().call_id == id) break;
				/* a stale reply cannot happen on a serialised channel; drop it */
			}
			trace::rpc_return(id, opcode);
			return Rpc_call_encoder::decode<Ret>(b.r);
		}
};


/*
 * Non-blocking client for a component that must never wait on its peer (a
 * parent calling a child's root): calls return at once, the result arrives
 * in 'done' on the entrypoint. If the peer dies, every pending call completes
 * with Error::PEER_DEAD. A call the peer's socket does not take now waits in
 * a bounded send queue; beyond its bound a call fails at once with
 * Error::UNAVAILABLE (a peer that reads no requests gets no more of them).
 * Towards the component's own parent the queue is unbounded.
 */
template <typename INTERFACE>
class Async_rpc_client : private Io_handler
{
	private:

		using Completion = std::function<void(Msg_reader *)>;   /* nullptr: peer dead */

		Entrypoint                              &_ep;
		Capability<INTERFACE>                    _cap;
		uint64_t                                 _next_id = 1;
		std::unordered_map<uint64_t, Completion> _pending { };
		Send_queue                               _unsent { };
		bool                                     _dead = false;
		std::shared_ptr<bool>                    _alive = std::make_shared<bool>(true);

		void _fail_all()
		{
			_dead = true;
			if (_cap.valid()) _ep.unwatch(_cap.fd());
			auto pending = std::move(_pending);
			_pending.clear();
			std::weak_ptr<bool> alive = _alive;
			for (auto &[id, done] : pending) {
				done(nullptr);
				if (alive.expired()) return;
			}
		}

		void handle_io(uint32_t events) override
		{
			if (events & 0x004 /* EPOLLOUT */) {
				auto flushed = _unsent.flush(_cap.fd());
				if (!flushed) { _fail_all(); return; }
				if (*flushed) _ep.watch(_cap.fd(), *this, 0x001 /* EPOLLIN */);
			}
			if (!(events & ~0x004u)) return;

			thread_local Msg_reader r;
			if (auto received = Channel::receive(_cap.fd(), r, true); !received) {
				if (received.error() != Error::UNAVAILABLE) _fail_all();
				return;
			}
			auto it = _pending.find(r.header().call_id);
			if (it == _pending.end()) return;  /* unsolicited: ignore */
			Completion done = std::move(it->second);
			_pending.erase(it);
			done(&r);
		}

	public:

		Async_rpc_client(Entrypoint &ep, Capability<INTERFACE> &&cap,
		                 Send_queue::Bound bound = Send_queue::Bound::BOUNDED)
		: _ep(ep), _cap(std::move(cap)), _unsent(bound)
		{
			if (_cap.valid()) _ep.watch(_cap.fd(), *this, 0x001 /* EPOLLIN */);
			else _dead = true;
		}

		~Async_rpc_client() { *_alive = false; if (_cap.valid() && !_dead) _ep.unwatch(_cap.fd()); }

		bool dead() const { return _dead; }
		size_t pending() const { return _pending.size(); }

		template <auto F, typename DONE, typename... ARGS>
		void call(DONE &&done, ARGS &&... args)
		{
			using Ret = typename Rpc_function_traits<decltype(F)>::Ret;
			constexpr uint32_t opcode = rpc_opcode<F>(typename INTERFACE::Rpc_functions { });
			static_assert(opcode != ~0u, "function is not listed in the interface's Rpc_functions");

			thread_local Msg_writer w;
			uint64_t const id = _next_id++;
			Rpc_call_encoder::encode<F>(w, id, opcode, std::forward<ARGS>(args)...);

			auto finish = [done = std::forward<DONE>(done)] (Msg_reader *r, Error e) mutable {
				if (!r) done(Client_result<Ret>(failure(e)));
				else    done(Rpc_call_encoder::decode<Ret>(*r));
			};
			auto fail_later = [&] (Error e) {
				_ep.schedule([finish = std::move(finish), e] () mutable { finish(nullptr, e); }); };

			if (_dead) { fail_later(Error::PEER_DEAD); return; }

			trace::rpc_call(id, opcode);
			auto sent = _unsent.send(_cap.fd(), w);
			if (!sent) {
				Error const e = sent.error();
				fail_later(e == Error::OUT_OF_RAM  ? Error::UNAVAILABLE
				         : e == Error::OUT_OF_CAPS ? Error::OUT_OF_CAPS : Error::PEER_DEAD);
				return;
			}
			if (*sent == Send_queue::Sent::QUEUED && _unsent.messages() == 1)
				_ep.watch(_cap.fd(), *this, 0x001 | 0x004 /* EPOLLIN | EPOLLOUT */);
			_pending.emplace(id, [finish = std::move(finish)] (Msg_reader *r) mutable {
				finish(r, Error::PEER_DEAD); });
		}
};


/* Mint a fresh channel to the object behind 'cap' (keeping a copy is explicit) */
Result<Unique_fd> copy_channel(Untyped_capability const &cap);

template <typename I>
Result<Capability<I>> copy(Capability<I> const &cap)
{
	auto fd = copy_channel(cap);
	if (!fd) return failure(fd.error());
	return Capability<I>(std::move(*fd));
}

/* Manage a typed object at an entrypoint and hand out a first capability */
template <typename I>
Result<Capability<I>> manage(Entrypoint &ep, Rpc_object<I> &obj)
{
	auto fd = ep.mint(obj);
	if (!fd) return failure(fd.error());
	return Capability<I>(std::move(*fd));
}

} /* namespace nestbox */
