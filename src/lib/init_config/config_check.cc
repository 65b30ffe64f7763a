/*
 * Checking a config file before anything runs
 */

#include <nestbox/init/config_check.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nestbox/util/unique_fd.h>

#include <nestbox/init/config_model.h>

std::pair<unsigned, unsigned> Init::line_column(std::string_view text, size_t offset)
{
	unsigned line = 1, column = 1;
	for (size_t i = 0; i < offset && i < text.size(); i++) {
		if (text[i] == '\n') { line++; column = 1; }
		else column++;
	}
	return { line, column };
}


std::optional<std::string> Init::read_config_file(std::string const &path, std::string &text)
{
	auto failed = [&] (int err) -> std::optional<std::string> {
		return path + ": cannot read config file: " + std::strerror(err); };

	/* read(2) says why where a stream would only fail (a directory, no permission) */
	nestbox::Unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd.valid()) return failed(errno);
	struct stat st { };
	if (::fstat(fd.get(), &st) < 0) return failed(errno);
	if (S_ISDIR(st.st_mode)) return failed(EISDIR);

	text.clear();
	char buf[65536];
	for (;;) {
		ssize_t const n = ::read(fd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) return failed(errno);
		if (n == 0) return std::nullopt;
		text.append(buf, size_t(n));
	}
}


std::optional<std::string> Init::check_config_file(std::string const &path)
{
	std::string text;
	if (auto problem = read_config_file(path, text)) return problem;

	/* the same parser init uses, so that what passes here is what init runs */
	Init::Config_error problem { };
	if (!Init::parse_config(text, problem)) {
		/* pugixml points at a node's name; point at its '<' */
		if (problem.offset > 0 && problem.offset < text.size() && text[problem.offset - 1] == '<')
			problem.offset--;
		auto [line, column] = line_column(text, problem.offset);
		return path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + problem.message;
	}
	return std::nullopt;
}
