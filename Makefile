# The README's two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
export LMS_DATA_DIR ?= $(CURDIR)/instance

.PHONY: run test venv deps-run deps-test system-run system-test migrate seed assets clean

run: system-run deps-run migrate seed assets
	@scripts/run.sh

test: system-test deps-test
	@scripts/test.sh

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

venv: $(VENV)/bin/activate

deps-run: venv
	$(PY) -m pip install --quiet -r requirements.txt

deps-test: venv
	$(PY) -m pip install --quiet -r requirements-dev.txt

system-run:
	@scripts/system-packages.sh ffmpeg poppler-utils qpdf fonts-dejavu-core libwmf-bin fonts-urw-base35 libreoffice-draw-nogui

system-test:
	@scripts/system-packages.sh ffmpeg poppler-utils qpdf libreoffice-writer-nogui libreoffice-math-nogui libreoffice-calc-nogui libreoffice-draw-nogui libwmf-bin fonts-urw-base35 chromium fonts-dejavu-core \
		radosgw ceph-mon ceph-osd ceph-common uuid-runtime curl nginx-light

migrate: deps-run
	$(VENV)/bin/flask --app wsgi db upgrade

seed: migrate
	$(VENV)/bin/flask --app wsgi seed-demo

# Brotli and gzip bodies of every static text file, made once here instead of on the first request.
assets: deps-run
	$(VENV)/bin/flask --app wsgi assets build

clean:
	rm -rf $(VENV) test-output
