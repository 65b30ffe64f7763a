/*
 * Owning file descriptor: the representation of every capability.
 */
#pragma once

#include <unistd.h>
#include <utility>

namespace nestbox {

class Unique_fd
{
	private:

		int _fd = -1;

	public:

		Unique_fd() { }
		explicit Unique_fd(int fd) : _fd(fd) { }
		Unique_fd(Unique_fd &&other) : _fd(std::exchange(other._fd, -1)) { }
		Unique_fd &operator = (Unique_fd &&other)
		{
			if (this != &other) { reset(); _fd = std::exchange(other._fd, -1); }
			return *this;
		}
		Unique_fd(Unique_fd const &) = delete;
		Unique_fd &operator = (Unique_fd const &) = delete;
		~Unique_fd() { reset(); }

		int  get()   const { return _fd; }
		bool valid() const { return _fd >= 0; }
		explicit operator bool() const { return valid(); }

		int release() { return std::exchange(_fd, -1); }

		void reset(int fd = -1)
		{
			if (_fd >= 0) ::close(_fd);
			_fd = fd;
		}
};

} /* namespace nestbox */
