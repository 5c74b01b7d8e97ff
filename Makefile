# vendorrisk developer tasks. `make run` starts the service on SQLite; `make test` runs every test.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
SWAG     := $(GO) tool swag init -g routes.go -d ./api --outputTypes go,json,yaml --useStructName

.PHONY: run build test docs docs-check lint migrate bench

run: ## run the API on ./data/vendorrisk.db (SQLite, migrations applied, first admin key in ./data/admin-key.txt)
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/vendorrisk serve

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/vendorrisk ./cmd/vendorrisk

test: ## all tests, on SQLite and on MySQL (skipped if unreachable unless VENDORRISK_REQUIRE_MYSQL=1)
	$(GO) test -race -count=1 -timeout 60m ./...

docs: ## regenerate the OpenAPI spec in docs/
	$(SWAG) -o ./docs >/dev/null

docs-check: ## fail when the committed spec differs from the annotations
	@tmp=$$(mktemp -d)/docs && $(SWAG) -o $$tmp >/dev/null && \
	for f in docs.go swagger.json swagger.yaml; do \
		diff -q $$tmp/$$f docs/$$f >/dev/null || { echo "docs/$$f is stale: run make docs and commit it"; rm -rf $$(dirname $$tmp); exit 1; }; \
	done; rm -rf $$(dirname $$tmp); echo "docs/ is up to date"

lint: ## gofmt, go vet and staticcheck (pinned as a tool in go.mod)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

migrate: ## apply migrations to the configured database (VENDORRISK_DB_DRIVER / VENDORRISK_DB_DSN)
	$(GO) run ./cmd/vendorrisk migrate up

bench: ## list latency over 10,000 vendors; a 627-answer assessment; audited writes and chain verification; the portfolio summary over 1,000 engagements; a write with the webhook outbox (none, 0 and 5 endpoints) and delivery throughput; SQLite and MySQL
	$(GO) test -run '^$$' -bench ListVendors -benchtime 2000x ./bench/
	$(GO) test -run '^$$' -bench Answers -benchtime 50x ./bench/
	$(GO) test -run '^$$' -bench AuditedWrite -benchtime 500x ./bench/
	$(GO) test -run '^$$' -bench AuditVerify -benchtime 5x ./bench/
	$(GO) test -run '^$$' -bench PortfolioSummary -benchtime 500x ./bench/
	$(GO) test -run '^$$' -bench WebhookWrite -benchtime 500x ./bench/
	$(GO) test -run '^$$' -bench WebhookDelivery -benchtime 1x ./bench/
