/*
 * What one viewer is sent: framebuffer updates
 */

#include "client_messages.h"
#include "encoding/cursor.h"
#include "update.h"
#include "wire.h"

using namespace Vnc;
using namespace Vnc::Wire;


Encodings Encodings::from(std::vector<int32_t> const &list)
{
	Encodings e { };
	bool chosen = false;
	for (int32_t const n : list) {
		switch (n) {
		case RAW: case HEXTILE: case ZRLE: case TIGHT:
			if (!chosen) { e.encoding = n; chosen = true; }
			break;
		case COPY_RECT:             e.copy_rect = true; break;
		case CURSOR:                e.cursor = true; break;
		case DESKTOP_SIZE:          e.desktop_size = true; break;
		case EXTENDED_DESKTOP_SIZE: e.extended_desktop_size = true; break;
		case LAST_RECT:             e.last_rect = true; break;
		case QEMU_EXTENDED_KEY:     e.qemu_keys = true; break;
		case DESKTOP_NAME:          e.desktop_name = true; break;
		case FENCE:                 e.fence = true; break;
		case CONTINUOUS_UPDATES:    e.continuous_updates = true; break;
		case EXTENDED_CLIPBOARD:    e.extended_clipboard = true; break;
		case H264:                  e.h264 = true; break;
		default:
			if (n >= JPEG_QUALITY_0 && n <= JPEG_QUALITY_9 && e.jpeg_quality < 0)
				e.jpeg_quality = n - JPEG_QUALITY_0;
			if (n >= COMPRESS_LEVEL_0 && n <= COMPRESS_LEVEL_9 && e.compress_level < 0)
				e.compress_level = n - COMPRESS_LEVEL_0;
			break;
		}
	}
	return e;
}


Updater::Updater(Frame_history &frames, Encode_pool &pool, Output &output, std::string const &desktop_name,
                 Refresh_timer &timer)
: _frames(frames), _pool(pool), _output(output), _desktop_name(desktop_name), _timer(timer) { }


Updater::~Updater() { _drop_in_flight(); }


/* An update being encoded is forgotten: its encodings, when done, call nobody */
void Updater::_drop_in_flight()
{
	if (_in_flight) _in_flight->owner = nullptr;
	_in_flight.reset();
}


/* The whole screen is dirty; nothing lossy is known (a new viewer, a new mode) */
void Updater::_reset_tiles()
{
	Area const area = _frames.current()->area;
	_dirty = Tile_set(area);
	_dirty.set_all();
	_lossy = Tile_set(area);
	_refresh = Tile_set(area);
	_lossy_at.assign(size_t(_lossy.columns()) * _lossy.rows(), 0);
	_streak.assign(size_t(_lossy.columns()) * _lossy.rows(), 0);
	_video.reset();
	_video_rect = Rect { };
}


void Updater::start()
{
	_active = true;
	_reset_tiles();
}


void Updater::stop()
{
	_active = false;
	_drop_in_flight();
}


void Updater::set_encodings(Encodings const &encodings)
{
	Encodings const had = _encodings;
	_encodings = encodings;

	/* announcements of what we support, each once (rfbproto) */
	if (_encodings.qemu_keys && !had.qemu_keys) _send_qemu_ack = true;
	if (_encodings.cursor && !had.cursor) _send_cursor = true;
	if (_encodings.extended_desktop_size && !had.extended_desktop_size) {
		_send_desktop_size = true;
		_resize_reason = BY_SERVER;
		_resize_status = 0;
	}
}


void Updater::request(Rect rect, bool incremental)
{
	Rect const r = intersect(rect, _screen());
	if (!incremental) _dirty.add(r);
	_requested = r.empty() ? _screen() : r;
	_update_requested = true;
	try_update();
}


void Updater::set_continuous(bool enable, Rect rect)
{
	_continuous = enable;
	_continuous_region = intersect(rect, _screen());
	if (!_continuous) send_after_update({ END_OF_CONTINUOUS_UPDATES });
	try_update();
}


