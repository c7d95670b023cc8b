# The two commands a newcomer needs: `make run` and `make test`.
GO ?= go
TEST_DATABASE_URL ?= $(ONBOARDING_TEST_DATABASE_URL)

.PHONY: run build test contract-coverage contract-validate generate check-generated vet bench soak lint client-go client-ogen client-ts client-flows client-flow-go client-flow-ts browser-check console-check consumers fuzz-contract bench-http

## run: build and start the service on ./onboarding.db (SQLite), registers in sandbox mode
run: build
	ONBOARDING_SANDBOX=$${ONBOARDING_SANDBOX:-true} ONBOARDING_GLEIF_COUNTRIES=$${ONBOARDING_GLEIF_COUNTRIES-IS,LI} ./bin/onboarding serve

## build: compile the binary to bin/onboarding (pure Go, no cgo)
build:
	CGO_ENABLED=0 $(GO) build -o bin/onboarding ./cmd/onboarding

# Where make test records every response the suite received (contracttest).
CONTRACT_RECORDS ?= $(CURDIR)/artifacts/contract

## test: the whole suite; PostgreSQL too when ONBOARDING_TEST_DATABASE_URL is set. Every response is
## checked against openapi.yaml and recorded in artifacts/contract/; then the contract coverage report
test:
	rm -rf $(CONTRACT_RECORDS)
	ONBOARDING_CONTRACT_RECORD=$(CONTRACT_RECORDS) ONBOARDING_TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(GO) test -race -count=1 -timeout 20m ./...
	$(GO) run ./tools/contract/coverage $(CONTRACT_RECORDS)

## contract-coverage: which (operation, declared status) pairs the last make test exercised (runs it when none)
contract-coverage:
	@test -d $(CONTRACT_RECORDS) || $(MAKE) test
	$(GO) run ./tools/contract/coverage $(CONTRACT_RECORDS)

## contract-validate: the second, independent validator (Ajv) over the responses the last make test recorded
contract-validate: node_modules/.package-lock.json
	@test -d $(CONTRACT_RECORDS) || $(MAKE) test
	node tools/contract/validate-recorded.mjs openapi.yaml $(CONTRACT_RECORDS)

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

# The consumer toolchain: npm tools pinned in package.json/package-lock.json
# (npm ci), Debian's chromium for the browser check.
NPM_ENV = REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM_ENV) npm ci --ignore-scripts --no-audit --no-fund

## lint: openapi.yaml under Redocly (recommended) and Spectral (spectral:oas): 0 errors, 0 warnings
lint: node_modules/.package-lock.json
	$(NPM_ENV) npm run --silent lint

## client-go: generate the Go client (oapi-codegen types + client) from openapi.yaml into examples/clients/go/client/
client-go:
	$(GO) tool oapi-codegen -config examples/clients/go/oapi-codegen.yaml openapi.yaml
	cd examples/clients/go && $(GO) vet ./...

## client-ogen: generate a Go client with ogen (a strict generator, pinned as a tool in examples/clients/ogen/go.mod) and compile it; every operation of openapi.yaml must come out, none skipped
client-ogen:
	cd examples/clients/ogen && $(GO) tool ogen -target client -package client -clean ../../../openapi.yaml
	cd examples/clients/ogen && $(GO) vet ./...
	@want=$$(grep -c 'operationId:' openapi.yaml); got=$$(grep -c 'OperationName = "' examples/clients/ogen/client/oas_operations_gen.go); \
	  test "$$want" = "$$got" || { echo "ogen generated $$got of $$want operations" >&2; exit 1; }; echo "ogen: $$got of $$want operations"

## client-ts: generate the TypeScript types (openapi-typescript) into examples/clients/ts/, typecheck with tsc --strict
client-ts: node_modules/.package-lock.json
	$(NPM_ENV) npm run --silent client:ts:generate
	$(NPM_ENV) npm run --silent client:ts:check

## client-flows: the whole flow through both generated clients, each against a fresh sandbox service
client-flows: client-flow-go client-flow-ts

client-flow-go: client-go
	tools/with-server.sh sh -c 'cd examples/clients/go && $(GO) run .'

client-flow-ts: client-ts
	tools/with-server.sh node examples/clients/ts/dist/flow.js

## browser-check: Swagger UI in headless Debian chromium (screenshot: artifacts/swagger-ui.png)
browser-check: node_modules/.package-lock.json
	tools/with-server.sh node tools/browsercheck/swagger-ui.mjs

## console-check: the review console in headless chromium (playwright-core, axe-core), on SQLite and PostgreSQL; screenshots in artifacts/console/
console-check: node_modules/.package-lock.json
	$(NPM_ENV) ONBOARDING_TEST_DATABASE_URL=$(TEST_DATABASE_URL) tools/console-check.sh

## consumers: lint, both client flows, the ogen client and the browser checks (Swagger UI, the console)
consumers: lint client-flows client-ogen browser-check console-check

## fuzz-contract: schema-driven contract fuzzing with a longer budget (CASES, SEED; make test runs 480 cases, seed 1)
CASES ?= 20000
SEED ?= $(shell date +%s)
fuzz-contract:
	ONBOARDING_CONTRACT_FUZZ_CASES=$(CASES) ONBOARDING_CONTRACT_FUZZ_SEED=$(SEED) \
		ONBOARDING_TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(GO) test -count=1 -v -run '^TestContractFuzz$$' -timeout 30m ./server/

## bench-http: side-by-side HTTP benchmark of the service on PostgreSQL and SQLite against a floor server and a Django REST Framework anchor (docs/performance.md; installs the anchor's Debian packages when missing); BENCH_FLAGS="-rows 1000000" for lists at scale, "-smoke" for a quick check
bench-http: build
	$(GO) build -o bin/benchhttp ./cmd/benchhttp
	sh cmd/benchhttp/drf/install.sh
	./bin/benchhttp -service bin/onboarding $(BENCH_FLAGS)
