#!/usr/bin/env bash
# Every PyTorch golden as one prepared script, for a machine with torch, torchvision and timm and
# no Node or network (the GPU machine):
#   scripts/golden/torch_goldens.sh cuda "$OUT"      # torch-*-cuda and timm-*-cuda cases in $OUT
#   scripts/golden/torch_goldens.sh cpu /tmp/golden   # the CPU cases (timm part needs timm)
# Copy the folders it writes into fixtures/golden/ and run `effnet verify` (or
# `effnet verify --fixtures DIR` to check them where they are). Exit status: non-zero if any part failed.
set -uo pipefail
device=${1:-cuda}
out=${2:-${OUT:-fixtures/golden}}
python=${PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
status=0
"$python" "$here/torchvision_golden.py" --device "$device" --out "$out" || status=1
"$python" "$here/timm_golden.py" --device "$device" --out "$out" || status=1
exit $status
