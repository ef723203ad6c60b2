#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the HTML report tests (test/report/): they open the
# reports from the file system, read the rendered DOM, take a screenshot and print to PDF.
# Idempotent and quiet: does nothing when chromium is already there. Only Debian's apt is used.
set -euo pipefail
start=$(date +%s)
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium from apt"
  export DEBIAN_FRONTEND=noninteractive
  # Other installs may hold the dpkg lock for a while: wait for it instead of failing.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  # fonts-dejavu-core: a font for the page's text in screenshots and PDFs (the minimal image may have none).
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
echo "chromium: $(chromium --version 2>/dev/null || echo '?')"
echo "install-30-chromium: $(( $(date +%s) - start ))s"
