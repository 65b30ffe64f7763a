/*
 * View stack: stacking, geometry and composition
 */

#include <algorithm>

#include "font.h"
#include "view_stack.h"

using namespace Gui_server;


uint64_t View_stack::_key(View const &v)
{
	Domain const *d = v.domain();
	uint64_t const layer = d ? d->layer : ~0u;
	return (layer << 1) | (v.background() ? 1 : 0);
}


size_t View_stack::_index(View const &v) const
{
	return size_t(std::find(_views.begin(), _views.end(), &v) - _views.begin());
}


bool View_stack::stacked(View const &v) const { return _index(v) < _views.size(); }


void View_stack::_insert_by_key(View &v, bool in_front)
{
	uint64_t const k = _key(v);
	auto const pos = std::find_if(_views.begin(), _views.end(), [&] (View const *other) {
		return in_front ? _key(*other) >= k : _key(*other) > k; });
	_views.insert(pos, &v);
}


bool View_stack::_ordered() const
{
	return std::is_sorted(_views.begin(), _views.end(), [] (View const *a, View const *b) {
		return _key(*a) < _key(*b); });
}


void View_stack::_sort()
{
	std::stable_sort(_views.begin(), _views.end(), [] (View const *a, View const *b) {
		return _key(*a) < _key(*b); });
}


Rect View_stack::abs_geometry(View const &v) const
{
	Rect const g = v.geometry();
	if (v.parent())
		return moved(g, abs_geometry(*v.parent()).at);

	Domain const *d = v.domain();
	return moved(g, d ? d->origin_on(_screen, _pointer) : Point { 0, 0 });
}


Rect View_stack::clip(View const &v) const
{
	Rect const limit = v.parent() ? clip(*v.parent()) : Rect { { 0, 0 }, _screen };
	return intersect(abs_geometry(v), limit);
}


Rect View_stack::outline(View const &v) const
{
	Domain const *d = v.domain();
	if (!d || !d->label || !v.top_level())
		return clip(v);

	Rect const abs = abs_geometry(v);
	if (abs.empty()) return abs;
	return intersect(grown(abs, FRAME_FOCUSED), { { 0, 0 }, _screen });
}


void View_stack::insert(View &v)
{
	if (stacked(v)) return;
	_insert_by_key(v, true);
	damage_view(v);
}


void View_stack::remove(View &v)
{
	size_t const i = _index(v);
	if (i == _views.size()) return;
	damage_view(v);
	_views.erase(_views.begin() + ptrdiff_t(i));
}


void View_stack::stack(View &v, View const *neighbor, bool in_front)
{
	remove(v);

	size_t const n = neighbor ? _index(*neighbor) : _views.size();
	if (neighbor && neighbor != &v && n < _views.size()) {
		_views.insert(_views.begin() + ptrdiff_t(in_front ? n : n + 1), &v);

		/* a neighbor in another layer cannot pull a view out of its own */
		if (!_ordered()) _sort();
	} else {
		_insert_by_key(v, in_front);
	}
	damage_view(v);
}


void View_stack::restack_all()
{
	_sort();
	damage_all();
}


void View_stack::screen(Area area)
{
	_screen = area;
	damage_all();
}


void View_stack::pointer(Point p)
{
	auto follows_pointer = [] (View const &v) {
		View const *root = &v;
		while (root->parent()) root = root->parent();
		Domain const *d = root->domain();
		return d && d->origin_pointer();
	};

	for (View *v : _views) if (follows_pointer(*v)) damage_view(*v);
	_pointer = p;
	for (View *v : _views) if (follows_pointer(*v)) damage_view(*v);
}