void Updater::send_after_update(std::vector<uint8_t> &&message)
{
	/* everything before it reaches the viewer first: an update being encoded too */
	if (_in_flight) _after_update.push_back(std::move(message));
	else _output.send_bytes(std::move(message));
}


void Updater::frame_changed(Tile_set const &tiles, Copy_plan const *copy)
{
	if (!_active) return;
	if (copy && wants_copy(copy->from_serial)) {
		_copy = *copy;
		for (uint32_t row = 0; row < tiles.rows(); row++)
			for (uint32_t column = 0; column < tiles.columns(); column++)
				if (tiles.test(column, row) && !copy->tiles.test(column, row))
					_dirty.set(column, row, tiles.box(column, row));
	} else {
		_dirty.add(tiles);
	}
	/* what changes in every frame is video, for a viewer that takes H.264 */
	if (_encodings.h264)
		for (uint32_t row = 0; row < _lossy.rows() && row < tiles.rows(); row++)
			for (uint32_t column = 0; column < _lossy.columns() && column < tiles.columns(); column++) {
				uint8_t &s = _streak[size_t(row) * _lossy.columns() + column];
				s = tiles.test(column, row) ? uint8_t(std::min(s + 1, 255)) : 0;
			}

	/* changed tiles go again anyway: a refresh of their old content would be wasted */
	for (uint32_t row = 0; row < tiles.rows() && row < _refresh.rows(); row++)
		for (uint32_t column = 0; column < tiles.columns() && column < _refresh.columns(); column++)
			if (tiles.test(column, row)) _refresh.clear(column, row);
	_synced_serial = 0;
	try_update();
}


void Updater::mode_changed(Resize_reason reason, uint32_t status)
{
	if (!_active) return;
	if (!_encodings.desktop_size && !_encodings.extended_desktop_size) {
		_output.close("cannot follow the new screen size (no DesktopSize support)");
		return;
	}
	_reset_tiles();
	_copy.reset();
	_synced_serial = 0;
	_send_desktop_size = true;
	_resize_reason = reason;
	_resize_status = status;
	try_update();
}


void Updater::resize_refused(uint32_t status)
{
	if (!_encodings.extended_desktop_size) return;
	_send_desktop_size = true;
	_resize_reason = BY_THIS_CLIENT;
	_resize_status = status;
	try_update();
}


Encode_params Updater::_params() const
{
	int32_t const encoding = _encodings.encoding;
	int const level = _encodings.compress_level;
	Encode_params p;
	p.encoding       = encoding;
	p.format         = _format;
	p.jpeg_quality   = encoding == TIGHT ? _encodings.jpeg_quality : -1;
	p.compress_level = encoding == TIGHT || encoding == ZRLE ? (level < 0 ? 2 : level) : 0;
	return p;
}


bool Updater::_may_update() const
{
	return _active && !_in_flight && (_update_requested || _continuous) && !_output.congested();
}


void Updater::_append_pseudo(Update &u)
{
	Writer w { u.pseudo };
	auto const area = _frames.current()->area;

	if (_send_desktop_size) {
		if (_encodings.extended_desktop_size) {
			w.rect_header(_resize_reason, int32_t(_resize_status), area.w, area.h, EXTENDED_DESKTOP_SIZE);
			w.u8(1); w.u8(0); w.u8(0); w.u8(0);
			/* screen id 1: libvncclient ignores a screen with id 0 */
			w.u32(1); w.u16(0); w.u16(0); w.u16(uint16_t(area.w)); w.u16(uint16_t(area.h)); w.u32(0);
		} else {
			w.rect_header(0, 0, area.w, area.h, DESKTOP_SIZE);
		}
		u.pseudo_count++;
		_send_desktop_size = false;
	}
	if (_send_qemu_ack) {
		w.rect_header(0, 0, 0, 0, QEMU_EXTENDED_KEY);
		u.pseudo_count++;
		_send_qemu_ack = false;
	}
	if (_send_name && _encodings.desktop_name) {
		w.rect_header(0, 0, 0, 0, DESKTOP_NAME);
		w.u32(uint32_t(_desktop_name.size()));
		w.bytes(_desktop_name.data(), _desktop_name.size());
		u.pseudo_count++;
		_send_name = false;
	}
	if (_send_cursor && _encodings.cursor) {
		Cursor_image const &c = arrow_cursor();
		w.rect_header(c.hot_x, c.hot_y, c.width, c.height, CURSOR);
		encode_cursor(_format, Pixels { c.argb.data(), c.width, { c.width, c.height } }, u.pseudo);
		u.pseudo_count++;
		_send_cursor = false;
	}
}


