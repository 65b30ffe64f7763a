/*
 * Screen capture: the frames that feed the viewers
 */

#include "capture.h"

using namespace Vnc;


Screen_capture::Screen_capture(nestbox::Entrypoint &ep, nestbox::Timer::Connection &timer,
                               Fb_driver::Screen const &screen, Frame_listener &listener)
: _ep(ep), _timer(timer), _screen(screen), _listener(listener)
{
	(void)_timer.sigh(_handler.cap());
}


void Screen_capture::reset(nestbox::Area area)
{
	_frames.reset(area);
	_damage = Tile_set(area);
}


/*
 * Damage is collected for a millisecond and taken as one frame: a
 * client that refreshes a frame in several pieces (a caret, then a
 * clock) costs its viewers one update, not several, at a latency far
 * below a frame's.
 */
static constexpr uint64_t CAPTURE_DEFER_US = 1000;


void Screen_capture::damage(nestbox::Rect rect)
{
	_damage.add(rect);
	if (_scheduled) return;
	_scheduled = true;
	if (!_timer.trigger_once(CAPTURE_DEFER_US))
		_ep.schedule([this] { _capture(); });
}


void Screen_capture::_capture()
{
	_scheduled = false;
	if (_damage.empty() || !_screen.pixels()) return;
	std::shared_ptr<Frame const> const previous = _frames.current();
	Tile_set const changed = _frames.capture(_screen.pixels(), _damage);
	_damage.clear_all();
	if (changed.empty()) return;

	std::optional<Copy_plan> const copy = _detect_copy(*previous, changed);
	_listener.frame_changed(changed, copy ? &*copy : nullptr);
}


/*
 * Moved content, if a viewer could use it. Where nothing moves (an
 * animation), each miss doubles the number of frames not searched,
 * up to 16: detection costs little where it finds nothing (a few
 * milliseconds a search at 1080p).
 */
std::optional<Copy_plan> Screen_capture::_detect_copy(Frame const &previous, Tile_set const &changed)
{
	if (!_listener.wants_copy(previous.serial)) return std::nullopt;
	if (_copy_skip) { _copy_skip--; return std::nullopt; }

	/* a plan that copies little (a stray match in an animation) is used, but counts as a miss */
	auto plan = detect_copy(previous, *_frames.current(), changed, _copy_hint);
	if (plan && plan->tiles.count() * 8 >= changed.count()) {
		_copy_misses = 0;
		_copy_hint = Offset { plan->dx, plan->dy };
	} else {
		_copy_skip = std::min(1u << std::min(_copy_misses++, 4u), 16u) - 1;
		_copy_hint.reset();
	}
	return plan;
}
