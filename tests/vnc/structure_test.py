#!/usr/bin/env python3
"""The vnc server's code depends one way: no loops between its files.

Two rules, over the C++ files of src/server/vnc (web/ included):

* A unit is a .cc file with its header (session.cc + session.h). A unit
  uses another when one of its files includes the other's header, or a
  header without a .cc of its own (encode_pixel.h, output.h) that does.
  The uses form no loop: each part depends on the ones below it and
  reaches up, where it must, only through an interface declared below
  (as Connection::Handler or Output).
* The out-of-line members of a class are defined in one .cc file: two .cc
  files that implement one class share its private state and call each
  other freely, a loop that no include shows.

    structure_test.py SOURCE_DIR
"""

import os
import re
import sys

INCLUDE = re.compile(r'^#include\s+"([^"]+)"', re.M)
# a definition at the start of a line: '[return type] Class::member(' or 'Class::~Class('
NAMESPACE = re.compile(r'^\s*namespace\s+([\w:]+)', re.M)
MEMBER = re.compile(r'^(?:[\w:<>,&* ]+\s+[&*]?)?([A-Z]\w*)::~?\w+\s*\(', re.M)


def main(root):
    files = {}
    for directory, _, names in os.walk(root):
        for name in names:
            if name.endswith((".h", ".cc")):
                path = os.path.join(directory, name)
                files[os.path.relpath(path, root)] = open(path, encoding="utf-8").read()

    def unit(path):
        return os.path.splitext(path)[0]

    def resolve(including, included):
        """Quoted includes: next to the including file, else from the root."""
        beside = os.path.normpath(os.path.join(os.path.dirname(including), included))
        return beside if beside in files else os.path.normpath(included)

    units = {unit(p) for p in files if p.endswith(".cc")}

    def reached(path, seen):
        """The units whose headers 'path' includes, through headers without a .cc."""
        found = set()
        for included in INCLUDE.findall(files[path]):
            target = resolve(path, included)
            if target not in files or target in seen:
                continue
            seen.add(target)
            if unit(target) in units:
                found.add(unit(target))
            else:
                found |= reached(target, seen)
        return found

    uses = {}
    for path in files:
        if unit(path) in units:
            uses.setdefault(unit(path), set()).update(reached(path, {path}) - {unit(path)})

    failures = []

    # a loop of uses, found by depth-first search
    state = {}
    def visit(u, trail):
        state[u] = "open"
        for v in sorted(uses.get(u, ())):
            if state.get(v) == "open":
                failures.append("loop: " + " -> ".join(trail[trail.index(v):] + [u, v]))
            elif v not in state:
                visit(v, trail + [u])
        state[u] = "done"
    for u in sorted(uses):
        if u not in state:
            visit(u, [])

    namespaces = {n for text in files.values() for name in NAMESPACE.findall(text) for n in name.split("::")}
    implemented = {}
    for path, text in files.items():
        if path.endswith(".cc"):
            for cls in set(MEMBER.findall(text)) - namespaces:
                implemented.setdefault(cls, set()).add(path)
    for cls, paths in sorted(implemented.items()):
        if len(paths) > 1:
            failures.append(f"{cls} is implemented in {', '.join(sorted(paths))}")

    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print(f"{len(files)} files, {len(units)} units: no loop, each class implemented in one .cc file")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
