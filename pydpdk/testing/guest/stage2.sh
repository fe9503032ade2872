#!/bin/bash
# NIC lab stage 2: PID 1 on the overlay (host rootfs read-only + tmpfs), file systems mounted by
# stage 1 (/out = the host's run directory). Runs /out/job.sh (written by
# pydpdk.testing.niclab.run), then powers the guest off. Never returns.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
# stage 1 mounted /proc /sys /dev (pts, shm, hugepages) /run and /out
read -r up _ < /proc/uptime
echo "NICLAB stage2 uptime=$up" > /out/stage2.txt
echo "NICLAB stage2 uptime=$up"

# niclab_pmds NAME...: DPDK then autoloads only these plugins (librte_NAME.so): every soname stays
# resolvable, the other *.so links are hidden. A bind mount inside the guest: the host is untouched.
niclab_pmds() {
  local P T=/run/pmds-trim m
  P=$(ls -d /usr/lib/*/dpdk/pmds-* 2>/dev/null | sort -V | tail -1)   # pmds-ABI of the installed DPDK
  [ -n "$P" ] && [ -d "$P" ] || return 0
  mkdir -p /run/pmds-all $T; mount --bind $P /run/pmds-all
  ln -s -t $T /run/pmds-all/*.so.*                 # one process each: forks are slow under TCG
  local L=(); for m in "$@"; do L+=("/run/pmds-all/librte_$m.so"); done
  ln -s -t $T "${L[@]}"
  mount --bind $T $P
}

if [ -f /out/job.sh ]; then
  ( . /out/job.sh ) > >(tee /out/payload.log > /dev/ttyS0) 2>&1
  rc=$?
  sleep 0.2
  echo "$rc" > /out/rc
  read -r up _ < /proc/uptime
  echo "NICLAB job rc=$rc uptime=$up" | tee -a /out/stage2.txt
else
  setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1    # no job: interactive shell on the console
fi
sync; echo o > /proc/sysrq-trigger
while :; do read -r -t 30 _ <> /dev/ttyS0; done   # builtins only: /usr is gone now
