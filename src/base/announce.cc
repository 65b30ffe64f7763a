/*
 * Announcing a service to the parent
 */

#include <nestbox/root_component.h>

#include <nestbox/env.h>
#include <nestbox/log.h>


nestbox::Result<void> nestbox::announce(Env &env, std::string_view service, Rpc_object<Root::Session> &root)
{
	auto cap = manage(env.ep(), root);
	if (!cap) {
		error(service, " service: ", error_name(cap.error()));
		return failure(cap.error());
	}
	if (auto announced = env.parent().announce(service, std::move(*cap)); !announced) {
		error(service, " service not announced: ", error_name(announced.error()));
		return failure(announced.error());
	}
	return { };
}
