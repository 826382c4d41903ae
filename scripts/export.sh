#!/bin/bash
# Write patches/ from build/linux: one format-patch file per commit after
# the "base" tag, a cover letter and the series file.  The output only
# depends on the commits, so exporting an unchanged tree changes nothing;
# subjects are not numbered ("[PATCH]"), so adding a patch does not rewrite
# the others (patches/series holds the order).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
out=$top/patches
cd "$tree"

if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	echo "export: $tree has uncommitted changes; commit them first" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -c diff.noprefix=false format-patch -q --zero-commit --no-signature \
	--cover-letter --no-numbered --subject-prefix=PATCH \
	-o "$tmp" base..HEAD

# The generated cover letter carries today's date and placeholders: give it
# the date of the newest commit and the text of patches/cover-letter.txt.
cover=$tmp/0000-cover-letter.patch
if [ -f "$cover" ]; then
	date=$(git log -1 --format=%aD HEAD)
	python3 - "$cover" "$out/cover-letter.txt" "$date" <<'PY'
import sys
path, textf, date = sys.argv[1:]
try:
    lines = open(textf).read().splitlines()
except FileNotFoundError:
    lines = ["iommufd for Linux 6.1", "", "(no cover letter text)"]
subject, blurb = lines[0], "\n".join(lines[1:]).strip("\n")
s = open(path).read()
out = []
for l in s.split("\n"):
    if l.startswith("Date: "):
        l = "Date: " + date
    out.append(l)
s = "\n".join(out).replace("*** SUBJECT HERE ***", subject)
s = s.replace("*** BLURB HERE ***", blurb)
open(path, "w").write(s)
PY
fi

mkdir -p "$out"
rm -f "$out"/[0-9][0-9][0-9][0-9]-*.patch
cp "$tmp"/*.patch "$out"/ 2>/dev/null || true
ls "$tmp" | grep -v '^0000-cover-letter' > "$out/series" || true
git rev-parse HEAD > .git/iommufd-exported-head
echo "export: $(wc -l < "$out/series") patches in $out"
