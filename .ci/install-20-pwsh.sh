#!/usr/bin/env bash
# Installs PowerShell 7 (as a .NET global tool) and Pester 5 (from NuGet) for the module tests in
# test/ps/. Idempotent and quiet: does nothing when both are already there.
# PSScriptAnalyzer is not installed: it is not served by the NuGet feed this project can reach
# (test/ps/Compatibility.Tests.ps1 checks the 5.1-compatibility rules from the AST instead, and
# test/ps/Net48.Tests.ps1 compiles the .NET members against .NET Framework 4.8: .ci/install-40-net48.sh).
set -euo pipefail

PWSH_VERSION=7.6.9
PESTER_VERSION=5.7.1
TOOLS="$HOME/.dotnet/tools"
export PATH="$TOOLS:$PATH"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-20-pwsh: dotnet is not on PATH; cannot install PowerShell" >&2
  exit 1
fi

# PowerShell 7
if ! "$TOOLS/pwsh" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null \
    | grep -qx "$PWSH_VERSION"; then
  dotnet tool uninstall --global PowerShell >/dev/null 2>&1 || true
  dotnet tool install --global PowerShell --version "$PWSH_VERSION" >/dev/null
fi

# Put pwsh on the PATH that npm scripts see (root on CI); otherwise .ci/env.sh / the caller adds $TOOLS.
for dir in /usr/local/bin "$HOME/.local/bin"; do
  if [ -d "$dir" ] && [ -w "$dir" ]; then
    ln -sf "$TOOLS/pwsh" "$dir/pwsh"
    break
  fi
done

# Pester 5, into the user's PowerShell module path
MODDIR="${XDG_DATA_HOME:-$HOME/.local/share}/powershell/Modules/Pester/$PESTER_VERSION"
if [ ! -f "$MODDIR/Pester.psd1" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cat >"$work/dl.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net$(dotnet --version | cut -d. -f1).0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$PESTER_VERSION]" /></ItemGroup>
</Project>
XML
  dotnet restore "$work/dl.csproj" --packages "$work/pkgs" >/dev/null
  mkdir -p "$MODDIR"
  cp -r "$work/pkgs/pester/$PESTER_VERSION/tools/." "$MODDIR/"
fi

"$TOOLS/pwsh" -NoProfile -NonInteractive -Command \
  "Import-Module Pester -RequiredVersion $PESTER_VERSION -ErrorAction Stop" >/dev/null
