"""The settings panel: edits one engine LabelSettings (the panel keeps no copy of its own).

Every change rebuilds the frozen dataclass with dataclasses.replace and emits settings_changed.
Values the standard forbids are marked inline with the rule; the Annex E character rule is
checked as you type.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from aigclabel_gui.engine.errors import AigcError
from aigclabel_gui.engine.record import (
    new_content_id,
    provider_code_from_uscc,
    uscc_is_valid,
    value_problem,
)
from aigclabel_gui.engine.settings import ANCHORS, MIN_CARD_SECONDS, MIN_SIZE_PCT, LabelSettings
from aigclabel_gui.ui.messages import producer_code_problem

ERROR_STYLE = "color: #c0392b;"
HINT_STYLE = "color: #666;"
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1  # a service's names and aliases, for the completer


def _compact(combo: QComboBox) -> None:
    """Long item texts must not widen the panel (no horizontal scrollbar at 1400×860)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)


class ErrorLabel(QLabel):
    """An inline error under a field; takes no space while there is nothing to say."""

    def __init__(self):
        super().__init__()
        self.setStyleSheet(ERROR_STYLE)
        self.setWordWrap(True)
        self.hide()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))


def _with_error(field, error: ErrorLabel) -> QWidget:
    box = QWidget()
    col = QVBoxLayout(box)
    col.setContentsMargins(0, 0, 0, 0)
    col.setSpacing(2)
    if isinstance(field, QWidget):
        col.addWidget(field)
    else:
        col.addLayout(field)
    col.addWidget(error)
    return box


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    # Fields take the remaining width; long rows wrap under their label instead of widening.
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


