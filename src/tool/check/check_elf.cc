/*
 * Reading the manifest section of an ELF64 executable
 *
 * Only the section headers are parsed, with the structures of <elf.h>: the
 * manifest is plain text in a section of its own, so nothing else of the
 * file matters. Every offset is checked against the file size because the
 * file is whatever lies in a ROM directory.
 */

#include "check_elf.h"

#include <cstring>
#include <elf.h>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

using namespace Check;

namespace {

constexpr std::string_view SECTION = ".nestbox_manifest";

/*
 * The binary, read piece by piece where the headers point: a static
 * component with debug information is tens of megabytes, of which the
 * check needs a few kilobytes
 */
class File
{
	private:

		std::ifstream _in;
		uint64_t      _size = 0;

	public:

		explicit File(std::string const &path) : _in(path, std::ios::binary | std::ios::ate)
		{
			if (_in) _size = uint64_t(_in.tellg());
		}

		bool valid() const { return bool(_in); }

		bool fits(uint64_t offset, uint64_t size) const
		{
			return offset <= _size && size <= _size - offset;
		}

		/* 'size' bytes at 'offset', or nullopt where the file is shorter */
		std::optional<std::string> bytes(uint64_t offset, uint64_t size)
		{
			if (!fits(offset, size)) return std::nullopt;
			std::string b(size, '\0');
			_in.seekg(std::streamoff(offset));
			if (!_in.read(b.data(), std::streamsize(size))) return std::nullopt;
			return b;
		}

		template <typename T>
		std::optional<T> read_at(uint64_t offset)
		{
			auto const b = bytes(offset, sizeof(T));
			if (!b) return std::nullopt;
			T t { };
			std::memcpy(&t, b->data(), sizeof(T));
			return t;
		}
};

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char HOST_DATA = ELFDATA2LSB;
#else
constexpr unsigned char HOST_DATA = ELFDATA2MSB;
#endif

#if defined(__x86_64__)
constexpr uint16_t HOST_MACHINE = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t HOST_MACHINE = EM_AARCH64;
#else
constexpr uint16_t HOST_MACHINE = EM_NONE;   /* not checked */
#endif

}


Elf_info Check::read_elf(std::string const &path)
{
	Elf_info info;
	File file(path);
	if (!file.valid()) { info.problem = "cannot be read"; return info; }

	auto const ehdr = file.read_at<Elf64_Ehdr>(0);
	if (!ehdr || std::memcmp(ehdr->e_ident, ELFMAG, SELFMAG) != 0) {
		info.problem = "is not an ELF file";
		return info;
	}
	if (ehdr->e_ident[EI_CLASS] != ELFCLASS64 || ehdr->e_ident[EI_DATA] != HOST_DATA) {
		info.problem = "is not a 64-bit ELF file of this host's byte order";
		return info;
	}
	if (ehdr->e_type != ET_EXEC && ehdr->e_type != ET_DYN) {
		info.problem = "is not an ELF executable";
		return info;
	}
	if (HOST_MACHINE != EM_NONE && ehdr->e_machine != HOST_MACHINE) {
		info.problem = "is an executable for another machine";
		return info;
	}
	if (ehdr->e_shoff == 0 || ehdr->e_shentsize < sizeof(Elf64_Shdr)) return info;   /* stripped of sections */

	auto section = [&] (uint64_t i) -> std::optional<Elf64_Shdr> {
		return file.read_at<Elf64_Shdr>(ehdr->e_shoff + i * ehdr->e_shentsize);
	};

	/* many sections: the real count and string-table index live in section 0 */
	auto const first = section(0);
	if (!first) { info.problem = "has a truncated section header table"; return info; }
	uint64_t const count  = ehdr->e_shnum ? ehdr->e_shnum : first->sh_size;
	uint64_t const strndx = ehdr->e_shstrndx == SHN_XINDEX ? first->sh_link : ehdr->e_shstrndx;

	auto const names_header = section(strndx);
	auto const names = names_header ? file.bytes(names_header->sh_offset, names_header->sh_size) : std::nullopt;
	if (!names) {
		info.problem = "has no valid section name table";
		return info;
	}

	for (uint64_t i = 0; i < count; i++) {
		auto const s = section(i);
		if (!s) { info.problem = "has a truncated section header table"; return info; }
		if (s->sh_name >= names->size()) continue;
		char const *name = names->data() + s->sh_name;
		size_t const room = names->size() - s->sh_name;
		void const *end = std::memchr(name, 0, room);
		if (!end || std::string_view(name, size_t(static_cast<char const *>(end) - name)) != SECTION) continue;
		auto const text = s->sh_type == SHT_NOBITS ? std::nullopt : file.bytes(s->sh_offset, s->sh_size);
		if (!text) {
			info.problem = "has a damaged manifest section";
			return info;
		}
		/* the macro's array ends with its NUL */
		info.manifest = text->substr(0, text->find('\0'));
		return info;
	}
	return info;
}
