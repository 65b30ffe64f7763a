/*
 * Fuzz target: a packet stream's sink and source facing a hostile peer
 *
 * The input is what the peer writes into the shared dataspace: ring
 * indices and descriptors. Whatever it writes, the sink may hand out only
 * packets whose range lies inside the bulk buffer, never more than it can
 * acknowledge, and the source may accept only acknowledgements of packets
 * it submitted, each once.
 */

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>

#include <nestbox/packet_stream.h>

using namespace nestbox;
using namespace nestbox::Packet_stream;

namespace {

struct Packet { uint64_t offset, size; uint32_t tag, value; };

}

extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	static Geometry const g { 8, 1 << 16 };
	static Layout<Packet> const layout(g);
	static Dataspace_capability ds = std::move(*create_dataspace(layout.total, "fuzz"));

	Attached_dataspace raw(ds.copy());
	std::memset(raw.local_addr<char>(), 0, layout.bulk);
	Sink<Packet>   sink   { Attached_dataspace(ds.copy()), g };
	Source<Packet> source { Attached_dataspace(ds.copy()), g };

	auto &header = *raw.local_addr<Shared_header>();
	auto *submit = reinterpret_cast<Packet *>(raw.local_addr<char>() + layout.submit_ring);
	auto *acks   = reinterpret_cast<Packet *>(raw.local_addr<char>() + layout.ack_ring);

	/* the source's own packets, some submitted */
	std::set<uint32_t> submitted;
	for (int i = 0; i < 4; i++) {
		auto p = source.alloc(1024, 512);
		if (!p) std::abort();
		if (i % 2 == 0) { if (!source.submit(*p)) std::abort(); submitted.insert(p->tag); }
	}

	/* rounds of hostile writes: [which ring][index][slot contents] */
	size_t at = 0;
	while (at + 4 + 2 * sizeof(Packet) <= size) {
		uint8_t const op = data[at];
		uint32_t index;
		std::memcpy(&index, data + at, 4);
		at += 4;
		Packet p[2];
		std::memcpy(p, data + at, sizeof(p));
		at += sizeof(p);

		if (op & 1) {
			std::memcpy(&submit[index % g.slots], &p[0], sizeof(Packet));
			header.submit.head.store(index >> 8);
		} else {
			std::memcpy(&acks[index % g.slots], &p[1], sizeof(Packet));
			header.ack.head.store(index >> 8);
		}

		Packet got[16];
		size_t const n = sink.get_packets(got);
		if (sink.held() > g.slots) std::abort();
		for (size_t i = 0; i < n; i++) {
			if (got[i].offset > g.bulk_size || got[i].size > g.bulk_size - got[i].offset) std::abort();
			if (sink.content(got[i]).size() != got[i].size) std::abort();
		}
		(void)sink.ack(std::span<Packet const>(got, n));

		size_t const a = source.get_acked(got);
		for (size_t i = 0; i < a; i++) {
			if (!submitted.erase(got[i].tag)) std::abort();   /* never submitted, or twice */
			source.release(got[i]);
		}
	}
	return 0;
}
