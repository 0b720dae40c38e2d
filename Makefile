# Every target creates the virtual environment, generates the gRPC code and installs what it needs,
# so each works on a fresh machine that has only Python 3.11 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TOOLS  := $(VENV)/.tools
STAMP  := $(VENV)/.installed
PROTOS := $(wildcard proto/trivsel/v1/*.proto)
GEN    := trivsel/v1/recommender_pb2.py

.PHONY: run test bench instructions lint proto clean soak examples

$(TOOLS):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet 'grpcio-tools>=1.60' 'googleapis-common-protos>=1.60'
	touch $@

# Python code for the .proto files, into the trivsel/ package (not committed).
$(GEN): $(PROTOS) | $(TOOLS)
	$(BIN)/python -m grpc_tools.protoc -Iproto \
	  -I"$$($(BIN)/python -c 'import os, google.rpc.status_pb2 as m; print(os.path.dirname(os.path.dirname(os.path.dirname(m.__file__))))')" \
	  --python_out=. --pyi_out=. --grpc_python_out=. $(PROTOS)
	touch trivsel/__init__.py trivsel/v1/__init__.py

proto: $(GEN)

$(STAMP): pyproject.toml $(GEN)
	$(BIN)/pip install --quiet -e '.[dev,test,bench]'
	touch $@

run: $(STAMP)
	$(BIN)/python server.py --address 127.0.0.1:50051 --rules rules

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

# Instructions per profile under valgrind (repeatable on a noisy machine); AGAINST=<git revision>
# adds an earlier revision's counts side by side.
instructions: $(STAMP)
	$(BIN)/python -m bench instructions $(if $(AGAINST),--against $(AGAINST))

BUF ?= $(shell command -v buf 2>/dev/null || echo npx --yes @bufbuild/buf)

# Rules, then the API: buf lint (STANDARD, see buf.yaml) and buf breaking against BUF_AGAINST (a
# release tag; default HEAD, i.e. what the working tree changes). buf comes from npm (@bufbuild/buf).
lint: $(STAMP)
	$(BIN)/trivsel lint rules
	$(BUF) lint
	$(BUF) breaking --against '.git#ref=$(or $(BUF_AGAINST),HEAD)'

# Rewrite the example reports in docs/examples/ from examples/ (a test checks they are current).
examples: $(STAMP)
	$(BIN)/python docs/examples/regenerate.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis trivsel

# Sustained load with faults (SOAK_SECONDS, default 600); prints a table and exits non-zero on trouble.
soak: $(STAMP)
	$(BIN)/python -m bench.soak
