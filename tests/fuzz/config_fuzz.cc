/*
 * Fuzz target: init's config parser and route matching
 *
 * Any input must either parse into a model or yield an error with an offset
 * inside the input; matching routes against the model must never fail, and
 * what parsed keeps its documented bounds (a <restart> policy's).
 */

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nestbox/init/config_model.h>

extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	std::string_view const text(reinterpret_cast<char const *>(data), size);

	Init::Config_error error { };
	auto model = Init::parse_config(text, error);
	if (!model) {
		if (error.offset > size || error.message.empty()) std::abort();
		return 0;
	}

	for (auto const &start : model->starts) {
		if (start.name.empty() || start.binary.empty()) std::abort();

		/* a restart policy that parsed is within its documented bounds */
		if (auto const &r = start.restart) {
			if (r->max < 1 || r->max > 1000 || r->within_s < 1 || r->within_s > 86400 || r->backoff_ms > 60000)
				std::abort();
			(void)r->applies(-6);
		}
		for (auto const &rule : start.route)
			(void)rule.matches("LOG", start.name, "init -> " + start.name);
	}
	for (auto const &rule : model->default_route)
		(void)rule.matches("ROM", "config", "x -> config");
	return 0;
}
