#!/usr/bin/env python3
"""Filter sparse output of one file down to warnings on lines the series
adds or changes: scripts/new-sparse-warnings.py TREE PATH < sparse-output.
Base kernel files the series touches (mm/, iommu.c) have warnings of their
own; those are counted on stderr, not printed."""
import re
import subprocess
import sys

tree, path = sys.argv[1], sys.argv[2]
diff = subprocess.run(['git', '-C', tree, 'diff', '-U0', 'base..HEAD', '--',
                       path], capture_output=True, text=True,
                      check=True).stdout
ours = set()
for m in re.finditer(r'^@@ -\S+ \+(\d+)(?:,(\d+))? @@', diff, re.M):
    start, count = int(m.group(1)), int(m.group(2) or 1)
    ours.update(range(start, start + count))
old = 0
for line in sys.stdin:
    m = re.search(re.escape(path) + r':(\d+):', line)
    if m and int(m.group(1)) not in ours:
        old += 1
        continue
    sys.stdout.write(line)
if old:
    sys.stderr.write(f'{old} warnings on lines of the base kernel\n')
