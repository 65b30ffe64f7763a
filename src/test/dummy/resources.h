/*
 * Quota the dummy consumes on request and gives back when its parent asks
 *
 * They let a scenario drive a component into a quota shortage or check that
 * the parent's accounting follows the component's allocations.
 */
#pragma once

#include <nestbox/base/dataspace.h>
#include <nestbox/env.h>
#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

namespace Dummy {

	using namespace nestbox;

	class Ram_consumer;
	class Cap_consumer;
	class Yield_handler;
}


class Dummy::Ram_consumer
{
	private:

		Env &_env;

		uint64_t           _amount = 0;
		Attached_dataspace _ds { };

		/* Linux allocates lazily: only touched pages count as used memory */
		static void _touch(Attached_dataspace &ds)
		{
			auto bytes = ds.bytes();
			for (size_t i = 0; i < bytes.size(); i += 4096)
				bytes[i] = std::byte { 1 };
		}

	public:

		explicit Ram_consumer(Env &env) : _env(env) { }

		Ram_consumer(Ram_consumer const &) = delete;

		void release()
		{
			if (!_amount)
				return;

			log("release ", Arg_string::format_size(_amount), " bytes of memory");

			/* unmap first so that the memory is really gone once core frees it */
			Dataspace_capability ds = _ds.cap().copy();
			_ds = Attached_dataspace();
			if (ds.valid())
				(void)_env.pd().free(std::move(ds));

			_amount = 0;
		}

		void consume(uint64_t amount)
		{
			if (_amount)
				release();

			log("consume ", Arg_string::format_size(amount), " bytes of memory");

			if (!amount)
				return;

			/* beyond the quota, this asks the parent for more and waits (as in Genode) */
			auto ds = _env.alloc(amount);
			if (!ds) {
				error("consume_ram: allocation of ", Arg_string::format_size(amount),
				      " bytes failed: ", error_name(ds.error()));
				return;
			}

			_ds = Attached_dataspace(std::move(*ds));
			if (_ds.valid())
				_touch(_ds);
			else
				warning("consume_ram: dataspace could not be mapped, memory stays untouched");

			_amount = amount;
		}
};


class Dummy::Cap_consumer
{
	private:

		Env &_env;

		uint32_t _amount = 0;

	public:

		explicit Cap_consumer(Env &env) : _env(env) { }

		Cap_consumer(Cap_consumer const &) = delete;

		void release()
		{
			if (!_amount)
				return;

			log("release ", _amount, " caps");
			(void)_env.pd().free_caps(_amount);
			_amount = 0;
		}

		void consume(uint32_t amount)
		{
			if (_amount)
				release();

			log("consume ", amount, " caps");

			if (!amount)
				return;

			/*
			 * Genode's dummy creates RPC objects to use up capabilities. Here a
			 * capability is a file descriptor, so charging the PD's cap quota
			 * directly has the same effect on the accounting; beyond the quota,
			 * the dummy asks its parent for the whole amount and waits, as
			 * Genode's expanding PD does.
			 */
			if (auto charged = _env.alloc_caps(amount); !charged) {
				error("consume_caps: charging ", amount, " caps failed: ",
				      error_name(charged.error()));
				return;
			}

			_amount = amount;
		}
};


/*
 * Answers the parent's yield requests by giving back everything consumed
 */
class Dummy::Yield_handler
{
	private:

		Env &_env;

		Ram_consumer &_ram;
		Cap_consumer &_caps;

		void _handle_yield()
		{
			log("got yield request");
			_ram.release();
			_caps.release();
			(void)_env.parent().yield_response();
		}

		Signal_handler<Yield_handler> _handler { _env.ep(), *this, &Yield_handler::_handle_yield };

	public:

		Yield_handler(Env &env, Ram_consumer &ram, Cap_consumer &caps)
		: _env(env), _ram(ram), _caps(caps)
		{
			(void)_env.parent().yield_sigh(_handler.cap());
		}

		Yield_handler(Yield_handler const &) = delete;
};
