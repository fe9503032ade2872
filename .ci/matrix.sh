#!/bin/bash
# CI matrix: the same source built and tested against every maintained DPDK LTS.
#
#   .ci/matrix.sh [LEG...]      # default: host py-oldest py-newest trixie sid
#
# Legs
#   host       Debian 12, DPDK 22.11, the host's python3: the whole suite, NIC lab included
#              (what .ci/run always ran: .ci/install.sh, then python3 -m pytest -q tests).
#   py-oldest  the oldest Python that setup.py claims (pyenv 3.9): the core suite, same build
#   py-newest  the newest pyenv Python (3.13): the core suite (the module is abi3: one build)
#   trixie     Debian 13 chroot, DPDK 24.11, Python 3.13: build, pip install, suite minus NIC lab
#   sid        Debian unstable chroot, DPDK 25.11, Python 3.14: the same
#
# Each chroot is built or reused by .ci/chroot.sh; its own dpdk-testpmd is the peer of its leg.
# The repository is copied into the chroot (the host's build stays untouched), /proc /sys /dev
# /dev/pts /dev/shm /dev/hugepages /run are bind-mounted for the run and always unmounted again
# (trap), whatever happens. One line per leg: name, DPDK, Python, time, result. Exit status is
# non-zero when any leg fails. Logs: $PYDPDK_CI_LOGS (default /tmp/pydpdk-ci-logs).
#
# PYDPDK_CI_TESTS="tests/test_x.py ..." narrows what the chroot legs run (default: tests);
# PYDPDK_CI_INSTALL=0 skips .ci/install.sh in the host leg (build in place only).
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
LOGS=${PYDPDK_CI_LOGS:-/tmp/pydpdk-ci-logs}
mkdir -p "$LOGS"
LEGS=("$@")
[ ${#LEGS[@]} -gt 0 ] || LEGS=(host py-oldest py-newest trixie sid)
CORE_TESTS="tests/test_eal.py tests/test_ethdev.py tests/test_mbuf.py tests/test_ring.py tests/test_forward.py
  tests/test_build.py tests/test_stats.py tests/test_dpdk_releases.py"
CHROOT_TESTS=${PYDPDK_CI_TESTS:-tests}
# Left out of the chroot legs, with the reason: installing into a fresh venv fetches build
# dependencies from the package index, and pip inside the chroot has no access configured
# (the host's index and CA settings are not copied in). The host leg runs it.
CHROOT_DESELECT="--deselect tests/test_packaging.py::test_installs_into_a_fresh_venv_and_runs_the_first_script"
PYENV_ROOT=${PYENV_ROOT:-/root/.pyenv}

# --- chroot mounts: a stack unmounted in reverse order on every exit path -------------------
MOUNTED=()
CHROOT_ROOT=""
unmount_all() {
  local i
  if [ -n "$CHROOT_ROOT" ]; then kill_chroot_procs "$CHROOT_ROOT"; fi
  for ((i=${#MOUNTED[@]}-1; i>=0; i--)); do
    umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" 2>/dev/null || true
  done
  MOUNTED=()
  CHROOT_ROOT=""
}
trap unmount_all EXIT
trap 'unmount_all; exit 130' INT TERM

bind() {  # bind SRC DST: non-recursive (never a host submount), private (nothing propagates back)
  mkdir -p "$2"
  mount --bind "$1" "$2" && MOUNTED+=("$2") && mount --make-private "$2"
}

kill_chroot_procs() {  # processes this leg left running inside the chroot (a peer, say): by pid
  local root=$1 pid left
  for _ in 1 2 3; do
    left=""
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && left="$left $pid"
    done
    [ -z "$left" ] && return 0
    # shellcheck disable=SC2086
    kill $left 2>/dev/null; sleep 1
  done
  # shellcheck disable=SC2086
  [ -n "$left" ] && kill -9 $left 2>/dev/null || true
}

mount_chroot() {
  local root=$1 m
  CHROOT_ROOT=$root
  # The chroot's / a mount point of its own: `ip netns exec` remounts / (--make-rslave), which
  # fails with EINVAL on a plain directory.
  bind "$root" "$root" || return 1
  bind /proc "$root/proc" && bind /sys "$root/sys" && bind /dev "$root/dev" || return 1
  for m in /dev/pts /dev/shm /dev/hugepages; do
    if mountpoint -q "$m"; then bind "$m" "$root$m" || return 1; fi
  done
  bind /run "$root/run" || return 1
  [ -e "$root/dev/net/tun" ] || { echo "no /dev/net/tun in $root" >&2; return 1; }
  grep -q " $root/dev/hugepages hugetlbfs" /proc/mounts || echo "note: no hugetlbfs in $root (tests use ordinary memory)" >&2
}

# --- legs -------------------------------------------------------------------------------------
RESULTS=()
FAILED=0
record() {  # record LEG DPDK PYTHON SECONDS RC DETAIL
  local line
  line=$(printf '%-10s DPDK %-8s Python %-8s %5ss  %s  %s' "$1" "$2" "$3" "$4" \
         "$([ "$5" = 0 ] && echo PASS || echo FAIL)" "$6")
  RESULTS+=("$line")
  echo "== $line"
  [ "$5" = 0 ] || FAILED=1
}

summary() {  # pytest's last line ("N passed, M skipped in Ts") or the log's last line
  grep -E '(passed|failed|error|no tests ran)' "$1" | tail -1 | tr -d '=' | sed 's/^ *//' || tail -1 "$1"
}

leg_host() {
  local log=$LOGS/host.log t0=$SECONDS rc
  # PYDPDK_CI_INSTALL=0: the machine is set up already (a developer's tree whose editable
  # install points elsewhere): build in place instead of running .ci/install.sh
  if [ "${PYDPDK_CI_INSTALL:-1}" = 0 ]; then
    { python3 build_ffi.py && python3 -m pytest -q tests; } >"$log" 2>&1; rc=$?
  else
    { bash .ci/install.sh && python3 -m pytest -q tests; } >"$log" 2>&1; rc=$?
  fi
  record host "$(pkg-config --modversion libdpdk 2>/dev/null)" "$(python3 -c 'import platform; print(platform.python_version())')" \
    $((SECONDS - t0)) $rc "$(summary "$log")"
}

pyenv_python() {  # pyenv_python oldest|newest: path of that pyenv CPython 3.x (3.9+)
  local v
  v=$(ls "$PYENV_ROOT/versions" 2>/dev/null | grep -E '^3\.(9|[1-9][0-9])\.[0-9]+$' | sort -V \
      | { [ "$1" = oldest ] && head -1 || tail -1; })
  [ -n "$v" ] && [ -x "$PYENV_ROOT/versions/$v/bin/python" ] && echo "$PYENV_ROOT/versions/$v/bin/python"
}

leg_pyenv() {  # the core suite under another CPython, with the host's (abi3) build
  local which=$1 name=py-$1 log=$LOGS/py-$1.log t0=$SECONDS rc py ver
  py=$(pyenv_python "$which")
  if [ -z "$py" ]; then   # a machine without pyenv: stated, not failed (3.11/3.13/3.14 still run)
    echo "== $name: SKIPPED: no pyenv CPython >= 3.9 under $PYENV_ROOT/versions"
    RESULTS+=("$(printf '%-10s SKIPPED: no pyenv CPython >= 3.9 under %s/versions' "$name" "$PYENV_ROOT")")
    return
  fi
  ver=$("$py" -c 'import platform; print(platform.python_version())')
  {
    "$py" -m pip install -q --disable-pip-version-check cffi pyyaml pytest scapy numpy &&
    { [ -e pydpdk/_dpdk_cffi.abi3.so ] || python3 build_ffi.py; } &&
    "$py" -c 'import pydpdk, pydpdk._native as n; print("pydpdk", pydpdk.__version__, "DPDK", n.RUNTIME_DPDK)' &&
    # shellcheck disable=SC2086
    "$py" -m pytest -q -p no:cacheprovider $CORE_TESTS
  } >"$log" 2>&1; rc=$?
  record "$name" "$(pkg-config --modversion libdpdk 2>/dev/null)" "$ver" $((SECONDS - t0)) $rc "$(summary "$log")"
}

leg_chroot() {
  local suite=$1 log=$LOGS/$1.log t0=$SECONDS rc root dpdk="?" py="?" dst
  {
    root=$(bash .ci/chroot.sh "$suite" | tail -1) && [ -d "$root" ] || exit 1
  } >"$log" 2>&1 || { record "$suite" "$dpdk" "$py" $((SECONDS - t0)) 1 "chroot build failed (see $log)"; return; }
  dpdk=$(chroot "$root" pkg-config --modversion libdpdk)
  py=$(chroot "$root" python3 -c 'import platform; print(platform.python_version())')
  local tb=$((SECONDS - t0))
  # A fresh copy of the tree (tracked and untracked files, not the host's build products).
  dst=$root/root/pydpdk
  rm -rf "$dst" && mkdir -p "$dst"
  tar -C "$REPO" --exclude=.git --exclude='*.so' --exclude=__pycache__ --exclude=build \
      --exclude='*.egg-info' --exclude=.pytest_cache -cf - . | tar -C "$dst" -xf -
  if ! mount_chroot "$root" >>"$log" 2>&1; then
    unmount_all; record "$suite" "$dpdk" "$py" $((SECONDS - t0)) 1 "mounts failed (see $log)"; return
  fi
  # shellcheck disable=SC2016
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 TERM=dumb PYDPDK_NICLAB=0 TESTS="$CHROOT_TESTS" DESELECT="$CHROOT_DESELECT" /bin/bash -c '
    set -euo pipefail
    cd /root/pydpdk
    echo "--- build (build_ffi.py) against DPDK $(pkg-config --modversion libdpdk), $(python3 -V)"
    python3 build_ffi.py
    echo "--- pip install ."
    python3 -m pip install -q --disable-pip-version-check --break-system-packages --no-build-isolation --no-deps --root-user-action=ignore .
    (cd / && python3 -c "import pydpdk, pydpdk._native as n; print(\"installed pydpdk\", pydpdk.__version__, \"DPDK\", n.RUNTIME_DPDK, n.PMD_DIR)")
    echo "--- tests: $TESTS (-m \"not niclab\")"
    echo "--- left out: $DESELECT (no package index access inside the chroot)"
    python3 -m pytest -q -p no:cacheprovider -m "not niclab" $DESELECT $TESTS
  ' >>"$log" 2>&1 &
  # in the background + wait: a SIGINT/SIGTERM to this script runs its trap (kill what runs in
  # the chroot, unmount) at once instead of after the leg
  wait $!; rc=$?
  unmount_all
  rm -rf "$dst"
  (cd / && chroot "$root" python3 -m pip uninstall -q -y --break-system-packages pydpdk >/dev/null 2>&1) || true
  record "$suite" "$dpdk" "$py" $((SECONDS - t0)) $rc "$(summary "$log") [chroot ready in ${tb}s]"
}

T0=$SECONDS
for leg in "${LEGS[@]}"; do
  case $leg in
    host) leg_host ;;
    py-oldest) leg_pyenv oldest ;;
    py-newest) leg_pyenv newest ;;
    trixie|sid|bookworm|forky) leg_chroot "$leg" ;;
    *) echo "unknown leg $leg (host py-oldest py-newest trixie sid)" >&2; FAILED=1 ;;
  esac
done
echo
echo "pydpdk CI matrix ($((SECONDS - T0))s, logs in $LOGS):"
printf '  %s\n' "${RESULTS[@]}"
left=$(grep -c " ${PYDPDK_CHROOTS:-/var/cache/pydpdk-chroots}/" /proc/mounts || true)
[ "$left" = 0 ] || { echo "ERROR: $left chroot mounts left behind" >&2; FAILED=1; }
exit $FAILED