/*
 * Take the tiles of 'set' in 'region' out of it, as rectangles: runs along
 * tile rows, merged downwards, each shrunk to the boxes of its tiles
 */
void Updater::_take_rects(Tile_set &set, Frame const &frame, Rect region, std::vector<Rect> &out)
{
	uint32_t const columns = set.columns(), rows = set.rows();
	if (set.empty()) return;
	std::vector<uint8_t> taken(size_t(columns) * rows, 0);
	auto wanted = [&] (uint32_t c, uint32_t r) {
		if (!set.test(c, r) || taken[size_t(r) * columns + c]) return false;
		return !intersect(frame.tile_rect(c, r), region).empty();
	};
	for (uint32_t r = 0; r < rows; r++)
		for (uint32_t c = 0; c < columns; c++) {
			if (!wanted(c, r)) continue;
			uint32_t run = 1;
			while (c + run < columns && run < MAX_RECT_COLS && wanted(c + run, r)) run++;
			uint32_t height = 1;
			for (; r + height < rows && height < MAX_RECT_ROWS; height++) {
				bool whole = true;
				for (uint32_t i = 0; i < run && whole; i++) whole = wanted(c + i, r + height);
				if (!whole) break;
			}
			/* the block's rectangle shrinks to what changed in its tiles */
			int32_t x1 = INT32_MAX, y1 = INT32_MAX, x2 = INT32_MIN, y2 = INT32_MIN;
			for (uint32_t y = 0; y < height; y++)
				for (uint32_t x = 0; x < run; x++) {
					Rect const t = frame.tile_rect(c + x, r + y);
					Tile_set::Box const &b = set.box(c + x, r + y);
					x1 = std::min(x1, t.at.x + b.x1); y1 = std::min(y1, t.at.y + b.y1);
					x2 = std::max(x2, std::min(t.at.x + b.x2, t.x2()));
					y2 = std::max(y2, std::min(t.at.y + b.y2, t.y2()));
					taken[size_t(r + y) * columns + c + x] = 1;
					set.clear(c + x, r + y);
				}
			out.push_back(Rect { { x1, y1 }, { uint32_t(x2 - x1 + 1), uint32_t(y2 - y1 + 1) } });
			c += run - 1;
		}
}


/* The part of 'rect' inside 'tile', in the tile's coordinates (an empty box if none) */
static Tile_set::Box part_of_tile(Rect tile, Rect rect)
{
	Rect const in = intersect(tile, rect);
	if (in.empty()) return Tile_set::Box { };
	return { uint8_t(in.at.x - tile.at.x), uint8_t(in.at.y - tile.at.y),
	         uint8_t(in.x2() - tile.at.x), uint8_t(in.y2() - tile.at.y) };
}


/*
 * After an update: its JPEG rectangles leave their tiles lossy (a refresh
 * falls due LOSSLESS_REFRESH_MS later); lossless ones make them exact again
 */
