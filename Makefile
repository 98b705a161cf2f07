# `make run` sets up and opens the app; `make test` sets up and runs every test.
# Both work on a fresh Debian/Ubuntu machine: they install the Debian tools the app and the
# tests use (when run as root or with sudo), create .venv and install the project into it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEB_PACKAGES := libimage-exiftool-perl ffmpeg tesseract-ocr tesseract-ocr-chi-sim poppler-utils \
	xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libpulse0 \
	libegl1 libgl1 libfontconfig1 libdbus-1-3 time desktop-file-utils appstream
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format deps venv bench screenshots clean constraints

deps: .stamp-deps
.stamp-deps:
	@if command -v apt-get >/dev/null 2>&1; then \
	  missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages:" $$missing; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	  fi; \
	else echo "apt-get not found: install exiftool, ffmpeg, tesseract (chi_sim) yourself"; fi
	@touch $@

venv: $(BIN)/.installed
# Rebuilt whenever pyproject.toml or constraints.txt changes; installs the pinned versions.
$(BIN)/.installed: pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[gui,heif,dev,cluster]'
	@touch $@

# Resolve the newest allowed versions in a scratch venv and record them; then run `make test`.
constraints:
	rm -rf .venv-refresh
	$(PY) -m venv .venv-refresh
	.venv-refresh/bin/pip install -q '.[gui,heif,dev]'
	{ sed -n '/^#/p' constraints.txt; .venv-refresh/bin/pip freeze --exclude-editable | grep -iv '^aigclabel'; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-refresh

run: deps venv
	$(BIN)/python -m aigclabel_gui

test: deps venv
	$(BIN)/lint-imports
	$(BIN)/ruff check aigclabel_gui tests bench packaging
	$(BIN)/ruff format --check aigclabel_gui tests bench packaging
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check aigclabel_gui tests bench packaging
	$(BIN)/ruff format --check aigclabel_gui tests bench packaging

format: venv
	$(BIN)/ruff check --fix aigclabel_gui tests bench packaging
	$(BIN)/ruff format aigclabel_gui tests bench packaging

bench: deps venv
	$(BIN)/python -m bench.run_all

screenshots: deps venv
	$(BIN)/python packaging/screenshots.py

# Installers: PyInstaller onedir bundle dist/aigclabel/ (aigclabel + aigclabel-gui), smoke-tested,
# then packed as dist/aigclabel-<version>-linux-<arch>.tar.gz. See packaging/README.md.
.PHONY: package
package: deps venv
	$(BIN)/python -m pip install -q -c constraints.txt 'pyinstaller>=6.10,<7'
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build packaging/aigclabel.spec
	$(BIN)/python packaging/smoke_test.py dist/aigclabel
	packaging/linux/build-tarball.sh dist/aigclabel

clean:
	rm -rf $(VENV) .stamp-deps build dist *.egg-info
