/*
 * Services of children that init offers to its own parent (<service> nodes)
 *
 * Each <service> of the config is announced to the parent as an
 * 'Export_root'. A request from the parent is matched against the service's
 * policies and forwarded, asynchronously, to the child the matching policy
 * names; if that child is not in the config yet, does not declare the
 * service or has not announced it yet, the request is held (as in Genode's
 * init) and resolved anew, by the policies then in force, whenever a child
 * announces or exits or the config changes.
 */
#pragma once

#include <functional>
#include <list>
#include <map>
#include <memory>

#include <nestbox/session/root.h>

#include <nestbox/init/config_model.h>

#include "children.h"

namespace Init {

/* Where an exported service's requests go */
struct Export_router
{
	/* false, without calling 'done', while the child cannot take the request yet */
	virtual bool route_export(std::string const &child, std::string const &service, std::string const &args,
	                          std::function<void(nestbox::Result<nestbox::Session_grant>)> done) = 0;
	/* 'closed' runs once the server has closed the session (or at once if it is gone) */
	virtual void close_export(std::string const &child, std::string const &service, uint32_t id,
	                          std::function<void()> closed) = 0;

	/* the quota of an upgrade moves from init to the server before the call; 'done' after it */
	virtual void upgrade_export(std::string const &child, std::string const &service, uint32_t id,
	                            std::string const &args, std::function<void()> done) = 0;
	virtual ~Export_router() = default;
};

/* The root of one exported service, as the parent sees it */
class Export_root : public nestbox::Rpc_object<nestbox::Root::Session>
{
	private:

		Export_router &_router;
		Service_export _export;

		struct Forwarded { std::string child; uint32_t id; std::string label; };
		std::map<uint32_t, Forwarded> _sessions { };
		uint32_t                      _next_id = 1;

		/*
		 * Requests of the parent whose server is not there yet. The parent
		 * is this root's only client and init's own parent holds its
		 * requests by its own limits, so the list needs no bound of its own.
		 */
		struct Held { std::string args; nestbox::Deferred_reply reply; };
		std::list<Held> _held { };

		/* answers that arrive after this root is gone find it expired */
		std::shared_ptr<bool> _alive = std::make_shared<bool>(true);

		void _forward(std::string const &args, nestbox::Deferred_reply reply);

	public:

		Export_root(Export_router &router, Service_export const &e) : _router(router), _export(e) { }

		std::string const &name() const { return _export.name; }
		/*
		 * A session whose label no longer selects a policy leading to the same
		 * child is closed at the server, as Genode's init does
		 */
		void update(Service_export const &e);

		/* The service is no longer offered: its sessions are closed at the servers, held requests denied */
		void close_all();

		/* Resolve the held requests again */
		void retry();

		nestbox::Result<nestbox::Session_grant> session(std::string_view args) override;
		nestbox::Result<void> upgrade(uint32_t id, std::string_view args) override;
		nestbox::Result<void> close(uint32_t id) override;
};

/* All exported services and the requests that wait for their child */
class Server : private Export_router
{
	private:

		nestbox::Env       &_env;
		Config_model const &_model;
		Children           &_children;

		std::list<std::unique_ptr<Export_root>> _exports { };

		/* Export_router */
		bool route_export(std::string const &child, std::string const &service, std::string const &args,
		                  std::function<void(nestbox::Result<nestbox::Session_grant>)> done) override;
		void close_export(std::string const &child, std::string const &service, uint32_t id,
		                  std::function<void()> closed) override;
		void upgrade_export(std::string const &child, std::string const &service, uint32_t id,
		                    std::string const &args, std::function<void()> done) override;

	public:

		Server(nestbox::Env &env, Config_model const &model, Children &children)
		: _env(env), _model(model), _children(children) { }

		/* Offer what the config's <service> nodes name, and no more */
		void apply_config();

		/* Forward the waiting requests again: a child announced or exited */
		void retry_pending();
};

} /* namespace Init */
