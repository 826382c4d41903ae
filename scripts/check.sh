#!/bin/bash
# "make check": scripts/checkpatch.pl --strict on every patch of the series
# (an ERROR fails, warnings are shown), then sparse (C=2) on every C file
# the series adds or changes that the x86_64 test config builds; in files
# of the base kernel only warnings on lines the series touches count.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
fail=0
# checkpatch runs python3 helpers that need Debian's python3-ply.
export PATH=/usr/bin:$PATH

echo "== checkpatch --strict"
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	out=$(cd "$tree" && scripts/checkpatch.pl --strict --no-signoff -q \
		--ignore FILE_PATH_CHANGES "$top/patches/$p" 2>&1)
	errors=$(grep -c '^ERROR:' <<< "$out")
	warns=$(grep -c '^\(WARNING\|CHECK\):' <<< "$out")
	printf '  %-60s %s errors, %s warnings/checks\n' "$p" "$errors" "$warns"
	if [ "$errors" != 0 ] || [ "$warns" != 0 ]; then
		sed 's/^/    /' <<< "$out"
	fi
	[ "$errors" = 0 ] || fail=1
	# Every patch needs a sign-off by its author.
	grep -q '^Signed-off-by: ' "$top/patches/$p" || {
		echo "    ERROR: no Signed-off-by"; fail=1; }
done < "$top/patches/series"

echo "== sparse (x86_64)"
"$top/scripts/kbuild.sh" x86_64 >/dev/null || exit 1
obj=$top/build/x86_64/obj
mapfile -t files < <(cd "$tree" && git diff --name-only --diff-filter=AM base..HEAD -- '*.c')
# Base files the series changes (mm/, iommu.c) carry sparse warnings of
# their own: only warnings on lines the series adds or changes count.
for f in "${files[@]}"; do
	o=${f%.c}.o
	# Only what this configuration compiles.
	[ -f "$obj/$o" ] || continue
	raw=$("$top/scripts/kbuild.sh" x86_64 C=2 "$o" 2>&1 || true)
	out=$(python3 "$top/scripts/new-sparse-warnings.py" "$tree" "$f" \
		<<< "$raw" 2>"$obj/.sparse-base-note")
	note=$(cat "$obj/.sparse-base-note")
	if [ -n "$out" ]; then
		echo "  $f:"
		sed 's/^/    /' <<< "$out"
		fail=1
	else
		echo "  $f: clean${note:+ (ignored: $note)}"
	fi
done

[ "$fail" = 0 ] && echo "check: OK" || echo "check: FAILED"
exit "$fail"
