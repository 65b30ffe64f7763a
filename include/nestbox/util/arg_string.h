/*
 * Session argument strings in Genode's format:  label="init -> a", ram_quota=8K
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nestbox::Arg_string {

/* The raw value of 'key' (quotes kept), if present */
std::optional<std::string_view> find(std::string_view args, std::string_view key);

/* A quoted string value, unquoted */
std::string string(std::string_view args, std::string_view key, std::string_view fallback = "");

/* A number with an optional K/M/G suffix */
uint64_t number(std::string_view args, std::string_view key, uint64_t fallback = 0);

/* 'args' with 'key' set to 'value' (replacing an existing one); value is inserted verbatim */
std::string set(std::string_view args, std::string_view key, std::string_view value);

/* 'args' with 'key' set to a quoted string */
std::string set_string(std::string_view args, std::string_view key, std::string_view value);

/* 'args' without 'key' */
std::string remove(std::string_view args, std::string_view key);

/* A size in Genode's notation: 4K, 2M, 1G, or plain bytes */
std::string format_size(uint64_t bytes);

/* Parse a size with an optional K/M/G suffix; nullopt if malformed */
std::optional<uint64_t> parse_size(std::string_view s);

} /* namespace nestbox::Arg_string */

namespace nestbox::Label {

constexpr std::string_view SEPARATOR = " -> ";

/* The label a parent forwards: "child" for an empty one, else "child -> label" */
std::string prefixed(std::string_view child, std::string_view label);

/* The last " -> " element */
std::string_view last_element(std::string_view label);

} /* namespace nestbox::Label */