void Updater::_note_lossy(Update const &u)
{
	/* Tight's compression-control byte of a JPEG rectangle (rfbproto, "Tight Encoding") */
	enum : uint8_t { TIGHT_JPEG = 0x90 };

	if (_lossy.columns() == 0) return;
	auto const frame = _frames.current();
	uint64_t const now = _timer.clock_ms();
	bool any = false;
	for (size_t i = 0; i < u.rects.size(); i++) {
		Rect const &rect = u.rects[i];
		Payload const &p = u.payloads[i];
		bool const jpeg = i < u.refresh_from && u.encoding == TIGHT && p && !p->empty() && (*p)[0] == TIGHT_JPEG;
		uint32_t const c1 = uint32_t(rect.at.x) / TILE, c2 = uint32_t(rect.x2()) / TILE;
		uint32_t const r1 = uint32_t(rect.at.y) / TILE, r2 = uint32_t(rect.y2()) / TILE;
		for (uint32_t r = r1; r <= r2 && r < _lossy.rows(); r++)
			for (uint32_t c = c1; c <= c2 && c < _lossy.columns(); c++) {
				Tile_set::Box const box = part_of_tile(frame->tile_rect(c, r), rect);
				if (box.empty()) continue;
				if (jpeg) {
					_lossy.set(c, r, box);
					_lossy_at[size_t(r) * _lossy.columns() + c] = now;
					any = true;
					continue;
				}
				/* exact now, unless part of its lossy box lies outside this rectangle */
				Tile_set::Box const &had = _lossy.box(c, r);
				if (!had.empty() && had.x1 >= box.x1 && had.y1 >= box.y1 && had.x2 <= box.x2 && had.y2 <= box.y2)
					_lossy.clear(c, r);
			}
	}
	/* H.264 is lossy: the video region is refreshed once it is still */
	if (!u.video_rect.empty()) {
		Rect const &rect = u.video_rect;
		for (uint32_t r = uint32_t(rect.at.y) / TILE; r <= uint32_t(rect.y2()) / TILE && r < _lossy.rows(); r++)
			for (uint32_t c = uint32_t(rect.at.x) / TILE; c <= uint32_t(rect.x2()) / TILE && c < _lossy.columns(); c++) {
				Tile_set::Box const box = part_of_tile(frame->tile_rect(c, r), rect);
				if (box.empty()) continue;
				_lossy.set(c, r, box);
				_lossy_at[size_t(r) * _lossy.columns() + c] = now;
				any = true;
			}
	}
	if (any) _timer.refresh_at(now + LOSSLESS_REFRESH_MS);
}


/* The tiles that changed in VIDEO_STREAK frames in a row, as a box of whole tiles; empty if too few */
Rect Updater::_video_region(Frame const &frame) const
{
	uint32_t const columns = _lossy.columns(), rows = _lossy.rows();
	uint32_t c1 = UINT32_MAX, r1 = UINT32_MAX, c2 = 0, r2 = 0, count = 0;
	for (uint32_t r = 0; r < rows; r++)
		for (uint32_t c = 0; c < columns; c++)
			if (_streak[size_t(r) * columns + c] >= VIDEO_STREAK) {
				c1 = std::min(c1, c); r1 = std::min(r1, r); c2 = std::max(c2, c); r2 = std::max(r2, r);
				count++;
			}
	if (count < VIDEO_MIN_TILES) return Rect { };
	return bounding(frame.tile_rect(c1, r1), frame.tile_rect(c2, r2));
}


/*
 * The video region's dirty tiles go as one H.264 frame of the region. The
 * region only grows while its encoder lives (a new box is the union with
 * the old one), so that shapes moving inside it do not start a new stream,
 * with a keyframe, at every frame.
 */
void Updater::_encode_video(Update &u, Frame const &frame, Rect region)
{
	Rect box = _video_region(frame);
	if (box.empty()) { _video.reset(); _video_rect = Rect { }; return; }
	box = bounding(box, _video_rect);
	if (intersect(box, region).empty()) return;

	/* only when something in it changed */
	uint32_t const c1 = uint32_t(box.at.x) / TILE, c2 = uint32_t(box.x2()) / TILE;
	uint32_t const r1 = uint32_t(box.at.y) / TILE, r2 = uint32_t(box.y2()) / TILE;
	bool dirty = false;
	for (uint32_t r = r1; r <= r2 && !dirty; r++)
		for (uint32_t c = c1; c <= c2 && !dirty; c++) dirty = _dirty.test(c, r);
	if (!dirty) return;

	/* I420 wants even sides: an odd last column or row goes as a rectangle of its own */
	Rect const even { box.at, { box.area.w & ~1u, box.area.h & ~1u } };
	bool reset = false;
	bool const same = _video_rect.at.x == box.at.x && _video_rect.at.y == box.at.y
	               && _video_rect.area.w == box.area.w && _video_rect.area.h == box.area.h;
	if (!_video || !same) {
		_video = std::make_unique<H264_encoder>(even.area);
		_video_rect = box;
		reset = true;
		if (!_video->valid()) { _video.reset(); _video_rect = Rect { }; return; }
	}
	std::vector<uint8_t> out;
	if (!_video->encode(frame.pixels_of(even), reset, out)) {
		_output.close("the H.264 encoder failed");
		return;
	}
	for (uint32_t r = r1; r <= r2; r++)
		for (uint32_t c = c1; c <= c2; c++) _dirty.clear(c, r);
	if (even.area.w < box.area.w)
		u.rects.push_back(Rect { { even.x2() + 1, box.at.y }, { 1, box.area.h } });
	if (even.area.h < box.area.h)
		u.rects.push_back(Rect { { box.at.x, even.y2() + 1 }, { even.area.w, 1 } });
	u.video_rect = even;
	u.video = std::make_shared<std::vector<uint8_t> const>(std::move(out));
}


