#!/usr/bin/env bash
# Installs Wine from Debian's own packages and prepares a 64-bit prefix that reports Windows 10,
# so the tests can run build/out/zivver-keytool.exe (Node refuses Windows versions before 10).
# Idempotent and quiet; nothing is downloaded outside Debian's apt (no Mono, no Gecko).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# shellcheck disable=SC1091
source .ci/env.sh

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if ! command -v wine >/dev/null 2>&1 && ! command -v wine64 >/dev/null 2>&1; then
  echo "installing wine64 from apt"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # wine: the /usr/bin/wine launcher; wine64: the 64-bit loader and DLLs (no wine32: no i386 arch needed).
  $SUDO apt-get install -y -qq --no-install-recommends wine wine64 >/dev/null
fi

WINE="$(command -v wine || command -v wine64)"
echo "wine: $WINE ($("$WINE" --version 2>/dev/null || echo '?'))"

is_win10() { grep -q '"ProductName"="Microsoft Windows 10"' "$WINEPREFIX/system.reg" 2>/dev/null; }
if ! is_win10; then
  echo "creating Wine prefix $WINEPREFIX (Windows 10)"
  mkdir -p "$WINEPREFIX"
  # No display in CI: wineboot and winecfg -v need none.
  DISPLAY="" "$WINE" wineboot --init >/dev/null 2>&1 || true
  DISPLAY="" "$WINE" winecfg -v win10 >/dev/null 2>&1 || true
  wineserver -w 2>/dev/null || "${WINE%/*}/wineserver" -w 2>/dev/null || true
fi
if is_win10; then
  echo "Wine prefix ready: Windows 10 build $(grep -m1 '"CurrentBuild"=' "$WINEPREFIX/system.reg" | cut -d'"' -f4)"
else
  echo "warning: Wine prefix $WINEPREFIX does not report Windows 10" >&2
fi
echo "install-10-wine: $(( $(date +%s) - start ))s"
