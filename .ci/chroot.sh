#!/bin/bash
# Build (or reuse) a Debian chroot with a distribution's own DPDK for one CI matrix leg.
#
#   .ci/chroot.sh SUITE        # trixie (DPDK 24.11, Python 3.13) or sid (DPDK 25.11)
#
# The chroot lives outside the repository, in $PYDPDK_CHROOTS (default
# /var/cache/pydpdk-chroots/SUITE), and is cached between runs: a chroot that exists and
# whose recorded package list matches PACKAGES below is reused as it is; one whose list
# differs gets the missing packages installed; a fresh machine builds it with debootstrap
# (about 1.5 minutes here); PYDPDK_CHROOT_UPGRADE=1 upgrades a cached one. The mirror is the
# one the host's apt sources name (/etc/apt/sources.list(.d)), or $PYDPDK_MIRROR. Prints the
# chroot's path on the last line.
set -euo pipefail
SUITE=${1:?usage: $0 SUITE (trixie|sid|...)}
ROOT=${PYDPDK_CHROOTS:-/var/cache/pydpdk-chroots}/$SUITE
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

# What a leg needs: DPDK (libraries, headers, dpdk-testpmd, PMD plugins), the build tools
# of build_ffi.py, the Python packages of the suite, and the tools tests drive (ip, ps).
PACKAGES="dpdk dpdk-dev libdpdk-dev libpcap-dev pkg-config gcc libc6-dev
python3-dev python3-cffi python3-ply python3-pytest python3-yaml python3-scapy python3-numpy
python3-pip python3-setuptools python3-wheel python3-build python3-venv python3-hypothesis
python3-nbclient python3-ipykernel
iproute2 iputils-ping procps kmod tcpdump tshark"
PACKAGES=$(echo $PACKAGES | tr ' ' '\n' | sort -u | tr '\n' ' ')
STAMP=$ROOT/etc/pydpdk-chroot-packages

mirror() {
  # First http(s) Debian mirror named in the host's apt sources (deb822 or one-line form).
  if [ -n "${PYDPDK_MIRROR:-}" ]; then echo "$PYDPDK_MIRROR"; return; fi
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
        2>/dev/null | grep -v '^\s*#' \
      | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ')
  echo "${m:-http://deb.debian.org/debian}"
}

mkdir -p "${ROOT%/*}"
exec 9>"${ROOT%/*}/.$SUITE.lock"
flock 9   # two CI runs on one machine share the chroot: one builds, the other waits

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PACKAGES" ] && [ "${PYDPDK_CHROOT_UPGRADE:-0}" = 0 ]; then
  echo "chroot $SUITE: reused ($ROOT)" >&2
  echo "$ROOT"; exit 0
fi

MIRROR=$(mirror)
if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
  echo "chroot $SUITE: debootstrap from $MIRROR into $ROOT" >&2
  rm -rf "$ROOT.partial"
  debootstrap --variant=minbase "$SUITE" "$ROOT.partial" "$MIRROR" >"${ROOT%/*}/$SUITE.debootstrap.log" 2>&1 \
    || { tail -20 "${ROOT%/*}/$SUITE.debootstrap.log" >&2; exit 1; }
  mv "$ROOT.partial" "$ROOT"
fi

# Package installation needs /proc; nothing may stay mounted afterwards.
umount_all() { umount -l "$ROOT/proc" 2>/dev/null || true; rm -f "$ROOT/usr/sbin/policy-rc.d"; }
trap umount_all EXIT
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"; chmod +x "$ROOT/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
echo "deb $MIRROR $SUITE main" > "$ROOT/etc/apt/sources.list"
# The mirror may serve a snapshot older than a suite's Valid-Until (sid's is a week): accept it,
# the signatures are still checked.
echo 'Acquire::Check-Valid-Until "false";' > "$ROOT/etc/apt/apt.conf.d/99pydpdk-ci"
echo "chroot $SUITE: installing packages" >&2
LOG=${ROOT%/*}/$SUITE.apt.log
chroot "$ROOT" apt-get update -qq >"$LOG" 2>&1 || { tail -20 "$LOG" >&2; exit 1; }
# shellcheck disable=SC2086
chroot "$ROOT" apt-get install -y -qq --no-install-recommends $PACKAGES >>"$LOG" 2>&1 \
  || { tail -20 "$LOG" >&2; exit 1; }
if [ "${PYDPDK_CHROOT_UPGRADE:-0}" != 0 ]; then   # follow the suite (sid moves): newer DPDK etc.
  chroot "$ROOT" apt-get -y -qq dist-upgrade >>"$LOG" 2>&1 || { tail -20 "$LOG" >&2; exit 1; }
fi
chroot "$ROOT" apt-get clean
echo "$PACKAGES" > "$STAMP"
echo "chroot $SUITE: ready ($(chroot "$ROOT" dpkg-query -W -f='${Version}' libdpdk-dev), $(chroot "$ROOT" python3 -V))" >&2
echo "$ROOT"
