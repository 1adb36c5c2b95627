# Casebook: `make run` sets everything up and serves on http://127.0.0.1:8080; `make test` runs every test.
.PHONY: run test build release deps migrate bench clean

deps:
	@scripts/install-deps.sh

build: deps
	swift build

release: deps
	swift build -c release --product casebook

migrate: release
	@scripts/fetch-model.sh
	@mkdir -p data
	.build/release/casebook migrate

run: migrate
	.build/release/casebook serve

# One build of everything (the server binary the API, crash and browser tests start, and the test bundles), then
# the tests without rebuilding: building the product and then `swift test` compiled some targets twice.
test: deps
	@scripts/fetch-model.sh
	swift build --build-tests
	swift test --skip-build
	Tests/cli/grade_cli.sh
	Tests/anki/run.sh
	Tests/api/run.sh
	python3 Tests/ops/crash_test.py --rounds 3
	python3 Tests/ops/slow_body_test.py
	Tests/browser/run.sh

bench: 
	@scripts/install-deps.sh --bench
	Benchmarks/http.sh

clean:
	rm -rf .build
