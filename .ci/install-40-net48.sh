#!/usr/bin/env bash
# Restores test/ps/net48 from NuGet (the .NET Framework 4.8 reference assemblies and PowerShell
# Standard 5.1), so that test/ps/Net48.Tests.ps1 can compile the module's .NET members against
# .NET Framework 4.8 with `dotnet build --no-restore` (no network at test time). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-40-net48: dotnet is not on PATH; cannot restore the .NET Framework 4.8 reference assemblies" >&2
  exit 1
fi
dotnet restore test/ps/net48/Net48Members.csproj -nologo -v q
echo "install-40-net48: restored test/ps/net48 (Microsoft.NETFramework.ReferenceAssemblies.net48, PowerShellStandard.Library)"
