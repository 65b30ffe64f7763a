/*
 * Routing a session request on paper, the way init routes it at run time
 */
#pragma once

#include <string>
#include <vector>

#include <nestbox/init/config_model.h>

namespace Check {

/* Where init would send a session request of a start node */
struct Resolution
{
	enum class Kind { NONE, INIT, PARENT, CHILD };

	Kind                     kind = Kind::NONE;
	std::string              server { };        /* Kind::CHILD: the serving start node */
	bool                     no_rule = false;   /* not even a rule matched */
	std::vector<std::string> skipped { };       /* why targets were passed over */
	std::vector<std::string> ambiguities { };   /* <any-child/> targets with several candidates */
};

/*
 * 'label' is the one the client asks with (empty for most sessions), as in
 * Init::Main::route: the rule matches against it and against the label
 * prefixed with the client's name.
 */
Resolution resolve(Init::Config_model const &, Init::Start_node const &client,
                   std::string const &service, std::string const &label);

/* "\"a\"" or "\"a\", \"b\" and \"c\"" */
std::string quoted_list(std::vector<std::string> const &names);

} /* namespace Check */
