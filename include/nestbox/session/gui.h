/*
 * Gui session: a virtual screen of views, nitpicker-style
 *
 * A client gets a buffer (its own Framebuffer sub-session), an Input
 * sub-session with the events meant for it, and views: rectangles on the
 * screen that show a part of its buffer. Views are manipulated with batched
 * commands written into a command dataspace and applied by 'execute', so
 * that moving many views costs one call. View ids are the client's own;
 * the server checks every id it gets.
 *
 * Positions in input events are in the coordinates of the client's domain
 * (as nitpicker does), not relative to a view. A buffer with alpha holds the
 * pixels, then one alpha byte per pixel, then one input-mask byte per pixel.
 */
#pragma once

#include <cstring>

#include <nestbox/session/framebuffer.h>
#include <nestbox/session/input.h>

namespace nestbox::Gui {

struct View_id { uint32_t value; };

struct Command
{
	enum Op : uint32_t {
		NOP,
		GEOMETRY,     /* rect: where the view is on the screen */
		OFFSET,       /* offset: which part of the buffer it shows (buffer position at the view's top left) */
		TO_FRONT,     /* neighbor: in front of this view, or of all (neighbor.value == 0) */
		TO_BACK,      /* neighbor: behind this view, or behind all */
		TITLE,        /* title: shown by the server where it labels views */
		BACKGROUND,   /* the view is the client's background (e.g. a desktop) */
	};

	Op      op;
	View_id view;
	Rect    rect;
	Point   offset;
	View_id neighbor;
	char    title[64];

	static Command geometry(View_id v, Rect r)  { Command c { }; c.op = GEOMETRY; c.view = v; c.rect = r; return c; }
	static Command offset_of(View_id v, Point p) { Command c { }; c.op = OFFSET; c.view = v; c.offset = p; return c; }
	static Command to_front(View_id v, View_id n = { 0 }) { Command c { }; c.op = TO_FRONT; c.view = v; c.neighbor = n; return c; }
	static Command to_back(View_id v, View_id n = { 0 })  { Command c { }; c.op = TO_BACK; c.view = v; c.neighbor = n; return c; }
	static Command title_of(View_id v, std::string_view t)
	{
		Command c { }; c.op = TITLE; c.view = v;
		std::memcpy(c.title, t.data(), std::min(t.size(), sizeof(c.title) - 1));
		return c;
	}
};

/* The layout of the command dataspace */
struct Command_buffer
{
	enum : uint32_t { MAX_COMMANDS = 64 };

	uint32_t count;
	Command  commands[MAX_COMMANDS];
};

struct Session
{
	static constexpr char const *service_name() { return "Gui"; }

	virtual ~Session() = default;

	/* The client's buffer and events: sub-sessions of this session */
	virtual Result<Capability<Framebuffer::Session>> framebuffer() = 0;
	virtual Result<Capability<Input::Session>>       input() = 0;

	/* Size the buffer (charged to the session's quota); the screen mode is 'mode' */
	virtual Result<void>      buffer(Framebuffer::Mode) = 0;
	virtual Framebuffer::Mode mode() = 0;
	virtual void              mode_sigh(Signal_context_capability) = 0;

	/* Views; a child view is clipped to its parent and moves with it (parent 0: top level) */
	virtual Result<View_id> create_view(View_id parent) = 0;
	virtual void            destroy_view(View_id) = 0;

	/* Batched view commands (Command_buffer in this dataspace) */
	virtual Result<Dataspace_capability> command_dataspace() = 0;
	virtual Result<void>                 execute() = 0;

	/* Information on the screen ("<gui width=… height=…/>" plus focus), as a ROM would give it */
	virtual Result<Dataspace_capability> info() = 0;
	virtual void                         info_sigh(Signal_context_capability) = 0;

	using Rpc_functions = Rpc_list<&Session::framebuffer, &Session::input, &Session::buffer,
	                               &Session::mode, &Session::mode_sigh, &Session::create_view,
	                               &Session::destroy_view, &Session::command_dataspace,
	                               &Session::execute, &Session::info, &Session::info_sigh>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Capability<Framebuffer::Session>> framebuffer() { return call<&Session::framebuffer>(); }
	Result<Capability<Input::Session>>       input()       { return call<&Session::input>(); }
	Result<void>              buffer(Framebuffer::Mode m)  { return call<&Session::buffer>(m); }
	Result<Framebuffer::Mode> mode()                       { return call<&Session::mode>(); }
	Result<void>              mode_sigh(Signal_context_capability s) { return call<&Session::mode_sigh>(std::move(s)); }
	Result<View_id>           create_view(View_id parent = { 0 })     { return call<&Session::create_view>(parent); }
	Result<void>              destroy_view(View_id v)                 { return call<&Session::destroy_view>(v); }
	Result<Dataspace_capability> command_dataspace()                  { return call<&Session::command_dataspace>(); }
	Result<void>              execute()                               { return call<&Session::execute>(); }
	Result<Dataspace_capability> info()                               { return call<&Session::info>(); }
	Result<void>              info_sigh(Signal_context_capability s)  { return call<&Session::info_sigh>(std::move(s)); }
};

} /* namespace nestbox::Gui */
