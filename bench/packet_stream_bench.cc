/*
 * packet_stream_bench: a packet stream between two processes against a pipe
 *
 *   packet_stream_bench [--seconds S]          JSON lines for bench/run
 *   packet_stream_bench --count N [--size B] [--pipe]
 *                                              move N packets (or descriptors
 *                                              through the pipe) and exit, for a
 *                                              syscall counter such as strace -c
 *
 * The parent is the source, a forked child the sink, as a Block client and
 * its driver would be: the source submits in batches of 256 and takes
 * acknowledgements, the sink takes packets and acknowledges them, each waits
 * for a signal only when its ring gives it nothing to do.
 *
 *  - descriptors: empty packets, so that the rings alone are measured,
 *    32768 in flight; the raw peer writes the same 24-byte descriptors
 *    through a 1 MiB pipe in batches of 256 and reads them on the other side
 *  - bulk: 64 KiB packets that the source fills and the sink reads (sums);
 *    the raw peer writes the same bytes through a pipe, 64 KiB per write,
 *    and the reader sums them. The stream moves no byte: both sides touch
 *    the same memory.
 */

#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nestbox/packet_stream.h>

using namespace nestbox;
using namespace nestbox::Packet_stream;

namespace {

struct Packet { uint64_t offset, size; uint32_t tag, value; };

constexpr uint32_t BATCH = 256;   /* descriptors per submit, take and ack */

double seconds_since(std::chrono::steady_clock::time_point t)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/* The sink's side: take, touch, acknowledge, until a packet with value 1 */
void sink_loop(Sink<Packet> &sink, Signal_pair &wakeup)
{
	Packet got[BATCH];
	uint64_t sum = 0;
	for (;;) {
		size_t const n = sink.get_packets(got);
		if (!n) { wakeup.wait(); continue; }
		bool last = false;
		for (size_t i = 0; i < n; i++) {
			auto content = sink.content(got[i]);
			for (size_t j = 0; j < content.size(); j += 8) {
				uint64_t w; std::memcpy(&w, content.data() + j, 8); sum += w;
			}
			last |= got[i].value == 1;
		}
		size_t acked = 0;
		while (acked < n) {
			acked += sink.ack(std::span<Packet const>(got + acked, n - acked));
			if (acked < n) wakeup.wait();
		}
		if (last) break;
	}
	asm volatile("" : : "g"(sum));
}

/* Moves 'count' packets of 'size' bytes; returns the seconds it took */
double stream_run(uint64_t count, uint64_t size)
{
	/*
	 * As many descriptors in flight as the pipe's 1 MiB holds (43,690), so
	 * that neither peer waits for the other more often than the pipe's
	 * writer does; 256 bulk packets fill the 16 MiB buffer
	 */
	Geometry const g { size ? 256u : 32768u, 16ull << 20 };
	auto ds = create_dataspace(Layout<Packet>(g).total, "bench-stream");
	auto at_sink = Signal_pair::create(), at_source = Signal_pair::create();
	if (!ds || !at_sink || !at_source) { std::fprintf(stderr, "cannot set up the stream\n"); std::exit(1); }

	pid_t const child = ::fork();
	if (child == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		Sink<Packet> sink(Attached_dataspace(ds->copy()), g);
		sink.peer_sigh(at_source->cap());
		sink_loop(sink, *at_sink);
		::_exit(0);
	}

	Source<Packet> source(Attached_dataspace(ds->copy()), g);
	source.peer_sigh(at_sink->cap());

	auto const start = std::chrono::steady_clock::now();
	uint64_t submitted = 0, done = 0;
	Packet batch[BATCH], acked[1024];
	while (done < count) {
		size_t n = 0;
		while (n < BATCH && submitted + n < count) {
			auto p = source.alloc(size, 64);
			if (!p) break;
			p->value = submitted + n + 1 == count ? 1 : 0;
			if (size) std::memset(source.content(*p).data(), int(p->tag), size);
			batch[n++] = *p;
		}
		size_t const s = source.submit(std::span<Packet const>(batch, n));
		for (size_t i = s; i < n; i++) source.release(batch[i]);
		submitted += s;

		size_t const a = source.get_acked(acked);
		for (size_t i = 0; i < a; i++) source.release(acked[i]);
		done += a;
		if (!s && !a) at_source->wait();
	}
	double const t = seconds_since(start);
	::waitpid(child, nullptr, 0);
	return t;
}

/* The raw peer: the same descriptors, or the same bytes, through a pipe */
double pipe_run(uint64_t count, uint64_t size)
{
	int fds[2];
	if (::pipe(fds) < 0) { std::perror("pipe"); std::exit(1); }
	::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);

