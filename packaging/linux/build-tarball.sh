#!/bin/sh
# Pack a built bundle (dist/aigclabel from packaging/aigclabel.spec) with the desktop entry,
# AppStream metainfo, install.sh and the licences into dist/aigclabel-<version>-linux-<arch>.tar.gz.
# Usage: packaging/linux/build-tarball.sh [BUNDLE_DIR]   (run from the repository root)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUNDLE=$(cd "${1:-$ROOT/dist/aigclabel}" && pwd)
DIST=$(dirname "$BUNDLE")
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/pyproject.toml" | head -n 1)
NAME="aigclabel-$VERSION-linux-$(uname -m)"

# Both validators come with `make deps` (desktop-file-utils, appstream).
desktop-file-validate "$HERE/aigclabel.desktop"
appstreamcli validate --no-net --pedantic "$HERE/io.github.aigclabel.metainfo.xml" >/dev/null

STAGE="$DIST/$NAME"
rm -rf "$STAGE" "$DIST/$NAME.tar.gz"
mkdir -p "$STAGE"
cp -al "$BUNDLE" "$STAGE/aigclabel" 2>/dev/null || cp -a "$BUNDLE" "$STAGE/aigclabel"
cp "$HERE/aigclabel.desktop" "$HERE/io.github.aigclabel.metainfo.xml" "$HERE/install.sh" "$STAGE/"
# The licences at the top, where people look (the bundle also carries them inside _internal/).
cp "$ROOT/LICENSE" "$STAGE/LICENSE"
cp "$ROOT/resources/fonts/OFL.txt" "$STAGE/OFL-NotoSansSC.txt"
cp "$ROOT/packaging/README.md" "$STAGE/README-packaging.md"
chmod +x "$STAGE/install.sh"
tar -C "$DIST" -czf "$DIST/$NAME.tar.gz" "$NAME"
rm -rf "$STAGE"
echo "$DIST/$NAME.tar.gz: $(du -h "$DIST/$NAME.tar.gz" | cut -f1)"
