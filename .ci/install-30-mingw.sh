#!/usr/bin/env bash
# Installs what builds the COM bridge (com/): the mingw-w64 cross compilers for Windows x64 and x86,
# widl (mingw-w64-tools) for the type library, and libwine-dev for the standard IDL files widl
# imports (oaidl.idl, ocidl.idl, ...). Debian apt only; idempotent (skips what is there).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

have_idl() { [ -n "$(find /usr/include/wine -name oaidl.idl -print -quit 2>/dev/null)" ]; }
if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || ! command -v i686-w64-mingw32-gcc >/dev/null 2>&1 \
  || ! command -v x86_64-w64-mingw32-widl >/dev/null 2>&1 || ! have_idl; then
  echo "installing mingw-w64 (x86_64, i686), mingw-w64-tools and libwine-dev from apt"
  export DEBIAN_FRONTEND=noninteractive
  # Other installs may hold the dpkg lock for a while: wait for it rather than fail.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 mingw-w64-tools libwine-dev >/dev/null
fi
echo "mingw: $(x86_64-w64-mingw32-gcc --version | head -1); widl: $(x86_64-w64-mingw32-widl -V 2>&1 | head -1)"
echo "install-30-mingw: $(( $(date +%s) - start ))s"
