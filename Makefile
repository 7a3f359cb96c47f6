# connwatch — build, test, demo and benchmark on Debian 12.
SWIFT ?= swift
DEB_PACKAGES := mosquitto mosquitto-clients libmosquitto-dev libcurl4-openssl-dev libsystemd-dev \
	libssl-dev libsqlite3-dev pkg-config python3 python3-pip python3-paho-mqtt ca-certificates openssl tzdata faketime \
	prometheus-alertmanager chromium chromium-driver prometheus
# chromium and chromium-driver run the web console's browser test (Tests/Browser/console_test.py, through
# Selenium); prometheus brings promtool, which checks packaging/'s alerting rules and dashboard queries.
# The platforms' own validators the renderer tests run (Slack's Block Kit models, JSON Schema for Adaptive Cards),
# and schemathesis, which checks the API against docs/openapi.yaml (pinned: its checks change between releases).
SCHEMATHESIS_VERSION := 4.32.5
PIP_PACKAGES := slack_sdk jsonschema schemathesis==$(SCHEMATHESIS_VERSION) selenium
PIP_MODULES := slack_sdk, jsonschema, schemathesis, selenium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

PREFIX ?= /usr/local
DESTDIR ?=
SYSTEMD_TEST_PACKAGES := debootstrap systemd-container binutils

FUZZ_SECONDS ?= 60
# Every target: each has its corpus folder (FuzzCorpusTests checks that folders and targets are the same).
FUZZ_TARGETS ?= $(notdir $(wildcard Tests/Fuzz/Corpus/*))
FUZZ_SCRATCH ?= .build-fuzz

.PHONY: deps build test lint format demo bench deb install test-systemd security clean fuzz

## deps: install the Debian and Python packages connwatch builds and tests with (only those missing)
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@python3 -c 'import $(PIP_MODULES), importlib.metadata as m; assert m.version("schemathesis") == "$(SCHEMATHESIS_VERSION)"' \
		2>/dev/null || { echo "installing: $(PIP_PACKAGES)"; \
		python3 -m pip install --quiet $(PIP_PACKAGES) 2>/dev/null \
		|| python3 -m pip install --quiet --break-system-packages $(PIP_PACKAGES); }

build: deps
	$(SWIFT) build

## test: the whole suite (schemathesis --checks all against docs/openapi.yaml and the running daemon among it,
## and the web console in headless Chromium), plus the formatter's lint, the unit's security score and
## promtool's checks of packaging/'s alerting rules and Grafana dashboard
test: deps security
	scripts/check-monitoring.py
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests
	$(SWIFT) build --build-tests
	scripts/test-watchdog.sh 1800 $(SWIFT) test --skip-build

## security: the systemd unit's exposure score must stay at or below 1.5
security:
	@score=$$(systemd-analyze security --offline=true packaging/connwatch.service 2>/dev/null | sed -n 's/.*Overall exposure level for connwatch.service: \([0-9.]*\).*/\1/p'); \
	echo "connwatch.service exposure: $$score"; \
	awk -v s="$$score" 'BEGIN { exit !(s != "" && s <= 1.5) }' || { echo "exposure above 1.5"; exit 1; }

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests

## demo: a private broker, a simulated fleet and a local webhook receiver, about a minute
demo: deps
	$(SWIFT) build --product connwatch
	scripts/demo.sh "$$($(SWIFT) build --show-bin-path)/connwatch"

## bench: release-build benchmarks (feed ratio, engine, memory, storm, idle) → bench/RESULTS.md, ~5 min
bench: deps
	$(SWIFT) build -c release --product connwatch-bench
	$(SWIFT) build -c release --product connwatch
	scripts/bench.sh "$$($(SWIFT) build -c release --show-bin-path)/connwatch-bench" \
		"$$($(SWIFT) build -c release --show-bin-path)/connwatch"

## fuzz: libFuzzer + AddressSanitizer, each of FUZZ_TARGETS for FUZZ_SECONDS (default 60); the seeds are
## Tests/Fuzz/Corpus/<target>/, new units go to $(FUZZ_SCRATCH)/corpus/<target>/, crashers (crash-*, oom-*,
## timeout-*) to Tests/Fuzz/Corpus/<target>/ where `make test` replays them; prints per target the inputs
## run, inputs/s and the coverage gained, and a summary line; fails when a target failed (scripts/fuzz.sh)
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_SCRATCH) $(FUZZ_TARGETS)

## deb: build/connwatch_VERSION_ARCH.deb (release build, Swift runtime linked statically)
deb: deps
	@missing=""; for p in binutils; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	scripts/build-deb.sh

## install: for systems without dpkg; honours PREFIX (default /usr/local) and DESTDIR
install:
	$(SWIFT) build -c release --static-swift-stdlib --product connwatch
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/libexec/connwatch" \
		"$(DESTDIR)$(PREFIX)/lib/systemd/system" "$(DESTDIR)/etc/connwatch"
	install -m 755 "$$($(SWIFT) build -c release --static-swift-stdlib --show-bin-path)/connwatch" "$(DESTDIR)$(PREFIX)/bin/connwatch"
	install -m 755 "$$(dirname "$$(dirname "$$(readlink -f "$$(command -v $(SWIFT))")")")/libexec/swift/linux/swift-backtrace-static" \
		"$(DESTDIR)$(PREFIX)/libexec/connwatch/swift-backtrace-static"
	sed -e 's|/usr/bin/connwatch|$(PREFIX)/bin/connwatch|g' -e 's|/usr/libexec/connwatch|$(PREFIX)/libexec/connwatch|g' \
		packaging/connwatch.service > "$(DESTDIR)$(PREFIX)/lib/systemd/system/connwatch.service"
	chmod 644 "$(DESTDIR)$(PREFIX)/lib/systemd/system/connwatch.service"
	[ -e "$(DESTDIR)/etc/connwatch/rules.yaml" ] || install -m 644 rules.yaml.example "$(DESTDIR)/etc/connwatch/rules.yaml"

## test-systemd: install the .deb into a Debian 12 container and check it under a real systemd
test-systemd: deb
	@missing=""; for p in $(SYSTEMD_TEST_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	$(SUDO) timeout -k 30 1200 scripts/test-systemd.sh build/connwatch_$$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/ConnWatchRuntime/Service/Daemon.swift)_$$(dpkg --print-architecture).deb

clean:
	rm -rf .build build $(FUZZ_SCRATCH)
