#!/usr/bin/env bash
# Layer unpack throughput: Berth's single pass (LayerUnpack: hash + decompress + safe fd-relative
# extraction, measured with JMH in bench/jmh) next to GNU `tar -x` of the same layer, both into a
# fresh directory on the same filesystem. The layer is built from this machine's /usr/share
# (override with LAYER_SRC), plain and gzip. Prints median times and MB/s (uncompressed bytes).
# Each pair runs twice: under a plain parent directory, and under a parent marked chattr +T as the
# image store marks its tmp/ (on ext4 that places each new tree in a quiet block group; see
# image's store.TempArea), so the extractors are compared in both placements.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
WORK=${BENCH_WORK:-/var/tmp/berth-unpack-bench}
SRC=${LAYER_SRC:-/usr/share}
N=${N:-5}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

rm -rf "$WORK"; mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
tar -C "$(dirname "$SRC")" -cf "$WORK/layer.tar" "$(basename "$SRC")"
gzip -1 -k -c "$WORK/layer.tar" > "$WORK/layer.tar.gz"
bytes=$(stat -c %s "$WORK/layer.tar")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "layer: $SRC as one tar, $mb MB uncompressed, $(stat -c %s "$WORK/layer.tar.gz" | awk '{ printf "%.1f", $1 / 1e6 }') MB gzip -1; $N runs each"

(cd "$ROOT" && mvn -q -o -pl errdefs,linux,oci,image install -DskipTests && mvn -q -o -f bench/jmh/pom.xml package)

median_tar() { # $1 = tar flags, $2 = file, $3 = parent dir -> median ms over N runs
  local x
  for _ in $(seq 1 "$N"); do
    # a fresh name each run, like the JMH side's run-<nanos>: ext4 places a new directory by its name's hash
    rm -rf "$3"/x-*; x=$3/x-$(date +%s%N); mkdir "$x"; sync
    t0=$(date +%s%N); tar -C "$x" "$1" "$2"; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
  done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

median_berth() { # $1 = file, $2 = parent dir -> median ms (JMH single-shot, N measurement runs after 1 warm-up)
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$BENCH_DIR/jmh/target/classes:$BENCH_DIR/jmh/target/lib/*" org.openjdk.jmh.Main \
    LayerUnpackBenchmark -p layer="$1" -p target="$2" -f 1 -wi 1 -i "$N" -rf json -rff "$WORK/jmh.json" >"$WORK/jmh.log" 2>&1 \
    || { cat "$WORK/jmh.log" >&2; return 1; }
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))[0]['primaryMetric']; print(round(r['scorePercentiles']['50.0']))" "$WORK/jmh.json"
}

report() { # label ms
  awk -v l="$1" -v ms="$2" -v b="$bytes" 'BEGIN { printf "%-34s median %7d ms   %7.1f MB/s\n", l, ms, b / 1e6 / (ms / 1000) }'
}
mkdir -p "$WORK/plain/berth" "$WORK/top/berth"
# +T on the directory new trees are created in (tar's x/ and the benchmark's run-* both sit under one)
chattr +T "$WORK/top" "$WORK/top/berth" 2>/dev/null || echo "(chattr +T not supported here: both placements are the same)"
for placement in plain top; do
  parent=$WORK/$placement
  echo "-- parent directory: $placement$([ "$placement" = top ] && echo ' (chattr +T, as the image store)')"
  report "tar -xf (plain)" "$(median_tar -xf "$WORK/layer.tar" "$parent")"
  report "berth LayerUnpack (plain)" "$(median_berth "$WORK/layer.tar" "$parent/berth")"
  report "tar -xzf (gzip)" "$(median_tar -xzf "$WORK/layer.tar.gz" "$parent")"
  report "berth LayerUnpack (gzip)" "$(median_berth "$WORK/layer.tar.gz" "$parent/berth")"
done
