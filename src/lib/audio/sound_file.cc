/*
 * WAV and FLAC files on a granted descriptor, through libsndfile
 */

#include <nestbox/audio/sound_file.h>

#include <cmath>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include <nestbox/log.h>

using namespace nestbox;
using namespace nestbox::Audio;


/* libsndfile's virtual I/O on a descriptor, at a position of our own */
struct Sound_file::Impl
{
	int         fd;
	std::string name;
	sf_count_t  pos = 0;
	SNDFILE    *sf  = nullptr;

	static Impl &of(void *p) { return *static_cast<Impl *>(p); }

	static sf_count_t length(void *p)
	{
		struct stat st { };
		return ::fstat(of(p).fd, &st) == 0 ? st.st_size : -1;
	}

	static sf_count_t seek(sf_count_t offset, int whence, void *p)
	{
		Impl &f = of(p);
		sf_count_t const base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f.pos : length(p);
		if (base < 0 || base + offset < 0) return -1;
		return f.pos = base + offset;
	}

	static sf_count_t read(void *dst, sf_count_t count, void *p)
	{
		Impl &f = of(p);
		ssize_t const n = ::pread(f.fd, dst, size_t(count), f.pos);
		if (n > 0) f.pos += n;
		return n < 0 ? 0 : n;
	}

	static sf_count_t write(void const *src, sf_count_t count, void *p)
	{
		Impl &f = of(p);
		ssize_t const n = ::pwrite(f.fd, src, size_t(count), f.pos);
		if (n > 0) f.pos += n;
		return n < 0 ? 0 : n;
	}

	static sf_count_t tell(void *p) { return of(p).pos; }

	inline static SF_VIRTUAL_IO io { length, seek, read, write, tell };

	Impl(int fd, std::string const &name) : fd(fd), name(name)
	{
		/*
		 * Core opens granted files with O_DIRECT where it can (for block
		 * drivers); libsndfile's small unaligned writes need the page cache
		 */
		int const flags = ::fcntl(fd, F_GETFL);
		if (flags >= 0 && (flags & O_DIRECT)) (void)::fcntl(fd, F_SETFL, flags & ~O_DIRECT);
	}

	~Impl() { if (sf) sf_close(sf); }
};


std::optional<Sound_file::Format> Sound_file::format(std::string_view name)
{
	if (name == "pcm16") return Format::PCM16;
	if (name == "pcm24") return Format::PCM24;
	if (name == "float") return Format::FLOAT;
	if (name == "flac")  return Format::FLAC16;
	return std::nullopt;
}


Sound_file::Sound_file(std::unique_ptr<Impl> impl, unsigned channels, unsigned rate, uint64_t frames)
: _impl(std::move(impl)), _channels(channels), _rate(rate), _frames(frames) { }


Sound_file::~Sound_file() { close(); }


void Sound_file::close()
{
	if (_impl && _impl->sf) { sf_close(_impl->sf); _impl->sf = nullptr; }
}


Result<std::unique_ptr<Sound_file>> Sound_file::open_read(int fd, std::string const &name)
{
	auto impl = std::make_unique<Impl>(fd, name);
	SF_INFO info { };
	impl->sf = sf_open_virtual(&Impl::io, SFM_READ, &info, impl.get());
	if (!impl->sf) {
		error(name, ": cannot read it as a sound file: ", sf_strerror(nullptr));
		return failure(Error::IO_ERROR);
	}
	if (info.channels < 1 || info.samplerate < 1) {
		error(name, ": a sound file without channels or rate");
		return failure(Error::INVALID_ARGS);
	}
	return std::unique_ptr<Sound_file>(new Sound_file(std::move(impl), unsigned(info.channels),
	                                                  unsigned(info.samplerate), uint64_t(info.frames)));
}


Result<std::unique_ptr<Sound_file>> Sound_file::open_write(int fd, std::string const &name, Format format,
                                                           unsigned channels, unsigned rate)
{
	auto impl = std::make_unique<Impl>(fd, name);
	SF_INFO info { };
	info.channels   = int(channels);
	info.samplerate = int(rate);
	switch (format) {
	case Format::PCM16:  info.format = SF_FORMAT_WAV  | SF_FORMAT_PCM_16; break;
	case Format::PCM24:  info.format = SF_FORMAT_WAV  | SF_FORMAT_PCM_24; break;
	case Format::FLOAT:  info.format = SF_FORMAT_WAV  | SF_FORMAT_FLOAT;  break;
	case Format::FLAC16: info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16; break;
	}
	impl->sf = sf_open_virtual(&Impl::io, SFM_WRITE, &info, impl.get());
	if (!impl->sf) {
		error(name, ": cannot write a sound file: ", sf_strerror(nullptr));
		return failure(Error::IO_ERROR);
	}
	/* a reader (or a test) finds a valid header at any time, not only after close */
	sf_command(impl->sf, SFC_SET_UPDATE_HEADER_AUTO, nullptr, SF_TRUE);
	sf_command(impl->sf, SFC_SET_CLIPPING, nullptr, SF_TRUE);
	return std::unique_ptr<Sound_file>(new Sound_file(std::move(impl), channels, rate, 0));
}


/*
 * Integers go through libsndfile as 32-bit values (a 16-bit sample v as
 * v << 16), which we scale by 2^31 ourselves: exact both ways for 16 and
 * 24 bits. Float files are read and written as floats, untouched.
 */
static constexpr double INT_SCALE = 2147483648.0;

uint64_t Sound_file::read(std::span<float> out)
{
	if (!_impl || !_impl->sf) return 0;
	sf_count_t const frames = sf_count_t(out.size() / _channels);
	SF_INFO info { };
	sf_command(_impl->sf, SFC_GET_CURRENT_SF_INFO, &info, sizeof(info));
	if ((info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_FLOAT || (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_DOUBLE) {
		sf_command(_impl->sf, SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
		return uint64_t(std::max<sf_count_t>(0, sf_readf_float(_impl->sf, out.data(), frames)));
	}
	_ints.resize(out.size());
	sf_count_t const n = std::max<sf_count_t>(0, sf_readf_int(_impl->sf, _ints.data(), frames));
	for (size_t i = 0; i < size_t(n) * _channels; i++)
		out[i] = float(double(_ints[i]) / INT_SCALE);
	return uint64_t(n);
}


bool Sound_file::rewind()
{
	return _impl && _impl->sf && sf_seek(_impl->sf, 0, SEEK_SET) == 0;
}


bool Sound_file::write(std::span<float const> in)
{
	if (!_impl || !_impl->sf) return false;
	sf_count_t const frames = sf_count_t(in.size() / _channels);
	SF_INFO info { };
	sf_command(_impl->sf, SFC_GET_CURRENT_SF_INFO, &info, sizeof(info));
	sf_count_t written;
	if ((info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_FLOAT) {
		written = sf_writef_float(_impl->sf, in.data(), frames);
	} else {
		_ints.resize(in.size());
		for (size_t i = 0; i < in.size(); i++) {
			double const v = std::clamp(double(in[i]) * INT_SCALE, -INT_SCALE, INT_SCALE - 1);
			_ints[i] = int(std::lrint(v));
		}
		written = sf_writef_int(_impl->sf, _ints.data(), frames);
	}
	if (written != frames) {
		error(_impl->name, ": writing failed: ", sf_strerror(_impl->sf));
		return false;
	}
	return true;
}
