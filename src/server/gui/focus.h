/*
 * Which session has the input focus: written by the input handling, read
 * by drawing (tint, frames) and by the sessions (their info)
 */
#pragma once

#include "view_owner.h"

namespace Gui_server {

	struct Focus
	{
		View_owner *session = nullptr;

		bool focused(View_owner const &s) const { return session == &s; }
	};
}
