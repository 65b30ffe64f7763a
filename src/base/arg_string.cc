/*
 * Session argument strings and labels
 */

#include <nestbox/util/arg_string.h>

#include <cctype>

using namespace nestbox;

namespace {

/*
 * Walk 'key=value' pairs separated by commas; quoted values may hold commas.
 * A pair whose quote is never closed ends the walk: what follows it cannot be
 * told apart from the quoted text, so it is dropped rather than guessed at
 * (otherwise a client could hide a key that a parent appends in its quote).
 */
template <typename FN>
void for_each_arg(std::string_view args, FN const &fn)
{
	size_t i = 0;
	while (i < args.size()) {
		while (i < args.size() && (args[i] == ' ' || args[i] == ',')) i++;
		size_t const key_start = i;
		while (i < args.size() && args[i] != '=' && args[i] != ',') i++;
		std::string_view key = args.substr(key_start, i - key_start);
		while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
		std::string_view value;
		size_t const pair_start = key_start;
		if (i < args.size() && args[i] == '=') {
			i++;
			while (i < args.size() && args[i] == ' ') i++;
			size_t const value_start = i;
			bool quoted = false;
			while (i < args.size() && (quoted || args[i] != ',')) {
				if (args[i] == '"') quoted = !quoted;
				i++;
			}
			if (quoted) return;
			value = args.substr(value_start, i - value_start);
			while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
		}
		if (!key.empty() && !fn(key, value, pair_start, i)) return;
	}
}

}


std::optional<std::string_view> Arg_string::find(std::string_view args, std::string_view key)
{
	std::optional<std::string_view> result;
	for_each_arg(args, [&] (std::string_view k, std::string_view v, size_t, size_t) {
		if (k == key) { result = v; return false; }
		return true; });
	return result;
}


std::string Arg_string::string(std::string_view args, std::string_view key, std::string_view fallback)
{
	auto v = find(args, key);
	if (!v) return std::string(fallback);
	std::string_view s = *v;
	if (s.size() >= 2 && s.front() == '"' && s.back() == '"')
		s = s.substr(1, s.size() - 2);
	return std::string(s);
}


std::optional<uint64_t> Arg_string::parse_size(std::string_view s)
{
	if (s.empty()) return std::nullopt;
	uint64_t v = 0;
	size_t i = 0;
	for (; i < s.size() && std::isdigit((unsigned char)s[i]); i++) {
		uint64_t const digit = uint64_t(s[i] - '0');
		if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
		v = v*10 + digit;
	}
	if (i == 0) return std::nullopt;
	uint64_t mul = 1;
	if (i < s.size()) {
		switch (s[i]) {
		case 'K': case 'k': mul = 1ull << 10; break;
		case 'M': case 'm': mul = 1ull << 20; break;
		case 'G': case 'g': mul = 1ull << 30; break;
		default: return std::nullopt;
		}
		if (++i != s.size()) return std::nullopt;
	}
	if (v > UINT64_MAX / mul) return std::nullopt;
	return v * mul;
}


uint64_t Arg_string::number(std::string_view args, std::string_view key, uint64_t fallback)
{
	auto v = find(args, key);
	if (!v) return fallback;
	return parse_size(*v).value_or(fallback);
}


std::string Arg_string::set(std::string_view args, std::string_view key, std::string_view value)
{
	std::string out;
	bool replaced = false;
	for_each_arg(args, [&] (std::string_view k, std::string_view v, size_t, size_t) {
		if (!out.empty()) out += ", ";
		out += k;
		out += "=";
		if (k == key) { out += value; replaced = true; } else out += v;
		return true; });
	if (!replaced) {
		if (!out.empty()) out += ", ";
		out += key; out += "="; out += value;
	}
	return out;
}


std::string Arg_string::remove(std::string_view args, std::string_view key)
{
	std::string out;
	for_each_arg(args, [&] (std::string_view k, std::string_view v, size_t, size_t) {
		if (k == key) return true;
		if (!out.empty()) out += ", ";
		out += k; out += "="; out += v;
		return true; });
	return out;
}


std::string Arg_string::set_string(std::string_view args, std::string_view key, std::string_view value)
{
	std::string quoted = "\"";
	for (char c : value) if (c != '"') quoted += c;
	quoted += "\"";
	return set(args, key, quoted);
}


std::string Arg_string::format_size(uint64_t b)
{
	if (b && b % (1ull << 30) == 0) return std::to_string(b >> 30) + "G";
	if (b && b % (1ull << 20) == 0) return std::to_string(b >> 20) + "M";
	if (b && b % (1ull << 10) == 0) return std::to_string(b >> 10) + "K";
	return std::to_string(b);
}


std::string Label::prefixed(std::string_view child, std::string_view label)
{
	if (label.empty()) return std::string(child);
	std::string s(child);
	s += SEPARATOR;
	s += label;
	return s;
}


std::string_view Label::last_element(std::string_view label)
{
	size_t const pos = label.rfind(SEPARATOR);
	return pos == std::string_view::npos ? label : label.substr(pos + SEPARATOR.size());
}
