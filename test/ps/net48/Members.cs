// Every .NET member that ps/ (the module and ps/examples) and the help examples call, used here
// the way the PowerShell code uses it, compiled against .NET Framework 4.8 (see Net48Members.csproj).
// test/ps/Net48.Tests.ps1 checks that each type, static member (Type.Member) and instance member
// (.Member) found in their syntax trees is named in this file. Keep one line per use; add a line
// when the module starts calling something new.
//
// PowerShell-adapted, not .NET (nothing to compile): .PSObject (on every object), .BaseName (a
// FileInfo script property), [ordered], and the properties of objects the module reads from JSON
// or makes itself ([pscustomobject], hashtables): .activity .completed .detail .done .level
// .message .total .type .zivverUrl .Email .Error .HttpStatus .Status .UserName .Display
// .PrefixArguments, and in the help examples the properties of Exchange, Graph and AD objects:
// .UserPrincipalName .ObjectGUID.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace ZivverAccountKey.Net48Check
{
    public static class Members
    {
        // Invoke-ZivverKeytool: starting the keytool, its streams, waiting and ending it.
        public static void Process_(SecureString apiKey, PSCmdlet caller)
        {
            var utf8 = new System.Text.UTF8Encoding(false);
            var utf8Bom = new System.Text.UTF8Encoding(true);
            var psi = new System.Diagnostics.ProcessStartInfo();
            psi.FileName = "keytool";
            psi.Arguments = "plan";
            psi.UseShellExecute = false;
            psi.CreateNoWindow = true;
            psi.RedirectStandardInput = true;
            psi.RedirectStandardOutput = true;
            psi.RedirectStandardError = true;
            psi.StandardOutputEncoding = utf8;
            psi.StandardErrorEncoding = utf8;
            psi.WorkingDirectory = caller.SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            psi.EnvironmentVariables["NO_COLOR"] = "1";
            psi.EnvironmentVariables["ZIVVER_API_KEY"] = new System.Net.NetworkCredential("", apiKey).Password;
            psi.EnvironmentVariables.Remove("ZIVVER_API_KEY");
            var proc = new System.Diagnostics.Process();
            proc.StartInfo = psi;
            bool started = proc.Start();
            byte[] bytes = utf8.GetBytes("{}\n");
            byte[] preamble = utf8Bom.GetPreamble();
            Task writeTask = proc.StandardInput.BaseStream.WriteAsync(bytes, 0, bytes.Length);
            bool written = writeTask.IsCompleted;
            proc.StandardInput.BaseStream.Flush();
            proc.StandardInput.Close();
            Task<string> outTask = proc.StandardOutput.ReadLineAsync();
            Task<string> errTask = proc.StandardError.ReadLineAsync();
            string line = outTask.GetAwaiter().GetResult();
            var waitOn = new System.Collections.Generic.List<System.Threading.Tasks.Task>();
            waitOn.Add(outTask);
            waitOn.Add(errTask);
            int which = System.Threading.Tasks.Task.WaitAny(waitOn.ToArray(), 200);
            bool exited = proc.HasExited;
            bool inTime = proc.WaitForExit(5 * 1000);
            proc.WaitForExit();
            proc.Kill();
            int code = proc.ExitCode;
            proc.Dispose();
        }

        // The stop file (the cancellation channel) and other files.
        public static void Files_()
        {
            string stopFile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), string.Format("zivver-keytool-stop-{0}", System.Guid.NewGuid().ToString("N")));
            System.IO.File.WriteAllText(stopFile, "stop");
            System.IO.File.WriteAllText(stopFile, "runner", new System.Text.UTF8Encoding(true));
            if (System.IO.File.Exists(stopFile)) System.IO.File.Delete(stopFile);
            string ext = System.IO.Path.GetExtension("bin/zivver-keytool.js").ToLowerInvariant();
            string three = System.IO.Path.Combine("a", "b", "c");
            char sep = System.IO.Path.DirectorySeparatorChar;
            string results = System.IO.Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.LocalApplicationData), "zivver-keytool", "results");
            var file = new FileInfo("x.ps1");
            string full = file.FullName;
            string name = file.Name;
        }

        // The public cmdlets and the helpers: what they call on $PSCmdlet and on the objects it gives.
        public static void Cmdlet_(PSCmdlet cmdlet, ErrorRecord record, ProgressRecord progress, PSModuleInfo module, CommandInfo command)
        {
            string set = cmdlet.ParameterSetName;
            bool expecting = cmdlet.MyInvocation.ExpectingInput;
            bool go = cmdlet.ShouldProcess("target", "action");
            cmdlet.WriteError(record);
            cmdlet.WriteWarning("text");
            cmdlet.WriteProgress(progress);
            cmdlet.ThrowTerminatingError(record);
            ProviderInfo provider;
            Collection<string> resolved = cmdlet.GetResolvedProviderPathFromPSPath("*.csv", out provider);
            string unresolved = cmdlet.GetUnresolvedProviderPathFromPSPath("plan.csv");
            string unresolved2 = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath("plan.csv");
            bool wild = System.Management.Automation.WildcardPattern.ContainsWildcardCharacters("*.csv");
            string moduleBase = module.ModuleBase;
            string modulePath = module.Path;
            string source = command.Source;
        }

        public static void Records_()
        {
            var exception = new System.Exception("message");
            exception.Data["ExitCode"] = 2;
            string message = exception.Message;
            var record = new System.Management.Automation.ErrorRecord(exception, "ZivverKeytool.Failed", System.Management.Automation.ErrorCategory.NotSpecified, null);
            Exception inner = record.Exception;
            ErrorCategory[] used = { System.Management.Automation.ErrorCategory.InvalidData, System.Management.Automation.ErrorCategory.WriteError };
            var progress = new System.Management.Automation.ProgressRecord(4200, "activity", "Working");
            progress.StatusDescription = "1 of 2";
            progress.PercentComplete = (int)System.Math.Max(0, System.Math.Min(100, System.Math.Floor(100 * 1.0 / 2)));
            progress.CurrentOperation = "detail";
            progress.RecordType = System.Management.Automation.ProgressRecordType.Completed;
        }

        // PSObject, hashtables and lists as the module uses them.
        public static void Objects_(PSObject row, Hashtable activities)
        {
            PSPropertyInfo prop = row.Properties["email"];
            object value = prop.Value;
            string propName = prop.Name;
            row.TypeNames.Insert(0, "Zivver.KeyPlanRow");
            bool has = activities.ContainsKey("Planning");
            activities.Remove("Planning");
            int count = activities.Count;
            ICollection keys = activities.Keys;
            var parts = new System.Collections.Generic.List<string>();
            parts.Add("x");
            string[] array = parts.ToArray();
            int n = parts.Count;
            var sorted = new System.Collections.Specialized.OrderedDictionary();
            var swi = new System.Management.Automation.SwitchParameter(true);
            var reference = new System.Management.Automation.PSReference(1);
            var custom = new System.Management.Automation.PSObject();
        }

        // Text, numbers, dates and regular expressions.
        public static void Text_(string s, char c)
        {
            var sb = new System.Text.StringBuilder(s.Length + 8);
            sb.Append('"');
            sb.Append('\\', 2);
            sb.Append("x");
            string built = sb.ToString();
            bool a = s.StartsWith("{");
            bool b = s.EndsWith("$");
            string t = s.Trim().Substring(0, 1).Replace("\\", "/").ToLowerInvariant();
            string[] split = s.Split('@');
            char[] chars = s.ToCharArray();
            int len = s.Length;
            bool blank = string.IsNullOrWhiteSpace(s);
            string nl = System.Environment.NewLine;
            int parsed;
            bool isInt = int.TryParse("2", out parsed);
            double d = 1.5;
            bool flag = true;
            object o = c;
            DateTime when = System.DateTime.MinValue;
            bool isDate = System.DateTime.TryParse("2025-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out when);
            DateTime now = System.DateTime.UtcNow;
            DateTimeOffset offset = new System.DateTimeOffset(now);
            string title = CultureInfo.CurrentCulture.TextInfo.ToTitleCase("failed");
            string escaped = System.Text.RegularExpressions.Regex.Escape("newKey");
            Match m = System.Text.RegularExpressions.Regex.Match("\"newKey\":\"x\"", "\"newKey\":\"([^\"]*)\"");
            bool ok = m.Success;
            string group = m.Groups[1].Value;
            Guid g = System.Guid.NewGuid();
        }

        // ps/examples/Register-ZivverKeySyncTask.ps1: the key as a credential.
        public static void Credential_(SecureString apiKey)
        {
            var cred = new System.Management.Automation.PSCredential("zivver-api-key", apiKey);
            SecureString password = cred.Password;
            string user = cred.UserName;
            string plain = cred.GetNetworkCredential().Password;
        }

#if NEGATIVE_CONTROL
        // Built only by the negative control in Net48.Tests.ps1: .NET Framework 4.8 has no
        // ProcessStartInfo.StandardInputEncoding (it exists from .NET Core 2.1 / .NET 5 on), so this must not compile.
        public static void NegativeControl_()
        {
            var psi = new System.Diagnostics.ProcessStartInfo();
            psi.StandardInputEncoding = new System.Text.UTF8Encoding(false);
        }
#endif
    }
}
