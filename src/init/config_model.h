/*
 * init's config as data: start nodes, routes and what the parent provides
 *
 * Parsing is separate from acting on it, so that a malformed config is
 * rejected as a whole and the running system is compared with a new config
 * by value (dynamic reconfiguration).
 */
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pugixml.hpp>

namespace Init {

/* One target of a route rule: where a matching request goes */
struct Route_target
{
	enum class Kind { PARENT, CHILD, ANY_CHILD };

	Kind                       kind = Kind::PARENT;
	std::string                child { };     /* Kind::CHILD */
	std::optional<std::string> label { };     /* rewrite the label (relative to init) */

	bool operator == (Route_target const &) const = default;
};

/* <service name> or <any-service> with its label filters and targets */
struct Route_rule
{
	std::optional<std::string> service { };   /* nullopt: any service */
	std::optional<std::string> label { }, label_prefix { }, label_suffix { },
	                           label_last { }, unscoped_label { };
	std::vector<Route_target>  targets { };

	/* 'label' is the child's own label, 'unscoped' the one prefixed by its name */
	bool matches(std::string_view service, std::string_view label, std::string_view unscoped) const;

	bool operator == (Route_rule const &) const = default;
};

using Route = std::vector<Route_rule>;

struct Start_node
{
	std::string                name;
	std::string                binary;
	std::string                version { };
	uint64_t                   ram  = 0;
	uint64_t                   caps = 0;
	std::optional<std::string> config { };    /* the inline <config> node as text */
	std::vector<std::string>   provides { };
	Route                      route { };

	bool operator == (Start_node const &) const = default;
};

struct Config_model
{
	std::set<std::string>   parent_provides { };
	Route                   default_route { };
	uint64_t                default_ram  = 0;
	uint64_t                default_caps = 0;
	std::vector<Start_node> starts { };
	bool                    verbose = false;

	Start_node const *start(std::string_view name) const
	{
		for (auto const &s : starts) if (s.name == name) return &s;
		return nullptr;
	}
};

/* A problem with the config: where, and what */
struct Config_error
{
	size_t      offset;   /* byte offset into the config text */
	std::string message;
};

/*
 * Parse an init config. On error, 'error' tells where; the model is then
 * not to be used.
 */
std::optional<Config_model> parse_config(std::string_view text, Config_error &error);

} /* namespace Init */
