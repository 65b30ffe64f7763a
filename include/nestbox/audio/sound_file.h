/*
 * Sound_file: a WAV or FLAC file on a granted descriptor, through libsndfile
 *
 * A sealed component opens no files: core hands it the descriptor its
 * start node grants. libsndfile reads and writes it through virtual I/O
 * (positioned reads and writes at an offset of our own), so nothing
 * depends on the descriptor's file position or on system calls the
 * sandbox does not allow. Samples go in and out as floats in [-1, 1];
 * integer formats are converted here, exactly: a 16- or 24-bit sample
 * read and written again is the same bits (libsndfile's own float scaling
 * is not symmetric, see src/lib/audio/README.md).
 */
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nestbox/util/result.h>

namespace nestbox::Audio { class Sound_file; }


class nestbox::Audio::Sound_file
{
	public:

		enum class Format { PCM16, PCM24, FLOAT, FLAC16 };

		/* The format a config names ("pcm16", "pcm24", "float", "flac"); nullopt: unknown */
		static std::optional<Format> format(std::string_view name);

		struct Impl;

	private:

		std::unique_ptr<Impl> _impl;
		unsigned _channels = 0, _rate = 0;
		uint64_t _frames = 0;   /* of a file opened for reading */

		std::vector<int> _ints { };

		Sound_file(std::unique_ptr<Impl>, unsigned channels, unsigned rate, uint64_t frames);

	public:

		~Sound_file();

		/* Open 'fd' to read; the error says why (libsndfile's reason is logged) */
		static Result<std::unique_ptr<Sound_file>> open_read(int fd, std::string const &name);

		/* Start a new file on 'fd' from its beginning */
		static Result<std::unique_ptr<Sound_file>> open_write(int fd, std::string const &name, Format,
		                                                      unsigned channels, unsigned rate);

		unsigned channels() const { return _channels; }
		unsigned rate()     const { return _rate; }
		uint64_t frames()   const { return _frames; }

		/* Read up to out.size()/channels frames, interleaved; returns the frames read (0: end) */
		uint64_t read(std::span<float> out);

		/* Read from the first frame again; false: the file cannot seek */
		bool rewind();

		/* Write whole frames, interleaved; false: the write failed (logged) */
		bool write(std::span<float const> in);

		/* Finish the header; also done on destruction */
		void close();
};
