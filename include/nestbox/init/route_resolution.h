/*
 * Where a session request goes: init's routing rules as a pure function
 *
 * init resolves every session request of a child with it at run time;
 * 'nestbox check' resolves the requests of every start node with it before
 * anything runs. The two differ only in the children they pass: init those
 * that exist and have not exited, the checker every start node of the
 * config. Whether a chosen child has announced the service yet is not the
 * resolution's business: init then waits for it, it never falls back.
 */
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nestbox/init/config_model.h>

namespace Init {

/* A child a route may lead to: its name and what its <provides> declares */
struct Route_server
{
	std::string_view             name;
	std::span<std::string const> provides;

	bool declares(std::string_view service) const
	{
		for (auto const &p : provides) if (p == service) return true;
		return false;
	}
};

/* A target of the matching rule that was passed over, and why */
struct Skipped_target
{
	enum class Why {
		NOT_IN_PARENT_PROVIDES,   /* <parent/> */
		NO_SUCH_CHILD,            /* <child name>: no child of that name */
		NOT_DECLARED,             /* <child name>: the child does not declare the service */
		NO_CANDIDATE,             /* <any-child/>: no other child declares it */
		AMBIGUOUS,                /* <any-child/>: several do; resolution stops here */
	};

	Route_target const      &target;
	Why                      why;
	std::string              child { };        /* NO_SUCH_CHILD, NOT_DECLARED: aliases resolved */
	std::vector<std::string> candidates { };   /* AMBIGUOUS */
};

struct Route_resolution
{
	enum class Kind {
		NO_RULE,       /* no rule of <route> or <default-route> matches */
		UNAVAILABLE,   /* a rule matches, but none of its targets can serve */
		INIT,          /* init serves it: the "config" ROM of an inline <config> */
		PARENT,        /* init's parent */
		CHILD,         /* the child 'server' */
	};

	Kind                        kind = Kind::NO_RULE;
	Route_target const         *target = nullptr;   /* PARENT, CHILD: the one taken (label rewriting) */
	std::string                 server { };         /* CHILD */
	std::vector<Skipped_target> skipped { };        /* in the order the targets were tried */
};

/*
 * Resolve a request of 'client' for 'service'. 'label' is the one the client
 * asks with: a rule matches against it and against the label prefixed with
 * the client's name (unscoped_label). The ROM of the client's binary
 * ('binary_rom') is asked for by the binary's name alone, as in Genode: its
 * unscoped_label is that name, without the client's. The result points into
 * 'model' and 'client'.
 */
Route_resolution resolve_route(Config_model const &model, Start_node const &client,
                               std::span<Route_server const> servers,
                               std::string_view service, std::string_view label,
                               bool binary_rom = false);

} /* namespace Init */