uint64_t Updater::refresh_due(uint64_t now)
{
	if (!_active) return 0;
	uint64_t next = 0;
	for (uint32_t r = 0; r < _lossy.rows(); r++)
		for (uint32_t c = 0; c < _lossy.columns(); c++) {
			if (!_lossy.test(c, r)) continue;
			/* a changed tile goes again anyway, and is noted anew when it does */
			if (_dirty.test(c, r)) continue;
			uint64_t const due = _lossy_at[size_t(r) * _lossy.columns() + c] + LOSSLESS_REFRESH_MS;
			if (due <= now) {
				_refresh.set(c, r, _lossy.box(c, r));
				_lossy.clear(c, r);
				_streak[size_t(r) * _lossy.columns() + c] = 0;   /* still: no video any more */
			} else {
				next = next ? std::min(next, due) : due;
			}
		}
	try_update();
	return next;
}


void Updater::try_update()
{
	if (!_may_update()) return;

	bool const pseudo = _send_desktop_size || _send_qemu_ack || (_send_name && _encodings.desktop_name)
	                 || (_send_cursor && _encodings.cursor);
	if (_dirty.empty() && _refresh.empty() && !pseudo && !_copy) return;

	std::shared_ptr<Frame const> frame = _frames.current();
	Rect const region = _continuous ? _continuous_region : _requested;
	int32_t const encoding = _encodings.encoding;

	auto update = std::make_shared<Update>(*this, encoding);
	if (_encodings.h264) _encode_video(*update, *frame, region);
	if (!_active) return;
	_take_rects(_dirty, *frame, region, update->rects);
	update->refresh_from = update->rects.size();
	_take_rects(_refresh, *frame, region, update->rects);

	if (update->rects.empty() && update->video_rect.empty() && !pseudo && !_copy) return;

	_append_pseudo(*update);
	if (_copy) {
		for (Rect const &r : _copy->rects)
			update->copies.emplace_back(r, Point { r.at.x - _copy->dx, r.at.y - _copy->dy });
		_copy.reset();
	}
	/* with nothing left dirty, the viewer will have this frame whole: the base of the next copy */
	_synced_serial = _dirty.empty() ? frame->serial : 0;
	_update_requested = false;
	_in_flight = update;
	update->payloads.resize(update->rects.size());
	update->missing = update->rects.size() + 1;   /* +1: callbacks may come at once, below */

	Encode_params const params = _params();
	Encode_params lossless = params;
	lossless.jpeg_quality = -1;
	for (size_t i = 0; i < update->rects.size(); i++) {
		Encode_params const &p = i < update->refresh_from ? params : lossless;
		/*
		 * A small Tight rectangle (a caret, a clock) is encoded at once in
		 * the viewer's own zlib stream: cheaper than sharing it, and the
		 * stream, which saw the previous ones, compresses it far better.
		 */
		Rect const &r = update->rects[i];
		if (encoding == TIGHT && size_t(r.area.w) * r.area.h <= OWN_STREAM_PIXELS) {
			/* at zlib's best: for a few hundred bytes the CPU time is nothing */
			if (!_tight_stream) _tight_stream = std::make_unique<Deflater>(15, 9);
			std::vector<uint8_t> out;
			encode_tight_own_stream(p, frame->pixels_of(r), *_tight_stream, out);
			update->payloads[i] = std::make_shared<std::vector<uint8_t> const>(std::move(out));
			update->missing--;
			continue;
		}
		/* the pool calls back on the entrypoint: 'owner' is null if the update was dropped */
		_pool.request(frame, r, p, [update, i] (Payload const &payload) {
			update->payloads[i] = payload;
			if (--update->missing) return;
			if (update->owner) update->owner->_finish_update();
		});
	}
	if (--update->missing == 0) _finish_update();
}


