/*
 * Reading and writing the kernel's small control files (/proc, cgroupfs)
 *
 * Such a file takes a whole value in one write and says in errno why it
 * refuses one, which the caller passes on in its message.
 */
#pragma once

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include <nestbox/util/unique_fd.h>

namespace Core {

/* Returns errno, 0 on success */
inline int write_kernel_file(std::string const &path, std::string const &value)
{
	nestbox::Unique_fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
	if (!fd.valid()) return errno;
	if (::write(fd.get(), value.data(), value.size()) != ssize_t(value.size())) return errno ? errno : EIO;
	return 0;
}

/* The whole content, empty if it cannot be read */
inline std::string read_kernel_file(std::string const &path)
{
	std::ifstream f(path);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

} /* namespace Core */
