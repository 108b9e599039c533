#!/usr/bin/env bash
# Step 1 benchmark: `docker run --rm busybox true` through the docker CLI, against berthd and
# against a real dockerd on the same machine (Debian's docker.io, for comparison only).
# Both engines get the same busybox image, imported from Debian's busybox-static.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${N:-20}
trap stop_daemons EXIT
rm -rf "$WORK"; mkdir -p "$WORK"
busybox_rootfs_tar "$WORK/busybox.tar"

start_berthd || exit 1
docker -H "unix://$BERTH_SOCK" import "$WORK/busybox.tar" busybox:latest >/dev/null
have_docker=0
if start_dockerd; then
  docker -H "unix://$DOCKER_SOCK" import "$WORK/busybox.tar" busybox:latest >/dev/null && have_docker=1
fi

echo "docker run --rm busybox true, docker CLI $(docker version -f '{{.Client.Version}}' 2>/dev/null), $N runs each, after 3 warm-up runs"
for _ in 1 2 3; do docker -H "unix://$BERTH_SOCK" run --rm busybox true >/dev/null 2>&1; done
berth=$(time_runs "berthd" "$N" docker -H "unix://$BERTH_SOCK" run --rm busybox true); echo "$berth"
if [ $have_docker = 1 ]; then
  for _ in 1 2 3; do docker -H "unix://$DOCKER_SOCK" run --rm busybox true >/dev/null 2>&1; done
  dock=$(time_runs "dockerd (default bridge network)" "$N" docker -H "unix://$DOCKER_SOCK" run --rm busybox true); echo "$dock"
  dockn=$(time_runs "dockerd --network none" "$N" docker -H "unix://$DOCKER_SOCK" run --rm --network none busybox true); echo "$dockn"
  b=$(echo "$berth" | median_ms); d=$(echo "$dock" | median_ms); dn=$(echo "$dockn" | median_ms)
  awk -v b="$b" -v d="$d" -v dn="$dn" 'BEGIN { printf "ratio berthd/dockerd: %.2f (default network), %.2f (--network none)\n", b / d, b / dn }'
fi
