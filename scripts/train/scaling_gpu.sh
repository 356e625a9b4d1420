#!/bin/bash
# The scaling grid on a lent GPU, for a fixed slice of time: WORKERS copies of
# scaling_experiment.py share one CUDA device (each claims one run, as on the CPU); a worker whose
# grid is done goes on to the depth ablation's ABLATION_SEEDS (default 1,2); none starts an epoch
# it cannot finish by the deadline, and what they leave is packed into OUT_DIR:
#   scaling-experiment.json   the results JSON, with the runs finished here appended
#   checkpoints.tar.partNN    the unfinished runs' last checkpoints (at most MAX_MB in all, the
#                             furthest-trained first), to resume on any machine
#   workers.log               every worker's log
#
# usage: scripts/train/scaling_gpu.sh CONFIGS JSON DATA_DIR OUT_DIR [WORKERS] [DEADLINE_S] [MAX_MB]
#   CONFIGS    written by `npx tsx scripts/train/scaling_configs.ts` (the GPU machine needs no node)
#   JSON       the results so far (finished runs are skipped), or - to start afresh
#   DATA_DIR   the Fashion-MNIST idx .gz files
#   WORKERS    processes (default 12: one per run left; 16 CPU cores feed the GPU)
#   DEADLINE_S seconds from start after which no epoch may end (default 480)
#   MAX_MB     checkpoints brought back (default 60)
# From the environment: PYTHON (default python3), DEVICE (default cuda), ABLATION_SEEDS, and
# EXTRA_ARGS for every worker. A smoke test on the CPU: PYTHON=/usr/bin/python3 DEVICE=cpu
#   EXTRA_ARGS="--train-subset 1000 --only baseline,depth-4x" scaling_gpu.sh CONFIGS - DATA /tmp/o 2 30
set -euo pipefail
if [ $# -lt 4 ] || [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
  sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
  [ $# -ge 4 ]; exit $?
fi
CONFIGS=$1 JSON=$2 DATA=$3 OUT_DIR=$4 WORKERS=${5:-12} DEADLINE=${6:-480} MAX_MB=${7:-60}
PY=${PYTHON:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(mktemp -d)
WORK="$CACHE/scaling-experiment.json"
[ "$JSON" = - ] || cp "$JSON" "$WORK"
mkdir -p "$OUT_DIR" "$CACHE/logs"
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader || true

export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
END=$(($(date +%s) + DEADLINE))
worker() {  # the grid, then the ablation, until the deadline
  for mode in "" "--ablation --seeds ${ABLATION_SEEDS:-1,2}"; do
    left=$((END - $(date +%s)))
    [ "$left" -gt 30 ] || return 0
    # shellcheck disable=SC2086
    timeout $((left + 90)) "$PY" "$HERE/scaling_experiment.py" --configs "$CONFIGS" --out "$WORK" \
      --cache "$CACHE" --device "${DEVICE:-cuda}" --data-dir "$DATA" --deadline "$left" $mode ${EXTRA_ARGS:-}
  done
}
pids=()
for w in $(seq 1 "$WORKERS"); do
  worker > "$CACHE/logs/worker-$w.log" 2>&1 &
  pids+=($!)
  sleep 2   # let each claim its run before the next looks
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=$?; done
nvidia-smi --query-gpu=name,memory.used --format=csv,noheader || true

cp "$WORK" "$OUT_DIR/scaling-experiment.json"
for f in "$CACHE"/logs/worker-*.log; do echo "== $f"; cat "$f"; done > "$OUT_DIR/workers.log"
"$PY" - "$CACHE" "$OUT_DIR" "$MAX_MB" <<'EOF'
import glob, os, sys, tarfile, torch
cache, out, max_mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
ckpts = sorted(glob.glob(os.path.join(cache, "*.pt")),
               key=lambda p: -len(torch.load(p, map_location="cpu", weights_only=False)["curve"]))
keep, total = [], 0
for p in ckpts:
    if total + os.path.getsize(p) <= max_mb * 2**20:
        keep.append(p)
        total += os.path.getsize(p)
    else:
        print(f"left behind (over {max_mb} MB): {os.path.basename(p)}")
if keep:
    with tarfile.open(os.path.join(out, "checkpoints.tar"), "w") as t:
        for p in keep:
            t.add(p, arcname=os.path.basename(p))
print(f"checkpoints kept: {[os.path.basename(p) for p in keep]} ({total / 2**20:.1f} MiB)")
EOF
if [ -e "$OUT_DIR/checkpoints.tar" ]; then
  split -b 15M -d "$OUT_DIR/checkpoints.tar" "$OUT_DIR/checkpoints.tar.part" && rm "$OUT_DIR/checkpoints.tar"
fi
grep -h '^{' "$CACHE"/logs/worker-*.log | "$PY" -c "
import json, sys
for line in sys.stdin:
    r = json.loads(line); print(r['name'], r['seed'], r['epochs'], r['stoppedBy'], r['testAccuracy'], r['seconds'], 's')" || true
exit $status
