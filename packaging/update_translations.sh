#!/bin/sh
# Regenerate the Qt translation source from the UI code, then compile it.
#   packaging/update_translations.sh          extract (keeps existing translations) + compile
# Edit resources/i18n/aigclabel_zh_CN.ts (Qt Linguist: pyside6-linguist) between the two steps
# when new strings appear: lupdate marks them "unfinished".
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
"$BIN/pyside6-lupdate" -no-obsolete aigclabel_gui/ui/*.py -ts resources/i18n/aigclabel_zh_CN.ts
"$BIN/pyside6-lrelease" resources/i18n/aigclabel_zh_CN.ts -qm resources/i18n/aigclabel_zh_CN.qm