class SettingsPanel(QWidget):
    settings_changed = Signal(object)  # LabelSettings
    export_options_changed = Signal()
    role_chosen = Signal(str)

    def __init__(self, settings: LabelSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self._settings = settings
        self._updating = False
        self.output_dir = ""
        self.name_template = "{stem}{ext}"
        self.on_exist = "rename"
        # Problems are shown red only once the user tried to export (not from the first second).
        self.show_errors = False
        self.needs_producer = True  # the main window says whether any file lacks a record
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_preset_box())
        layout.addWidget(self._build_visible_box())
        layout.addWidget(self._build_audio_box())
        layout.addWidget(self._build_video_box())
        layout.addWidget(self._build_implicit_box())
        layout.addWidget(self._build_export_box())
        layout.insertWidget(0, self.role_box)  # first run: the question comes first
        layout.addStretch(1)
        for combo in self.findChildren(QComboBox):
            _compact(combo)
        self._name_inputs()
        self.set_settings(settings)

    # --- public ------------------------------------------------------------------------------
    @property
    def settings(self) -> LabelSettings:
        return self._settings

    def set_settings(self, settings: LabelSettings) -> None:
        """Show `settings` in the widgets (no signal)."""
        self._updating = True
        try:
            self._settings = settings
            v, a, vid, imp = settings.visible, settings.audio, settings.video, settings.implicit
            self.implicit_only.setChecked(settings.implicit_only)
            self.write_record.setChecked(imp.enabled)
            self.text.setText(v.text)
            self.text.setPlaceholderText(v.resolved_text())
            self.language.setCurrentIndex(0 if v.language == "zh" else 1)
            pos_index = self.position.findData(v.position)
            if pos_index < 0:
                self.position.setItemText(
                    self.position.count() - 1, self.tr("custom ({0})").format(v.position)
                )
                self.position.setItemData(self.position.count() - 1, v.position)
                pos_index = self.position.count() - 1
            self.position.setCurrentIndex(pos_index)
            self.size_pct.setValue(v.size_pct)
            self.plate_opacity.setValue(v.plate_opacity * 100)
            self._set_color_button(self.color_btn, v.color)
            self._set_color_button(self.plate_btn, v.plate_color)
            self.audio_prompt.setCurrentIndex(
                max(
                    0,
                    self.audio_prompt.findData(
                        a.prompt if a.prompt in ("voice", "rhythm") else "file"
                    ),
                )
            )
            self.audio_position.setCurrentIndex(max(0, self.audio_position.findData(a.position)))
            self.cards.setCurrentIndex(max(0, self.cards.findData(vid.cards)))
            self.card_seconds.setValue(vid.card_seconds)
            self.persistent.setChecked(vid.persistent)
            self.insert_card.setChecked(vid.insert_card)
            self.label_value.setCurrentIndex(max(0, self.label_value.findData(imp.label_value)))
            for name, edit in self.id_edits.items():
                edit.setText(getattr(imp, name))
                edit.setCursorPosition(0)  # a long code shows from its start
            self.iptc.setChecked(imp.iptc)
        finally:
            self._updating = False
        self._validate_ids()

    def set_export_options(self, output_dir: str, template: str, on_exist: str) -> None:
        self.output_edit.setText(output_dir)
        self.template_edit.setText(template)
        self.on_exist_combo.setCurrentIndex(max(0, self.on_exist_combo.findData(on_exist)))
        self._export_changed()

    def show_existing_record(self, values: dict | None) -> None:
        """An existing producer record (read-only): it is kept; only the propagator fields are ours."""
        if not values:
            self.existing.setText(self.tr("No AIGC record in the selected file: a first write."))
            return
        lines = [
            f"{k}: {values.get(k, '')}"
            for k in ("Label", "ContentProducer", "ProduceID", "ReservedCode1")
        ]
        self.existing.setText(
            self.tr("Producer's record in this file (kept unchanged):") + "\n" + "\n".join(lines)
        )

    # --- building ------------------------------------------------------------------------------
    def _build_preset_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Preset"))
        col = QVBoxLayout(box)
        row = QHBoxLayout()
        self.preset = QComboBox()
        self.preset.setObjectName("presetCombo")
        self.preset.setAccessibleName(self.tr("Preset"))
        _compact(self.preset)
        row.addWidget(self.preset, 1)
        self.preset_menu_btn = QToolButton()
        self.preset_menu_btn.setObjectName("presetMenu")
        self.preset_menu_btn.setText(self.tr("Manage"))
        self.preset_menu_btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.preset_menu_btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.preset_menu_btn.setStyleSheet(
            "QToolButton { padding: 3px 18px 3px 8px; }"
            "QToolButton::menu-indicator { subcontrol-position: right center; right: 4px; }"
        )
        menu = QMenu(self.preset_menu_btn)
        self.act_preset_save = menu.addAction(self.tr("Save current settings as…"))
        self.act_preset_rename = menu.addAction(self.tr("Rename…"))
        self.act_preset_delete = menu.addAction(self.tr("Delete"))
        self.preset_menu_btn.setMenu(menu)
        row.addWidget(self.preset_menu_btn)
        col.addLayout(row)
        self.implicit_only = QCheckBox(self.tr("Metadata only (no visible or audible label)"))
        self.implicit_only.setObjectName("implicitOnly")
        self.implicit_only.toggled.connect(lambda on: self._replace(implicit_only=on))
        col.addWidget(self.implicit_only)
        return box

    def _build_visible_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Visible label (images, video)"))
        form = _form(box)
        self.text = QLineEdit()
        self.text.setObjectName("labelText")
        self.text.textEdited.connect(lambda t: self._replace_section("visible", text=t))
        form.addRow(self.tr("Text"), self.text)
        self.language = QComboBox()
        self.language.addItem("中文", "zh")
        self.language.addItem("English", "en")
        self.language.currentIndexChanged.connect(self._language_changed)
        form.addRow(self.tr("Label language"), self.language)
        self.position = QComboBox()
        self.position.setObjectName("positionCombo")
        names = {
            "top-left": self.tr("top left"),
            "top": self.tr("top"),
            "top-right": self.tr("top right"),
            "left": self.tr("left"),
            "center": self.tr("centre"),
            "right": self.tr("right"),
            "bottom-left": self.tr("bottom left"),
            "bottom": self.tr("bottom"),
            "bottom-right": self.tr("bottom right"),
        }
        for a in ANCHORS:
            self.position.addItem(names[a], a)
        self.position.addItem(self.tr("auto (least busy corner, avoids faces)"), "auto")
        self.position.addItem(self.tr("custom"), "0.5,0.5")
        self.position.currentIndexChanged.connect(
            lambda i: self._replace_section("visible", position=self.position.itemData(i))
        )
        form.addRow(self.tr("Position"), self.position)
        self.size_pct = QDoubleSpinBox()
        self.size_pct.setObjectName("sizePct")
        self.size_pct.setRange(1.0, 30.0)
        self.size_pct.setSingleStep(0.5)
        self.size_pct.setSuffix(" %")
        self.size_pct.valueChanged.connect(self._size_changed)
        self.size_error = ErrorLabel()
        form.addRow(self.tr("Text height"), _with_error(self.size_pct, self.size_error))
        self.color_btn = QPushButton()
        self.color_btn.clicked.connect(lambda: self._pick_color("color"))
        self.plate_btn = QPushButton()
        self.plate_btn.clicked.connect(lambda: self._pick_color("plate_color"))
        self.plate_opacity = QDoubleSpinBox()
        self.plate_opacity.setRange(0, 100)
        self.plate_opacity.setSuffix(" %")
        self.plate_opacity.valueChanged.connect(
            lambda v: self._replace_section("visible", plate_opacity=v / 100)
        )
        form.addRow(self.tr("Text colour"), self.color_btn)
        form.addRow(self.tr("Plate colour"), self.plate_btn)
        form.addRow(self.tr("Plate opacity"), self.plate_opacity)
        return box

    def _build_audio_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Audible label (audio)"))
        form = _form(box)
        self.audio_prompt = QComboBox()
        self.audio_prompt.addItem(self.tr("voice: “本内容由人工智能生成”"), "voice")
        self.audio_prompt.addItem(self.tr("rhythm: Morse “AI” (· – · ·)"), "rhythm")
        self.audio_prompt.addItem(self.tr("my own recording…"), "file")
        self.audio_prompt.activated.connect(self._audio_prompt_changed)
        form.addRow(self.tr("Prompt"), self.audio_prompt)
        self.audio_position = QComboBox()
        for text, data in (
            (self.tr("start"), "start"),
            (self.tr("end"), "end"),
            (self.tr("start and end"), "start+end"),
        ):
            self.audio_position.addItem(text, data)
        self.audio_position.currentIndexChanged.connect(
            lambda i: self._replace_section("audio", position=self.audio_position.itemData(i))
        )
        form.addRow(self.tr("Where"), self.audio_position)
        return box

    def _build_video_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Video"))
        form = _form(box)
        self.cards = QComboBox()
        for text, data in (
            (self.tr("start"), "start"),
            (self.tr("end"), "end"),
            (self.tr("start and end"), "start+end"),
            (self.tr("none"), "none"),
        ):
            self.cards.addItem(text, data)
        self.cards.currentIndexChanged.connect(
            lambda i: self._replace_section("video", cards=self.cards.itemData(i))
        )
        form.addRow(self.tr("Label cards"), self.cards)
        self.card_seconds = QDoubleSpinBox()
        self.card_seconds.setRange(0.5, 30)
        self.card_seconds.setSuffix(" s")
        self.card_seconds.valueChanged.connect(self._card_seconds_changed)
        self.card_error = ErrorLabel()
        form.addRow(self.tr("Card length"), _with_error(self.card_seconds, self.card_error))
        self.persistent = QCheckBox(self.tr("Keep a corner label for the whole video"))
        self.persistent.toggled.connect(lambda on: self._replace_section("video", persistent=on))
        form.addRow(self.persistent)
        self.insert_card = QCheckBox(self.tr("Insert separate title cards"))
        self.insert_card.toggled.connect(lambda on: self._replace_section("video", insert_card=on))
        form.addRow(self.insert_card)
        return box

    def _build_implicit_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Metadata label (AIGC record)"))
        form = _form(box)
        # Asked once (first run; the Edit menu asks again): it shapes what the form offers.
        self.role_box = QWidget()
        self.role_box.setObjectName("roleBox")
        rl = QVBoxLayout(self.role_box)
        rl.setContentsMargins(8, 4, 8, 8)
        self.role_box.setStyleSheet("#roleBox { background: #fff8e1; border-radius: 4px; }")
        self.role_box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        title = QLabel("<b>" + self.tr("Who are you?") + "</b>")
        what = QLabel(
            self.tr(
                "Creator: you publish AI content made with someone's AI service. Service "
                "provider: you run the AI service or label your own output."
            )
        )
        what.setWordWrap(True)
        buttons = QHBoxLayout()
        self.role_creator = QPushButton(self.tr("Creator"))
        self.role_provider = QPushButton(self.tr("Service provider"))
        buttons.addWidget(self.role_creator)
        buttons.addWidget(self.role_provider)
        self.role_creator.clicked.connect(lambda: self.set_role("creator", emit=True))
        self.role_provider.clicked.connect(lambda: self.set_role("provider", emit=True))
        note = QLabel(
            self.tr("This only sets sensible defaults; change it later in the Edit menu.")
        )
        note.setWordWrap(True)
        note.setStyleSheet(HINT_STYLE)
        rl.addWidget(title)
        rl.addWidget(what)
        rl.addLayout(buttons)
        rl.addWidget(note)
        self.write_record = QCheckBox(self.tr("Write the AIGC metadata record"))
        self.write_record.setObjectName("writeRecord")
        self.write_record.toggled.connect(self._write_record_toggled)
        form.addRow(self.write_record)
        self.visible_only_note = QLabel(
            self.tr(
                "Visible label only: the copies get no machine-readable AIGC record, so "
                "platforms and checkers cannot read that they are AI-generated."
            )
        )
        self.visible_only_note.setWordWrap(True)
        self.visible_only_note.setStyleSheet("color: #8a6d3b;")
        self.visible_only_note.hide()
        form.addRow(self.visible_only_note)
        self.whose_code = QLabel(
            self.tr(
                "The producer code belongs to the AI service that generated the content "
                "(its provider), not to you as a creator: copy it from the service's terms or "
                "from a file it made. Files that already carry a producer's record keep it, and "
                "need no code. See “Whose producer code?” in the README."
            )
        )
        self.whose_code.setObjectName("whoseCode")
        self.whose_code.setWordWrap(True)
        self.whose_code.setStyleSheet(HINT_STYLE)
        form.addRow(self.whose_code)
        self.label_value = QComboBox()
        self.label_value.addItem(self.tr("1 — AI-generated"), "1")
        self.label_value.addItem(self.tr("2 — possibly AI-generated"), "2")
        self.label_value.addItem(self.tr("3 — suspected AI-generated"), "3")
        self.label_value.currentIndexChanged.connect(
            lambda i: self._replace_section("implicit", label_value=self.label_value.itemData(i))
        )
        form.addRow(self.tr("Label"), self.label_value)
        self.id_edits: dict[str, QLineEdit] = {}
        self.id_errors: dict[str, QLabel] = {}
        fields = (
            ("producer", "ContentProducer", self.tr("Producer code")),
            ("produce_id", "ProduceID", self.tr("Produce ID")),
            ("propagator", "ContentPropagator", self.tr("Propagator code")),
            ("propagate_id", "PropagateID", self.tr("Propagate ID")),
        )
        form.addRow(self.tr("AI service used"), self._build_service_picker())
        self.service_label = form.labelForField(self.service_combo)
        form.addRow(self.service_note)
        for name, record_field, title in fields:
            edit = QLineEdit()
            edit.setObjectName(f"field_{name}")
            edit.setProperty("record_field", record_field)
            edit.textEdited.connect(
                lambda t, n=name: self._replace_section("implicit", **{n: t.strip()})
            )
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            if name in ("produce_id", "propagate_id"):
                gen = QPushButton(self.tr("Generate"))
                gen.clicked.connect(lambda _=False, n=name: self._generate_id(n))
                row.addWidget(gen)
                edit.setPlaceholderText(self.tr("empty: generated for each file"))
            if name == "producer":
                helper = QPushButton(self.tr("Build from a credit code…"))
                helper.setToolTip(
                    self.tr(
                        "For service providers: build the 27-character provider code from your "
                        "unified social credit code"
                    )
                )
                helper.clicked.connect(self._code_from_uscc)
                row.addWidget(helper)
                self.uscc_btn = helper
                edit.setPlaceholderText(self.tr("e.g. 001191440300708461136T1XGW3"))
            if name == "propagator":
                edit.setPlaceholderText(self.tr("empty: the producer (first write)"))
            err = ErrorLabel()
            self.id_edits[name], self.id_errors[name] = edit, err
            form.addRow(title, _with_error(row, err))
            if name == "producer":
                self.producer_hint = QLabel()
                self.producer_hint.setObjectName("producerHint")
                self.producer_hint.setWordWrap(True)
                self.producer_hint.setStyleSheet(HINT_STYLE)
                form.addRow(self.producer_hint)
        self.iptc = QCheckBox(self.tr("Also write IPTC DigitalSourceType"))
        self.iptc.setToolTip(
            self.tr("The international field read by Google, Meta and many asset managers")
        )
        self.iptc.toggled.connect(lambda on: self._replace_section("implicit", iptc=on))
        form.addRow(self.iptc)
        self.existing = QLabel()
        self.existing.setWordWrap(True)
        self.existing.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.existing.setStyleSheet("color: #555;")
        form.addRow(self.existing)
        return box

    def _build_export_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Export"))
        form = _form(box)
        # The output folder sits beside the Export button (the main window places this row).
        self.output_row = QWidget()
        row = QHBoxLayout(self.output_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.output_edit = QLineEdit()
        self.output_edit.setObjectName("outputDir")
        self.output_edit.setAccessibleName(self.tr("Output folder"))
        self.output_edit.setPlaceholderText(
            self.tr("default: a “labelled” folder beside the files")
        )
        self.output_edit.textChanged.connect(self._export_changed)
        self.browse_btn = QPushButton(self.tr("Browse…"))
        self.browse_btn.clicked.connect(self._browse_output)
        row.addWidget(self.output_edit, 1)
        row.addWidget(self.browse_btn)
        self.template_edit = QLineEdit(self.name_template)
        self.template_edit.setToolTip("{stem} {ext} {kind} {date} {name}")
        self.template_edit.textChanged.connect(self._export_changed)
        form.addRow(self.tr("File names"), self.template_edit)
        self.on_exist_combo = QComboBox()
        for text, data in (
            (self.tr("rename the new file"), "rename"),
            (self.tr("skip"), "skip"),
            (self.tr("overwrite"), "overwrite"),
        ):
            self.on_exist_combo.addItem(text, data)
        self.on_exist_combo.currentIndexChanged.connect(self._export_changed)
        form.addRow(self.tr("If the file exists"), self.on_exist_combo)
        return box

    # --- changes ------------------------------------------------------------------------------
    def _emit(self, settings: LabelSettings) -> None:
        self._settings = settings
        if not self._updating:
            self.settings_changed.emit(settings)

    def _replace(self, **changes) -> None:
        if self._updating:
            return
        self._emit(dataclasses.replace(self._settings, **changes))

    def _replace_section(self, section: str, **changes) -> None:
        if self._updating:
            return
        new_section = dataclasses.replace(getattr(self._settings, section), **changes)
        self._emit(dataclasses.replace(self._settings, **{section: new_section}))
        if section == "implicit":
            self._validate_ids()

    def _language_changed(self, index: int) -> None:
        lang = self.language.itemData(index)
        if self._updating:
            return
        s = self._settings
        self._emit(
            dataclasses.replace(
                s,
                visible=dataclasses.replace(s.visible, language=lang),
                audio=dataclasses.replace(s.audio, language=lang),
                text=dataclasses.replace(s.text, language=lang),
            )
        )
        self.text.setPlaceholderText(self._settings.visible.resolved_text())

    def _size_changed(self, value: float) -> None:
        if value < MIN_SIZE_PCT:
            # GB 45438 §5.2: refuse, quoting the rule; the settings keep the last valid value.
            self.size_error.setText(
                self.tr("GB 45438 §5.2: the text height must be at least 5% of the shorter side.")
            )
            return
        self.size_error.setText("")
        self._replace_section("visible", size_pct=value)

    def _card_seconds_changed(self, value: float) -> None:
        if value < MIN_CARD_SECONDS:
            self.card_error.setText(
                self.tr("GB 45438 §5.4: the start prompt must be shown for at least 2 s.")
            )
            return
        self.card_error.setText("")
        self._replace_section("video", card_seconds=value)

    def producer_problem(self) -> str | None:
        """Why the producer field stops an export now, or None."""
        imp = self._settings.implicit
        if not imp.enabled:
            return None
        if not imp.producer:
            if not self.needs_producer:
                return None
            return self.tr("Required for files without a record: the code of the AI service.")
        return producer_code_problem(imp.producer)

    def _validate_ids(self) -> None:
        """Checked as you type; shown red only after an export attempt (grey before)."""
        imp = self._settings.implicit
        for name, edit in self.id_edits.items():
            value = getattr(imp, name)
            if name == "producer":
                problem = self.producer_problem() if imp.enabled else None
                # A forbidden character is shown at once: typing on would not fix it.
                red = bool(problem) and (
                    self.show_errors or bool(value and value_problem("ContentProducer", value))
                )
                self.id_errors[name].setText(problem if red else "")
                if problem and not red:
                    self.producer_hint.setText(problem)
                elif value and not problem:
                    self.producer_hint.setText(
                        self.tr("✓ a valid 27-character provider code")
                        if len(value) == 27
                        else self.tr("Used as the service's registered name.")
                    )
                else:
                    self.producer_hint.setText("")
                self.producer_hint.setVisible(bool(self.producer_hint.text()))
                edit.setStyleSheet("border: 1px solid #c0392b;" if red else "")
                continue
            problem = None
            if value and value_problem(edit.property("record_field"), value):
                problem = producer_code_problem(value)
            self.id_errors[name].setText(problem or "")
            edit.setStyleSheet("border: 1px solid #c0392b;" if problem else "")

    # --- the AI service a creator used (its code or registered name fills the producer) ----------
    def _build_service_picker(self) -> QComboBox:
        from PySide6.QtWidgets import QCompleter

        from aigclabel_gui.engine.services import SERVICES

        combo = QComboBox()
        combo.setObjectName("serviceCombo")
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.lineEdit().setPlaceholderText(self.tr("Search: Doubao, 可灵, Kling…"))
        combo.addItem("", "")
        combo.setItemData(0, "", SEARCH_ROLE)
        for s in SERVICES:
            # Chinese UI: the service's Chinese name; English UI: "Doubao (豆包)".
            if s.name_zh == s.name_en:
                text = s.name_zh
            else:
                text = self.tr("{en} ({zh})").format(en=s.name_en, zh=s.name_zh)
            combo.addItem(text, s.key)
            # What the completer matches: every name and alias (a creator may know only the
            # company, or type the English name in the Chinese UI).
            words = " ".join([text, s.name_zh, s.name_en, *s.aliases])
            combo.setItemData(combo.count() - 1, words, SEARCH_ROLE)
        completer = QCompleter(combo.model(), combo)
        completer.setCompletionRole(SEARCH_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        combo.setCompleter(completer)
        combo.activated.connect(lambda i: self.choose_service(combo.itemData(i)))
        completer.activated[QModelIndex].connect(
            lambda index: self.choose_service(index.data(Qt.ItemDataRole.UserRole))
        )
        combo.lineEdit().returnPressed.connect(lambda: self._service_typed(combo.currentText()))
        self.service_combo = combo
        self.service_note = QLabel()
        self.service_note.setObjectName("serviceNote")
        self.service_note.setWordWrap(True)
        self.service_note.setOpenExternalLinks(True)
        self.service_note.setStyleSheet(HINT_STYLE)
        self.service_note.setVisible(False)
        return combo

    def _service_typed(self, text: str) -> None:
        """Enter in the search box: the first service that matches (engine.services.search)."""
        from aigclabel_gui.engine.services import search

        found = search(text)
        if text.strip() and found:
            self.choose_service(found[0].key)

    def choose_service(self, key: str | None) -> None:
        """Fill the producer field with the service's code, or its registered name when no code
        is known (GB 45438 §6.1: the name or code of the service that generated the content)."""
        from aigclabel_gui.engine.services import by_key

        service = by_key(key or "")
        if service is None:
            self.service_note.setVisible(False)
            return
        i = self.service_combo.findData(service.key)
        self.service_combo.setCurrentIndex(i)
        edit = self.id_edits["producer"]
        edit.setText(service.producer)
        self._replace_section("implicit", producer=service.producer)
        link = f'<a href="{service.source}">{service.source}</a>'
        if service.code:
            note = self.tr("Producer code of {0} (seen in its files: {1}).").format(
                f"{service.name_zh} · {service.name_en}",
                f'<a href="{service.code_source}">{self.tr("source")}</a>',
            )
        else:
            note = self.tr(
                "The code of {0} is not known: its name “{1}” is written instead. If the "
                "service gives you its 27-character code, type it here. Service: {2}"
            ).format(f"{service.name_zh} · {service.name_en}", service.producer_name, link)
        self.service_note.setText(note)
        self.service_note.setVisible(True)

    def set_role(self, role: str, emit: bool = False) -> None:
        """ "creator": the code is the AI service's (no credit-code builder); "provider": your own
        code, built from your credit code; "": not asked yet (the question is shown)."""
        self.role = role
        self.role_box.setVisible(role == "")
        self.uscc_btn.setVisible(role != "creator")
        # The service list is for creators: a provider writes its own code.
        self.service_combo.setVisible(role != "provider")
        if self.service_label is not None:
            self.service_label.setVisible(role != "provider")
        if role == "provider":
            self.service_note.setVisible(False)
        if emit:
            self.role_chosen.emit(role)

    def mark_export_attempted(self) -> None:
        self.show_errors = True
        self._validate_ids()

    def set_needs_producer(self, needed: bool) -> None:
        if needed != self.needs_producer:
            self.needs_producer = needed
            self._validate_ids()

    def _write_record_toggled(self, on: bool) -> None:
        self.visible_only_note.setVisible(not on)
        for name in ("producer", "produce_id", "propagator", "propagate_id"):
            self.id_edits[name].setEnabled(on)
        self._replace_section("implicit", enabled=on)
        self._validate_ids()

    def _name_inputs(self) -> None:
        """Screen readers name each input after its form label (the buddy stays the label)."""
        for form in self.findChildren(QFormLayout):
            for row in range(form.rowCount()):
                label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
                if label is None or field is None or not isinstance(label.widget(), QLabel):
                    continue
                text = label.widget().text().replace("&", "")
                holder = field.widget() or field.layout()
                inputs = []
                if isinstance(holder, QWidget):
                    inputs = [holder, *holder.findChildren(QWidget)]
                else:
                    inputs = [holder.itemAt(i).widget() for i in range(holder.count())]
                for w in inputs:
                    if isinstance(w, QLineEdit | QComboBox | QAbstractSpinBox | QAbstractButton):
                        if not w.accessibleName():
                            extra = w.text() if isinstance(w, QPushButton) else ""
                            w.setAccessibleName(f"{text}: {extra}" if extra else text)

    def _generate_id(self, name: str) -> None:
        value = new_content_id()
        self.id_edits[name].setText(value)
        self._replace_section("implicit", **{name: value})

    def _code_from_uscc(self) -> None:
        uscc, ok = QInputDialog.getText(
            self, self.tr("Provider code"), self.tr("Unified social credit code (18 characters):")
        )
        if not ok or not uscc.strip():
            return
        if not uscc_is_valid(uscc):
            QMessageBox.warning(
                self,
                self.tr("Provider code"),
                self.tr(
                    "This is not a valid unified social credit code (wrong length, character or check character)."
                ),
            )
            return
        ext, ok = QInputDialog.getText(
            self,
            self.tr("Provider code"),
            self.tr(
                "Service extension (5 characters, e.g. 00000 or 1 + a 4-character model code):"
            ),
            text="00000",
        )
        if not ok:
            return
        try:
            code = provider_code_from_uscc(uscc, ext or "00000")
        except AigcError as exc:
            QMessageBox.warning(self, self.tr("Provider code"), str(exc))
            return
        self.id_edits["producer"].setText(code)
        self._replace_section("implicit", producer=code)

    def _audio_prompt_changed(self, index: int) -> None:
        data = self.audio_prompt.itemData(index)
        if data == "file":
            path, _ = QFileDialog.getOpenFileName(
                self,
                self.tr("Your prompt recording"),
                "",
                self.tr("Audio (*.wav *.mp3 *.flac *.m4a *.ogg *.opus)"),
            )
            if not path:
                self.audio_prompt.setCurrentIndex(0)
                return
            data = path
        self._replace_section("audio", prompt=data)

    def _set_color_button(self, btn: QPushButton, color: str) -> None:
        btn.setText(color)
        btn.setStyleSheet(
            f"background: {color}; color: {'#000' if QColor(color).lightness() > 128 else '#fff'};"
        )

    def _pick_color(self, field: str) -> None:
        current = QColor(getattr(self._settings.visible, field))
        color = QColorDialog.getColor(current, self)
        if color.isValid():
            self._set_color_button(
                self.color_btn if field == "color" else self.plate_btn, color.name()
            )
            self._replace_section("visible", **{field: color.name().upper()})

    def _browse_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Output folder"), self.output_edit.text()
        )
        if folder:
            self.output_edit.setText(folder)

    def _export_changed(self, *_args) -> None:
        self.output_dir = self.output_edit.text().strip()
        self.name_template = self.template_edit.text().strip() or "{stem}{ext}"
        self.on_exist = self.on_exist_combo.currentData()
        self.export_options_changed.emit()
