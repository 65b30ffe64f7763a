/*
 * The process's log sink
 */

#include <nestbox/log.h>

#include <cstdio>
#include <unistd.h>

namespace {

nestbox::Log_backend::Write &sink()
{
	static nestbox::Log_backend::Write w;
	return w;
}

}

void nestbox::Log_backend::install(Write w) { sink() = std::move(w); }

void nestbox::Log_backend::write(std::string_view line)
{
	if (sink()) { sink()(line); return; }

	/* no sink yet (early start-up, or a tool): standard error */
	std::string s(line);
	s += '\n';
	(void)!::write(2, s.data(), s.size());
}
