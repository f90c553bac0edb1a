# exchange.owa_im: everything installs into .venv (and build/); nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
COLLECTIONS := $(CURDIR)/build
BUILD := build/ansible_collections/exchange/owa_im
# ansible-test needs a plain copy of the collection (in its own git repository) under ansible_collections/.
SANITY := build/sanity/ansible_collections/exchange/owa_im
# ansible-test keeps its virtual environments and caches under $HOME; keep them in build/.
TEST_HOME := $(CURDIR)/build/home
PIP_WHEEL := build/wheels/pip-24.2-py3-none-any.whl
LAB_STATE := .owa-lab/demo
# Debian packages the tests need (bindep.txt, profile "test"): compilers and MIT Kerberos headers for gssapi, krb5 and
# pykerberos, kinit, and the KDC of the lab's realm. Installed with apt-get, as root, when missing.
TEST_DEBS := $(shell awk '!/^\#/ && /\[([^]]* )?test[] ]/ && !/platform:rpm/ {print $$1}' bindep.txt)
export PATH := $(BIN):$(PATH)

.PHONY: venv system-packages collection sanity-tree demo test bench lint ruff ansible-lint sanity units integration molecule fuzz clean

$(VENV)/bin/owa-lab: requirements.txt tests/requirements.txt tests/lab/pyproject.toml | system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r tests/requirements.txt
	$(BIN)/pip install --quiet -e tests/lab
	touch $@

venv: $(VENV)/bin/owa-lab

system-packages:
	@command -v dpkg-query >/dev/null || { echo "make: not a Debian system; install the equivalents of: $(TEST_DEBS)"; exit 0; }; \
	missing=$$(for deb in $(TEST_DEBS); do dpkg-query -W -f='$${Status}\n' $$deb 2>/dev/null | grep -q '^install ok installed' || echo $$deb; done); \
	[ -z "$$missing" ] && exit 0; \
	[ "$$(id -u)" = 0 ] || { echo "make: as root, run: apt-get install" $$missing >&2; exit 1; }; \
	echo "make: installing" $$missing; \
	export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q --no-install-recommends $$missing

collection:
	mkdir -p build/ansible_collections/exchange
	ln -sfn "$(CURDIR)" $(BUILD)

sanity-tree: venv
	rm -rf $(SANITY) && mkdir -p $(SANITY)
	git ls-files -co --exclude-standard | grep -v -E '^tests/(lab|integration|bench)/' \
	  | while read -r f; do [ -e "$$f" ] && echo "$$f"; done | tar -cf - -T - | tar -xf - -C $(SANITY)
	cd $(SANITY) && git init -q && git add -A
	# ansible-test fetches a get-pip script from a host outside PyPI; give it a stand-in that uses pip's wheel.
	[ -f $(PIP_WHEEL) ] || $(BIN)/pip download --quiet --no-deps -d build/wheels pip==24.2
	mkdir -p $(TEST_HOME)/.ansible/test/cache
	sed "s|@PIP_WHEEL@|$(CURDIR)/$(PIP_WHEEL)|" tests/sanity/pip_bootstrap.py.in > $(TEST_HOME)/.ansible/test/cache/get_pip_24_2.py

demo: venv collection
	$(BIN)/owa-lab --state $(LAB_STATE) up --servers 3 --reset-seconds 0.5
	export ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS); \
	  ansible-playbook -i $(LAB_STATE)/inventory.yml playbooks/site.yml -e @playbooks/vars/lab.yml --diff; status=$$?; \
	  if [ $$status -eq 0 ]; then ansible-playbook -i $(LAB_STATE)/inventory.yml playbooks/audit.yml -e @playbooks/vars/lab.yml; status=$$?; fi; \
	  echo; echo "IIS resets seen by the lab:"; $(BIN)/owa-lab --state $(LAB_STATE) resets; \
	  $(BIN)/owa-lab --state $(LAB_STATE) down; exit $$status

lint: ruff ansible-lint

ruff: venv
	ruff check plugins tests

ansible-lint: venv collection
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) ansible-lint --profile production

sanity: sanity-tree
	cd $(SANITY) && HOME=$(TEST_HOME) ansible-test sanity --python 3.11 --requirements

units: sanity-tree
	cd $(SANITY) && HOME=$(TEST_HOME) ansible-test units --python 3.11

integration: venv collection
	PYTHONPATH=$(COLLECTIONS) pytest -q -n 2 tests/lab/tests tests/integration

# Fresh random examples for the property tests (the lab's engine against random scripts, quoting, reliability), many
# more than make test draws; not part of make test, whose examples are derandomised so that CI judges the code.
fuzz: venv collection
	OWA_IM_HYPOTHESIS_PROFILE=fuzz PYTHONPATH=$(COLLECTIONS) pytest -q -n 2 -p no:cacheprovider \
	  tests/lab/tests/test_engine_fidelity.py tests/unit/plugins/plugin_utils/test_powershell_scripts.py

molecule: venv collection
	cd roles/cas && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) molecule test --all

test: lint sanity units integration molecule collection-checks

# Publishing checks: what the collection tarball holds, the changelog, the plugin docs, and the build context of an
# execution environment that installs the tarball (ansible-builder create only: no container is built).
.PHONY: collection-checks
collection-checks: venv collection
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	cd $(BUILD) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) \
	  antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs dependent .
	pytest -q -p no:cacheprovider tests/collection

# Performance figures (minutes; prints Markdown tables, asserts nothing). BENCH_ARGS="--sizes 1,10" for a quick run.
bench: venv collection
	python tests/bench/owa_im_bench.py $(BENCH_ARGS)

clean:
	rm -rf build .owa-lab .ansible
