# Baton's build and test entry points. `make test` is what CI runs.
GO ?= go

.PHONY: all build install quickstart ui test test-deps fmt-check vet race lint bench fuzz clean

all: build

build:
	$(GO) build -o bin/baton ./cmd/baton

install:
	$(GO) install ./cmd/baton

# test: formatting, vet, and every test with the race detector.
test: test-deps fmt-check vet race

# test-deps: what the tests need besides Go. PostgreSQL (initdb, pg_ctl) for
# the sql step's tests, which start a server of their own, and Debian's
# Chromium for the web UI's browser tests (internal/uitest): installed with
# apt-get when missing and we are root (as in CI); elsewhere those tests
# skip, saying so (in CI they fail instead).
test-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the web UI's browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "note: Chromium is not installed (apt-get install chromium); the browser tests will skip"; \
	  fi; \
	fi
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing postgresql for the sql step's tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "note: PostgreSQL is not installed (apt-get install postgresql); its tests will skip"; \
	  fi; \
	fi

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bench/peer/*'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race -count=1 ./...

# ui: rebuild the web UI's assets (web/dist, embedded in the binary and
# committed, so that building Baton needs no Node.js). Needs Node.js 20+.
ui:
	cd web && npm ci && npm run build

# quickstart: build, install and run the main example.
quickstart: install
	@bindir="$$($(GO) env GOBIN)"; [ -n "$$bindir" ] || bindir="$$($(GO) env GOPATH)/bin"; \
	echo "baton installed in $$bindir (add it to PATH to type just 'baton')"; \
	cd examples/sales-marketing-etl && "$$bindir/baton" run workflow.asl.json --input '{"workdir":"."}'

# lint: staticcheck, pinned (fetched from the Go module proxy; not part of
# `make test` so that CI does not depend on one more download).
lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.6.1 ./...

# fuzz: run every fuzz target for FUZZTIME each (not part of `make test`).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# bench: Baton's benchmarks against the peer; see bench/README.md.
bench:
	bash bench/run.sh
	bash bench/server.sh

clean:
	rm -rf bin
