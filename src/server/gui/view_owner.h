/*
 * What the view stack needs to know about the client that owns a view
 *
 * The view stack draws and hit-tests views without knowing sessions; a
 * session implements this interface (and unit tests implement it with a
 * plain pixel array).
 */
#pragma once

#include <string_view>

#include <nestbox/session/input.h>

#include "domain.h"

namespace Gui_server {

	struct Texture;
	struct View_owner;
}


/* A client's buffer as the server reads it */
struct Gui_server::Texture
{
	Pixel   const *pixels = nullptr;
	uint8_t const *alpha  = nullptr;   /* one byte per pixel, or nullptr: opaque */
	uint8_t const *input  = nullptr;   /* input mask: where alpha views take input */
	Area           area   { 0, 0 };

	bool valid() const { return pixels && area.w && area.h; }
};


struct Gui_server::View_owner
{
	virtual ~View_owner() = default;

	/* The session label, shown on the views of labeled domains */
	virtual std::string_view label() const = 0;

	/* The domain its policy names; nullptr if none applies (its views are not shown) */
	virtual Domain const *domain() const = 0;

	virtual Texture texture() const = 0;

	/* An input event for the client, in its domain's coordinates */
	virtual void submit(Input::Event const &) = 0;
};
