/*
 * Server-side policy selection
 */

#include <nestbox/util/arg_string.h>
#include <nestbox/util/policy.h>

using namespace nestbox;

pugi::xml_node nestbox::select_policy(pugi::xml_node config, std::string_view label)
{
	pugi::xml_node exact { }, best { }, fallback { };

	/* the rank of the best label_prefix/label_suffix/label_last match so far */
	size_t best_prefix = 0, best_suffix = 0;
	bool   best_last = false;

	for (pugi::xml_node p : config.children("policy")) {
		pugi::xml_attribute const l      = p.attribute("label");
		pugi::xml_attribute const prefix = p.attribute("label_prefix");
		pugi::xml_attribute const suffix = p.attribute("label_suffix");
		pugi::xml_attribute const last   = p.attribute("label_last");

		if (l) {
			if (!exact && label == l.value()) exact = p;
			continue;
		}
		if (!prefix && !suffix && !last) {
			if (!fallback) fallback = p;
			continue;
		}
		if (prefix && !label.starts_with(prefix.value())) continue;
		if (suffix && !label.ends_with(suffix.value()))   continue;
		if (last && Label::last_element(label) != last.value()) continue;

		size_t const prefix_len = prefix ? std::string_view(prefix.value()).size() : 0;
		size_t const suffix_len = suffix ? std::string_view(suffix.value()).size() : 0;
		bool   const by_last    = bool(last);

		bool const better = !best
			|| prefix_len > best_prefix
			|| (prefix_len == best_prefix && suffix_len > best_suffix)
			|| (prefix_len == best_prefix && suffix_len == best_suffix && by_last && !best_last);
		if (better) {
			best        = p;
			best_prefix = prefix_len;
			best_suffix = suffix_len;
			best_last   = by_last;
		}
	}

	if (exact)    return exact;
	if (best)     return best;
	if (fallback) return fallback;
	return config.child("default-policy");
}
