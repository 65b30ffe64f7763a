/*
 * Signals: asynchronous, counting, coalescing notifications
 *
 * A handler owns a pipe. Its capability is the write end, which can only
 * submit; the read end stays in the receiver's entrypoint.
 * Submissions that arrive before the handler runs are coalesced into one
 * call that sees their count. A submission never blocks.
 */
#pragma once

#include <nestbox/base/entrypoint.h>
#include <nestbox/base/trace.h>

namespace nestbox {

struct Signal_transmitter
{
	/* Submit one signal; a full pipe means the receiver is already woken */
	static void submit(Signal_context_capability const &cap);
};

/* The two ends of a signal context */
struct Signal_pair
{
	Unique_fd receive_end { };
	Unique_fd submit_end  { };

	static Result<Signal_pair> create();

	/* A fresh submit-only capability */
	Signal_context_capability cap() const;

	/* Take all pending submissions; returns how many there were */
	static unsigned drain(int receive_end);

	/*
	 * Block until a signal arrives, outside of any entrypoint (a blocking
	 * sleep, waiting for the parent to grant resources)
	 */
	void wait() const;
};

class Signal_handler_base : private Io_handler
{
	private:

		Entrypoint &_ep;
		Signal_pair _pair { };
		unsigned    _last_count = 0;

		void handle_io(uint32_t) override;

	protected:

		virtual void _dispatch(unsigned count) = 0;

	public:

		explicit Signal_handler_base(Entrypoint &ep);
		~Signal_handler_base();
		Signal_handler_base(Signal_handler_base const &) = delete;

		/* A fresh submit-only end for a signal source */
		Signal_context_capability cap() const;

		/* How many submissions the last dispatch coalesced */
		unsigned last_count() const { return _last_count; }

		/* Local submission, e.g. to defer work to the entrypoint */
		void local_submit();
};

/*
 * Handler calling a member function: 'void T::fn()' or 'void T::fn(unsigned count)'
 */
template <typename T>
class Signal_handler : public Signal_handler_base
{
	private:

		using Plain    = void (T::*)();
		using Counting = void (T::*)(unsigned);

		T       &_obj;
		Plain    _plain    = nullptr;
		Counting _counting = nullptr;

		void _dispatch(unsigned count) override
		{
			if (_plain) (_obj.*_plain)();
			else        (_obj.*_counting)(count);
		}

	public:

		Signal_handler(Entrypoint &ep, T &obj, Plain fn)    : Signal_handler_base(ep), _obj(obj), _plain(fn) { }
		Signal_handler(Entrypoint &ep, T &obj, Counting fn) : Signal_handler_base(ep), _obj(obj), _counting(fn) { }
};

} /* namespace nestbox */
