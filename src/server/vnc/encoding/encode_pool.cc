/*
 * Encoding on a small thread pool, each result shared by every client
 */

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <nestbox/log.h>

#include "encode_pool.h"

using namespace Vnc;


Encode_pool::Encode_pool(nestbox::Entrypoint &ep, unsigned threads, size_t max_cached_bytes)
: _ep(ep), _max_cached_bytes(max_cached_bytes)
{
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		nestbox::error("encode pool: no pipe, encoding on the entrypoint");
		return;
	}
	_wakeup_read  = nestbox::Unique_fd(fds[0]);
	_wakeup_write = nestbox::Unique_fd(fds[1]);
	_ep.watch(_wakeup_read.get(), *this, EPOLLIN);

	for (unsigned i = 0; i < threads; i++)
		_workers.emplace_back([this] { _work(); });
}


Encode_pool::~Encode_pool()
{
	{
		std::lock_guard guard(_mutex);
		_exit = true;
	}
	_work_available.notify_all();
	for (std::thread &t : _workers) t.join();
	if (_wakeup_read.valid()) _ep.unwatch(_wakeup_read.get());
}


void Encode_pool::_work()
{
	std::vector<uint8_t> out;
	for (;;) {
		Job job;
		{
			std::unique_lock lock(_mutex);
			_work_available.wait(lock, [&] { return _exit || !_jobs.empty(); });
			if (_exit) return;
			job = std::move(_jobs.front());
			_jobs.pop_front();
		}
		out.clear();
		encode(job.key.params, job.frame->pixels_of(job.rect), out);
		job.frame.reset();   /* let the frame buffer be recycled as soon as possible */

		auto payload = std::make_shared<std::vector<uint8_t> const>(out.begin(), out.end());
		bool first;
		{
			std::lock_guard guard(_mutex);
			first = _finished.empty();
			_finished.emplace_back(job.key, std::move(payload));
		}
		/* one byte per batch: the entrypoint takes all finished results at once */
		if (first) (void)!::write(_wakeup_write.get(), "x", 1);
	}
}


void Encode_pool::handle_io(uint32_t)
{
	char drain[64];
	while (::read(_wakeup_read.get(), drain, sizeof(drain)) > 0) { }

	std::vector<std::pair<Encode_key, Payload>> finished;
	{
		std::lock_guard guard(_mutex);
		finished.swap(_finished);
	}
	for (auto &[key, payload] : finished) {
		auto it = _entries.find(key);
		if (it == _entries.end()) continue;
		Entry &entry = it->second;
		entry.payload = payload;
		_cached_bytes += entry_cost(payload);
		entry.lru = _lru.insert(_lru.end(), key);
		std::vector<Done> waiters;
		waiters.swap(entry.waiters);
		for (Done &done : waiters) done(payload);
	}
	_evict();
}


void Encode_pool::_evict()
{
	while (_cached_bytes > _max_cached_bytes && !_lru.empty()) {
		auto it = _entries.find(_lru.front());
		_lru.pop_front();
		if (it == _entries.end()) continue;
		_cached_bytes -= entry_cost(it->second.payload);
		_entries.erase(it);
	}
}


void Encode_pool::request(std::shared_ptr<Frame const> const &frame, Rect rect,
                          Encode_params const &params, Done done)
{
	Encode_key const key { params, rect.area.w, rect.area.h, content_key(*frame, rect) };

	auto [it, inserted] = _entries.try_emplace(key);
	Entry &entry = it->second;

	if (!inserted && entry.payload) {
		_lru.splice(_lru.end(), _lru, entry.lru);   /* used again: keep it longest */
		done(entry.payload);
		return;
	}
	entry.waiters.push_back(std::move(done));
	if (!inserted) return;   /* someone else's request encodes it */

	if (_workers.empty()) {
		std::vector<uint8_t> out;
		encode(params, frame->pixels_of(rect), out);
		_finished.emplace_back(key, std::make_shared<std::vector<uint8_t> const>(std::move(out)));
		_ep.schedule([this] { handle_io(0); });
		return;
	}
	{
		std::lock_guard guard(_mutex);
		_jobs.push_back(Job { key, frame, rect });
	}
	_work_available.notify_one();
}
