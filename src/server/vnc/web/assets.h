/*
 * Files served over HTTP, embedded at build time
 *
 * The component has no file system, so our page and the ES modules of
 * noVNC's core are compiled into it. gen_assets.py generates the table
 * (see README.md).
 */
#pragma once

#include <span>
#include <string_view>

namespace Vnc::Web {

	struct Asset
	{
		std::string_view path;          /* absolute URL path, "/" for our page */
		std::string_view content_type;
		std::string_view etag;          /* quoted, derived from the content */
		std::string_view body;
	};

	std::span<Asset const> assets();

	/* false if noVNC was not installed when the table was generated */
	bool novnc_embedded();

	Asset const *asset(std::string_view path);
}
