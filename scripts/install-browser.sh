#!/usr/bin/env bash
# Install Debian's headless-capable Chromium plus fonts for Playwright-driven page tests.
# Idempotent: does nothing when /usr/bin/chromium already exists.
# Playwright's own browser download (`playwright install`) cannot work here (no internet
# beyond package registries); tests launch Debian's binary instead:
#   p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", ...])
# The Python `playwright` package itself comes from requirements-test.txt (pip), not from here.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
PKGS=(chromium fonts-dejavu-core fonts-liberation)

if [[ -x "$CHROMIUM" ]]; then
  echo "install-browser: $CHROMIUM present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

SUDO=""
if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when they are absent or older than a day (a fresh machine has none).
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | head -n1)" ]]; then
  $SUDO apt-get update -q
fi
if ! $SUDO apt-get install -y -q --no-install-recommends "${PKGS[@]}"; then
  # Stale lists (404 on a superseded .deb): refresh once and retry.
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${PKGS[@]}"
fi

"$CHROMIUM" --version
