/*
 * The Framebuffer and Input services of gui_fb: thin forwarders to the
 * window's Gui session
 *
 * Every session shows the one window, like a display driver's sessions
 * show the one screen.
 */
#pragma once

#include <deque>

#include <nestbox/base/dataspace.h>
#include <nestbox/base/signal.h>
#include <nestbox/root_component.h>
#include <nestbox/session/framebuffer.h>
#include <nestbox/session/input.h>

namespace Gui_fb {

	using namespace nestbox;

	struct Window;
	class  Framebuffer_session;
	class  Input_session;
	class  Framebuffer_root;
	class  Input_root;
}


/* What the sessions need of the window */
struct Gui_fb::Window
{
	virtual ~Window() = default;

	virtual Framebuffer::Mode            mode() = 0;
	virtual Result<Dataspace_capability> dataspace() = 0;
	virtual void refresh(Rect) = 0;
	virtual void sync_sigh(Signal_context_capability) = 0;
};


class Gui_fb::Framebuffer_session : public Rpc_object<Framebuffer::Session>
{
	private:

		Window                   &_window;
		Signal_context_capability _mode_sigh { };

	public:

		explicit Framebuffer_session(Window &window) : _window(window) { }

		void mode_changed() { if (_mode_sigh.valid()) Signal_transmitter::submit(_mode_sigh); }

		Framebuffer::Mode            mode()      override { return _window.mode(); }
		Result<Dataspace_capability> dataspace() override { return _window.dataspace(); }
		void refresh(Rect r) override { _window.refresh(r); }
		void mode_sigh(Signal_context_capability s) override { _mode_sigh = std::move(s); }

		/* the window's Gui server sends the sync signals itself */
		void sync_sigh(Signal_context_capability s) override { _window.sync_sigh(std::move(s)); }
};


class Gui_fb::Input_session : public Rpc_object<Input::Session>
{
	private:

		enum : size_t { MAX_QUEUED = 512 };

		Pd::Client               &_pd;
		Attached_dataspace        _buffer;
		std::deque<Input::Event>  _queue { };
		Signal_context_capability _sigh  { };

	public:

		Input_session(Pd::Client &pd, Attached_dataspace &&buffer) : _pd(pd), _buffer(std::move(buffer)) { }

		~Input_session() { (void)_pd.free(_buffer.cap().copy()); }

		void submit(Input::Event const &e)
		{
			bool const was_empty = _queue.empty();
			if (_queue.size() == MAX_QUEUED) _queue.pop_front();
			_queue.push_back(e);
			if (was_empty && _sigh.valid()) Signal_transmitter::submit(_sigh);
		}

		Result<Dataspace_capability> dataspace() override { return _buffer.cap().copy(); }
		bool pending() override { return !_queue.empty(); }

		uint32_t flush() override
		{
			size_t const n = std::min<size_t>(_queue.size(), Input::MAX_EVENTS);
			auto *dst = _buffer.local_addr<Input::Event>();
			for (size_t i = 0; i < n; i++) dst[i] = _queue[i];
			_queue.erase(_queue.begin(), _queue.begin() + ptrdiff_t(n));
			if (!_queue.empty() && _sigh.valid()) Signal_transmitter::submit(_sigh);
			return uint32_t(n);
		}

		void sigh(Signal_context_capability s) override
		{
			_sigh = std::move(s);
			if (_sigh.valid() && pending()) Signal_transmitter::submit(_sigh);
		}
};


class Gui_fb::Framebuffer_root : public Root_component<Framebuffer_session>
{
	private:

		Window &_window;

		Result<std::unique_ptr<Framebuffer_session>> _create_session(std::string_view) override
		{
			return std::make_unique<Framebuffer_session>(_window);
		}

	public:

		Framebuffer_root(Entrypoint &ep, Window &window) : Root_component(ep), _window(window) { }

		void mode_changed() { for_each_session([] (Framebuffer_session &s) { s.mode_changed(); }); }
};


class Gui_fb::Input_root : public Root_component<Input_session>
{
	private:

		Pd::Client &_pd;

		Result<std::unique_ptr<Input_session>> _create_session(std::string_view) override
		{
			auto ds = _pd.alloc(Input::EVENT_BUFFER_SIZE);
			if (!ds) return failure(ds.error());
			Attached_dataspace buffer(std::move(*ds));
			if (!buffer.valid()) return failure(Error::OUT_OF_RAM);
			return std::make_unique<Input_session>(_pd, std::move(buffer));
		}

	public:

		Input_root(Entrypoint &ep, Pd::Client &pd) : Root_component(ep), _pd(pd) { }

		void submit(Input::Event const &e) { for_each_session([&] (Input_session &s) { s.submit(e); }); }
};
