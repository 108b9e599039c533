# Shared by the benchmark scripts: start/stop a private berthd and a private dockerd, build the
# busybox rootfs tar both engines import, and time commands.
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BERTH_HOME=$(cd "$BENCH_DIR/.." && pwd)
WORK=${BENCH_WORK:-/tmp/berth-bench}
BERTH_SOCK=$WORK/berth.sock
DOCKER_SOCK=$WORK/docker.sock

busybox_rootfs_tar() { # $1 = output tar
  local dir=$WORK/rootfs
  rm -rf "$dir"; mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for applet in $(/bin/busybox --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$dir/$(dirname "$applet")"; ln -sf /bin/busybox "$dir/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$dir/etc/passwd"
  tar -C "$dir" -cf "$1" .
}

start_berthd() {
  mkdir -p "$WORK"
  "$BERTH_HOME/bin/berthd" --data-root "$WORK/berth-data" --exec-root "$WORK/berth-exec" \
    --pidfile "$WORK/berthd.pid" -H "unix://$BERTH_SOCK" >"$WORK/berthd.log" 2>&1 &
  wait_for_socket "$BERTH_SOCK" berthd
}

start_dockerd() {
  command -v dockerd >/dev/null || { echo "dockerd missing: apt-get install docker.io (comparison only)" >&2; return 1; }
  mkdir -p "$WORK"
  dockerd --data-root "$WORK/docker-data" --exec-root "$WORK/docker-exec" --pidfile "$WORK/dockerd.pid" \
    -H "unix://$DOCKER_SOCK" --containerd-namespace berth-bench --iptables=false --ip6tables=false \
    >"$WORK/dockerd.log" 2>&1 &
  wait_for_socket "$DOCKER_SOCK" dockerd
}

wait_for_socket() {
  for _ in $(seq 1 300); do
    docker -H "unix://$1" version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$2 did not come up; see $WORK/$2.log" >&2
  return 1
}

stop_daemons() {
  for pidfile in "$WORK/berthd.pid" "$WORK/dockerd.pid"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  sleep 2
  pkill -f "containerd.*$WORK" 2>/dev/null || true
  grep -E " $WORK" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}

# time_runs LABEL N CMD...: runs CMD N times, prints one line with the median and p90 in ms.
time_runs() {
  local label=$1 n=$2; shift 2
  local samples=()
  for _ in $(seq 1 "$n"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "  failed: $*" >&2; t1=$(date +%s%N)
    samples+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk -v label="$label" '
    { v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.9 + 0.5)];
      printf "%-44s median %8.1f ms   p90 %8.1f ms   (n=%d)\n", label, m / 1000, p / 1000, NR }'
}

median_ms() { # LABEL-matching line from time_runs output -> median number
  awk '{ for (i = 1; i <= NF; i++) if ($i == "median") print $(i + 1) }'
}
