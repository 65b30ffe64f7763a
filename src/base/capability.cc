/*
 * Copying capabilities that need no help from a server
 */

#include <nestbox/base/capability.h>

#include <fcntl.h>

using namespace nestbox;

Signal_context_capability Signal_context_capability::copy() const
{
	if (!valid()) return { };
	return Signal_context_capability(Unique_fd(::fcntl(_fd.get(), F_DUPFD_CLOEXEC, 0)));
}

Dataspace_capability Dataspace_capability::copy() const
{
	if (!valid()) return { };
	return Dataspace_capability(Unique_fd(::fcntl(_fd.get(), F_DUPFD_CLOEXEC, 0)), _size, _writeable);
}
