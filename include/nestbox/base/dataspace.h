/*
 * Dataspaces: shared memory as memfds, mapped by their holders
 */
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include <nestbox/base/capability.h>
#include <nestbox/util/result.h>

namespace nestbox {

/*
 * Create a dataspace backed by a memfd. It is sealed against growing and
 * shrinking, so a holder that mapped it can never fault on a truncated file.
 * Only core allocates RAM this way; components ask their PD session.
 */
Result<Dataspace_capability> create_dataspace(size_t size, std::string_view name);

/*
 * Make a dataspace read-only for everyone from now on (a ROM module). The
 * returned capability no longer permits writeable mappings.
 */
Result<Dataspace_capability> seal_readonly(Dataspace_capability &&ds);

/* A dataspace mapped into the local address space for as long as this lives */
class Attached_dataspace
{
	private:

		Dataspace_capability _ds;
		void                *_local = nullptr;

	public:

		Attached_dataspace() { }
		explicit Attached_dataspace(Dataspace_capability &&ds);
		Attached_dataspace(Attached_dataspace &&);
		Attached_dataspace &operator = (Attached_dataspace &&);
		~Attached_dataspace();

		bool   valid() const { return _local != nullptr; }
		size_t size()  const { return _local ? _ds.size() : 0; }

		template <typename T = char> T *local_addr() const { return static_cast<T *>(_local); }

		std::span<std::byte>       bytes()       { return { static_cast<std::byte *>(_local), size() }; }
		std::span<std::byte const> bytes() const { return { static_cast<std::byte const *>(_local), size() }; }

		Dataspace_capability const &cap() const { return _ds; }
};

} /* namespace nestbox */
