/*
 * Finding content that moved between two frames, for CopyRect
 *
 * A Framebuffer client reports only which pixels changed, not that a
 * window moved or text scrolled. A viewer that has the previous frame can
 * be told to copy such pixels itself (CopyRect: 8 bytes instead of an
 * encoded rectangle). Detection is a vote: short segments of the changed
 * tiles of the new frame are looked up, by a rolling hash, at every
 * position of the previous frame near them; each hit votes for the offset
 * between the two places. The winning offset is then checked tile by tile,
 * pixel-exactly: only tiles that are a verbatim copy are copied.
 */
#pragma once

#include <optional>
#include <vector>

#include "frame.h"

namespace Vnc {

	struct Copy_plan
	{
		uint64_t          from_serial;   /* the frame the viewer must have */
		int32_t           dx, dy;        /* destination = source + (dx, dy) */
		Tile_set          tiles;         /* destination tiles that are copies */
		std::vector<Rect> rects;         /* the same as runs along tile rows, in an order
		                                    where no copy overwrites a later one's source */
	};

	struct Offset { int32_t dx, dy; };

	/*
	 * What moved from 'previous' to 'next' in the 'changed' tiles. A 'hint'
	 * (the last offset found: scrolling and dragging go on at one speed)
	 * is tried first and spares the vote when it explains a quarter of the
	 * changed tiles.
	 */
	std::optional<Copy_plan> detect_copy(Frame const &previous, Frame const &next, Tile_set const &changed,
	                                     std::optional<Offset> hint = std::nullopt);
}
