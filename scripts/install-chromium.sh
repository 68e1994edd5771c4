#!/usr/bin/env bash
# Installs Debian's chromium, which the page tests in cli use to
# render the history and timeline pages headless. Idempotent: does nothing
# when a chromium is already on the PATH. Needs root (CI runs as root) or
# sudo.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium: already installed ($(command -v chromium))"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-chromium: need root or sudo to apt-get install chromium" >&2
    exit 1
  fi
  sudo="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
# Fonts so that text in screenshots renders; chromium pulls in the rest.
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: installed $(chromium --version 2>/dev/null || echo '(version unknown)')"
