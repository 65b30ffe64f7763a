/*
 * Dataspace life cycle: create, map, touch every page, unmap and free, as
 * against malloc + memset + free of the same size. There is no target: the
 * figure tells what a dataspace costs a component that allocates often.
 *
 * malloc recycles memory it already has mapped, so its pages are warm;
 * a second baseline, an anonymous mmap touched page by page and unmapped,
 * pays for fresh pages as a dataspace does and shows the cost of memfd itself.
 */

#include "bench.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

#include <nestbox/base/dataspace.h>

using namespace nestbox;
using namespace nestbox::bench;

namespace {

double dataspace_cycles(size_t size, unsigned long n)
{
	size_t const page = size_t(::sysconf(_SC_PAGESIZE));
	double const start = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		auto ds = create_dataspace(size, "bench");
		if (!ds) die("create_dataspace");
		Attached_dataspace attached(std::move(*ds));
		if (!attached.valid()) die("attach");
		char *p = attached.local_addr();
		for (size_t off = 0; off < size; off += page) p[off] = 1;
		escape(p);
	}
	return now_ns() - start;
}

double malloc_cycles(size_t size, unsigned long n)
{
	double const start = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		void *p = std::malloc(size);
		if (!p) die("malloc");
		std::memset(p, 1, size);
		escape(p);
		std::free(p);
	}
	return now_ns() - start;
}

double anon_mmap_cycles(size_t size, unsigned long n)
{
	size_t const page = size_t(::sysconf(_SC_PAGESIZE));
	double const start = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		void *m = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) die("mmap");
		char *p = static_cast<char *>(m);
		for (size_t off = 0; off < size; off += page) p[off] = 1;
		escape(p);
		::munmap(m, size);
	}
	return now_ns() - start;
}

void compare_size(Options const &opt, size_t size, char const *size_name)
{
	compare(opt,
		{ std::string("dataspace_") + size_name,
		  [=] (unsigned long n) { return dataspace_cycles(size, n); } },
		{ { "malloc",    [=] (unsigned long n) { return malloc_cycles(size, n); } },
		  { "anon_mmap", [=] (unsigned long n) { return anon_mmap_cycles(size, n); } } });
}

}


void nestbox::bench::dataspace_alloc(Options const &opt)
{
	compare_size(opt, 64*1024,   "64K");
	compare_size(opt, 4*1024*1024, "4M");
}
