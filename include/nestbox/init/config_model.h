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

	/* label rewriting: the whole label, its identity part, its resource part */
	std::optional<std::string> label { }, identity { }, resource { }, prepend_resource { };

	/* The label the server sees for a request labelled 'label' (as init sees it) */
	std::string rewritten(std::string const &label) const;

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

/* A host resource that core opens for a component (<host> of a start node) */
struct Host_grant
{
	enum class Kind { TCP_LISTEN, DEVICE, DIRECTORY, X11, FILE, TAP };

	Kind        kind;
	std::string address { };     /* TCP_LISTEN */
	unsigned    port = 0;        /* TCP_LISTEN */
	std::string path { };        /* DEVICE, DIRECTORY, FILE; X11: the display, e.g. ":0"; TAP: its name */
	std::string netns { };       /* TAP: the network namespace; empty: the host's (host="yes") */
	bool        writeable = false;

	/* As core receives it in the PD session's "host" argument */
	std::string encoded() const;

	bool operator == (Host_grant const &) const = default;
};

/*
 * <restart on="crash" max="5" within_s="60" backoff_ms="100"/> of a start
 * node: our extension (Genode's init restarts only on a version change or a
 * missed heartbeat). A child that ends as 'on' says is started again after
 * a delay, with the children that hold sessions to it, at most 'max' times
 * within any 'within_s' seconds; then init gives up and says so.
 */
struct Restart_policy
{
	enum class On { CRASH, FAILURE };   /* killed by a signal; or that, or a non-zero exit value */

	On       on = On::CRASH;
	unsigned max = 5;                   /* 1 .. 1000 */
	unsigned within_s = 60;             /* 1 .. 86400 */
	unsigned backoff_ms = 100;          /* 0 .. 60000: before the first restart, doubled for each next */

	static constexpr unsigned MAX_DELAY_MS = 30000;   /* the doubling stops there */

	/* whether a child that ended with 'exit_value' (negative: killed by that signal) is restarted */
	bool applies(int exit_value) const { return exit_value < 0 || (on == On::FAILURE && exit_value != 0); }

	bool operator == (Restart_policy const &) const = default;
};

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
	unsigned                   restart_after_skipped = 0;   /* heartbeats; 0: never */
	std::optional<Restart_policy> restart { };               /* <restart>: after a crash */
	std::vector<Host_grant>    host { };
	bool                       affinity = false;   /* has an <affinity> (no effect on Linux) */

	bool operator == (Start_node const &) const = default;
};

/* <report> of init's config: what the state report contains */
struct Report_detail
{
	bool     ids = false, requested = false, provided = false, session_args = false,
	         child_ram = false, child_caps = false, init_ram = false, init_caps = false;
	uint64_t delay_ms = 100;
	uint64_t buffer   = 4096;

	bool operator == (Report_detail const &) const = default;
};

/* <service name> of init's config: a child's service offered to init's parent */
struct Service_export
{
	struct Policy
	{
		std::optional<std::string> label { }, label_prefix { }, label_suffix { }, label_last { };
		bool                       is_default = false;
		std::string                child;                 /* the providing child */
		std::optional<std::string> rewrite_label { };     /* label presented to it */

		bool operator == (Policy const &) const = default;
	};

	std::string         name;
	std::vector<Policy> policies { };

	/* Genode's policy precedence; nullptr: denied */
	Policy const *select(std::string_view label) const;

	bool operator == (Service_export const &) const = default;
};

struct Config_model
{
	std::string                  version { };
	std::set<std::string>        parent_provides { };
	Route                        default_route { };
	uint64_t                     default_ram  = 0;
	uint64_t                     default_caps = 0;
	uint64_t                     preserve_ram = 0;
	bool                         affinity_space = false;   /* has an <affinity-space> */
	std::vector<Start_node>      starts { };
	std::vector<std::pair<std::string, std::string>> aliases { };   /* alias -> child */
	std::vector<Service_export>  services { };
	std::optional<Report_detail> report { };
	uint64_t                     heartbeat_ms = 0;
	bool                         verbose = false;

	Start_node const *start(std::string_view name) const
	{
		for (auto const &s : starts) if (s.name == name) return &s;
		return nullptr;
	}

	/* The child a <child name> target means, resolving an <alias> */
	std::string_view resolve_alias(std::string_view name) const
	{
		for (auto const &[alias, child] : aliases) if (alias == name) return child;
		return name;
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
