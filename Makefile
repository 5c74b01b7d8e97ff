# vendorrisk developer tasks. `make run` starts the service on SQLite; `make test` runs every test.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
SWAG     := $(GO) tool swag init -g routes.go -d ./api --outputTypes json --useStructName
# specgen applies the shared contract (error responses, headers) to swag's output and converts it to OpenAPI 3.
SPECGEN  := $(GO) run ./docs/specgen
SPECS    := docs.go swagger.json swagger.yaml openapi.yaml
# the Go client the workflow test drives, generated from docs/openapi.yaml
CLIENT   := $(GO) tool oapi-codegen -config test/apiclient/oapi-codegen.yaml

.PHONY: run build test docs docs-check lint spec-lint migrate bench cluster-test

run: ## run the API on ./data/vendorrisk.db (SQLite, migrations applied, first admin key in ./data/admin-key.txt)
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/vendorrisk serve

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/vendorrisk ./cmd/vendorrisk

test: ## all tests, on SQLite and on MySQL (skipped if unreachable unless VENDORRISK_REQUIRE_MYSQL=1)
	$(GO) test -race -count=1 -timeout 60m ./...

docs: ## regenerate the specs in docs/ (swag, then docs/specgen: Swagger 2.0 and OpenAPI 3)
	@tmp=$$(mktemp -d) && $(SWAG) -o $$tmp/swag >/dev/null && $(SPECGEN) -in $$tmp/swag -out ./docs && \
	$(CLIENT) -o test/apiclient/client.gen.go docs/openapi.yaml; \
	st=$$?; rm -rf $$tmp; exit $$st

docs-check: ## fail when the committed specs differ from the annotations
	@tmp=$$(mktemp -d) && mkdir $$tmp/out && $(SWAG) -o $$tmp/swag >/dev/null && $(SPECGEN) -in $$tmp/swag -out $$tmp/out && \
	$(CLIENT) -o $$tmp/out/client.gen.go $$tmp/out/openapi.yaml || { rm -rf $$tmp; exit 1; }; \
	for f in $(SPECS); do \
		diff -q $$tmp/out/$$f docs/$$f >/dev/null || { echo "docs/$$f is stale: run make docs and commit it"; rm -rf $$tmp; exit 1; }; \
	done; \
	diff -q $$tmp/out/client.gen.go test/apiclient/client.gen.go >/dev/null || { echo "test/apiclient/client.gen.go is stale: run make docs and commit it"; rm -rf $$tmp; exit 1; }; \
	rm -rf $$tmp; echo "docs/ and test/apiclient are up to date"

lint: ## gofmt, go vet and staticcheck (pinned as a tool in go.mod)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

spec-lint: ## lint docs/openapi.yaml with Redocly's recommended rules (needs npx; fails on errors, not on warnings)
	npx --yes @redocly/cli@2.77.0 lint docs/openapi.yaml

migrate: ## apply migrations to the configured database (VENDORRISK_DB_DRIVER / VENDORRISK_DB_DSN)
	$(GO) run ./cmd/vendorrisk migrate up

bench: ## product/bare throughput of GET one and list 50; a 10,000-row vendor import; list latency at 1k and 1M vendors; list latency over 10,000 vendors; a 627-answer assessment; audited writes and chain verification; the portfolio summary over 1,000 engagements; a write with the webhook outbox (none, 0 and 5 endpoints) and delivery throughput; the streamed export of 100,000 vendors (CSV, XLSX: seconds, peak heap); SQLite and MySQL
	$(GO) test -run '^$$' -bench Ratio -benchtime 1x -timeout 30m ./bench/
	$(GO) test -run '^$$' -bench ListDepth -benchtime 2000x -timeout 60m ./bench/
	$(GO) test -run '^$$' -bench ListVendors -benchtime 2000x ./bench/
	$(GO) test -run '^$$' -bench Answers -benchtime 50x ./bench/
	$(GO) test -run '^$$' -bench AuditedWrite -benchtime 500x ./bench/
	$(GO) test -run '^$$' -bench AuditVerify -benchtime 5x ./bench/
	$(GO) test -run '^$$' -bench Export100k -benchtime 1x -timeout 30m ./bench/
	$(GO) test -run '^$$' -bench PortfolioSummary -benchtime 500x ./bench/
	$(GO) test -run '^$$' -bench WebhookWrite -benchtime 500x ./bench/
	$(GO) test -run '^$$' -bench Import10k -benchtime 1x -timeout 20m ./bench/
	$(GO) test -run '^$$' -bench WebhookDelivery -benchtime 1x ./bench/

cluster-test: ## 3 MariaDB Galera nodes, HAProxy, 3 replicas and versitygw on loopback, faults under load (root; about 3 minutes; not in make test)
	@command -v haproxy >/dev/null 2>&1 && [ -f /usr/lib/galera/libgalera_smm.so ] && command -v rsync >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq galera-4 haproxy rsync >/dev/null; }
	@command -v versitygw >/dev/null 2>&1 || [ -x "$$($(GO) env GOPATH)/bin/versitygw" ] || \
		$(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0
	VENDORRISK_REQUIRE_S3=1 $(GO) test -tags cluster -count=1 -v -timeout 20m -run TestCluster ./test/cluster/
