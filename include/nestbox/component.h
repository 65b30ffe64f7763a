/*
 * What a component author writes:
 *
 *   struct Main { … Main(nestbox::Env &env) … };
 *   void nestbox::construct(nestbox::Env &env) { static Main main(env); }
 *
 * The runtime (libnestbox's main) builds the environment, calls 'construct'
 * once and then dispatches the entrypoint until the component exits.
 */
#pragma once

#include <nestbox/attached_rom.h>
#include <nestbox/connection.h>
#include <nestbox/env.h>
#include <nestbox/log.h>
#include <nestbox/base/signal.h>

namespace nestbox {

void construct(Env &env);

} /* namespace nestbox */
