/*
 * announce(): a root offered to the parent, and a refusal passed back
 */

#include <gtest/gtest.h>

#include <nestbox/env.h>
#include <nestbox/root_component.h>

#include "test_util.h"

using namespace nestbox;

namespace {

	/* A parent that takes any service with a root capability, except "Refused" */
	struct Fake_parent : Rpc_object<Parent::Session>
	{
		explicit Fake_parent(Entrypoint &) { }

		Result<void> announce(std::string_view service, Capability<Root::Session> root) override
		{
			if (service == "Refused") return failure(Error::DENIED);
			if (!root.valid())        return failure(Error::INVALID_CAP);
			return { };
		}

		Result<Session_grant> session(std::string_view, std::string_view, std::string_view) override {
			return failure(Error::DENIED); }
		Result<void> upgrade(uint32_t, std::string_view) override { return { }; }
		Result<void> close(uint32_t) override { return { }; }
		void exit(int32_t) override { }
		Result<void> resource_request(std::string_view) override { return { }; }
		void resource_avail_sigh(Signal_context_capability) override { }
		void yield_sigh(Signal_context_capability) override { }
		std::string yield_request() override { return { }; }
		void yield_response() override { }
		void heartbeat_sigh(Signal_context_capability) override { }
		void heartbeat_response() override { }
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
		Env env { ep, parent.take_cap(), Capability<Pd::Session>(), Capability<Cpu::Session>(),
		          Capability<Log::Session>() };
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
