# Developer entry points for simplefs. Everything goes through the CMake
# presets in CMakePresets.json (build/<preset>, Ninja, ccache).
#
#   make build        release build            make run [ARGS="..."]
#   make test         release (all) + asan + tsan + fuzz     make test-unit / test-e2e
#   make asan / tsan  sanitizer build + tests  make coverage
#   make fuzz         libFuzzer targets, SIMPLEFS_FUZZ_SECONDS each (tests/fuzz/README.md)
#   make format       clang-format -i          make format-check
#   make deps         install build+test deps  make clean
#   make bench [ARGS="--quick"]  simplefs against nginx (bench/README.md)
#   make build_prod / run_prod / build_dev / run_dev / build_test / test_container
#                     container images with docker or podman (CONTAINER=podman; README "Docker images")

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# Tests run in parallel; the machines have 2 cores. Ninja picks its own -j.
CTEST_PARALLEL_LEVEL ?= 2
export CTEST_PARALLEL_LEVEL

CCACHE_DIR ?= $(HOME)/.cache/ccache
export CCACHE_DIR
# Paths relative to the checkout, so that clones and worktrees share cached objects.
CCACHE_BASEDIR ?= $(CURDIR)
CCACHE_NOHASHDIR ?= true
export CCACHE_BASEDIR CCACHE_NOHASHDIR

# -Werror in CI, off locally unless asked for (make WERROR=ON ...).
ifeq ($(CI),true)
WERROR ?= ON
else
WERROR ?= OFF
endif

# Extra ctest arguments for the sanitizer and coverage targets; the 1 GiB
# e2e test (label `large`) only runs in the release build by default.
# Nor does bench.quick (label `bench`): a benchmark of a sanitizer build means nothing; nor the
# browser test (label `browser`): it checks the page, which no sanitizer looks into; nor the
# container test (label `container`): it builds its own release image.
ASAN_CTEST_ARGS ?= -LE 'large|ceph|bench|browser|container'
TSAN_CTEST_ARGS ?= -LE 'large|ceph|bench|browser|container'
COVERAGE_CTEST_ARGS ?= -LE 'large|ceph|bench|browser|container'
# The fuzz preset runs only the label `fuzz` (bounded runs, tests/fuzz/README.md).
FUZZ_CTEST_ARGS ?=

ARGS ?=
# Where `make format` / `make format-check` look for *.hpp and *.cpp.
FORMAT_DIRS := $(or $(wildcard src tests),src)
SUMMARY := build/test-summary.tsv
INSTALL_DEPS := scripts/install-deps

# $(call configure_build,PRESET)
define configure_build
cmake --preset $(1) -DSIMPLEFS_WERROR=$(WERROR)
cmake --build --preset $(1)
endef

# $(call ctest_stage,NAME,PRESET,EXTRA ARGS)
# Runs ctest, keeps going when tests fail and appends
# "NAME<TAB>exit<TAB>passed<TAB>failed<TAB>skipped" to $(SUMMARY);
# print_summary turns the failures into the exit status.
define ctest_stage
mkdir -p build/logs; log=build/logs/ctest-$(1).log; \
echo "==> ctest --preset $(2) $(3)"; \
set +e; \
ctest --preset $(2) -j $(CTEST_PARALLEL_LEVEL) --output-on-failure --no-tests=error $(3) 2>&1 | tee "$$log"; \
rc=$${PIPESTATUS[0]}; \
set -e; \
line=$$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$$log" | tail -n 1 || true); \
total=$$(sed -nE 's/.* out of ([0-9]+).*/\1/p' <<<"$$line"); \
failed=$$(sed -nE 's/.*passed, ([0-9]+) tests? failed.*/\1/p' <<<"$$line"); \
skipped=$$(grep -cE '^[[:space:]]*[0-9]+ - .*\((Skipped|Disabled)\)$$' "$$log" || true); \
total=$${total:-0}; failed=$${failed:-0}; skipped=$${skipped:-0}; \
passed=$$((total - failed - skipped)); \
if [ "$$passed" -lt 0 ]; then passed=0; fi; \
printf '%s\t%s\t%s\t%s\t%s\n' "$(1)" "$$rc" "$$passed" "$$failed" "$$skipped" >>$(SUMMARY)
endef

# Prints the table collected in $(SUMMARY), ends with a
# "summary: N passed, N failed, N skipped" line and fails if any stage failed.
define print_summary
echo; echo "==================== test summary ===================="; \
awk -F'\t' '{ \
    st = ($$2 == 0) ? "ok" : "FAILED (ctest exit " $$2 ")"; \
    printf "  %-22s %4d passed %4d failed %4d skipped  %s\n", $$1, $$3, $$4, $$5, st; \
    p += $$3; f += $$4; s += $$5; if ($$2 != 0) bad = 1 } \
  END { print "======================================================"; \
    printf "summary: %d passed, %d failed, %d skipped\n", p, f, s; exit bad }' $(SUMMARY)
