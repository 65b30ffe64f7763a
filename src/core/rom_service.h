/*
 * Core's ROM service: files of the ROM directories as read-only dataspaces
 *
 * The module name is the last element of the session label. Modules are
 * cached per file version, so fifty children of one binary share one copy.
 */
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nestbox/base/dataspace.h>
#include <nestbox/root_component.h>
#include <nestbox/session/rom.h>

namespace Core {

class Rom_modules
{
	private:

		struct Module
		{
			dev_t   dev; ino_t ino; int64_t mtime_ns; off_t size;
			nestbox::Dataspace_capability ds;
		};

		std::vector<std::string>      _dirs;
		std::string const             _config_path;
		std::map<std::string, Module> _cache { };   /* by path */

	public:

		/* 'config_path' is served as the module "config" (init's config) */
		Rom_modules(std::vector<std::string> dirs, std::string config_path)
		: _dirs(std::move(dirs)), _config_path(std::move(config_path)) { }

		/* The file a module name stands for, or empty */
		std::string path_of(std::string_view name) const;

		/* A read-only dataspace with the module's current content */
		nestbox::Result<nestbox::Dataspace_capability> dataspace(std::string_view name);
};

struct Rom_session_component : nestbox::Rpc_object<nestbox::Rom::Session>
{
	Rom_modules                       &modules;
	std::string const                  name;
	nestbox::Signal_context_capability sigh_cap { };

	Rom_session_component(Rom_modules &modules, std::string name)
	: modules(modules), name(std::move(name)) { }

	nestbox::Result<nestbox::Dataspace_capability> dataspace() override { return modules.dataspace(name); }
	bool update() override { return false; }
	void sigh(nestbox::Signal_context_capability cap) override { sigh_cap = std::move(cap); }
};

struct Rom_root : nestbox::Root_component<Rom_session_component>
{
	Rom_modules &modules;

	Rom_root(nestbox::Entrypoint &ep, Rom_modules &modules) : Root_component(ep), modules(modules) { }

	nestbox::Result<std::unique_ptr<Rom_session_component>> _create_session(std::string_view args) override;
};

} /* namespace Core */
