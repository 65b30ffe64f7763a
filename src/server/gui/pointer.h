/*
 * The pointer the server draws itself: a small arrow, black outline and
 * white body, its tip at the pointer position
 *
 * It is drawn last, over everything, because only the server knows where
 * the pointer really is: a client could otherwise fake it.
 */
#pragma once

#include "canvas.h"

namespace Gui_server::Pointer {

	inline constexpr char const *shape[] = {
		"X",
		"XX",
		"X#X",
		"X##X",
		"X###X",
		"X####X",
		"X#####X",
		"X######X",
		"X#######X",
		"X########X",
		"X#####XXXXX",
		"X##X##X",
		"X#X.X##X",
		"XX..X##X",
		"X....X##X",
		".....X##X",
		"......XX",
	};

	enum : uint32_t { WIDTH = 11, HEIGHT = sizeof(shape) / sizeof(shape[0]) };

	inline Rect area(Point at) { return { at, { WIDTH, HEIGHT } }; }

	inline void draw(Canvas &canvas, Point at) { canvas.draw_shape(at, shape, HEIGHT, 0x000000, 0xffffff); }
}
