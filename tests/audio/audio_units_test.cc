/*
 * Units of the audio sessions: the Play ring's two ends, the mixer's
 * sample fifo and the parameter ramp, as plain memory
 */

#include <cmath>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include <nestbox/audio/play_ring.h>
#include <nestbox/audio/ramp.h>
#include <nestbox/audio/sample_fifo.h>

using namespace nestbox;
using Play::Shared_buffer;
using Play::Time_window;


struct Ring : ::testing::Test
{
	std::unique_ptr<Shared_buffer> buf = std::make_unique<Shared_buffer>();
	Play::Ring_writer writer { *buf };
	Play::Ring_reader reader { *buf };
	std::vector<float> scratch = std::vector<float>(Shared_buffer::MAX_PER_SLOT);

	static std::vector<float> ramp_samples(uint32_t n, float base)
	{
		std::vector<float> v(n);
		for (uint32_t i = 0; i < n; i++) v[i] = base + float(i);
		return v;
	}
};


TEST_F(Ring, windows_arrive_in_order_with_their_samples_across_the_wrap)
{
	/* 3000-frame windows wrap the 16384-sample ring several times */
	uint64_t pos = 100;
	for (unsigned round = 0; round < 20; round++) {
		auto const samples = ramp_samples(3000, float(round * 10000));
		ASSERT_TRUE(writer.room(3000));
		writer.write({ pos, pos + 3000 }, samples);

		auto slot = reader.peek(scratch);
		ASSERT_TRUE(slot);
		EXPECT_EQ(slot->window, (Time_window { pos, pos + 3000 }));
		ASSERT_EQ(slot->samples.size(), 3000u);
		for (unsigned i = 0; i < 3000; i++) ASSERT_EQ(slot->samples[i], samples[i]);
		reader.release();
		pos += 3000;
	}
	EXPECT_FALSE(reader.peek(scratch));
}


TEST_F(Ring, the_writer_never_overwrites_what_the_reader_has_not_taken)
{
	/* the sample ring bounds it: 4 windows of 4096 fill 16384 samples */
	for (unsigned i = 0; i < 4; i++) {
		ASSERT_TRUE(writer.room(4096));
		writer.write({ i * 4096ull, (i + 1) * 4096ull }, ramp_samples(4096, 0));
	}
	EXPECT_FALSE(writer.room(1));

	/* the slot count bounds it as well */
	auto other = std::make_unique<Shared_buffer>();
	Play::Ring_writer w2 { *other };
	for (unsigned i = 0; i < Shared_buffer::NUM_SLOTS; i++) w2.write({ i, i + 1ull }, ramp_samples(1, 0));
	EXPECT_FALSE(w2.room(1));

	/* taking one slot makes room for it again, and tells a waiting writer */
	EXPECT_FALSE(writer.wait_for_room(4096));
	ASSERT_TRUE(reader.peek(scratch));
	EXPECT_TRUE(reader.release());
	EXPECT_TRUE(writer.room(4096));
	EXPECT_FALSE(writer.room(4097));
}


TEST_F(Ring, a_reader_stops_at_a_slot_that_lies)
{
	writer.write({ 0, 10 }, ramp_samples(10, 0));
	buf->slots[0].num_samples = 11;   /* does not match its window */
	EXPECT_FALSE(reader.peek(scratch));
	EXPECT_TRUE(reader.broken());
	EXPECT_TRUE(reader.empty());
}


TEST_F(Ring, a_reader_stops_at_counters_that_lie)
{
	buf->submitted = 1000;   /* more slots than the ring has */
	EXPECT_FALSE(reader.peek(scratch));
	EXPECT_TRUE(reader.broken());
}


TEST_F(Ring, a_writer_gets_no_room_from_a_lying_server)
{
	writer.write({ 0, 10 }, ramp_samples(10, 0));
	buf->taken = 50;   /* "took" slots that were never written */
	EXPECT_FALSE(writer.room(1));
}


TEST(Time_window, a_window_too_long_for_32_bits_is_too_long_for_every_limit)
{
	Time_window const w { 0, (1ull << 32) + 5 };
	EXPECT_EQ(w.frames(), UINT32_MAX);
	EXPECT_EQ((Time_window { 7, 7 }).frames(), 0u);
	EXPECT_EQ((Time_window { 9, 3 }).frames(), 0u);
}


TEST(Sample_fifo, gaps_are_silence_late_frames_are_dropped)
{
	Audio::Sample_fifo fifo(64);
	Audio::Sample_fifo::Stats stats;
	std::vector<float> ones(8, 1.0f);

	ASSERT_TRUE(fifo.put({ 100, 108 }, ones, stats));
	ASSERT_TRUE(fifo.put({ 110, 118 }, ones, stats));   /* a gap of 2 */
	ASSERT_TRUE(fifo.put({ 114, 122 }, ones, stats));   /* 4 late frames */
	EXPECT_EQ(stats.gap, 2u);
	EXPECT_EQ(stats.late, 4u);
	EXPECT_EQ(fifo.first(), 100u);
	EXPECT_EQ(fifo.end(), 122u);

	std::vector<float> out(24, 0.0f);
	fifo.mix_into({ 100, 124 }, out, 0.5f);
	for (unsigned i = 0; i < 24; i++)
		EXPECT_EQ(out[i], (i == 8 || i == 9 || i >= 22) ? 0.0f : 0.5f) << "frame " << i;

	fifo.discard_before(110);
	EXPECT_EQ(fifo.first(), 110u);
	EXPECT_FALSE(fifo.covers_part({ 100, 110 }));
	EXPECT_TRUE(fifo.covers_part({ 105, 111 }));
}


TEST(Sample_fifo, a_full_fifo_takes_nothing_until_drained)
{
	Audio::Sample_fifo fifo(16);
	Audio::Sample_fifo::Stats stats;
	std::vector<float> s(10, 0.25f);
	ASSERT_TRUE(fifo.put({ 0, 10 }, s, stats));
	EXPECT_FALSE(fifo.put({ 10, 20 }, s, stats));
	EXPECT_EQ(fifo.end(), 10u);
	fifo.discard_before(8);
	EXPECT_TRUE(fifo.put({ 10, 20 }, s, stats));
	EXPECT_EQ(fifo.room(), 4u);
}


TEST(Ramp, no_step_is_larger_than_the_ramp_allows_and_it_lands_exactly)
{
	uint32_t const frames = Audio::ramp_frames(48000, 5);
	EXPECT_EQ(frames, 240u);
	EXPECT_EQ(Audio::ramp_frames(48000, 50), 240u);   /* 5 ms at most */

	Audio::Ramp r(1.0f);
	r.set(0.1f, frames);
	float last = r.value();
	double const bound = 0.9 / frames * (1 + 1e-5);
	for (uint32_t i = 0; i < frames; i++) {
		float const v = r.next();
		EXPECT_LE(std::fabs(double(v) - double(last)), bound) << "frame " << i;
		EXPECT_LE(v, last);
		last = v;
	}
	EXPECT_EQ(r.value(), 0.1f);
	EXPECT_FALSE(r.ramping());
	EXPECT_EQ(r.next(), 0.1f);

	/* back to unity: exactly 1 again, so that a unity gain is bit-exact */
	r.set(1.0f, frames);
	for (uint32_t i = 0; i < frames; i++) (void)r.next();
	EXPECT_EQ(r.value(), 1.0f);
}
