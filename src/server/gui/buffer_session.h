/*
 * The Framebuffer sub-session of a Gui session: the client's own buffer
 *
 * The buffer is the server's memory (the composition reads it), paid for
 * by the session quota; the Gui session sizes it with 'buffer'. A refresh
 * is passed on to the Gui session, which knows where its views show the
 * buffer.
 */
#pragma once

#include <nestbox/base/dataspace.h>
#include <nestbox/base/rpc.h>
#include <nestbox/base/signal.h>
#include <nestbox/session/framebuffer.h>

#include "view_owner.h"

namespace Gui_server {

	struct Refresh_handler;
	class  Buffer_session;
}


struct Gui_server::Refresh_handler
{
	virtual ~Refresh_handler() = default;

	/* The client changed 'rect' of its buffer */
	virtual void buffer_refreshed(Rect) = 0;

	/* The client (un)registered for sync signals */
	virtual void sync_wanted_changed() = 0;
};


class Gui_server::Buffer_session : public Rpc_object<Framebuffer::Session>
{
	private:

		Refresh_handler          &_handler;
		std::string const         _label;   /* names the client in the entrypoint's warnings */
		Attached_dataspace        _ds   { };
		Framebuffer::Mode         _mode { { 0, 0 }, false };
		Signal_context_capability _mode_sigh { };
		Signal_context_capability _sync_sigh { };

		size_t _pixel_bytes() const { return size_t(_mode.area.w) * _mode.area.h * sizeof(Pixel); }

	public:

		Buffer_session(Refresh_handler &handler, std::string label)
		: _handler(handler), _label(std::move(label)) { }

		std::string client_name() const override { return _label; }

		Buffer_session(Buffer_session const &) = delete;

		/* A new buffer (or none): the client is told to fetch mode and dataspace again */
		void assign(Attached_dataspace &&ds, Framebuffer::Mode mode)
		{
			_ds   = std::move(ds);
			_mode = _ds.valid() ? mode : Framebuffer::Mode { { 0, 0 }, false };
			if (_mode_sigh.valid()) Signal_transmitter::submit(_mode_sigh);
		}

		/* Hand the buffer back (to be freed) without telling the client */
		Attached_dataspace take()
		{
			_mode = { { 0, 0 }, false };
			return std::move(_ds);
		}

		/*
		 * The pixels, followed in alpha mode by one alpha byte and one
		 * input-mask byte per pixel (as in Genode's nitpicker)
		 */
		Texture texture() const
		{
			if (!_ds.valid() || _ds.size() < _mode.bytes()) return { };
			auto const *bytes = _ds.local_addr<uint8_t const>();
			size_t const n = size_t(_mode.area.w) * _mode.area.h;
			return Texture {
				.pixels = reinterpret_cast<Pixel const *>(bytes),
				.alpha  = _mode.alpha ? bytes + _pixel_bytes()     : nullptr,
				.input  = _mode.alpha ? bytes + _pixel_bytes() + n : nullptr,
				.area   = _mode.area };
		}

		bool wants_sync() const { return _sync_sigh.valid(); }

		void sync() { if (_sync_sigh.valid()) Signal_transmitter::submit(_sync_sigh); }

		Framebuffer::Mode mode() override { return _mode; }

		void mode_sigh(Signal_context_capability sigh) override { _mode_sigh = std::move(sigh); }

		Result<Dataspace_capability> dataspace() override
		{
			if (!_ds.valid()) return failure(Error::UNAVAILABLE);
			return _ds.cap().copy();
		}

		void refresh(Rect rect) override { _handler.buffer_refreshed(sanitized(rect)); }

		void sync_sigh(Signal_context_capability sigh) override
		{
			_sync_sigh = std::move(sigh);
			_handler.sync_wanted_changed();
		}
};
