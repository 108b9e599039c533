#!/usr/bin/env bash
# Step 3 benchmark, berthd beside a real dockerd (Debian's docker.io, comparison only), both driven
# by the same docker CLI on the same busybox image:
#   1. `docker exec CONTAINER true` latency (median of N after warm-up);
#   2. `docker logs` of a container that printed LINES lines (median of 5 reads, lines/s);
#   3. memory per idle container with CONTAINERS running `sleep`: the per-container monitor's RSS
#      (berth-shim monitor; containerd-shim-runc-v2 for docker) plus the daemon's RSS growth per container.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${N:-20}
LINES=${LINES:-100000}
CONTAINERS=${CONTAINERS:-50}
trap stop_daemons EXIT
rm -rf "$WORK"; mkdir -p "$WORK"
busybox_rootfs_tar "$WORK/busybox.tar"

engines=(berthd)
start_berthd || exit 1
docker -H "unix://$BERTH_SOCK" import "$WORK/busybox.tar" busybox:latest >/dev/null
if start_dockerd && docker -H "unix://$DOCKER_SOCK" import "$WORK/busybox.tar" busybox:latest >/dev/null; then
  engines+=(dockerd)
fi
sock_of() { [ "$1" = berthd ] && echo "$BERTH_SOCK" || echo "$DOCKER_SOCK"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
daemon_pid() { [ "$1" = berthd ] && cat "$WORK/berthd.pid" || cat "$WORK/dockerd.pid"; }
# The process that holds the container: berth's monitor is the parent of pid 1, docker's shim too.
monitor_of() { awk '{ print $4 }' "/proc/$1/stat"; }

declare -A exec_ms logs_ms mem_kib
echo "docker CLI $(docker version -f '{{.Client.Version}}' 2>/dev/null); exec: $N runs; logs: $LINES lines; memory: $CONTAINERS idle containers"
# The client's own floor: an exec is four API calls from a fresh docker CLI process.
time_runs "docker CLI alone (docker --version)" "$N" docker --version
for e in "${engines[@]}"; do
  d=(docker -H "unix://$(sock_of "$e")")
  "${d[@]}" run -d --name bench-exec --network none busybox sleep 600 >/dev/null
  for _ in 1 2 3; do "${d[@]}" exec bench-exec true >/dev/null; done
  line=$(time_runs "$e: docker exec CONTAINER true" "$N" "${d[@]}" exec bench-exec true); echo "$line"
  exec_ms[$e]=$(echo "$line" | median_ms)
  "${d[@]}" rm -f bench-exec >/dev/null

  "${d[@]}" run --name bench-logs --network none busybox sh -c "seq 1 $LINES" >/dev/null
  got=$("${d[@]}" logs bench-logs | wc -l)
  [ "$got" = "$LINES" ] || echo "  $e: logs returned $got lines, not $LINES" >&2
  line=$(time_runs "$e: docker logs ($LINES lines)" 5 "${d[@]}" logs bench-logs); echo "$line"
  logs_ms[$e]=$(echo "$line" | median_ms)
  "${d[@]}" rm -f bench-logs >/dev/null

  pid=$(daemon_pid "$e"); before=$(rss_kib "$pid")
  ids=()
  for i in $(seq 1 "$CONTAINERS"); do ids+=("$("${d[@]}" run -d --network none busybox sleep 600)"); done
  sleep 2
  monitors=0
  for id in "${ids[@]}"; do
    p=$("${d[@]}" inspect -f '{{.State.Pid}}' "$id"); monitors=$(( monitors + $(rss_kib "$(monitor_of "$p")") ))
  done
  growth=$(( $(rss_kib "$pid") - before ))
  mem_kib[$e]=$(( (monitors + growth) / CONTAINERS ))
  printf '%s: per container: monitor RSS %d KiB, daemon growth %d KiB, total %d KiB\n' "$e" \
    $(( monitors / CONTAINERS )) $(( growth / CONTAINERS )) "${mem_kib[$e]}"
  "${d[@]}" rm -f "${ids[@]}" >/dev/null
done

if [ -n "${exec_ms[dockerd]:-}" ]; then
  awk -v be="${exec_ms[berthd]}" -v de="${exec_ms[dockerd]}" -v bl="${logs_ms[berthd]}" -v dl="${logs_ms[dockerd]}" \
      -v bm="${mem_kib[berthd]}" -v dm="${mem_kib[dockerd]}" -v lines="$LINES" 'BEGIN {
    printf "exec latency berthd/dockerd: %.2f (target <= 0.20)\n", be / de
    printf "logs throughput: berthd %.0f lines/s, dockerd %.0f lines/s, ratio %.2f (target >= 1)\n", lines / (bl / 1000), lines / (dl / 1000), dl / bl
    printf "memory per container berthd/dockerd: %.2f (target <= 0.20)\n", bm / dm }'
fi
