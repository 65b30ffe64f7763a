/*
 * Framebuffer session: a pixel buffer the client draws into
 *
 * The buffer is a dataspace of XRGB8888 pixels (32 bits, blue in the lowest
 * byte), 'width' pixels per line, no padding. The client tells the server
 * which rectangle changed with 'refresh'. After a mode change (signalled via
 * 'mode_sigh') the client fetches 'mode' and 'dataspace' again. 'sync_sigh'
 * delivers a signal per frame the server shows, for clients that animate.
 */
#pragma once

#include <nestbox/base/rpc.h>
#include <nestbox/util/geometry.h>

namespace nestbox::Framebuffer {

using Pixel = uint32_t;   /* XRGB8888 */

struct Mode
{
	Area area;
	bool alpha;   /* a second plane of alpha values follows the pixels (Gui buffers only) */

	size_t bytes() const { return size_t(area.w) * area.h * sizeof(Pixel) * (alpha ? 2 : 1); }
};

struct Session
{
	static constexpr char const *service_name() { return "Framebuffer"; }

	virtual ~Session() = default;

	virtual Mode                         mode() = 0;
	virtual void                         mode_sigh(Signal_context_capability) = 0;
	virtual Result<Dataspace_capability> dataspace() = 0;

	/* The pixels of 'rect' changed */
	virtual void refresh(Rect rect) = 0;

	/* A signal per frame shown */
	virtual void sync_sigh(Signal_context_capability) = 0;

	using Rpc_functions = Rpc_list<&Session::mode, &Session::mode_sigh, &Session::dataspace,
	                               &Session::refresh, &Session::sync_sigh>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Mode>                 mode()                                 { return call<&Session::mode>(); }
	Result<void>                 mode_sigh(Signal_context_capability s) { return call<&Session::mode_sigh>(std::move(s)); }
	Result<Dataspace_capability> dataspace()                            { return call<&Session::dataspace>(); }
	Result<void>                 refresh(Rect r)                        { return call<&Session::refresh>(r); }
	Result<void>                 sync_sigh(Signal_context_capability s) { return call<&Session::sync_sigh>(std::move(s)); }
};

} /* namespace nestbox::Framebuffer */
