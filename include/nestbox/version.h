/*
 * The version that 'nestbox --version' and each subcommand's --version print
 */
#pragma once

namespace nestbox {

inline constexpr char const *version = "0.1";

} /* namespace nestbox */
