/*
 * The Input sub-session of a Gui session: the events meant for its client
 *
 * libnestbox's bounded queue with the gui's policy: 512 events, and
 * consecutive motion events merged into the latest while no button is held
 * (a stroke keeps its path), so a client that does not keep up costs the
 * server a fixed amount of memory and loses nothing but intermediate
 * pointer positions (or, beyond that, the oldest events).
 */
#pragma once

#include <nestbox/input/event_queue.h>

namespace Gui_server {

	using namespace nestbox;

	struct Event_queue_session;
}


struct Gui_server::Event_queue_session : Input::Queue_session
{
	enum : size_t { MAX_QUEUED = 512 };

	/* 'buffer' holds EVENT_BUFFER_SIZE bytes at least */
	explicit Event_queue_session(Attached_dataspace &&buffer)
	: Queue_session(std::move(buffer), Input::Event_queue({ .capacity = MAX_QUEUED, .merge_motion = true })) { }
};
