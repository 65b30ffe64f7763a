/*
 * Server-side policy selection by session label, with Genode's precedence
 *
 * A server's config holds <policy> nodes (label, label_prefix, label_suffix,
 * label_last attributes) and optionally a <default-policy>. For a session
 * label the most specific match wins:
 *
 *   1. a policy with 'label' equal to the whole label,
 *   2. among 'label_prefix'/'label_suffix'/'label_last' policies that match
 *      (all given attributes must match), the longest prefix, then the longest
 *      suffix, then a label_last match,
 *   3. <default-policy>.
 *
 * A policy without any label attribute is treated like a default policy.
 */
#pragma once

#include <string_view>

#include <pugixml.hpp>

namespace nestbox {

/* The matching policy node of 'config' for 'label', or an empty node */
pugi::xml_node select_policy(pugi::xml_node config, std::string_view label);

} /* namespace nestbox */
