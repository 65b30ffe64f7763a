/*
 * The nesting depth of an XML document, bounded
 *
 * pugixml parses, prints and frees a document without recursion, but what
 * consumes a config (init re-printing a child's inline <config>, a nested
 * init doing the same one level down) costs more with every level. A config
 * deeper than MAX_XML_DEPTH is refused with a clear error instead.
 */
#pragma once

#include <pugixml.hpp>

namespace nestbox {

/* element levels below and including the document's top-level node */
enum : unsigned { MAX_XML_DEPTH = 64 };

/*
 * The first element nested deeper than 'max' levels, or an empty node.
 * Iterative: the depth of the document does not matter.
 */
inline pugi::xml_node too_deep(pugi::xml_node root, unsigned max = MAX_XML_DEPTH)
{
	struct Walker : pugi::xml_tree_walker
	{
		unsigned       max;
		pugi::xml_node found { };
		explicit Walker(unsigned max) : max(max) { }
		bool for_each(pugi::xml_node &node) override
		{
			/* depth() counts from 0 for the children of the traversal's root */
			if (node.type() == pugi::node_element && unsigned(depth()) + 2 > max) {
				found = node;
				return false;
			}
			return true;
		}
	} walker(max);

	if (!root) return { };
	root.traverse(walker);
	return walker.found;
}

} /* namespace nestbox */
