/*
 * Core's standard output
 */

#include "log_output.h"

#include <unistd.h>

using namespace Core;

void Log_output::_emit(std::string const &line)
{
	std::string out = line;
	out += '\n';
	for (size_t off = 0; off < out.size(); ) {
		ssize_t const n = ::write(1, out.data() + off, out.size() - off);
		if (n <= 0) break;
		off += size_t(n);
	}
	if (_until && !_matched && std::regex_search(line, *_until)) {
		_matched = true;
		_reached.until_reached();
	}
}


void Log_output::write(std::string_view label, std::string_view text)
{
	while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
		text.remove_suffix(1);

	do {
		size_t const nl = text.find('\n');
		std::string_view const piece = text.substr(0, nl);
		std::string line;
		line.reserve(label.size() + piece.size() + 3);
		line += '['; line += label; line += "] ";

		/*
		 * Control characters could drive the user's terminal (escape
		 * sequences) or hide what came before (carriage return): a component
		 * gets printable text and tabs only.
		 */
		for (char c : piece) {
			unsigned char const u = static_cast<unsigned char>(c);
			line += (u < 0x20 && c != '\t') || u == 0x7f ? '?' : c;
		}
		_emit(line);
		text = (nl == std::string_view::npos) ? std::string_view() : text.substr(nl + 1);
	} while (!text.empty());
}


void Log_output::core_line(std::string_view text)
{
	_emit(std::string(text));
}
