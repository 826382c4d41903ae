#!/usr/bin/env python3
"""Filter the sparse output of one compiled file down to the warnings on
lines the series adds or changes:
    scripts/new-sparse-warnings.py TREE PATH < sparse-output
Base kernel files the series touches (mm/, iommu.c) and the headers they
include have warnings of their own; those are counted on stderr, not
printed.  "note:" lines only locate the warnings that follow them."""
import os
import re
import subprocess
import sys

tree, path = sys.argv[1], sys.argv[2]
changed = {}


def ours(rel, line):
    """Is line @line of tree file @rel added or changed by the series?"""
    if rel not in changed:
        diff = subprocess.run(['git', '-C', tree, 'diff', '-U0',
                               'base..HEAD', '--', rel],
                              capture_output=True, text=True).stdout
        lines = set()
        for m in re.finditer(r'^@@ -\S+ \+(\d+)(?:,(\d+))? @@', diff, re.M):
            start, count = int(m.group(1)), int(m.group(2) or 1)
            lines.update(range(start, start + count))
        changed[rel] = lines
    return line in changed[rel]


root = os.path.realpath(tree) + '/'
old = 0
for text in sys.stdin:
    m = re.match(r'\s*(\S+?):(\d+):(?:\d+:)?\s*(warning|error)', text)
    if not m:
        if ': note: ' not in text:
            sys.stdout.write(text)
        continue
    rel = os.path.realpath(m.group(1))
    rel = rel[len(root):] if rel.startswith(root) else m.group(1)
    if ours(rel, int(m.group(2))):
        sys.stdout.write(text)
    else:
        old += 1
if old:
    sys.stderr.write(f'{old} warnings on lines of the base kernel\n')
