#!/bin/sh
# Install an unpacked aigclabel bundle: for one user (default PREFIX=~/.local) or for everyone
# (PREFIX=/usr/local, as root). Usage: [PREFIX=...] ./install.sh [BUNDLE_DIR]
# Uninstall: rm -rf "$PREFIX/lib/aigclabel" "$PREFIX/bin/aigclabel" "$PREFIX/bin/aigclabel-gui" \
#   "$PREFIX/share/applications/aigclabel.desktop" "$PREFIX/share/metainfo/io.github.aigclabel.metainfo.xml"
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
BUNDLE=${1:-$HERE/aigclabel}
[ -x "$BUNDLE/aigclabel" ] && [ -x "$BUNDLE/aigclabel-gui" ] || {
  echo "install.sh: no aigclabel bundle in $BUNDLE" >&2
  exit 1
}
APP="$PREFIX/lib/aigclabel"
mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$PREFIX/share/applications" "$PREFIX/share/metainfo"
rm -rf "$APP"
cp -a "$BUNDLE" "$APP"
# The bootloader follows the symlink to find _internal/ beside the real executable.
ln -sf "$APP/aigclabel" "$PREFIX/bin/aigclabel"
ln -sf "$APP/aigclabel-gui" "$PREFIX/bin/aigclabel-gui"
# Absolute Exec and Icon: the menu then works even when $PREFIX/bin is not on the session's PATH.
ICON="$APP/_internal/resources/icons/aigclabel.png"
if [ -f "$ICON" ]; then ICON_EDIT="s|^Icon=aigclabel\$|Icon=$ICON|"; else ICON_EDIT="/^Icon=/d"; fi
sed -e "s|^Exec=aigclabel-gui|Exec=$APP/aigclabel-gui|" \
    -e "s|^TryExec=aigclabel-gui|TryExec=$APP/aigclabel-gui|" \
    -e "$ICON_EDIT" \
    "$HERE/aigclabel.desktop" > "$PREFIX/share/applications/aigclabel.desktop"
cp "$HERE/io.github.aigclabel.metainfo.xml" "$PREFIX/share/metainfo/"
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q "$PREFIX/share/applications" || true
fi
echo "installed aigclabel in $APP; commands in $PREFIX/bin"
