#!/usr/bin/env bash
# Cold pull (and push) of a ~220 MB, 5-layer image built from this machine's files (/usr/lib/python3.11,
# /usr/share/doc, ...) from a local docker-registry: Berth next to a real dockerd (Debian's docker.io,
# which treats 127.0.0.1 as an insecure registry). Berth is measured through berthd and the docker CLI
# when berthd is usable, otherwise through ImageService directly (bench/jmh's TransferTimer; said so
# in the output; BERTH_VIA=service forces that). Each pull starts from an empty store (dockerd: image
# removed first); each push goes to a freshly started empty registry, so every layer is uploaded (no
# mount, no "already exists"). Prints medians side by side. N=runs (5); SKIP_DOCKER=1 skips dockerd;
# BERTH_JAVA_OPTS are passed to the ImageService JVM.
set -uo pipefail
# its own work dir: lib.sh's default is shared with the other benchmarks, and this script empties it
BENCH_WORK=${BENCH_WORK:-/tmp/berth-bench-pull}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${N:-5}
LAYER_DIRS=${LAYER_DIRS:-/usr/lib/python3.11 /usr/share/doc /usr/lib/x86_64-linux-gnu/perl /usr/share/perl /usr/share/i18n}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cleanup() {
  stop_daemons
  for pidfile in "$WORK"/*/registry.pid; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; done
}
trap 'cleanup; rm -rf "$WORK"' EXIT
rm -rf "$WORK"; mkdir -p "$WORK"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_registry() { # $1 = name -> prints host:port; its pid goes to $WORK/$1/registry.pid
  local port; port=$(free_port)
  mkdir -p "$WORK/$1"
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$WORK/$1/data" "$port" > "$WORK/$1/config.yml"
  docker-registry serve "$WORK/$1/config.yml" >"$WORK/$1/log" 2>&1 &
  echo $! > "$WORK/$1/registry.pid"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "127.0.0.1:$port"
}
stop_registry() { # $1 = name: stops it and drops its storage
  kill "$(cat "$WORK/$1/registry.pid")" 2>/dev/null; rm -rf "$WORK/$1"
}
REGISTRY=$(start_registry registry)

# The image, written as an OCI layout by hand (one gzip layer per directory) and pushed with skopeo.
layout=$WORK/layout; mkdir -p "$layout/blobs/sha256"
diff_ids=(); layers=(); total=0
for dir in $LAYER_DIRS; do
  tar -C / -cf "$WORK/layer.tar" "${dir#/}"
  total=$((total + $(stat -c %s "$WORK/layer.tar")))
  diff_ids+=("\"sha256:$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)\"")
  gzip -6 -c "$WORK/layer.tar" > "$WORK/layer.tar.gz"
  digest=$(sha256sum "$WORK/layer.tar.gz" | cut -d' ' -f1)
  mv "$WORK/layer.tar.gz" "$layout/blobs/sha256/$digest"
  layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$(stat -c %s "$layout/blobs/sha256/$digest")}")
done
rm -f "$WORK/layer.tar"
join() { local IFS=,; echo "$*"; }
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
  "$(join "${diff_ids[@]}")" > "$WORK/config.json"
config=$(sha256sum "$WORK/config.json" | cut -d' ' -f1); cp "$WORK/config.json" "$layout/blobs/sha256/$config"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
  "$config" "$(stat -c %s "$WORK/config.json")" "$(join "${layers[@]}")" > "$WORK/manifest.json"
manifest=$(sha256sum "$WORK/manifest.json" | cut -d' ' -f1); cp "$WORK/manifest.json" "$layout/blobs/sha256/$manifest"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s}]}' \
  "$manifest" "$(stat -c %s "$WORK/manifest.json")" > "$layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$layout" "docker://$REGISTRY/bench:1" >/dev/null || exit 1
IMAGE=$REGISTRY/bench:1
echo "image: $IMAGE, ${#layers[@]} layers, $(awk -v t="$total" 'BEGIN { printf "%.0f", t / 1e6 }') MB uncompressed, $(du -sm "$layout" | cut -f1) MB compressed; $N runs each"

summarise() { # label, then one ms value per line on stdin
  sort -n | awk -v label="$1" '{ v[NR] = $1 } END { printf "%-44s median %8.1f ms   (n=%d)\n", label, v[int((NR + 1) / 2)], NR }'
}

# Berth: berthd through the docker CLI if it runs and pulls, else ImageService directly.
berth_pull="" berth_push=""
if [ "${BERTH_VIA:-auto}" != service ] && start_berthd 2>/dev/null && docker -H "unix://$BERTH_SOCK" pull "$IMAGE" >/dev/null 2>&1; then
  docker -H "unix://$BERTH_SOCK" rmi -f "$IMAGE" >/dev/null 2>&1
  berth_pull=$(for _ in $(seq 1 "$N"); do
    t0=$(date +%s%N); docker -H "unix://$BERTH_SOCK" pull "$IMAGE" >/dev/null; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 )); docker -H "unix://$BERTH_SOCK" rmi -f "$IMAGE" >/dev/null 2>&1
  done | summarise "berthd cold pull (docker CLI)")
  docker -H "unix://$BERTH_SOCK" pull "$IMAGE" >/dev/null
  berth_push=$(for i in $(seq 1 "$N"); do
    push_registry=$(start_registry "push-berth-$i")
    target=$push_registry/bench:1; docker -H "unix://$BERTH_SOCK" tag "$IMAGE" "$target"
    t0=$(date +%s%N); docker -H "unix://$BERTH_SOCK" push "$target" >/dev/null || echo "berthd push failed" >&2; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 )); stop_registry "push-berth-$i"
  done | summarise "berthd push (docker CLI)")
else
  echo "(berthd not usable here: Berth measured through ImageService directly, in one JVM per mode)"
  ROOT=$(cd "$BENCH_DIR/.." && pwd)
  (cd "$ROOT" && mvn -q -o -pl errdefs,linux,oci,image install -DskipTests && mvn -q -o -f bench/jmh/pom.xml package) || exit 1
  timer() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${BERTH_JAVA_OPTS:-} -cp "$BENCH_DIR/jmh/target/classes:$BENCH_DIR/jmh/target/lib/*" \
    io.berth.bench.TransferTimer "$@"; }
  mkdir -p "$WORK/berth"
  berth_pull=$(timer pull "$IMAGE" "$N" "$WORK/berth" | summarise "berth ImageService cold pull")
  berth_push=$(for i in $(seq 1 "$N"); do
    push_registry=$(start_registry "push-berth-$i")
    timer push "$IMAGE" "$push_registry" 1 "$WORK/berth"; stop_registry "push-berth-$i"
  done | summarise "berth ImageService push")
fi
echo "$berth_pull"

if [ -z "${SKIP_DOCKER:-}" ] && start_dockerd; then
  D="docker -H unix://$DOCKER_SOCK"
  docker_pull=$(for _ in $(seq 1 "$N"); do
    $D rmi -f "$IMAGE" >/dev/null 2>&1; $D image prune -af >/dev/null 2>&1
    t0=$(date +%s%N); $D pull "$IMAGE" >/dev/null; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
  done | summarise "dockerd cold pull")
  echo "$docker_pull"
  echo "$berth_push"
  docker_push=$(for i in $(seq 1 "$N"); do
    push_registry=$(start_registry "push-docker-$i")
    target=$push_registry/bench:1; $D tag "$IMAGE" "$target"
    t0=$(date +%s%N); $D push "$target" >/dev/null || echo "dockerd push failed" >&2; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 )); stop_registry "push-docker-$i"
  done | summarise "dockerd push")
  echo "$docker_push"
  b=$(echo "$berth_pull" | median_ms); d=$(echo "$docker_pull" | median_ms)
  bp=$(echo "$berth_push" | median_ms); dp=$(echo "$docker_push" | median_ms)
  awk -v b="$b" -v d="$d" -v bp="$bp" -v dp="$dp" 'BEGIN {
    printf "pull ratio berth/dockerd: %.2f (target <= 0.5)   push ratio berth/dockerd: %.2f (target <= 1.0)\n", b / d, bp / dp }'
else
  echo "$berth_push"
  echo "dockerd not available: no comparison"
fi
