/*
 * Gui session: views, commands, buffer and info
 */

#include <cstring>

#include <nestbox/log.h>

#include "gui_session.h"

using namespace Gui_server;


Gui_session::Gui_session(Resources const &r, std::string_view label, Domain const *domain,
                         uint64_t ram_quota, Attached_dataspace &&input, Attached_dataspace &&commands)
:
	_r(r), _label(label), _domain(domain), _ram_quota(ram_quota),
	_input(std::move(input)), _commands(std::move(commands))
{
}


Gui_session::~Gui_session()
{
	for (auto &[id, view] : _views) _r.stack.remove(*view);
	_views.clear();
	_r.action.views_changed();

	Attached_dataspace pixels = _buffer.take();
	_free(pixels);
	_free(_info);
	_free(_input.buffer());
	_free(_commands);
}


void Gui_session::_free(Attached_dataspace &ds)
{
	if (!ds.valid()) return;
	(void)_r.pd.free(ds.cap().copy());
	ds = Attached_dataspace();
}


void Gui_session::_warn_misuse(std::string_view what)
{
	_misuse_warning("\"", _label, "\": ", what);
}


View *Gui_session::_lookup(Gui::View_id id)
{
	auto it = _views.find(id.value);
	return it == _views.end() ? nullptr : it->second.get();
}


void Gui_session::domain(Domain const *d)
{
	if (d == _domain) return;
	_domain = d;
	_info_outdated = true;
	if (_info_sigh.valid()) Signal_transmitter::submit(_info_sigh);
	if (_mode_sigh.valid()) Signal_transmitter::submit(_mode_sigh);
}


void Gui_session::screen_changed()
{
	_info_outdated = true;
	if (_mode_sigh.valid()) Signal_transmitter::submit(_mode_sigh);
	if (_info_sigh.valid()) Signal_transmitter::submit(_info_sigh);
}


void Gui_session::focus_changed()
{
	_info_outdated = true;
	if (_info_sigh.valid()) Signal_transmitter::submit(_info_sigh);
}


/*
 * The client changed part of its buffer: each view that shows that part
 * is redrawn there, and nothing else.
 */
void Gui_session::buffer_refreshed(Rect rect)
{
	for (auto &[id, view] : _views) {
		Rect const abs = _r.stack.abs_geometry(*view);
		Rect const on_screen = moved(rect, abs.at - view->offset());
		_r.stack.damage(intersect(on_screen, _r.stack.clip(*view)));
	}
	_r.action.pixels_changed();
}


Result<Capability<Framebuffer::Session>> Gui_session::framebuffer()
{
	/* every call makes a channel: a bound keeps a looping client from exhausting descriptors */
	if (_buffer.num_channels() >= MAX_CHANNELS) {
		_warn_misuse("too many framebuffer capabilities requested");
		return failure(Error::OUT_OF_CAPS);
	}
	auto fd = _r.ep.mint(_buffer);
	if (!fd) return failure(fd.error());
	return Capability<Framebuffer::Session>(std::move(*fd));
}


Result<Capability<Input::Session>> Gui_session::input()
{
	if (_input.num_channels() >= MAX_CHANNELS) {
		_warn_misuse("too many input capabilities requested");
		return failure(Error::OUT_OF_CAPS);
	}
	auto fd = _r.ep.mint(_input);
	if (!fd) return failure(fd.error());
	return Capability<Input::Session>(std::move(*fd));
}


Result<Attached_dataspace> Gui_session::_alloc_buffer(Framebuffer::Mode mode)
{
	uint64_t const bytes = page_rounded(mode.bytes());
	if (bytes == 0) return Attached_dataspace();

	if (_ram_used + bytes > _ram_quota) return failure(Error::OUT_OF_RAM);

	auto ds = _r.pd.alloc(bytes);
	if (!ds) return failure(ds.error());

	Attached_dataspace pixels(std::move(*ds));
	if (!pixels.valid()) return failure(Error::OUT_OF_RAM);

	_ram_used += bytes;
	return pixels;
}


Result<void> Gui_session::buffer(Framebuffer::Mode mode)
{
	if (mode.area.w > MAX_SIDE || mode.area.h > MAX_SIDE)
		return failure(Error::INVALID_ARGS);

	/* the old buffer goes first, so that the quota needs to cover only one */
	Attached_dataspace old = _buffer.take();
	if (old.valid()) _ram_used -= page_rounded(old.size());
	_free(old);

	auto pixels = _alloc_buffer(mode);
	_buffer.assign(pixels ? std::move(*pixels) : Attached_dataspace(), mode);

	for (auto &[id, view] : _views) _r.stack.damage_view(*view);
	_r.action.pixels_changed();

	if (!pixels) return failure(pixels.error());
	return { };
}


Framebuffer::Mode Gui_session::mode()
{
	Area const area = _domain ? _domain->screen_area(_r.stack.screen()) : Area { 0, 0 };
	return { area, false };
}


