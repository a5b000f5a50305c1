#!/bin/sh
# lint.sh - refuse banned functions in proctor's own sources.
bad=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets|system|popen)[[:space:]]*\(' \
	supervisor/*.c rules/*.c audit/*.c preload/*.c 2>/dev/null)
if [ -n "$bad" ]; then
	echo "lint: banned functions:" >&2
	echo "$bad" >&2
	exit 1
fi
echo "lint: ok"
