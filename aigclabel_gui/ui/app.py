"""Application entry point: `aigclabel-gui [FILES...]` and `python -m aigclabel_gui`."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from aigclabel_gui.resources import default_font, resource


def register_font(app: QApplication) -> None:
    """The base system may have no CJK font: without ours, Chinese UI text shows as boxes."""
    font_id = QFontDatabase.addApplicationFont(str(default_font()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if families:
        font = QFont(families[0])
        font.setPointSize(max(app.font().pointSize(), 10))
        app.setFont(font)


class Translations:
    """Loads resources/i18n/aigclabel_<lang>.qm and Qt's own qtbase_<lang>.qm (the OK/Cancel of
    every dialog, the file picker) from the PySide6 wheel; English is the source language.

    One set of translators per application, whichever window installed them (a QTranslator stays
    installed in the QApplication until removed)."""

    _installed: list[QTranslator] = []

    def __init__(self, app: QApplication):
        self.app = app

    def load(self, lang: str) -> str:
        for tr in Translations._installed:
            self.app.removeTranslator(tr)
        Translations._installed = []
        if lang.startswith("zh"):
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            for path in (qt_path(qt_dir), str(resource("i18n", "aigclabel_zh_CN.qm"))):
                tr = QTranslator(self.app)
                if path and tr.load(path):
                    self.app.installTranslator(tr)
                    Translations._installed.append(tr)
            return "zh_CN"
        return "en"


def qt_path(qt_dir: str) -> str:
    """Qt's own Chinese catalogue: the wheel's translations folder (bundles may move it next to
    ours in resources/i18n)."""
    for candidate in (Path(qt_dir) / "qtbase_zh_CN.qm", resource("i18n", "qtbase_zh_CN.qm")):
        if Path(candidate).is_file():
            return str(candidate)
    return ""


def default_language(qsettings: QSettings) -> str:
    saved = qsettings.value("language", "")
    if saved:
        return str(saved)
    return "zh_CN" if QLocale.system().language() == QLocale.Language.Chinese else "en"


def create_window(argv: list[str], app: QApplication, qsettings: QSettings | None = None):
    from aigclabel_gui.ui.main_window import MainWindow

    qsettings = qsettings or QSettings("aigclabel", "aigclabel")
    translations = Translations(app)
    lang = translations.load(default_language(qsettings))
    window = MainWindow(qsettings=qsettings)
    icon = resource("icons", "aigclabel.png")
    if icon.is_file():
        window.setWindowIcon(QIcon(str(icon)))
    window.translations = translations
    window.lang = lang
    window._fill_presets()

    def switch(new_lang: str) -> None:
        qsettings.setValue("language", new_lang)
        window.lang = translations.load(new_lang)
        window.retranslate()
        _check_language_actions(window, new_lang)

    window.language_changed.connect(switch)
    _check_language_actions(window, lang)
    window.restore_file_list()
    files = [Path(a) for a in argv[1:] if not a.startswith("-")]
    if files:
        window.add_paths(files)
    return window


def _check_language_actions(window, lang: str) -> None:
    window.act_zh.setChecked(lang.startswith("zh"))
    window.act_en.setChecked(not lang.startswith("zh"))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("aigclabel")
    app.setOrganizationName("aigclabel")
    icon = resource("icons", "aigclabel.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    register_font(app)
    window = create_window(argv, app)
    window.show()
    return app.exec()
