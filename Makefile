# Baton's build and test entry points. `make test` is what CI runs.
GO ?= go

.PHONY: all build install quickstart test fmt-check vet race lint bench fuzz clean

all: build

build:
	$(GO) build -o bin/baton ./cmd/baton

install:
	$(GO) install ./cmd/baton

# test: formatting, vet, and every test with the race detector.
test: fmt-check vet race

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bench/peer/*'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race -count=1 ./...

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
