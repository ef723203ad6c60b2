# Sourced by .ci/run (and by .ci/install-10-wine.sh) before the tests: environment for running
# build/out/zivver-keytool.exe under Wine. Safe to source more than once.
export WINEPREFIX="${WINEPREFIX:-${HOME:-/root}/.wine-zivver-keytool}"
# No Wine debug chatter on stderr (it would mix with the exe's own stderr).
export WINEDEBUG="${WINEDEBUG:--all}"
# Never offer to download Mono or Gecko; the exe needs neither.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
# A 64-bit-only prefix (Debian's wine64 without wine32).
export WINEARCH="${WINEARCH:-win64}"
