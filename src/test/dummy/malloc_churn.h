/*
 * What a busy multi-threaded server does to the C library's allocator
 *
 * Each thread gets an arena of its own from glibc; allocating and freeing
 * a few megabytes there makes free() shrink that arena's heap, and the
 * first shrink reads /proc/sys/vm/overcommit_memory. A sealed component
 * must survive that (the sandbox answers the read, docs/SECURITY.md): the
 * vnc server was killed for it after a few minutes of viewers.
 */
#pragma once

#include <memory>
#include <thread>
#include <vector>

namespace Dummy {

	inline void malloc_churn(unsigned threads, size_t bytes)
	{
		std::vector<std::thread> workers;
		for (unsigned t = 0; t < threads; t++)
			workers.emplace_back([bytes] {
				/* below the mmap threshold, so the blocks come from the thread's arena */
				size_t const block = 32 * 1024;
				std::vector<std::unique_ptr<char[]>> blocks;
				for (size_t n = 0; n < bytes / block; n++) {
					blocks.emplace_back(new char[block]);
					blocks.back()[0] = char(n);
				}
				blocks.clear();   /* the arena's top grows past the trim threshold and shrinks */
			});
		for (auto &w : workers) w.join();
	}
}
