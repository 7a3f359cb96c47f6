# connwatch — build, test, demo and benchmark on Debian 12.
SWIFT ?= swift
DEB_PACKAGES := mosquitto mosquitto-clients libmosquitto-dev libcurl4-openssl-dev libsystemd-dev \
	libsqlite3-dev pkg-config python3 ca-certificates
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build test lint format demo bench clean

## deps: install the Debian packages connwatch builds and tests with (only those missing)
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

## test: the whole suite plus the formatter's lint
test: deps
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests

## demo: a private broker, a simulated fleet and a local webhook receiver, about a minute
demo: deps
	$(SWIFT) build --product connwatch
	scripts/demo.sh "$$($(SWIFT) build --show-bin-path)/connwatch"

## bench: release-build benchmark of decode + state + rules
bench: deps
	$(SWIFT) build -c release --product connwatch-bench
	"$$($(SWIFT) build -c release --show-bin-path)/connwatch-bench"

clean:
	rm -rf .build
