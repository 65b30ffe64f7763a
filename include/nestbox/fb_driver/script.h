/*
 * What a driver's config asks it to do once: <inject version> and
 * <capture version>
 *
 * Each new version acts once, in this order, so that a test can change
 * something else in the config (and keep the nodes) without injecting or
 * capturing again. Shared by fb_headless and vnc.
 */
#pragma once

#include <optional>
#include <string>

#include <pugixml.hpp>

#include <nestbox/fb_driver/inject.h>
#include <nestbox/fb_driver/input.h>
#include <nestbox/fb_driver/screen.h>
#include <nestbox/fb_driver/screenshot.h>

namespace Fb_driver { class Config_script; }


class Fb_driver::Config_script
{
	private:

		std::optional<std::string> _inject_version  { };
		std::optional<std::string> _capture_version { };

		/* the version of 'node' if it is new, else nothing */
		static std::optional<std::string> _new_version(pugi::xml_node node, std::optional<std::string> &last)
		{
			if (!node) return std::nullopt;
			std::string const version = node.attribute("version").value();
			if (last == version) return std::nullopt;
			last = version;
			return version;
		}

	public:

		void apply(pugi::xml_node config, Input_root &input, Screenshot &screenshot, Screen const &screen,
		           bool verbose)
		{
			pugi::xml_node const inject = config.child("inject");
			if (auto version = _new_version(inject, _inject_version)) {
				auto const events = events_from_config(inject);
				input.submit(events);
				if (verbose) log("injected ", events.size(), " events (version ", *version, ")");
			}

			if (auto version = _new_version(config.child("capture"), _capture_version)) {
				if (auto captured = screenshot.capture(screen); !captured)
					error("capture ", *version, " failed: ", error_name(captured.error()));
				else
					log("captured ", *version);
			}
		}
};

