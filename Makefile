# Every target creates the virtual environment, generates the gRPC code and installs what it needs,
# so each works on a fresh machine that has Python 3.11 (with headers), make, gcc and g++.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PROTOS := $(wildcard proto/trivsel/v1/*.proto)
# setup.py compiles the hot path (its COMPILED list, in engine/ and api/) with mypyc; a change to any
# module there reinstalls, since the compiled code also depends on the types of what it imports.
# TRIVSEL_BUILD=pure installs without compiling.
HOT    := $(wildcard engine/*.py engine/expr/*.py api/*.py)
EXPECT := $(if $(filter pure,$(TRIVSEL_BUILD)),pure,compiled)
STAMP  := $(VENV)/.installed-$(EXPECT)

.PHONY: run test test-pure bench instructions lint typecheck proto clean soak examples build-requirements lock mutation

# durable-rules is published only as source: say what is missing before pip fails deep in a C build.
build-requirements:
	@missing=""; \
	command -v $(PYTHON) >/dev/null 2>&1 || missing="$$missing $(PYTHON)"; \
	command -v gcc >/dev/null 2>&1 || command -v cc >/dev/null 2>&1 || missing="$$missing gcc"; \
	command -v g++ >/dev/null 2>&1 || command -v c++ >/dev/null 2>&1 || missing="$$missing g++"; \
	$(PYTHON) -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null \
	  || missing="$$missing Python-headers"; \
	if [ -n "$$missing" ]; then \
	  echo "make: cannot build Trivsel: missing$$missing." >&2; \
	  echo "  durable-rules is compiled on install; it needs Python 3.11 with its headers, gcc and g++" >&2; \
	  echo "  (Debian/Ubuntu: apt-get install python3.11-dev gcc g++ make)." >&2; \
	  exit 1; \
	fi

$(BIN)/python:
	$(MAKE) --no-print-directory build-requirements
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The editable install runs setup.py, which generates the gRPC code from proto/ into trivsel/v1
# (not committed) with the generator pyproject.toml pins, and compiles the hot path in place
# (engine/*.so, api/*.so, trivsel__mypyc*.so; trivsel/native.json records the build); a changed
# .proto or hot module reinstalls, and so does the other build kind (one stamp per kind, the
# other's removed).
$(STAMP): pyproject.toml setup.py $(PROTOS) $(HOT) | $(BIN)/python
	rm -f $(VENV)/.installed-*
	TRIVSEL_BUILD=$(EXPECT) $(BIN)/pip install --quiet -e '.[dev,test,bench]'
	touch $@

proto: $(STAMP)

run: $(STAMP)
	$(BIN)/python server.py --address 127.0.0.1:50051 --rules rules

# The suite on the compiled build, and on the same modules as plain Python (TRIVSEL_PURE_PYTHON,
# trivsel/native.py). TRIVSEL_EXPECT_BUILD makes tests/test_native.py fail if the other build ran.
test: $(STAMP)
	TRIVSEL_EXPECT_BUILD=$(EXPECT) $(BIN)/python -m pytest -q

test-pure: $(STAMP)
	TRIVSEL_PURE_PYTHON=1 TRIVSEL_EXPECT_BUILD=pure $(BIN)/python -m pytest -q

# Mutation testing (tests/mutation/run.py; docs/TESTING.md, "Mutation testing"): cosmic-ray (the
# `mutation` extra) over the modules that decide the advice and guard privacy, each with its own
# targeted tests, on the pure-Python modules; prints killed/survived per module and every survivor.
# MODULES="rank profile" runs some of them; JOBS copies of the checkout run side by side.
MODULES ?=
JOBS    ?= 2
$(VENV)/.mutation-tools: pyproject.toml | $(STAMP)
	$(BIN)/pip install --quiet $$($(BIN)/python -c 'import shlex, tomllib; \
	  print(shlex.join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["mutation"]))')
	touch $@

mutation: $(STAMP) $(VENV)/.mutation-tools
	$(BIN)/python tests/mutation/run.py --jobs $(JOBS) $(MODULES)

bench: $(STAMP)
	$(BIN)/python -m bench

# Instructions per profile under valgrind (repeatable on a noisy machine); AGAINST=<git revision>
# adds an earlier revision's counts side by side.
instructions: $(STAMP)
	$(BIN)/python -m bench instructions $(if $(AGAINST),--against $(AGAINST))

BUF ?= $(shell command -v buf 2>/dev/null || echo npx --yes @bufbuild/buf)

# mypy --strict over the installed names (trivsel.engine …): mypy cannot follow the editable
# install's package-dir mapping, so a tree of symlinks in build/typecheck gives it the same layout.
typecheck: $(STAMP)
	@rm -rf build/typecheck/trivsel && mkdir -p build/typecheck/trivsel
	@for d in engine api service client; do ln -s ../../../$$d build/typecheck/trivsel/$$d; done
	@for f in trivsel/*.py trivsel/py.typed trivsel/v1; do ln -s ../../../$$f build/typecheck/$$f; done
	cd build/typecheck && ../../$(BIN)/mypy --config-file ../../pyproject.toml -p trivsel

# The code (ruff, mypy --strict), the rules, then the API: buf lint (STANDARD, see buf.yaml) and
# buf breaking against BUF_AGAINST (a release tag; default HEAD, i.e. what the working tree
# changes). buf comes from npm (@bufbuild/buf).
lint: $(STAMP) typecheck
	$(BIN)/ruff check engine api service client tests bench server.py setup.py deploy trivsel
	$(BIN)/trivsel lint rules
	$(BUF) lint
	$(BUF) breaking --against '.git#ref=$(or $(BUF_AGAINST),HEAD)'

# The container image's pinned, hashed packages (deploy/build.lock, deploy/requirements.lock).
lock: $(STAMP)
	$(BIN)/python deploy/lock.py

# Rewrite the example reports in docs/examples/ from examples/ (a test checks they are current and
# shows the diff when not; only this target, with --write, rewrites them).
examples: $(STAMP)
	$(BIN)/python docs/examples/regenerate.py --write

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis trivsel/v1/*_pb2* trivsel/native.json
	rm -f *.so engine/*.so api/*.so

# Sustained load with faults (SOAK_SECONDS, default 600); prints a table and exits non-zero on trouble.
soak: $(STAMP)
	$(BIN)/python -m bench.soak
