/*
 * The Framebuffer and Input services of gui_fb: thin forwarders to the
 * window's Gui session
 *
 * Every session shows the one window, like a display driver's sessions
 * show the one screen.
 */
#pragma once

#include <nestbox/base/dataspace.h>
#include <nestbox/base/signal.h>
#include <nestbox/input/event_queue.h>
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


/* The events of the window, in its buffer's coordinates: the order of a driver, nothing merged */
class Gui_fb::Input_session : public Input::Queue_session
{
	private:

		enum : size_t { MAX_QUEUED = 512 };

		Pd::Client &_pd;

	public:

		Input_session(Pd::Client &pd, Attached_dataspace &&buffer)
		: Queue_session(std::move(buffer), Input::Event_queue({ .capacity = MAX_QUEUED, .merge_motion = false })),
		  _pd(pd) { }

		~Input_session() { (void)_pd.free(buffer().cap().copy()); }
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
