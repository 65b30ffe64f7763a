/*
 * Matching for scenario steps, and the search for what a run left behind
 */

#include "scenario_support.h"


bool Scenario_test::glob_matches(std::string_view pattern, std::string_view text)
{
	/* greedy with backtracking to the last '*': linear enough for log lines */
	size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
	while (t < text.size()) {
		if (p < pattern.size() && pattern[p] == '*') { star = p++; resume = t; }
		else if (p < pattern.size() && pattern[p] == text[t]) { p++; t++; }
		else if (star != std::string_view::npos) { p = star + 1; t = ++resume; }
		else return false;
	}
	while (p < pattern.size() && pattern[p] == '*') p++;
	return p == pattern.size();
}


/* Numbers in state reports are byte counts or plain counts: "4K" == 4096 */
static uint64_t number_attr(pugi::xml_node node, char const *name)
{
	return nestbox::Arg_string::parse_size(node.attribute(name).value()).value_or(0);
}


static bool attribute_matches(pugi::xml_node condition, pugi::xml_node node)
{
	char const *name = condition.attribute("name").value();

	if (condition.attribute("value"))
		return std::string_view(node.attribute(name).value()) == condition.attribute("value").value();
	if (condition.attribute("higher"))
		return number_attr(node, name) > number_attr(condition, "higher");
	if (condition.attribute("lower"))
		return number_attr(node, name) < number_attr(condition, "lower");
	return false;
}


/* Genode's init-test semantics: every condition below 'expected' must hold */
bool Scenario_test::xml_matches(pugi::xml_node expected, pugi::xml_node node)
{
	for (pugi::xml_node condition : expected.children()) {
		std::string_view const type = condition.name();

		if (type == "attribute" && !attribute_matches(condition, node))
			return false;

		if (type == "node") {
			bool any = false;
			for (pugi::xml_node sub : node.children(condition.attribute("name").value()))
				if (xml_matches(condition, sub)) { any = true; break; }
			if (!any) return false;
		}

		if (type == "not" && xml_matches(condition, node))
			return false;
	}
	return true;
}


/* A step as the failure report names it: its tag and attributes, not its body */
std::string Scenario_test::step_text(pugi::xml_node step)
{
	/* appended piecewise: '"<" + std::string' trips GCC 12's -Wrestrict
	   false positive at -O3 (Release, -Werror) */
	std::string s("<");
	s.append(step.name());
	for (pugi::xml_attribute a : step.attributes())
		s.append(" ").append(a.name()).append("=\"").append(a.value()).append("\"");
	return s.append(step.first_child() ? ">…" : "/>");
}



/*
 * Leftovers
 */

namespace {

	struct Proc_stat { pid_t ppid = 0; char state = '?'; std::string comm { }; };

	std::optional<Proc_stat> proc_stat(std::string const &pid)
	{
		std::ifstream in("/proc/" + pid + "/stat");
		std::string s;
		if (!std::getline(in, s)) return std::nullopt;

		/* the command name may hold spaces and parentheses: it ends at the last ')' */
		size_t const open = s.find('('), close = s.rfind(')');
		if (open == std::string::npos || close == std::string::npos || close + 4 > s.size())
			return std::nullopt;
		Proc_stat st;
		st.comm  = s.substr(open + 1, close - open - 1);
		st.state = s[close + 2];
		st.ppid  = pid_t(std::atoi(s.c_str() + close + 4));
		return st;
	}

	/*
	 * Components run from memfds, so their command name is the memfd's; the
	 * first argument is their label, which says more
	 */
	std::string process_name(std::string const &pid)
	{
		std::ifstream in("/proc/" + pid + "/cmdline", std::ios::binary);
		std::string argv0;
		std::getline(in, argv0, '\0');
		if (!argv0.empty()) return argv0;
		auto st = proc_stat(pid);
		return st ? st->comm : "?";
	}

	template <typename FN>
	void for_each_process(FN const &fn)
	{
		std::error_code ec;
		for (auto const &e : std::filesystem::directory_iterator("/proc", ec)) {
			std::string const pid = e.path().filename().string();
			if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
			fn(pid);
		}
	}
}


std::vector<std::string> Scenario_test::reap_leftover_processes()
{
	/*
	 * As a child subreaper, the runner inherits every process of the run that
	 * outlived its parent. Right after core has been reaped, any child of ours
	 * is such a leftover. Killing one may orphan its own children to us, so
	 * repeat until none is left.
	 */
	std::vector<std::string> found;
	std::map<pid_t, bool> reported;
	pid_t const self = ::getpid();

	for (int round = 0; round < 200; round++) {
		bool any = false;
		for_each_process([&] (std::string const &pid) {
			auto st = proc_stat(pid);
			if (!st || st->ppid != self) return;
			any = true;
			pid_t const p = pid_t(std::atoi(pid.c_str()));
			if (!reported[p]) {
				reported[p] = true;
				found.push_back("process " + pid + " (" + process_name(pid) + ") outlived the run"
				                + (st->state == 'Z' ? " as a zombie: nobody reaped it" : ""));
			}
			::kill(p, SIGKILL);
		});

		while (::waitpid(-1, nullptr, WNOHANG) > 0) { }
		if (!any) break;
		::usleep(10000);
	}
	return found;
}


std::vector<std::string> Scenario_test::leftover_dataspaces(pid_t core_pid)
{
	/* core names its dataspaces after itself: "nestbox:<core pid>:<label>" */
	std::string const needle = "/memfd:nestbox:" + std::to_string(core_pid) + ":";
	std::vector<std::string> found;

	for_each_process([&] (std::string const &pid) {
		std::string first;
		unsigned count = 0;
		std::error_code ec;

		for (auto const &e : std::filesystem::directory_iterator("/proc/" + pid + "/fd", ec)) {
			std::error_code lec;
			std::string const target = std::filesystem::read_symlink(e.path(), lec).string();
			if (lec || !target.starts_with(needle)) continue;
			if (!count++) first = "fd " + e.path().filename().string() + " -> " + target;
		}

		/* a mapping keeps the memory alive after its fd is closed */
		std::ifstream maps("/proc/" + pid + "/maps");
		for (std::string line; std::getline(maps, line); ) {
			size_t const at = line.find(needle);
			if (at == std::string::npos) continue;
			if (!count++) first = "mapping of " + line.substr(at);
		}

		if (count) {
			found.push_back("process " + pid + " (" + process_name(pid) + ") still holds "
			                + std::to_string(count) + " dataspace reference(s) of the run, e.g. " + first);
		}
	});
	return found;
}
