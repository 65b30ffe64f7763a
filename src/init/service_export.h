/*
 * A child's service offered by init to init's own parent (<service> node)
 *
 * Requests from the parent are matched against the service's policies and
 * forwarded, asynchronously, to the child the matching policy names.
 */
#pragma once

#include <functional>
#include <map>

#include <nestbox/session/root.h>

#include <nestbox/init/config_model.h>

namespace Init {

struct Export_router
{
	virtual void route_export(std::string const &child, std::string const &service, std::string const &args,
	                          std::function<void(nestbox::Result<nestbox::Session_grant>)> done) = 0;
	virtual void close_export(std::string const &child, std::string const &service, uint32_t id) = 0;
	virtual void upgrade_export(std::string const &child, std::string const &service, uint32_t id,
	                            std::string const &args) = 0;
	virtual ~Export_router() = default;
};

class Export_root : public nestbox::Rpc_object<nestbox::Root::Session>
{
	private:

		Export_router &_router;
		Service_export _export;

		struct Forwarded { std::string child; uint32_t id; };
		std::map<uint32_t, Forwarded> _sessions { };
		uint32_t                      _next_id = 1;

	public:

		Export_root(Export_router &router, Service_export const &e) : _router(router), _export(e) { }

		std::string const &name() const { return _export.name; }
		void update(Service_export const &e) { _export = e; }

		nestbox::Result<nestbox::Session_grant> session(std::string_view args) override;
		nestbox::Result<void> upgrade(uint32_t id, std::string_view args) override;
		nestbox::Result<void> close(uint32_t id) override;
};

} /* namespace Init */
