/*
 * Routing a session request on paper
 *
 * The resolution is init's own (Init::resolve_route of the init_config
 * library). What only exists at run time does not matter to it: a child that
 * exists and declares the service is taken even before it announces the
 * service, because init then waits for it instead of trying the next target.
 */

#include "check_routing.h"

using namespace Check;
using Init::Route_resolution;
using Init::Skipped_target;

std::string Check::quoted_list(std::vector<std::string> const &names)
{
	std::string s;
	for (size_t i = 0; i < names.size(); i++) {
		if (i) s += i + 1 == names.size() ? " and " : ", ";
		s += "\"" + names[i] + "\"";
	}
	return s;
}


Route_resolution Check::resolve(Init::Config_model const &model, Init::Start_node const &client,
                                std::string const &service, std::string const &label)
{
	/* before anything runs, every start node may serve */
	std::vector<Init::Route_server> servers;
	for (auto const &s : model.starts) servers.push_back({ s.name, s.provides });
	/* init asks for the binary by its name alone (unscoped), as Genode's does */
	bool const binary_rom = service == "ROM" && label == client.binary;
	return Init::resolve_route(model, client, servers, service, label, binary_rom);
}


std::vector<std::string> Check::skipped_texts(Route_resolution const &r, std::string const &service)
{
	std::vector<std::string> texts;
	for (Skipped_target const &s : r.skipped) {
		std::string const &named = s.target.child;
		std::string const shown = s.child == named ? "\"" + s.child + "\""
		                        : "\"" + named + "\" (alias of \"" + s.child + "\")";
		switch (s.why) {
		case Skipped_target::Why::NOT_IN_PARENT_PROVIDES:
			texts.push_back("<parent/>: \"" + service + "\" is not in <parent-provides>");
			break;
		case Skipped_target::Why::NO_SUCH_CHILD:
			texts.push_back("<child name=\"" + named + "\"/>: there is no child " + shown);
			break;
		case Skipped_target::Why::NOT_DECLARED:
			texts.push_back("<child name=\"" + named + "\"/>: child " + shown
			                + " does not declare \"" + service + "\" in its <provides>");
			break;
		case Skipped_target::Why::NO_CANDIDATE:
			texts.push_back("<any-child/>: no child declares \"" + service + "\" in its <provides>");
			break;
		case Skipped_target::Why::AMBIGUOUS:
			texts.push_back("<any-child/> is ambiguous: \"" + service + "\" is declared by "
			                + quoted_list(s.candidates));
			break;
		}
	}
	return texts;
}
