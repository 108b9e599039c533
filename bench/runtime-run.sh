#!/usr/bin/env bash
# Step 2 benchmark: the OCI runtime alone. `run` of one busybox bundle running `true`, by
# bin/berth-runtime, runc and crun (Debian packages), side by side. crun 1.8 refuses a hybrid cgroup
# layout, so it runs in a private mount namespace with the cgroup2 mount hidden.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${N:-30}
bundle=$WORK/bundle
rm -rf "$bundle"; mkdir -p "$bundle/rootfs/bin"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in sh true echo; do ln -sf busybox "$bundle/rootfs/bin/$applet"; done
(cd "$bundle" && runc spec && python3 - <<'PY'
import json
spec = json.load(open('config.json'))
spec['process']['args'] = ['/bin/true']
spec['process']['terminal'] = False
json.dump(spec, open('config.json', 'w'), indent=1)
PY
)
cd "$bundle"
n=0
run_with() { n=$((n + 1)); "$@" "bench-$n"; }
echo "OCI runtime run of a busybox bundle running /bin/true, $N runs each"
if [ -x "$BERTH_HOME/bin/berth-runtime" ]; then
  time_runs "berth-runtime" "$N" run_with "$BERTH_HOME/bin/berth-runtime" --root "$WORK/berth-runtime-state" run
  # where berth-runtime's time goes: the medians of what --debug prints (JVM start to main is the JVM's own uptime)
  for _ in $(seq 1 "$N"); do
    n=$((n + 1)); "$BERTH_HOME/bin/berth-runtime" --root "$WORK/berth-runtime-state" --debug run "bench-$n" 2>&1 >/dev/null
  done | awk -F', ' '
    { for (i = 1; i <= NF; i++) { sub(/^berth-runtime: /, "", $i); v = $i; sub(/ ms$/, "", v); sub(/.* /, "", v); k = $i; sub(/ [0-9.]+ ms$/, "", k);
        if (!(k in seen)) { seen[k] = 1; order[++nk] = k } samples[k, ++count[k]] = v } }
    END { printf "  berth-runtime phases (medians):"
      for (j = 1; j <= nk; j++) { k = order[j]; c = count[k]; for (a = 1; a <= c; a++) s[a] = samples[k, a] + 0
        for (a = 2; a <= c; a++) for (b = a; b > 1 && s[b - 1] > s[b]; b--) { t = s[b]; s[b] = s[b - 1]; s[b - 1] = t }
        printf "%s %s %.1f ms", (j > 1 ? "," : ""), k, s[int((c + 1) / 2)] }
      print "" }'
else
  echo "berth-runtime                                (not built yet: Step 2)"
fi
time_runs "runc $(runc --version | head -1 | awk '{print $3}')" "$N" run_with runc --root "$WORK/runc-state" run
if command -v crun >/dev/null; then
  time_runs "crun $(crun --version | head -1 | awk '{print $3}') (cgroup2 hidden)" "$N" \
    run_with unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root "$0" run "$1"' "$WORK/crun-state"
fi
