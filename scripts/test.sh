#!/usr/bin/env bash
# Installs what is missing, then runs every suite: native `cargo test` (CPU reference and the WGSL
# kernels on llvmpipe), the browser suite under wasm-pack in headless Chromium with WebGPU on, the
# release build of the page, and the end-to-end test of that build. Prints each suite's counts.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh || { echo "[test] setup failed"; exit 1; }
export PATH="$HOME/.cargo/bin:$PATH"
# Mesa's Vulkan loader complains on every device open when this is unset.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
  XDG_RUNTIME_DIR="$(mktemp -d)"; chmod 700 "$XDG_RUNTIME_DIR"; export XDG_RUNTIME_DIR
fi
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"

logs="$root/target/test-logs"
mkdir -p "$logs"
summary=()
total_passed=0
total_failed=0
status=0

# counts LOG FORMAT -> "passed failed" from cargo/wasm-bindgen ("test result:") or node ("# pass").
counts() {
  if [ "$2" = node ]; then
    awk '/^# pass /{p+=$3} /^# fail /{f+=$3} END{print p+0, f+0}' "$1"
  else
    awk '/test result:/{for(i=1;i<=NF;i++){if($(i)~/^passed/)p+=$(i-1); if($(i)~/^failed/)f+=$(i-1)}} END{print p+0, f+0}' "$1"
  fi
}

# suite NAME FORMAT COMMAND...: runs one suite, keeps its log, records its counts.
suite() {
  local name=$1 format=$2; shift 2
  local log="$logs/${name// /-}.log"
  echo
  echo "=== $name: $*"
  local start=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local elapsed=$((SECONDS - start))
  if [ "$format" = build ]; then
    summary+=("$(printf '%-12s %s (%ds)' "$name" "$([ $rc -eq 0 ] && echo built || echo "FAILED (exit $rc)")" "$elapsed")")
  else
    read -r passed failed < <(counts "$log" "$format")
    total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))
    if [ $rc -ne 0 ] && [ "$failed" -eq 0 ]; then failed="?"; fi
    summary+=("$(printf '%-12s %s passed, %s failed%s (%ds)' "$name" "$passed" "$failed" "$([ $rc -ne 0 ] && echo " — exit $rc")" "$elapsed")")
  fi
  [ $rc -eq 0 ] || status=1
}

suite "native" cargo cargo test --locked
suite "browser" cargo wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --mode no-install
suite "page build" build trunk build --release
if [ -f dist/index.html ] && [ $status -eq 0 ]; then
  suite "end-to-end" node bash -c 'cd tests/e2e && node --test'
else
  summary+=("end-to-end   not run: the release build failed")
  status=1
fi

echo
echo "=== Summary (logs in target/test-logs/)"
printf '  %s\n' "${summary[@]}"
echo "$total_passed passed, $total_failed failed"
exit $status
