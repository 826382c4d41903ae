#!/bin/bash
# Make build/linux: a git work tree holding the base kernel as one commit
# (tagged "base") and one commit per patch of patches/series on top.
#
# The base commit is made with a fixed identity and date, so its hash only
# depends on the base tarball.  An existing build/linux that holds work not
# exported to patches/ is never thrown away unless FORCE=1.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/base.conf"
tree=$top/build/linux
stamp=$tree/.git/iommufd-exported-head

if [ -d "$tree/.git" ] && [ "${FORCE:-0}" != 1 ]; then
	cd "$tree"
	if [ -n "$(git status --porcelain --untracked-files=no)" ] ||
	   [ ! -f "$stamp" ] || [ "$(git rev-parse HEAD)" != "$(cat "$stamp")" ]; then
		echo "tree: $tree has work that is not in patches/" >&2
		echo "tree: run 'make export' first, or FORCE=1 make tree to discard it" >&2
		exit 1
	fi
fi

"$top/scripts/fetch-base.sh" "$top/build/base"
version=$(cat "$top/build/base/.version")

rm -rf "$tree"
mkdir -p "$tree"
echo "tree: copying base $version"
cp -a "$top/build/base/." "$tree/"
rm -f "$tree/.version"
cd "$tree"
git init -q -b base-tmp
git config core.abbrev 12
export GIT_AUTHOR_NAME="Debian kernel team" GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
# Debian's top-level .gitignore ignores every top-level path ("/*"), which
# would hide new files of the series from git: drop those two lines.
sed -i -e '\|^/\*$|d' -e '\|^!/debian/$|d' .gitignore
git add -A -f .
git commit -q -m "Base: Debian $BASE_PKG $version" \
	-m "The tarball as shipped, except that Debian's ignore-everything rule is dropped from the top-level .gitignore."
git branch -q -m base-tmp series
git tag -f base >/dev/null
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE
# git am keeps each patch's author and date; the committer is the tree.
export GIT_COMMITTER_NAME="iommufd tree" GIT_COMMITTER_EMAIL="tree@localhost"

n=0
if [ -f "$top/patches/series" ]; then
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		git am -q --keep-cr "$top/patches/$p" || {
			echo "tree: $p does not apply" >&2
			git am --abort
			exit 1
		}
		n=$((n + 1))
	done < "$top/patches/series"
fi
git rev-parse HEAD > "$stamp"
echo "tree: $tree at base $version + $n patches"
