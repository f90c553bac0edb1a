# exchange.owa_im: everything installs into .venv; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUILD := build/ansible_collections/exchange/owa_im
LAB_STATE := .owa-lab/demo

.PHONY: venv collection demo test lint unit integration clean

$(BIN)/owa-lab: requirements.txt tests/requirements.txt tests/lab/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r tests/requirements.txt
	$(BIN)/pip install --quiet -e tests/lab
	touch $@

venv: $(BIN)/owa-lab

collection:
	mkdir -p build/ansible_collections/exchange
	ln -sfn "$(CURDIR)" $(BUILD)

demo: venv collection
	$(BIN)/owa-lab --state $(LAB_STATE) up --servers 3 --reset-seconds 0.5
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/build $(BIN)/ansible-playbook -i $(LAB_STATE)/inventory.yml playbooks/demo.yml --diff; \
	  status=$$?; \
	  ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/build $(BIN)/ansible-playbook -i $(LAB_STATE)/inventory.yml playbooks/demo.yml; \
	  $(BIN)/owa-lab --state $(LAB_STATE) log | grep -E 'iis-reset|ad-change' ; \
	  $(BIN)/owa-lab --state $(LAB_STATE) down; exit $$status

lint: venv
	$(BIN)/ruff check plugins tests

unit: venv collection
	cd build/ansible_collections/exchange/owa_im && PYTHONPATH=$(CURDIR)/build $(CURDIR)/$(BIN)/pytest -q tests/unit

integration: venv collection
	PYTHONPATH=$(CURDIR)/build PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/pytest -q tests/integration

test: lint unit integration

clean:
	rm -rf build .owa-lab
