#!/usr/bin/env bash
# Set up everything callqa needs on a fresh Debian machine: system packages, a venv, the
# pinned CPU-only torch / pyannote.audio stack (see ../shared/models/INSTALL.md for why the
# odd --no-deps steps), and callqa itself in editable mode. Idempotent: re-running is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${CALLQA_VENV:-.venv}

need_apt=()
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "[setup] apt-get install ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "[setup] WARNING: missing ${need_apt[*]} and not root; install them yourself" >&2
  fi
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP="$VENV/bin/pip --disable-pip-version-check -q"
stamp="$VENV/.callqa-stack-v1"
if [ ! -f "$stamp" ]; then
  echo "[setup] installing the pinned ASR/diarization stack (torch CPU, faster-whisper, pyannote.audio)"
  $PIP install torch==2.13.0
  $PIP install --no-deps pyannote.audio==4.0.7 torchaudio==2.11.0 torch-audiomentations==0.12.0 torch-pitch-shift==1.2.5
  # The PyPI torchaudio wheel is a CUDA build; its C++ extensions cannot load on CPU torch and
  # pyannote only needs torchaudio's pure-Python parts.
  rm -f "$VENV"/lib/python3.*/site-packages/torchaudio/lib/*.so
  $PIP install faster-whisper==1.2.1 soundfile==0.14.0 asteroid-filterbanks==0.4.0 einops==0.8.2 \
    huggingface-hub==2.4.0 lightning==2.6.6 matplotlib==3.11.2 opentelemetry-api==1.45.2 \
    opentelemetry-exporter-otlp==1.45.2 opentelemetry-sdk==1.45.2 pyannote-core==6.1.0 \
    pyannote-database==6.1.1 pyannote-metrics==4.2.0 pyannote-pipeline==4.1.0 pyannoteai-sdk==0.4.0 \
    pytorch-metric-learning==2.9.0 rich==15.0.0 safetensors==0.8.0 torchmetrics==1.9.0 julius==0.2.8 \
    primePy==1.3 2>&1 | grep -v "torchcodec" || true
  touch "$stamp"
fi
# callqa itself and its light dependencies (pyproject.toml), plus the test tools.
$PIP install -e ".[test]" 2>&1 | grep -v -e "torchcodec" -e "dependency resolver" || true
"$VENV/bin/python" -c "import callqa, faster_whisper, pyannote.audio" 2>/dev/null \
  || { echo "[setup] import check failed" >&2; exit 1; }
echo "[setup] ok: $VENV"