View *View_stack::view_at(Point p) const
{
	for (View *v : _views) {
		Domain const *d = v->domain();
		if (!d || !contains(clip(*v), p)) continue;

		/* a view with alpha takes input only where its input mask says so */
		Texture const t = v->owner().texture();
		if (t.valid() && t.alpha && t.input && !d->tinted()) {
			Point const b = p - abs_geometry(*v).at + v->offset();
			if (!contains({ { 0, 0 }, t.area }, b)) continue;
			if (!t.input[size_t(b.y) * t.area.w + size_t(b.x)]) continue;
		}
		return v;
	}
	return nullptr;
}


void View_stack::draw(Canvas &canvas, Rect area, Draw_context const &ctx) const
{
	Rect const r = intersect(area, { { 0, 0 }, _screen });
	if (r.empty()) return;

	/* views behind an opaque one that covers all of 'r' need no drawing */
	size_t first = _views.size();
	for (size_t i = 0; i < _views.size(); i++) {
		View const &v = *_views[i];
		if (!v.domain()) continue;
		Texture const t = v.owner().texture();
		bool const opaque = !(t.valid() && t.alpha) || v.domain()->tinted();
		if (opaque && covers(clip(v), r)) { first = i + 1; break; }
	}

	canvas.clip(r);
	if (first == _views.size())
		canvas.fill(r, ctx.background.pixel());

	for (size_t i = first; i-- > 0; )
		_draw_view(canvas, *_views[i], r, ctx);

	canvas.clip(canvas.bounds());
}


void View_stack::_draw_view(Canvas &canvas, View const &v, Rect r, Draw_context const &ctx) const
{
	Domain const *d = v.domain();
	if (!d) return;

	Rect const abs = abs_geometry(v);
	if (abs.empty()) return;

	bool const labeled = d->label && v.top_level();
	bool const focused = ctx.focused == &v.owner();

	/* the frame lies around the view: black, the domain color, black */
	if (labeled) {
		canvas.clip(r);
		int32_t const size = focused ? FRAME_FOCUSED : FRAME;
		for (int32_t i = 1; i <= size; i++)
			canvas.draw_outline(grown(abs, i), (i == 1 || i == size) ? 0 : d->color.pixel());
	}

	Rect const c = intersect(clip(v), r);
	if (c.empty()) return;
	canvas.clip(c);

	/*
	 * Tinted content shows the client's own colors only while it has the
	 * focus: sessions of the focused label count as one client (a program
	 * may open several), the rest of the domain stays tinted
	 */
	Texture const t = v.owner().texture();
	bool const focused_client = ctx.focused && ctx.focused->domain() == d
	                         && ctx.focused->label() == v.owner().label();

	Canvas::Mode const mode = (d->tinted() && !focused_client) ? Canvas::Mode::TINTED
	                        : (d->tinted() || !t.alpha)        ? Canvas::Mode::SOLID
	                                                           : Canvas::Mode::ALPHA;

	canvas.draw_texture(t, abs.at - v.offset(), c, mode, d->color.pixel());

	if (labeled)
		_draw_label(canvas, v, c, ctx);

	canvas.clip(r);
}


/*
 * The label sits at the top left of the view's visible part, over the
 * client's pixels: the client can never paint over it, because it is
 * drawn after them, from the server's own knowledge of the session.
 */
void View_stack::_draw_label(Canvas &canvas, View const &v, Rect c, Draw_context const &) const
{
	Domain const &d = *v.domain();
	std::string_view const label = v.owner().label();
	std::string_view const title = v.title();

	uint32_t const width = Font::text_width(label)
	                     + (title.empty() ? 0 : Font::ADVANCE + Font::text_width(title)) + 4;

	Point const at = clip(v).at;
	canvas.clip(intersect(c, Rect { at, { width, LABEL_HEIGHT } }));
	canvas.fill(Rect { at, { width, LABEL_HEIGHT } }, 0);

	int32_t const x = canvas.draw_text(at + Point { 2, 2 }, label, 0xffffff);
	if (!title.empty())
		canvas.draw_text({ x + int32_t(Font::ADVANCE), at.y + 2 }, title, d.color.pixel());
	canvas.clip(c);
}