Result<Gui::View_id> Gui_session::create_view(Gui::View_id parent_id)
{
	View *parent = nullptr;
	if (parent_id.value) {
		parent = _lookup(parent_id);
		if (!parent) return failure(Error::INVALID_ARGS);

		size_t depth = 1;
		for (View const *p = parent; p; p = p->parent()) depth++;
		if (depth > MAX_DEPTH) return failure(Error::INVALID_ARGS);
	}

	if (_views.size() >= MAX_VIEWS || _ram_used + VIEW_COST > _ram_quota)
		return failure(Error::OUT_OF_RAM);

	/* ids are never reused, so a stale id cannot name a new view */
	if (_next_view_id == 0) return failure(Error::OUT_OF_RAM);
	uint32_t const id = _next_view_id++;

	auto view = std::make_unique<View>(*this, parent);
	View &v = *view;
	_views.emplace(id, std::move(view));
	_ram_used += VIEW_COST;

	/* it has no size yet: in the stack but invisible until it gets a geometry */
	_r.stack.insert(v);
	return Gui::View_id { id };
}


void Gui_session::_destroy_view_and_descendants(View &v)
{
	/* children first: none may outlive its parent */
	for (bool found = true; found; ) {
		found = false;
		for (auto &[id, other] : _views)
			if (other->parent() == &v) {
				_destroy_view_and_descendants(*other);
				found = true;
				break;
			}
	}

	for (auto it = _views.begin(); it != _views.end(); ++it)
		if (it->second.get() == &v) {
			_r.stack.remove(v);
			_views.erase(it);
			_ram_used -= VIEW_COST;
			return;
		}
}


void Gui_session::destroy_view(Gui::View_id id)
{
	View *v = _lookup(id);
	if (!v) {
		_warn_misuse("destroy_view with an invalid view id");
		return;
	}
	_destroy_view_and_descendants(*v);
	_r.action.views_changed();
}


/* Printable ASCII only: the title is drawn next to the trusted label */
static std::string sanitized_title(char const (&raw)[64])
{
	std::string t(raw, strnlen(raw, sizeof(raw)));
	for (char &c : t) if (c < 32 || c > 126) c = '?';
	return t;
}


bool Gui_session::_apply(Gui::Command const &cmd)
{
	using Command = Gui::Command;

	if (cmd.op == Command::NOP) return true;

	View *v = _lookup(cmd.view);
	if (!v) return false;

	switch (cmd.op) {
	case Command::GEOMETRY:
		_r.stack.damage_view(*v);
		v->geometry(cmd.rect);
		_r.stack.damage_view(*v);
		return true;

	case Command::OFFSET:
		v->offset(cmd.offset);
		_r.stack.damage_view(*v);
		return true;

	case Command::TO_FRONT:
	case Command::TO_BACK: {
		View const *neighbor = nullptr;
		if (cmd.neighbor.value) {
			neighbor = _lookup(cmd.neighbor);
			if (!neighbor || neighbor == v) return false;
		}
		_r.stack.stack(*v, neighbor, cmd.op == Command::TO_FRONT);
		return true; }

	case Command::TITLE:
		v->title(sanitized_title(cmd.title));
		_r.stack.damage_view(*v);
		return true;

	case Command::BACKGROUND:
		v->background(true);
		_r.stack.stack(*v, nullptr, false);
		return true;

	case Command::NOP:
		return true;
	}
	return false;
}


Result<void> Gui_session::execute()
{
	/* the client may write to the buffer meanwhile: copy first, then look */
	Gui::Command_buffer const &shared = *_commands.local_addr<Gui::Command_buffer const>();
	uint32_t const count = std::min<uint32_t>(shared.count, Gui::Command_buffer::MAX_COMMANDS);

	Gui::Command commands[Gui::Command_buffer::MAX_COMMANDS];
	std::memcpy(commands, shared.commands, count * sizeof(Gui::Command));

	unsigned invalid = 0;
	for (uint32_t i = 0; i < count; i++)
		if (!_apply(commands[i])) invalid++;

	_r.action.views_changed();

	if (invalid || shared.count > Gui::Command_buffer::MAX_COMMANDS) {
		_warn_misuse("commands with invalid view ids or operations were ignored");
		return failure(Error::INVALID_ARGS);
	}
	return { };
}


Result<Dataspace_capability> Gui_session::info()
{
	if (_info_outdated || !_info.valid()) {
		Area const area = mode().area;
		std::string const text = concat("<gui width=\"", area.w, "\" height=\"", area.h,
		                                "\" focused=\"", _r.focus.focused(*this) ? "yes" : "no", "\"/>");

		/* a new dataspace per change: one a client still reads never changes under it */
		auto ds = _r.pd.alloc(4096);
		if (!ds) return failure(ds.error());
		Attached_dataspace fresh(std::move(*ds));
		if (!fresh.valid()) return failure(Error::OUT_OF_RAM);
		std::memcpy(fresh.local_addr(), text.c_str(), text.size() + 1);

		_free(_info);
		_info = std::move(fresh);
		_info_outdated = false;
	}
	return _info.cap().copy();
}


void Gui_session::info_sigh(Signal_context_capability sigh)
{
	_info_sigh = std::move(sigh);

	/* a change the client has not fetched yet must not go unnoticed */
	if (_info_sigh.valid() && _info_outdated) Signal_transmitter::submit(_info_sigh);
}
