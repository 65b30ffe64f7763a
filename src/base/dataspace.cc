/*
 * memfd-backed dataspaces
 */

#include <nestbox/base/dataspace.h>

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

using namespace nestbox;

Result<Dataspace_capability> nestbox::create_dataspace(size_t size, std::string_view name)
{
	std::string const memfd_name = "nestbox:" + std::string(name.substr(0, 200));
	Unique_fd fd(::memfd_create(memfd_name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
	if (!fd.valid())
		return failure(errno == EMFILE || errno == ENFILE ? Error::OUT_OF_CAPS : Error::OUT_OF_RAM);

	if (::ftruncate(fd.get(), off_t(size)) < 0)
		return failure(Error::OUT_OF_RAM);

	/* F_SEAL_SEAL stays open so that a holder may still seal it read-only */
	if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		return failure(Error::IO_ERROR);

	return Dataspace_capability(std::move(fd), size, true);
}


Result<Dataspace_capability> nestbox::seal_readonly(Dataspace_capability &&ds)
{
	if (!ds.valid()) return failure(Error::INVALID_CAP);
	size_t const size = ds.size();
	Unique_fd fd = ds.release_fd();
	if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0) {
		/* already sealed by someone else: acceptable if writes are sealed */
		int const seals = ::fcntl(fd.get(), F_GET_SEALS);
		if (seals < 0 || !(seals & (F_SEAL_FUTURE_WRITE | F_SEAL_WRITE)))
			return failure(Error::IO_ERROR);
	}
	return Dataspace_capability(std::move(fd), size, false);
}


Attached_dataspace::Attached_dataspace(Dataspace_capability &&ds) : _ds(std::move(ds))
{
	if (!_ds.valid() || _ds.size() == 0) return;
	int const prot = PROT_READ | (_ds.writeable() ? PROT_WRITE : 0);
	void *addr = ::mmap(nullptr, _ds.size(), prot, MAP_SHARED, _ds.fd(), 0);
	if (addr != MAP_FAILED) _local = addr;
}


Attached_dataspace::Attached_dataspace(Attached_dataspace &&other)
: _ds(std::move(other._ds)), _local(std::exchange(other._local, nullptr)) { }


Attached_dataspace &Attached_dataspace::operator = (Attached_dataspace &&other)
{
	if (this != &other) {
		if (_local) ::munmap(_local, _ds.size());
		_ds    = std::move(other._ds);
		_local = std::exchange(other._local, nullptr);
	}
	return *this;
}


Attached_dataspace::~Attached_dataspace()
{
	if (_local) ::munmap(_local, _ds.size());
}