endef

.PHONY: all help deps deps-build deps-bench build run bench test test-ceph test-unit test-e2e asan tsan \
	fuzz coverage format format-check clean build_dep run_local test_local \
	base_image build_dev build_test build_prod run_dev run_test run_prod test_container

all: build

help:
	@sed -n '1,10s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

deps:
	$(INSTALL_DEPS) test

deps-build:
	$(INSTALL_DEPS) build

deps-bench:
	$(INSTALL_DEPS) bench

build: deps-build
	$(call configure_build,release)

# Only the server: `make run` must not need the test packages.
run: deps-build
	cmake --preset release -DSIMPLEFS_WERROR=$(WERROR)
	cmake --build --preset release --target simplefs
	mkdir -p data
	./build/release/simplefs --storage-root ./data --port 8080 $(ARGS)

# simplefs against nginx on loopback (bench/README.md): bench/results/latest.{md,json}, or
# quick.{md,json} with ARGS="--quick". Needs the release server only, not the test packages.
bench: deps-bench
	cmake --preset release -DSIMPLEFS_WERROR=$(WERROR)
	cmake --build --preset release --target simplefs
	/usr/bin/python3 bench/run.py $(ARGS)

# The `ceph` tests run in the release build against a throw-away single-node cluster
# (scripts/ceph-dev-cluster), brought up here and taken down even when tests fail.
# The MDS tick is cut from Ceph's 5 s to 0.05 s so that a replica's first look at a file another
# client just wrote does not stall up to 5 s (README, "Scaling out"). The tests inspect the files
# through a ceph-fuse mount at $(CEPH_DIR)/mnt.
CEPH_DIR := build/ceph-cluster
CEPH_MOUNT := $(CURDIR)/$(CEPH_DIR)/mnt
# Starts the cluster and sets the environment for the rest of the recipe's shell line; the
# cluster goes down when that shell exits, whatever happened (also when the mount fails).
ceph_env = trap 'scripts/ceph-dev-cluster down $(CEPH_DIR) --fast >/dev/null 2>&1 || true' EXIT; \
	scripts/ceph-dev-cluster up $(CEPH_DIR) --mds-tick 0.05 || exit 1; \
	scripts/ceph-dev-cluster mount $(CEPH_DIR) $(CEPH_MOUNT) || exit 1; \
	eval "$$(scripts/ceph-dev-cluster env $(CEPH_DIR))"; export SIMPLEFS_CEPH_MOUNT=$(CEPH_MOUNT);

test: deps
	@mkdir -p build && rm -f $(SUMMARY)
	$(call configure_build,release)
	@$(ceph_env) \
	$(call ctest_stage,release,release,)
	$(call configure_build,asan)
	@$(call ctest_stage,asan,asan,$(ASAN_CTEST_ARGS))
	$(call configure_build,tsan)
	@$(call ctest_stage,tsan,tsan,$(TSAN_CTEST_ARGS))
	$(call configure_build,fuzz)
	@$(call ctest_stage,fuzz,fuzz,$(FUZZ_CTEST_ARGS))
	@$(print_summary)

test-ceph: deps
	@mkdir -p build && rm -f $(SUMMARY)
	$(call configure_build,release)
	@$(ceph_env) \
	$(call ctest_stage,release-ceph,release,-L ceph)
	@$(print_summary)

test-unit: deps
	@mkdir -p build && rm -f $(SUMMARY)
	$(call configure_build,release)
	@$(call ctest_stage,release-unit,release,-L unit)
	@$(print_summary)

test-e2e: deps
	@mkdir -p build && rm -f $(SUMMARY)
	$(call configure_build,release)
	@$(call ctest_stage,release-e2e,release,-L e2e)
	@$(print_summary)

asan: deps
	@mkdir -p build && rm -f $(SUMMARY)
	$(call configure_build,asan)
	@$(call ctest_stage,asan,asan,$(ASAN_CTEST_ARGS))
	@$(print_summary)

tsan: deps
	@mkdir -p build && rm -f $(SUMMARY)
	$(call configure_build,tsan)
	@$(call ctest_stage,tsan,tsan,$(TSAN_CTEST_ARGS))
	@$(print_summary)

fuzz: deps
	@mkdir -p build && rm -f $(SUMMARY)
	$(call configure_build,fuzz)
	@$(call ctest_stage,fuzz,fuzz,$(FUZZ_CTEST_ARGS))
	@$(print_summary)

