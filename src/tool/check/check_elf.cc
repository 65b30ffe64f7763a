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
#include <iterator>
#include <string_view>
#include <vector>

using namespace Check;

namespace {

constexpr std::string_view SECTION = ".nestbox_manifest";

bool fits(std::vector<char> const &file, uint64_t offset, uint64_t size)
{
	return offset <= file.size() && size <= file.size() - offset;
}

template <typename T>
T read_at(std::vector<char> const &file, uint64_t offset)
{
	T t { };
	std::memcpy(&t, file.data() + offset, sizeof(T));
	return t;
}

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
	std::ifstream in(path, std::ios::binary);
	if (!in) { info.problem = "cannot be read"; return info; }
	std::vector<char> const file { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };

	if (!fits(file, 0, sizeof(Elf64_Ehdr)) || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0) {
		info.problem = "is not an ELF file";
		return info;
	}
	auto const ehdr = read_at<Elf64_Ehdr>(file, 0);
	if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_ident[EI_DATA] != HOST_DATA) {
		info.problem = "is not a 64-bit ELF file of this host's byte order";
		return info;
	}
	if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
		info.problem = "is not an ELF executable";
		return info;
	}
	if (HOST_MACHINE != EM_NONE && ehdr.e_machine != HOST_MACHINE) {
		info.problem = "is an executable for another machine";
		return info;
	}
	if (ehdr.e_shoff == 0 || ehdr.e_shentsize < sizeof(Elf64_Shdr)) return info;   /* stripped of sections */

	auto section = [&] (uint64_t i) -> std::optional<Elf64_Shdr> {
		uint64_t const at = ehdr.e_shoff + i * ehdr.e_shentsize;
		if (!fits(file, at, sizeof(Elf64_Shdr))) return std::nullopt;
		return read_at<Elf64_Shdr>(file, at);
	};

	/* many sections: the real count and string-table index live in section 0 */
	auto const first = section(0);
	if (!first) { info.problem = "has a truncated section header table"; return info; }
	uint64_t const count  = ehdr.e_shnum ? ehdr.e_shnum : first->sh_size;
	uint64_t const strndx = ehdr.e_shstrndx == SHN_XINDEX ? first->sh_link : ehdr.e_shstrndx;

	auto const names = section(strndx);
	if (!names || !fits(file, names->sh_offset, names->sh_size)) {
		info.problem = "has no valid section name table";
		return info;
	}

	for (uint64_t i = 0; i < count; i++) {
		auto const s = section(i);
		if (!s) { info.problem = "has a truncated section header table"; return info; }
		if (s->sh_name >= names->sh_size) continue;
		char const *name = file.data() + names->sh_offset + s->sh_name;
		size_t const room = names->sh_size - s->sh_name;
		void const *end = std::memchr(name, 0, room);
		if (!end || std::string_view(name, size_t(static_cast<char const *>(end) - name)) != SECTION) continue;
		if (s->sh_type == SHT_NOBITS || !fits(file, s->sh_offset, s->sh_size)) {
			info.problem = "has a damaged manifest section";
			return info;
		}
		/* the macro's array ends with its NUL */
		std::string text(file.data() + s->sh_offset, s->sh_size);
		info.manifest = text.substr(0, text.find('\0'));
		return info;
	}
	return info;
}
