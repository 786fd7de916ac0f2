# Coffer: the two commands a new machine needs are `make run` and `make test`.
GO ?= go
PKGS := ./...

.PHONY: run build test test-go test-cli vet fuzz bench bench-peers bench-s3 bench-keyspecs

## run: start Coffer in dev mode (SQLite in ./coffer-data, dev root, example credentials)
run:
	$(GO) run ./cmd/coffer serve --dev

build:
	$(GO) build -o bin/coffer ./cmd/coffer

vet:
	$(GO) vet $(PKGS)

## test: the whole suite — Go tests (SQLite and PostgreSQL stores, end-to-end with aws-sdk-go-v2),
## short fuzz runs of every parser, and the aws CLI end-to-end script.
test: vet test-go fuzz test-cli

test-go:
	$(GO) test -count=1 $(PKGS)

# Every scripts/e2e-*.sh: the aws CLI against a real server. Each must pass.
test-cli:
	@set -e; for s in scripts/e2e-*.sh; do echo "== $$s"; bash $$s; done

FUZZTIME ?= 60000x
# Every Fuzz target in the tree, FUZZTIME each.
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

## bench: Go micro-benchmarks of the hot path
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./internal/keyring/ ./internal/sigv4/ ./internal/server/ ./internal/policy/

## bench-peers: the load generator against Coffer and moto_server side by side
bench-peers:
	bash scripts/bench-peers.sh

## bench-s3: S3 PUT/GET on Coffer, moto and a plain file copy; peak RSS and Range GET probes (minutes, GiB of disk)
bench-s3:
	bash scripts/bench-s3.sh

## bench-keyspecs: Sign and Verify per key spec, GenerateDataKeyPair per pair spec, over HTTP with server CPU per request
bench-keyspecs:
	bash scripts/bench-keyspecs.sh