void Updater::_finish_update()
{
	std::shared_ptr<Update> const u = _in_flight;
	_drop_in_flight();
	if (!u || !_active) return;

	_note_lossy(*u);

	size_t const count = u->rects.size() + u->pseudo_count + u->copies.size() + (u->video_rect.empty() ? 0 : 1);
	bool const last_rect = _encodings.last_rect || count > 0xfffe;
	std::vector<Chunk> chunks;
	std::vector<uint8_t> head;
	Writer w { head };
	w.u8(FRAMEBUFFER_UPDATE); w.u8(0);
	w.u16(last_rect ? uint16_t(0xffff) : uint16_t(count));
	head.insert(head.end(), u->pseudo.begin(), u->pseudo.end());

	/* copies first: they read what the viewer has, before anything is drawn over it */
	for (auto const &[dst, src] : u->copies) {
		Writer w { head };
		w.rect_header(dst.at.x, dst.at.y, dst.area.w, dst.area.h, COPY_RECT);
		w.u16(uint16_t(src.x)); w.u16(uint16_t(src.y));
	}

	for (size_t i = 0; i < u->rects.size(); i++) {
		Rect const &r = u->rects[i];
		Writer { head }.rect_header(r.at.x, r.at.y, r.area.w, r.area.h, u->encoding);
		chunks.push_back(Chunk { std::move(head), { }, 0 });
		head.clear();
		if (u->encoding == ZRLE && !_zrle_started) {
			_zrle_started = true;
			chunks.push_back(Chunk { zrle_with_stream_header(*u->payloads[i]), { }, 0 });
		} else {
			chunks.push_back(Chunk { { }, u->payloads[i], 0 });
		}
	}
	if (!u->video_rect.empty()) {
		Rect const &r = u->video_rect;
		Writer { head }.rect_header(r.at.x, r.at.y, r.area.w, r.area.h, H264);
		chunks.push_back(Chunk { std::move(head), { }, 0 });
		head.clear();
		chunks.push_back(Chunk { { }, u->video, 0 });
	}
	if (last_rect) Writer { head }.rect_header(0, 0, 0, 0, LAST_RECT);
	if (!head.empty()) chunks.push_back(Chunk { std::move(head), { }, 0 });
	_output.send(std::move(chunks));

	for (auto &bytes : _after_update) _output.send_bytes(std::move(bytes));
	_after_update.clear();

	/* frames that came while encoding */
	if (_continuous) try_update();
}


size_t Updater::held() const
{
	size_t n = sizeof(Updater) + _dirty.columns() * _dirty.rows() * (3 * sizeof(Tile_set::Box) + sizeof(uint64_t))
	         + _after_update.capacity() * sizeof(std::vector<uint8_t>);
	for (auto const &m : _after_update) n += m.capacity() + MESSAGE_OVERHEAD;
	if (_tight_stream) n += ZLIB_STREAM_BYTES;
	if (_video) n += H264_ENCODER_BYTES_PER_PIXEL * _video->area().w * _video->area().h + H264_ENCODER_BYTES;
	if (_copy) n += sizeof(Copy_plan) + _copy->rects.capacity() * sizeof(Rect)
	              + _copy->tiles.columns() * _copy->tiles.rows() * sizeof(Tile_set::Box);
	if (_in_flight) n += sizeof(Update) + _in_flight->rects.capacity() * (sizeof(Rect) + sizeof(Payload))
	                   + _in_flight->pseudo.capacity() + MESSAGE_OVERHEAD;
	return n;
}
