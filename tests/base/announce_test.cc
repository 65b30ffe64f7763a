/*
 * announce(): a root offered to the parent, and a refusal passed back
 */

#include <gtest/gtest.h>

#include <nestbox/env.h>
#include <nestbox/root_component.h>

#include "test_util.h"

using namespace nestbox;

namespace {

	/*
	 * The one function of the parent that 'announce' calls. Served alone, so
	 * that the fake needs nothing else of the parent's interface: the wire
	 * names a function by its place in the list, and announce is the first.
	 */
	struct Announce_only
	{
		virtual ~Announce_only() = default;
		virtual Result<void> announce(std::string_view service, Capability<Root::Session> root) = 0;

		using Rpc_functions = Rpc_list<&Announce_only::announce>;
	};

	static_assert(rpc_opcode<&Parent::Session::announce>(Parent::Session::Rpc_functions { }) ==
	              rpc_opcode<&Announce_only::announce>(Announce_only::Rpc_functions { }));

	/* A parent that takes any service with a root capability, except "Refused" */
	struct Fake_parent : Rpc_object<Announce_only>
	{
		explicit Fake_parent(Entrypoint &) { }

		Result<void> announce(std::string_view service, Capability<Root::Session> root) override
		{
			if (service == "Refused") return failure(Error::DENIED);
			if (!root.valid())        return failure(Error::INVALID_CAP);
			return { };
		}
	};

	struct Nothing : Rpc_object<Log::Session>
	{
		void write(std::string_view) override { }
	};

	struct Nothing_root : Root_component<Nothing>
	{
		using Root_component::Root_component;

		Result<std::unique_ptr<Nothing>> _create_session(std::string_view) override {
			return std::make_unique<Nothing>(); }
	};

	struct Component
	{
		Server_process<Fake_parent> parent { };
		Entrypoint ep { };
		Env env { ep, Capability<Parent::Session>(parent.take_cap()), Capability<Pd::Session>(),
		          Capability<Cpu::Session>(), Capability<Log::Session>() };
		Nothing_root root { ep };
	};
}


TEST(Announce, offers_the_root_to_the_parent)
{
	Component c;
	EXPECT_EQ(c.root.num_channels(), 0u);

	auto const announced = announce(c.env, "Nothing", c.root);
	EXPECT_TRUE(announced.ok());

	/* the capability the parent got is a channel of the component's entrypoint */
	EXPECT_EQ(c.root.num_channels(), 1u);
}


TEST(Announce, returns_the_parents_refusal)
{
	Component c;
	auto const announced = announce(c.env, "Refused", c.root);
	ASSERT_FALSE(announced.ok());
	EXPECT_EQ(announced.error(), Error::DENIED);
}
