#!/bin/bash
# NIC lab prerequisites on a fresh Debian 12 (called by .ci/install.sh): QEMU >= 8 (igb and its
# SR-IOV VFs need it; bookworm has 7.2, bookworm-backports has newer), Debian's kernel for the guest
# (its modules in /lib/modules/<ver>), klibc + cpio for the tiny initramfs. Idempotent; a re-run
# that finds everything in place makes no network access.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends"
PACKAGES="linux-image-amd64 klibc-utils cpio kmod"

qemu_major() {
  qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p'
}

have_all() {
  [ "$(qemu_major || true)" -ge 8 ] 2>/dev/null || return 1
  dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | grep -vq "install ok installed" && return 1
  dpkg-query -W $PACKAGES >/dev/null 2>&1 || return 1
  ls /boot/vmlinuz-* >/dev/null 2>&1 && ls -d /lib/modules/*/kernel >/dev/null 2>&1
}

if have_all; then
  echo "niclab: qemu $(qemu_major).x, kernel $(ls /lib/modules | sort -V | tail -1): ready"
  exit 0
fi

# Add the backports suite to the machine's existing Debian source entry (whatever mirror it uses).
add_backports() {
  local f changed=0
  grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
  for f in /etc/apt/sources.list.d/*.sources; do          # deb822: the entry whose Suites has "bookworm"
    [ -f "$f" ] || continue
    if grep -qE '^Suites:(.* )?bookworm( |$)' "$f"; then
      sed -i -E 's/^(Suites:(.* )?bookworm( .*)?)$/\1 bookworm-backports/' "$f"; changed=1; break
    fi
  done
  if [ $changed = 0 ] && [ -f /etc/apt/sources.list ]; then  # one-line format: copy the main line
    local line
    line=$(grep -E '^deb +[^ ]+ +bookworm +' /etc/apt/sources.list | head -1 || true)
    if [ -n "$line" ]; then
      echo "${line/ bookworm / bookworm-backports }" >> /etc/apt/sources.list; changed=1
    fi
  fi
  [ $changed = 1 ] || { echo "niclab: no Debian bookworm apt source found to add backports to" >&2; return 1; }
}

add_backports
apt-get -qq -o DPkg::Lock::Timeout=600 update
$APT install $PACKAGES >/dev/null
$APT install -t bookworm-backports qemu-system-x86 >/dev/null
echo "niclab: qemu $(qemu_major).x, kernel $(ls /lib/modules | sort -V | tail -1): installed"
