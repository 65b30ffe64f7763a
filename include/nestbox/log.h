/*
 * Logging: nestbox::log("config ", n, ": ", version)
 *
 * Arguments are concatenated. In a component the line goes to its LOG
 * session; in core, to standard output. 'warning' and 'error' prefix the
 * line as Genode does.
 */
#pragma once

#include <concepts>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

namespace nestbox {

namespace Log_backend {
	using Write = std::function<void(std::string_view)>;
	/* the process's log sink, installed once by the runtime or core */
	void install(Write);
	void write(std::string_view line);
}

inline void append(std::string &out, std::string_view s) { out += s; }
inline void append(std::string &out, char const *s)      { out += s ? s : "<null>"; }
inline void append(std::string &out, std::string const &s) { out += s; }
inline void append(std::string &out, char c)             { out += c; }
inline void append(std::string &out, bool b)             { out += b ? "true" : "false"; }
template <std::integral T> requires (!std::is_same_v<T, bool> && !std::is_same_v<T, char>)
inline void append(std::string &out, T v)                { out += std::to_string(v); }
inline void append(std::string &out, double v)           { out += std::to_string(v); }

template <typename... ARGS>
std::string concat(ARGS const &... args)
{
	std::string out;
	(append(out, args), ...);
	return out;
}

template <typename... ARGS> void log(ARGS const &... args)     { Log_backend::write(concat(args...)); }
template <typename... ARGS> void warning(ARGS const &... args) { Log_backend::write(concat("Warning: ", args...)); }
template <typename... ARGS> void error(ARGS const &... args)   { Log_backend::write(concat("Error: ", args...)); }

} /* namespace nestbox */
