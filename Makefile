# `make run` sets up and opens the app; `make test` sets up and runs every test.
# Both work on a fresh Debian/Ubuntu machine: they install the Debian tools the app and the
# tests use (when run as root or with sudo), create .venv and install the project into it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEB_PACKAGES := libimage-exiftool-perl ffmpeg tesseract-ocr tesseract-ocr-chi-sim poppler-utils \
	xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libpulse0 \
	libegl1 libgl1 libfontconfig1 libdbus-1-3 time
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format deps venv bench screenshots clean

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
$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[gui,heif,dev]'
	@touch $@

run: deps venv
	$(BIN)/python -m aigclabel_gui

test: deps venv
	$(BIN)/lint-imports
	$(BIN)/ruff check aigclabel_gui tests bench packaging
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

clean:
	rm -rf $(VENV) .stamp-deps build dist *.egg-info
