/*
 * Core's ROM service: files of the ROM directories as read-only dataspaces
 *
 * The module name is the last element of the session label. Modules are
 * cached per file version, so fifty children of one binary share one copy.
 * Files are watched: when one changes (also when an editor or Puppet
 * replaces it by a rename), the sessions of its module get a signal.
 */
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nestbox/base/dataspace.h>
#include <nestbox/base/signal.h>
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

		/* change notification: one inotify watch per directory of a watched file */
		struct Watcher : nestbox::Io_handler
		{
			Rom_modules                     &modules;
			nestbox::Unique_fd               fd;
			std::map<int, std::string>       dirs { };     /* watch descriptor -> directory */
			std::multimap<std::string, std::function<void()>*> listeners { };   /* by path */
			explicit Watcher(Rom_modules &m);
			void handle_io(uint32_t) override;
		};

		nestbox::Entrypoint &_ep;
		Watcher              _watcher { *this };

		/* called with the path of a module file that changed */
		std::function<void(std::string const &)> _on_change { };

	public:

		/* 'config_path' is served as the module "config" (init's config) */
		Rom_modules(nestbox::Entrypoint &ep, std::vector<std::string> dirs, std::string config_path);

		/* Call 'fn' whenever the file of the module changes, until 'unlisten' */
		void listen(std::string const &path, std::function<void()> &fn);
		void unlisten(std::function<void()> &fn);

		/* Also tell 'fn' about every change (core checks a changed config) */
		void on_change(std::function<void(std::string const &)> fn) { _on_change = std::move(fn); }

		std::string const &config_path() const { return _config_path; }

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
	std::function<void()>              changed { [this] { nestbox::Signal_transmitter::submit(sigh_cap); } };

	Rom_session_component(Rom_modules &modules, std::string name)
	: modules(modules), name(std::move(name))
	{
		modules.listen(modules.path_of(this->name), changed);
	}

	~Rom_session_component() { modules.unlisten(changed); }

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
