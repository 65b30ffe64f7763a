/*
 * Core's ROM service
 */

#include "rom_service.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nestbox/log.h>

using namespace Core;
using namespace nestbox;

static bool valid_module_name(std::string_view name)
{
	return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos
	    && name.find('\0') == std::string_view::npos;
}


Rom_modules::Rom_modules(Entrypoint &ep, std::vector<std::string> dirs, std::string config_path)
: _dirs(std::move(dirs)), _config_path(std::move(config_path)), _ep(ep)
{
	if (_watcher.fd.valid()) _ep.watch(_watcher.fd.get(), _watcher, EPOLLIN);
}


Rom_modules::Watcher::Watcher(Rom_modules &m)
: modules(m), fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK))
{
	if (!fd.valid())
		warning("cannot watch ROM modules for changes: ", std::strerror(errno),
		        " (a changed config goes unnoticed)");
}


void Rom_modules::listen(std::string const &path, std::function<void()> &fn)
{
	if (path.empty() || !_watcher.fd.valid()) return;

	/* watch the directory: a file replaced by rename is a new inode */
	std::string const dir = std::filesystem::path(path).parent_path().string();
	bool watched = false;
	for (auto const &[wd, d] : _watcher.dirs) if (d == dir) watched = true;
	if (!watched) {
		int const wd = ::inotify_add_watch(_watcher.fd.get(), dir.c_str(),
		                                   IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB);
		if (wd >= 0) _watcher.dirs[wd] = dir;
		else warning("cannot watch ", dir, " for changes: ", std::strerror(errno),
		             " (a change of ", path, " goes unnoticed)");
	}
	_watcher.listeners.emplace(path, &fn);
}


void Rom_modules::unlisten(std::function<void()> &fn)
{
	for (auto it = _watcher.listeners.begin(); it != _watcher.listeners.end(); )
		it = (it->second == &fn) ? _watcher.listeners.erase(it) : std::next(it);
}


void Rom_modules::Watcher::handle_io(uint32_t)
{
	alignas(inotify_event) char buf[16*1024];
	ssize_t const n = ::read(fd.get(), buf, sizeof(buf));
	if (n <= 0) return;

	std::set<std::string> changed;
	for (char *p = buf; p < buf + n; ) {
		auto const *ev = reinterpret_cast<inotify_event const *>(p);
		auto dir = dirs.find(ev->wd);
		if (dir != dirs.end() && ev->len)
			changed.insert(dir->second + "/" + ev->name);
		p += sizeof(inotify_event) + ev->len;
	}

	/* a rename shows as several events: each file is reported once per batch */
	for (auto const &path : changed) {
		bool const interesting = listeners.count(path) || path == modules._config_path;
		if (!interesting) continue;
		if (modules._on_change) modules._on_change(path);
		auto [from, to] = listeners.equal_range(path);
		std::vector<std::function<void()> *> fns;
		for (auto it = from; it != to; ++it) fns.push_back(it->second);
		for (auto *fn : fns) (*fn)();
	}
}


std::string Rom_modules::path_of(std::string_view name) const
{
	if (!valid_module_name(name)) return { };
	if (name == "config") return _config_path;

	for (auto const &dir : _dirs) {
		std::string const path = dir + "/" + std::string(name);
		struct stat st { };
		if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
			return path;
	}
	return { };
}


Result<Dataspace_capability> Rom_modules::dataspace(std::string_view name)
{
	std::string const path = path_of(name);
	if (path.empty()) return failure(Error::NOT_FOUND);

	/* a module that is there but cannot be read is worth a reason in the log */
	auto failed = [&] (char const *what, Error e) -> Result<Dataspace_capability> {
		warning("ROM module \"", name, "\" (", path, "): cannot ", what, ": ", std::strerror(errno));
		return failure(e);
	};

	Unique_fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	struct stat st { };
	if (!file.valid() || ::fstat(file.get(), &st) < 0) return failed("open it", Error::NOT_FOUND);

	int64_t const mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
	auto cached = _cache.find(path);
	if (cached != _cache.end()) {
		Module const &m = cached->second;
		if (m.dev == st.st_dev && m.ino == st.st_ino && m.mtime_ns == mtime_ns && m.size == st.st_size)
			return m.ds.copy();
	}

	/* copy the file into a memfd, then keep only a read-only descriptor */
	size_t const size = size_t(st.st_size);
	auto ds = create_dataspace(size ? size : 1, "rom:" + std::string(name));
	if (!ds) return failure(ds.error());

	size_t done = 0;
	char buf[64*1024];
	while (done < size) {
		ssize_t const n = ::read(file.get(), buf, sizeof(buf));
		if (n == 0) errno = EIO;   /* shorter than fstat said: it changed under us */
		if (n <= 0) return failed("read it", Error::IO_ERROR);
		if (::pwrite(ds->fd(), buf, size_t(n), off_t(done)) != n) return failed("copy it", Error::IO_ERROR);
		done += size_t(n);
	}

	/*
	 * Seal the content, then keep only a read-only open file description:
	 * unwriteable by anyone, and executable (a writeable one would make
	 * execve fail with ETXTBSY).
	 */
	if (::fcntl(ds->fd(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL) < 0) return failed("seal it", Error::IO_ERROR);
	std::string const self = "/proc/self/fd/" + std::to_string(ds->fd());
	Unique_fd ro(::open(self.c_str(), O_RDONLY | O_CLOEXEC));
	if (!ro.valid()) return failed("reopen it read-only", Error::IO_ERROR);

	/*
	 * Execute-only for everybody from now on: a module is read through the
	 * descriptors core hands out, never opened by name, and a binary that its
	 * process may not read makes the kernel start it non-dumpable. Without
	 * this, execve resets the PR_SET_DUMPABLE 0 of the sandbox, and any host
	 * process of the component's uid could ptrace it.
	 */
	if (::fchmod(ds->fd(), 0111) < 0) return failed("make it execute-only", Error::IO_ERROR);

	Dataspace_capability module_ds(std::move(ro), size, false);
	Dataspace_capability result = module_ds.copy();
	_cache[path] = Module { st.st_dev, st.st_ino, mtime_ns, st.st_size, std::move(module_ds) };
	return result;
}


Result<std::unique_ptr<Rom_session_component>> Rom_root::_create_session(std::string_view args)
{
	std::string const label = Arg_string::string(args, "label");
	std::string const name(Label::last_element(label));

	if (modules.path_of(name).empty()) {
		warning("ROM module \"", name, "\" not found (requested by \"", label, "\")");
		return failure(Error::DENIED);
	}
	return std::make_unique<Rom_session_component>(modules, name);
}
