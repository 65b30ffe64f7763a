/*
 * The children of init, by name and by id
 *
 * A child's id is never reused, so that an answer that arrives for a child
 * that is gone (or was restarted meanwhile) finds nothing instead of the
 * wrong child.
 */
#pragma once

#include <list>
#include <memory>
#include <string_view>
#include <utility>

#include "child.h"

namespace Init {

class Children
{
	private:

		std::list<std::unique_ptr<Child>> _children { };
		uint32_t                          _next_id = 1;

	public:

		Children() = default;

		/* one by one, so that each child's sessions close while the others still exist */
		~Children() { while (!_children.empty()) destroy(*_children.front()); }

		Children(Children const &) = delete;
		Children &operator = (Children const &) = delete;

		/* A new child, the last in order; ids follow the order of creation */
		template <typename... ARGS>
		Child &create(ARGS &&... args)
		{
			_children.push_back(std::make_unique<Child>(std::forward<ARGS>(args)..., _next_id++));
			return *_children.back();
		}

		/*
		 * The child is out of the list before it is destroyed: while it closes
		 * its sessions, a lookup does not find it any more.
		 */
		void destroy(Child &child)
		{
			std::unique_ptr<Child> doomed;
			for (auto it = _children.begin(); it != _children.end(); ++it) {
				if (it->get() != &child) continue;
				doomed = std::move(*it);
				_children.erase(it);
				break;
			}
		}

		Child *by_name(std::string_view name) const
		{
			for (auto &c : _children) if (c->name() == name) return c.get();
			return nullptr;
		}

		Child *by_id(uint32_t id) const
		{
			for (auto &c : _children) if (c->id() == id) return c.get();
			return nullptr;
		}

		template <typename FN> void for_each(FN const &fn) const
		{
			for (auto &c : _children) fn(*c);
		}
};

} /* namespace Init */
