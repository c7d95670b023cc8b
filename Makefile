# The two commands a newcomer needs: `make run` and `make test`.
GO ?= go
TEST_DATABASE_URL ?= $(ONBOARDING_TEST_DATABASE_URL)

.PHONY: run build test generate check-generated vet bench soak

## run: build and start the service on ./onboarding.db (SQLite), registers in sandbox mode
run: build
	ONBOARDING_SANDBOX=$${ONBOARDING_SANDBOX:-true} ./bin/onboarding serve

## build: compile the binary to bin/onboarding (pure Go, no cgo)
build:
	CGO_ENABLED=0 $(GO) build -o bin/onboarding ./cmd/onboarding

## test: the whole suite; PostgreSQL too when ONBOARDING_TEST_DATABASE_URL is set
test:
	ONBOARDING_TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(GO) test -race -count=1 ./...

## generate: recreate gen/ from openapi.yaml
generate:
	$(GO) tool oapi-codegen -config oapi-codegen.yaml openapi.yaml

## check-generated: fail when gen/ does not match openapi.yaml
check-generated: generate
	@test -z "$$(git status --porcelain -- gen/)" || (git status --short -- gen/; echo "gen/ is stale: run make generate and commit" >&2; exit 1)

## vet: static checks
vet:
	$(GO) vet ./...

## soak: bounded upload soak of the service process; prints its peak RSS (fails at 150 MB)
soak:
	ONBOARDING_TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(GO) test -count=1 -run '^$$' -bench UploadRSS -benchtime 1x ./cmd/onboarding

## bench: benchmarks (speed and allocation targets live here, not in unit tests)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