	size_t const chunk = size ? size : sizeof(Packet) * BATCH;
	uint64_t const bytes = size ? count * size : count * sizeof(Packet);

	pid_t const child = ::fork();
	if (child == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		::close(fds[1]);
		std::vector<char> buf(chunk);
		uint64_t got = 0, sum = 0;
		while (got < bytes) {
			ssize_t const r = ::read(fds[0], buf.data(), buf.size());
			if (r <= 0) break;
			for (ssize_t j = 0; j + 8 <= r; j += 8) { uint64_t w; std::memcpy(&w, buf.data() + j, 8); sum += w; }
			got += uint64_t(r);
		}
		asm volatile("" : : "g"(sum));
		::_exit(0);
	}
	::close(fds[0]);
	std::vector<char> buf(chunk);
	auto const start = std::chrono::steady_clock::now();
	for (uint64_t sent = 0; sent < bytes; ) {
		size_t const n = size_t(std::min<uint64_t>(chunk, bytes - sent));
		std::memset(buf.data(), int(sent), n);
		ssize_t const w = ::write(fds[1], buf.data(), n);
		if (w <= 0) break;
		sent += uint64_t(w);
	}
	::close(fds[1]);
	::waitpid(child, nullptr, 0);
	return seconds_since(start);
}

/* The median of 'runs' interleaved runs of each, as rates per second */
void compare(char const *name, char const *unit, double scale, uint64_t count, uint64_t size, unsigned runs)
{
	std::vector<double> ours, raw;
	for (unsigned i = 0; i < runs; i++) {
		ours.push_back(double(count) * (size ? double(size) : 1) / stream_run(count, size) / scale);
		raw .push_back(double(count) * (size ? double(size) : 1) / pipe_run(count, size) / scale);
	}
	std::sort(ours.begin(), ours.end());
	std::sort(raw.begin(), raw.end());
	double const v = ours[runs / 2], b = raw[runs / 2];
	std::printf("{\"name\": \"%s\", \"value\": %.3f, \"unit\": \"%s\", \"baseline\": %.3f, \"ratio\": %.3f}\n",
	            name, v, unit, b, v / b);
	std::fflush(stdout);
}

}


int main(int argc, char **argv)
{
	::signal(SIGPIPE, SIG_IGN);

	uint64_t count = 0, size = 0;
	unsigned runs = 7;
	bool pipe = false;
	for (int i = 1; i < argc; i++) {
		std::string const a = argv[i];
		if      (a == "--count" && i + 1 < argc) count = std::strtoull(argv[++i], nullptr, 0);
		else if (a == "--size"  && i + 1 < argc) size  = std::strtoull(argv[++i], nullptr, 0);
		else if (a == "--runs"  && i + 1 < argc) runs  = unsigned(std::atoi(argv[++i]));
		else if (a == "--pipe")                  pipe  = true;
		else {
			std::fprintf(stderr, "usage: packet_stream_bench [--runs N] | --count N [--size BYTES] [--pipe]\n");
			return a == "--help" ? 0 : 2;
		}
	}

	if (count) {   /* one run, for a syscall counter */
		double const t = pipe ? pipe_run(count, size) : stream_run(count, size);
		std::fprintf(stderr, "%llu packets of %llu bytes in %.3f s\n",
		             (unsigned long long)count, (unsigned long long)size, t);
		return 0;
	}

	compare("packet_stream_descriptors_vs_pipe", "M descriptors/s", 1e6, 4'000'000, 0, runs);
	compare("packet_stream_bulk_vs_pipe", "GB/s", 1e9, 32'768, 64 * 1024, runs);
	return 0;
}
