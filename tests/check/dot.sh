#!/bin/bash
#
# dot.sh NESTBOX CONFIG LINE...
#
# Runs 'nestbox check --dot CONFIG' and passes if its stdout holds every LINE
# (fixed strings, the edges expected) and, where Graphviz is installed, parses
# as a graph ('dot -Tcanon'). The exit status of check is not looked at: a
# config with errors is drawn as well.
#
nestbox=$1 config=$2
shift 2

graph=$("$nestbox" check --dot "$config" 2>/dev/null)
printf '%s\n' "$graph"

for line in "$@"; do
	if ! grep -Fq -- "$line" <<<"$graph"; then
		echo "dot.sh: missing: $line" >&2
		exit 1
	fi
done

if command -v dot >/dev/null; then
	if ! dot -Tcanon <<<"$graph" >/dev/null; then
		echo "dot.sh: dot does not accept the graph" >&2
		exit 1
	fi
else
	echo "dot.sh: graphviz is not installed, the graph was not parsed"
fi
