/*
 * Capabilities: owning handles to kernel objects
 *
 * An invocable capability is the client end of a channel to one RPC object.
 * It is never shared between processes: passing it in a message moves it, and
 * keeping a usable copy means asking the object's entrypoint to mint a fresh
 * channel (see 'copy' in rpc.h).
 */
#pragma once

#include <cstddef>
#include <sys/stat.h>

#include <nestbox/util/unique_fd.h>

namespace nestbox {

class Untyped_capability
{
	protected:

		Unique_fd _fd;

	public:

		Untyped_capability() { }
		explicit Untyped_capability(Unique_fd &&fd) : _fd(std::move(fd)) { }

		bool valid() const { return _fd.valid(); }
		int  fd()    const { return _fd.get(); }

		Unique_fd release_fd() { return std::move(_fd); }
};

/* Typed capability: the interface is a compile-time promise, checked by the server */
template <typename INTERFACE>
class Capability : public Untyped_capability
{
	public:

		using Interface = INTERFACE;

		Capability() { }
		explicit Capability(Unique_fd &&fd) : Untyped_capability(std::move(fd)) { }
		explicit Capability(Untyped_capability &&cap) : Untyped_capability(cap.release_fd()) { }
};

/*
 * A submit-only signal end (the write end of a pipe): it can wake the
 * receiver but can neither read nor swallow its signals.
 */
class Signal_context_capability
{
	private:

		Unique_fd _fd;

	public:

		Signal_context_capability() { }
		explicit Signal_context_capability(Unique_fd &&fd) : _fd(std::move(fd)) { }

		bool valid() const { return _fd.valid(); }
		int  fd()    const { return _fd.get(); }
		Unique_fd release_fd() { return std::move(_fd); }

		/* Submit-only ends carry no authority beyond submitting: copying is a dup */
		Signal_context_capability copy() const;
};

/* A memfd, its size and whether the holder may map it writeable */
class Dataspace_capability
{
	private:

		Unique_fd _fd;
		size_t    _size      = 0;
		bool      _writeable = false;

	public:

		Dataspace_capability() { }
		Dataspace_capability(Unique_fd &&fd, size_t size, bool writeable)
		: _fd(std::move(fd)), _size(size), _writeable(writeable) { }

		bool   valid()     const { return _fd.valid(); }
		int    fd()        const { return _fd.get(); }
		size_t size()      const { return _size; }
		bool   writeable() const { return _writeable; }
		Unique_fd release_fd() { return std::move(_fd); }

		Dataspace_capability copy() const;
};

/* Kernel identity of the object behind a descriptor (used to recognise caps) */
inline ino_t fd_inode(int fd)
{
	struct stat st { };
	return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

} /* namespace nestbox */
