# slokit: the two commands a new user runs are `make demo` and `make test`.

GO       ?= go
BIN      := bin/slokit
DEMO_OUT := build/demo
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: all build demo generate golden docs screenshots test check deps hygiene vet fmt-check unit bench fuzz dist image image-index clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/slokit

# demo: validate the example specs, compile them into every output format,
# backtest the order API's alerts against a simulated outage, then run the
# budget service on the embedded engine over the super-bowl scenario and
# print what to try (Ctrl-C stops it).
DEMO_LISTEN ?= 127.0.0.1:8080
demo: build
	@echo "==> slokit validate specs/"
	@$(BIN) validate specs/
	@rm -rf $(DEMO_OUT)
	@for f in prometheus prometheus-operator victoriametrics; do \
		$(BIN) generate --format $$f -o $(DEMO_OUT)/$$f specs/ || exit 1; \
	done
	@$(BIN) dashboards -o $(DEMO_OUT)/dashboards specs/
	@echo
	@echo "==> rule groups per file ($(DEMO_OUT)/prometheus)"
	@for f in $(DEMO_OUT)/prometheus/*.yaml; do \
		printf '  %-40s %3s groups %4s recording rules %3s alerting rules\n' "$$f" \
			"$$(grep -c '^  - name:' $$f)" "$$(grep -c -- '- record:' $$f)" "$$(grep -c -- '- alert:' $$f)"; \
	done
	@if command -v promtool >/dev/null 2>&1; then \
		echo; echo "==> promtool check rules"; promtool check rules $(DEMO_OUT)/prometheus/*.yaml; \
	fi
	@echo
	@echo "==> slokit simulate --scenario outage --spec specs/order-api.yaml (the rules on the embedded Prometheus engine)"
	@$(BIN) simulate --scenario outage --spec specs/order-api.yaml
	@echo
	@echo "Load $(DEMO_OUT)/prometheus/*.yaml as rule_files in prometheus.yml,"
	@echo "or kubectl apply -f $(DEMO_OUT)/prometheus-operator/ on a cluster with the prometheus-operator."
	@echo "Import the Grafana dashboards in $(DEMO_OUT)/dashboards/."
	@$(BIN) generate --format alertmanager -o $(DEMO_OUT)/alertmanager.yaml specs/ 2>/dev/null
	@echo "Route the alerts with $(DEMO_OUT)/alertmanager.yaml (per team and priority); a month's SLO report: $(BIN) report --demo specs/"
	@echo
	@echo "==> slokit serve --demo specs/ on $(DEMO_LISTEN): the budget service and deploy gate, on the embedded"
	@echo "    engine over the super-bowl scenario (30 days of history first, then live; Ctrl-C stops it)"
	@umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > $(DEMO_OUT)/token
	@exec $(BIN) serve --demo --listen $(DEMO_LISTEN) --token-file $(DEMO_OUT)/token --data-dir $(DEMO_OUT)/data specs/

# generate: rewrite the checked-in dashboards/ from specs/, and the Helm
# chart's copy of specs/, its example specs (make test fails when either is
# out of date).
generate: build
	$(BIN) dashboards -o dashboards specs/
	rm -f deploy/helm/slokit/files/specs/*.yaml && cp specs/*.yaml deploy/helm/slokit/files/specs/

# golden: rewrite the golden files of every package that keeps them (the
# test packages that declare -update with golden.Flag); review the diff.
GOLDEN_PACKAGES := ./slo ./slo/importer ./scenario ./generators/promrules ./generators/alertmanager ./generators/grafana ./cmd/slokit ./report
golden: docs
	$(GO) test -count=1 $(GOLDEN_PACKAGES) -update
	$(GO) test -count=1 -run PlainManifests ./test -update

# docs: rewrite the generated parts of docs/ (the CLI reference from the
# command table, the spec's fields from the spec types, the HTTP API from
# serve/openapi.yaml, the chart's values from values.yaml, the migration
# guide's examples from slokit import); review the diff.
docs:
	$(GO) test -count=1 -run TestCLIReference ./cmd/slokit -update
	$(GO) test -count=1 -run TestSpecReference ./slo -update
	$(GO) test -count=1 -run TestAPIReference ./serve -update
	$(GO) test -count=1 -run 'TestChartValuesTable|TestMigrationExamples' ./test -update

# screenshots: take the docs' screenshots (docs/images/) again in headless
# Chromium (make deps installs it), from serve --demo with an incident
# injected; about two minutes.
screenshots:
	$(GO) test -count=1 -timeout 10m -run TestDocsScreenshots ./test -screenshots -v

# test: everything CI runs. It installs nothing: `make deps` installs the
# Debian packages the end-to-end tests use (as root or with sudo), and
# .ci/run calls it first. Tests that need a missing tool skip, unless CI
# is set, and then they fail.
test: vet fmt-check hygiene unit

# check: the quick inner loop, about 2 minutes on 2 cores: formatting,
# vet, and every package's tests without the race detector and with
# -short (which leaves out the month-long backtests), but not the
# end-to-end tests of test/ (real servers, the image, the archives), which
# make test runs.
check: fmt-check
	$(GO) vet ./...
	$(GO) test -short -count=1 $$($(GO) list ./... | grep -v '/test$$')

# deps: the real components the tests run (promtool and Prometheus,
# vmalert and VictoriaMetrics, Alertmanager and amtool for the routing
# fragment, PostgreSQL for the shared store, headless Chromium for the web
# UI), buildah and the CA bundle for the image, shellcheck for the
# workflows' and the Action's scripts, from Debian.
deps:
	@missing=""; \
	command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	command -v vmalert >/dev/null 2>&1 || missing="$$missing victoria-metrics"; \
	command -v amtool >/dev/null 2>&1 || missing="$$missing prometheus-alertmanager"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v buildah >/dev/null 2>&1 || missing="$$missing buildah"; \
	command -v shellcheck >/dev/null 2>&1 || missing="$$missing shellcheck"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	test -f /etc/ssl/certs/ca-certificates.crt || missing="$$missing ca-certificates"; \
	if [ -n "$$missing" ]; then \
		echo "==> installing$$missing from Debian"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@$(MAKE) --no-print-directory $(AXE)

# axe-core, the accessibility checker the UI's tests run in Chromium: from
# the npm registry, pinned, into build/ (the test only; never served).
AXE_VERSION := 4.14.1
AXE := build/npm/node_modules/axe-core/axe.min.js
$(AXE):
	@command -v npm >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null; }
	npm install --silent --no-save --no-audit --no-fund --prefix build/npm axe-core@$(AXE_VERSION)

# hygiene: no build outputs in git (no executable that is not a script, no
# file over 2 MB) and go.mod/go.sum exactly as `go mod tidy` leaves them.
hygiene:
	@bad=""; \
	for f in $$(git ls-files); do \
		[ -f "$$f" ] || continue; \
		if [ "$$(stat -c %s "$$f")" -gt 2097152 ]; then bad="$$bad\n  $$f: over 2 MB"; fi; \
		if [ -x "$$f" ] && [ "$$(head -c 2 "$$f")" != "#!" ]; then bad="$$bad\n  $$f: an executable that is not a script"; fi; \
	done; \
	if [ -n "$$bad" ]; then printf "tracked build outputs (add them to .gitignore):$$bad\n"; exit 1; fi
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy: run go mod tidy"; $(GO) mod tidy -diff; exit 1; }

# vet compiles every dependency as the release build does (static,
# -trimpath), so that the tests' slokit binary, the image and the
# linux/amd64 archive reuse those packages instead of compiling them again.
vet:
	CGO_ENABLED=0 $(GO) vet -trimpath ./...

fmt-check:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

# unit: every test, with the race detector (.ci/testsummary prints what
# go test would, then the ten slowest tests and each package's time, and
# fails as go test does); then, without it, the packages
# whose compute-bound tests (a month of samples through the PromQL engine,
# no concurrency of their own) skip under it, where they cost ten times as
# long (race.SkipComputeBound), built as vet builds so that they reuse its
# compiled packages. The test/ package runs real servers and
# builds the image and release archives, which takes longer than go test's
# default 10-minute limit per package on two cores.
COMPUTE_BOUND_PACKAGES := ./simulate ./generators/promrules
unit:
	$(GO) test -race -count=1 -timeout 20m -json ./... | $(GO) run ./.ci/testsummary
	CGO_ENABLED=0 $(GO) test -trimpath -count=1 $(COMPUTE_BOUND_PACKAGES)

# bench: every benchmark, each bounded in iterations or time.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./generators/promrules
	$(GO) test -run '^$$' -bench GateChecks -benchtime 20000x ./serve
	$(GO) test -run '^$$' -bench UIOverview -benchtime 200x ./serve
	$(GO) test -run '^$$' -bench GateOverviewWithOverrides -benchtime 50x ./serve
	$(GO) test -run '^$$' -bench UIOverviewInChromium -benchtime 20x ./test
	$(GO) test -run '^$$' -bench Generate1000 -benchtime 20x ./test
	$(GO) test -run '^$$' -bench ThreeReplicas -benchtime 20000x ./test

# fuzz: the spec loader, each importer, spec to Prometheus rule file and
# the rule file's YAML quoting, 30 s each.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s ./slo
	@for f in FuzzImportSloth FuzzImportPyrra FuzzImportOpenSLO; do \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime 30s ./slo/importer || exit 1; \
	done
	$(GO) test -run '^$$' -fuzz '^FuzzSpecToRuleFile$$' -fuzztime 30s ./generators/promrules
	$(GO) test -run '^$$' -fuzz '^FuzzYAMLQuoting$$' -fuzztime 30s ./generators/promrules

# dist: release archives in DIST_DIR, for linux and darwin on amd64 and
# arm64: a static binary (CGO off, -trimpath, no build ID), LICENSE and
# README.md in a tar.gz whose file dates, owners and order come from the
# commit, not the machine, so that building twice gives the same bytes;
# then SHA256SUMS over them.
DIST_DIR       ?= build/dist
DIST_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
dist:
	@rm -rf $(DIST_DIR) && mkdir -p $(DIST_DIR)
	@set -e; for p in $(DIST_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; name=slokit-$(VERSION)-$$os-$$arch; stage=$(DIST_DIR)/.stage/$$name; \
		mkdir -p $$stage; \
		echo "==> $$name"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -buildvcs=false \
			-ldflags "-s -w -buildid= $(LDFLAGS)" -o $$stage/slokit ./cmd/slokit; \
		cp LICENSE README.md $$stage/; \
		tar --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 --numeric-owner \
			--mode=go-w -C $(DIST_DIR)/.stage -cf - $$name | gzip -n -9 > $(DIST_DIR)/$$name.tar.gz; \
	done
	@rm -rf $(DIST_DIR)/.stage
	@cd $(DIST_DIR) && sha256sum *.tar.gz > SHA256SUMS && cat SHA256SUMS

# image: an OCI image of the static binary FROM scratch (see
# deploy/image/Containerfile), built offline with buildah into the local
# container storage as IMAGE, and saved as an OCI archive in IMAGE_DIR for
# `podman load`, `docker load` or `skopeo copy` to a registry. File dates
# and the creation date come from the commit, so that the same commit on
# the same CA bundle builds the same image. IMAGE_ARCH builds for another
# architecture (no emulator needed: nothing runs during the build).
IMAGE      ?= ghcr.io/slokit/slokit:$(VERSION)
IMAGE_ARCH ?= $(shell $(GO) env GOARCH)
IMAGE_DIR  ?= build/image
CA_BUNDLE  ?= /etc/ssl/certs/ca-certificates.crt
image:
	@command -v buildah >/dev/null 2>&1 || { echo "make image needs buildah: make deps installs it"; exit 1; }
	@test -f $(CA_BUNDLE) || { echo "make image needs the CA bundle $(CA_BUNDLE): make deps installs it (Debian ca-certificates)"; exit 1; }
	@rm -rf $(IMAGE_DIR)/context && umask 022 && mkdir -p $(IMAGE_DIR)/context/data \
		$(IMAGE_DIR)/context/rootfs/etc/ssl/certs $(IMAGE_DIR)/context/rootfs/tmp \
		$(IMAGE_DIR)/context/rootfs/usr/local/bin $(IMAGE_DIR)/context/rootfs/var/lib
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build -trimpath -buildvcs=false \
		-ldflags "-s -w -buildid= $(LDFLAGS)" -o $(IMAGE_DIR)/context/rootfs/usr/local/bin/slokit ./cmd/slokit
	@install -m 0644 $(CA_BUNDLE) $(IMAGE_DIR)/context/rootfs/etc/ssl/certs/ca-certificates.crt
	@install -m 0644 deploy/image/passwd deploy/image/group $(IMAGE_DIR)/context/rootfs/etc/
	@chmod 1777 $(IMAGE_DIR)/context/rootfs/tmp
	buildah bud --quiet --isolation chroot --timestamp $(SOURCE_DATE_EPOCH) --os linux --arch $(IMAGE_ARCH) \
		--build-arg VERSION=$(VERSION) -f deploy/image/Containerfile -t $(IMAGE) $(IMAGE_DIR)/context
	@rm -f $(IMAGE_DIR)/slokit-image.tar
	buildah push --quiet $(IMAGE) oci-archive:$(IMAGE_DIR)/slokit-image.tar:$(IMAGE)
	@echo "==> $(IMAGE) ($$(buildah images --format '{{.Size}}' $(IMAGE) | head -n1), linux/$(IMAGE_ARCH)); archive $(IMAGE_DIR)/slokit-image.tar"

# image-index: the multi-arch image a release publishes: make image for
# each of IMAGE_ARCHES, named IMAGE-ARCH, then a manifest list (an OCI
# index) named IMAGE over them, also saved with every image in
# IMAGE_DIR/slokit-index.tar. `buildah manifest push --all IMAGE
# docker://IMAGE` publishes it (the release workflow does).
IMAGE_ARCHES ?= amd64 arm64
image-index:
	@buildah manifest rm $(IMAGE) >/dev/null 2>&1 || true
	@set -e; for a in $(IMAGE_ARCHES); do \
		$(MAKE) --no-print-directory image IMAGE=$(IMAGE)-$$a IMAGE_ARCH=$$a IMAGE_DIR=$(IMAGE_DIR)/$$a; \
	done
	buildah manifest create $(IMAGE) >/dev/null
	@set -e; for a in $(IMAGE_ARCHES); do \
		buildah manifest add --arch $$a --os linux $(IMAGE) containers-storage:$(IMAGE)-$$a >/dev/null; \
	done
	@rm -f $(IMAGE_DIR)/slokit-index.tar
	buildah manifest push --quiet --all --format oci $(IMAGE) oci-archive:$(IMAGE_DIR)/slokit-index.tar:$(IMAGE)
	@echo "==> $(IMAGE): linux/{$$(echo $(IMAGE_ARCHES) | tr ' ' ,)}; archive $(IMAGE_DIR)/slokit-index.tar"

clean:
	rm -rf bin build