# Counters from earlier runs would add up, so they are reset before the tests.
coverage: deps
	@mkdir -p build && rm -f $(SUMMARY)
	$(call configure_build,coverage)
	find build/coverage -name '*.gcda' -delete
	@$(call ctest_stage,coverage,coverage,$(COVERAGE_CTEST_ARGS))
	gcovr --txt --print-summary --root . \
		--filter 'src/' --exclude '.*_test\.cpp$$' \
		--html-details build/coverage/coverage.html \
		build/coverage
	@echo "HTML report: build/coverage/coverage.html"
	@$(print_summary)

format:
	find $(FORMAT_DIRS) -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.cc' \) -print0 2>/dev/null \
		| xargs -0 -r clang-format -i

format-check:
	scripts/check-format

clean:
	rm -rf build

# Names used by the original project.
build_dep: deps
run_local: run
test_local: test

# ---- Container images: Dockerfile.dev, Dockerfile.test, Dockerfile.prod -------------------------
# docker (with BuildKit, the default since Docker 23) or podman: make build_prod CONTAINER=podman.
# BASE_IMAGE is any Debian 12 image; a localhost/ name is made with scripts/container-base-image
# when podman lacks it (no registry needed):
#   make build_prod CONTAINER=podman BASE_IMAGE=localhost/debian:bookworm-slim
CONTAINER ?= docker
IMAGE ?= localhost/simplefs
BASE_IMAGE ?= debian:bookworm-slim
PROD_PORT ?= 8080
# Named volumes: run_prod's files, and test_container's compiler cache.
PROD_VOLUME ?= simplefs-data
CCACHE_VOLUME ?= simplefs-ccache
# The host's CA bundle goes to the builds (secret ca_bundle) and the test container, for npm
# behind a TLS-inspecting proxy; empty it to pass none.
CA_BUNDLE ?= $(wildcard /etc/ssl/certs/ca-certificates.crt)

comma := ,
container_build = $(CONTAINER) build --build-arg BASE_IMAGE=$(BASE_IMAGE) \
	$(if $(filter podman,$(notdir $(CONTAINER))),--format docker) \
	$(if $(CA_BUNDLE),--secret id=ca_bundle$(comma)src=$(CA_BUNDLE))
ifeq ($(notdir $(CONTAINER)),podman)
# Limits and runtime that work where root lacks CAP_SYS_RESOURCE (the file says why).
CONTAINERS_CONF ?= $(CURDIR)/deploy/podman/containers.conf
export CONTAINERS_CONF
endif

base_image:
ifeq ($(notdir $(CONTAINER)),podman)
	$(INSTALL_DEPS) containers
	$(if $(filter localhost/%,$(BASE_IMAGE)),scripts/container-base-image $(BASE_IMAGE))
endif

build_dev: base_image
	$(container_build) -f Dockerfile.dev -t $(IMAGE):dev .

build_test: base_image
	$(container_build) -f Dockerfile.test -t $(IMAGE):test .

build_prod: base_image
	$(container_build) --build-arg CMAKE_ARGS=-DSIMPLEFS_WERROR=$(WERROR) -f Dockerfile.prod \
		-t $(IMAGE):prod .

# The checkout at /src; the build trees in a volume of their own (the host's build/ has host paths).
run_dev: build_dev
	$(CONTAINER) run --rm -it -p $(PROD_PORT):8080 -v $(CURDIR):/src -v simplefs-dev-build:/src/build \
		$(IMAGE):dev $(ARGS)

# Read-only root, no capabilities, files in the volume $(PROD_VOLUME); settings as SIMPLEFS_*
# variables: make run_prod ARGS="-e SIMPLEFS_MAX_UPLOAD_SIZE=1G".
run_prod: build_prod
	$(CONTAINER) run --rm --name simplefs --read-only --cap-drop=ALL \
		--security-opt=no-new-privileges -p $(PROD_PORT):8080 -v $(PROD_VOLUME):/data \
		$(ARGS) $(IMAGE):prod

# make test inside the test image. --privileged: the suite mounts ceph-fuse, loop devices and tmpfs.
test_container: build_test
	$(CONTAINER) run --rm --privileged --shm-size=1g -v $(CCACHE_VOLUME):/root/.cache/ccache \
		$(if $(CA_BUNDLE),-v $(CA_BUNDLE):/run/host-ca-bundle.crt:ro \
			-e npm_config_cafile=/run/host-ca-bundle.crt \
			-e NODE_EXTRA_CA_CERTS=/run/host-ca-bundle.crt) \
		$(IMAGE):test

run_test: test_container
