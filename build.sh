#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   ./build.sh run [ARGS...]   install what is missing, build, run `rcnsim run ARGS...`
#   ./build.sh test            install what is missing, build, run the whole test suite
#   ./build.sh build           install what is missing and build only
#   ./build.sh asan [ARGS...]  the test suite built with clang, ASan and UBSan, in build-asan/
#                              (ARGS go to ctest; fuzz targets excluded)
#   ./build.sh fuzz [ARGS...]  the libFuzzer targets of tests/fuzz, 60 s each, in build-asan/
#                              (RCN_FUZZ_SECONDS=N when build-asan/ is first configured: N s each)
# Idempotent: apt runs only when a package is missing; the build is incremental.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake pkg-config libsimgrid-dev libboost-graph-dev libyaml-cpp-dev libfmt-dev catch2
          libcli11-dev nlohmann-json3-dev python3 python3-matplotlib python3-pandas chromium libjs-chart.js
          openmpi-bin libopenmpi-dev pybind11-dev python3-pybind11 python3-dev)
# Only for `asan` and `fuzz`: clang and its sanitizer/libFuzzer runtimes.
SANITIZER_PACKAGES=(clang libclang-rt-14-dev)
BUILD_DIR=${RCN_BUILD_DIR:-build}
ASAN_BUILD_DIR=${RCN_ASAN_BUILD_DIR:-build-asan}
JOBS=${RCN_JOBS:-$(nproc)}

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "build.sh: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

build() {
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >&2
  fi
  cmake --build "$BUILD_DIR" -j "$JOBS" >&2
}

# One clang build serves both: sanitizers everywhere, coverage for libFuzzer too.
# -O1 and line tables only: sanitizer reports name file:line, and it builds fast.
# Without the Python module: an instrumented module cannot load into Debian's python3.
# Without MPI: OpenMPI's plugins leak from modules it unloads before exit, whose frames
# LeakSanitizer cannot name, so no suppression can match them (docs/reliability.md).
build_asan() {
  if [ ! -f "$ASAN_BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S . -B "$ASAN_BUILD_DIR" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DRCN_BUILD_CALIBRATE=OFF \
          -DRCN_SANITIZE=ON -DRCN_FUZZ=ON -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON -DRCN_BUILD_PYTHON=OFF \
          -DRCN_FUZZ_SECONDS="${RCN_FUZZ_SECONDS:-60}" >&2
  fi
  cmake --build "$ASAN_BUILD_DIR" -j "$JOBS" >&2
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
install_missing "${PACKAGES[@]}"
case "$cmd" in
  asan|fuzz) install_missing "${SANITIZER_PACKAGES[@]}"; build_asan ;;
  *) build ;;
esac
case "$cmd" in
  run) exec "$BUILD_DIR/rcnsim" run "$@" ;;
  test) cd "$BUILD_DIR" && exec ctest --output-on-failure -j "$JOBS" "$@" ;;
  build) ;;
  asan) cd "$ASAN_BUILD_DIR" && exec ctest --output-on-failure -j "$JOBS" -LE fuzz "$@" ;;
  fuzz) cd "$ASAN_BUILD_DIR" && exec ctest --output-on-failure -j "$JOBS" -L fuzz "$@" ;;
  *) echo "usage: ./build.sh run [ARGS...] | test | build | asan [ARGS...] | fuzz [ARGS...]" >&2; exit 2 ;;
esac
