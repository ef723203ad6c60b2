// COM bridge tests in JScript (run by test/com/bridge.test.ts: wine cscript //nologo bridge.test.js <work>).
// ANSI only: every character beyond ASCII is written as a \u escape, so full Unicode reaches the bridge
// (Wine's VBScript has no ChrW; this file is where Unicode is tested).
// Prints "N passed, N failed" last; the mocha test checks that line.
var work = WScript.Arguments(0);
var fso = new ActiveXObject("Scripting.FileSystemObject");
var passed = 0, failed = 0;

function readText(name) {
  var f = fso.OpenTextFile(work + "\\" + name, 1);
  var t = f.ReadAll(); // (Wine's TextStream has no AtEnd; the files are never empty)
  f.Close();
  return t;
}
var config = {};
(function () {
  var lines = readText("config.txt").split(/\r?\n/);
  for (var i = 0; i < lines.length; i++) {
    var eq = lines[i].indexOf("=");
    if (eq > 0) config[lines[i].substring(0, eq)] = lines[i].substring(eq + 1);
  }
})();
var key = readText("key.txt").replace(/\s+$/, "");

function hex(n) { return "0x" + (n >>> 0).toString(16); }
function check(name, ok, detail) {
  if (ok) passed++;
  else {
    failed++;
    WScript.Echo("FAIL: " + name + (detail !== undefined ? " -- " + detail : ""));
  }
}
function eq(name, actual, expected) { check(name, actual === expected, "got [" + actual + "], expected [" + expected + "]"); }
function raises(name, fn, number, part) {
  try {
    fn();
    check(name + ": raises", false, "no error");
  } catch (e) {
    if (number !== null) eq(name + ": number", hex(e.number), hex(number));
    check(name + ": description", String(e.description).indexOf(part) >= 0, "[" + e.description + "] lacks [" + part + "]");
  }
}

// A section stops at its first uncaught error, which counts as a failure (Wine's cscript would
// otherwise end the whole script silently, exit code 0).
var sections = 0;
function section(name, fn) {
  try {
    fn();
  } catch (e) {
    check(name + ": uncaught error", false, hex(e.number) + " " + e.description);
  }
  sections++;
}

var b = new ActiveXObject("ZivverKeytool.Bridge");
section("basics", function () {
eq("Version", b.Version, config.version);
raises("accessors before any run", function () { return b.Count; }, 0x80040304, "no result yet");

});
section("quoting", function () {
// ---- quoting: the stand-in echoes the arguments as CommandLineToArgvW (and Node) read them
b.ExePath = config.echoExe;
var tricky = ["a b", "x\"y", "trail\\", "two\\\\", "dq\\\"q", "", "tab\there", "\u00eb\u65e5\u672c\ud83d\ude00 \u0416", "100%", "^&|<>", "\\\\server\\share\\", "--flag=\"quoted value\""];
var out = b.TestConnection(tricky);
eq("quoting: argument count", b.Count, tricky.length + 3);
eq("quoting: the command comes first", b.Item(0, "arg"), "test-connection");
eq("quoting: --output json is added", b.Item(1, "arg") + " " + b.Item(2, "arg"), "--output json");
for (var i = 0; i < tricky.length; i++) eq("quoting: argument " + i, b.Item(i + 3, "arg"), tricky[i]);
eq("LastExitCode after success", b.LastExitCode, 0);
check("TestConnection returns the JSON text", out.indexOf("\"kind\":\"argv-echo\"") >= 0, out.substring(0, 80));

// a string extraArgs is a command-line fragment, split by the same rules
b.TestConnection('--one "two three" four\\"five');
eq("fragment: count", b.Count, 6);
eq("fragment: quoted part", b.Item(4, "arg"), "two three");
eq("fragment: escaped quote", b.Item(5, "arg"), "four\"five");

// ZivverUrl and LedgerPath become options; Run passes its line as it is
b.ZivverUrl = "http://127.0.0.1:9/api/scim/v2";
b.LedgerPath = work + "\\\u00e9 ledger.jsonl";
b.Plan(work + "\\in \u00e9.csv", ["--what-if"]);
eq("Plan: the command, --input and the file", b.Item(0, "arg") + "|" + b.Item(1, "arg") + "|" + b.Item(2, "arg"), "plan|--input|" + work + "\\in \u00e9.csv");
eq("Plan: --output json", b.Item(3, "arg") + " " + b.Item(4, "arg"), "--output json");
eq("Plan: --zivver-url", b.Item(5, "arg") + "|" + b.Item(6, "arg"), "--zivver-url|http://127.0.0.1:9/api/scim/v2");
eq("Plan: --ledger", b.Item(7, "arg") + "|" + b.Item(8, "arg"), "--ledger|" + work + "\\\u00e9 ledger.jsonl");
eq("Plan: extraArgs last", b.Count + "|" + b.Item(9, "arg"), "10|--what-if");
b.Run('plan "a b"');
eq("Run: the line as given", b.Count + "|" + b.Item(1, "arg"), "2|a b");
b.ZivverUrl = "";
b.LedgerPath = "";

});
section("api key", function () {
// ---- the API key: in the child's environment only, never on its command line
b.ApiKey = key;
out = b.TestConnection(["--zivver-url", "http://127.0.0.1:9"]);
eq("ApiKey reaches the child's environment (length)", b.Summary("apiKeyLength"), key.length);
check("ApiKey is not on the child's command line", out.indexOf(key) < 0 && out.indexOf(key.substring(0, 12)) < 0, "the command line holds the key");
check("ApiKey is not in LastStdErr", b.LastStdErr.indexOf(key) < 0);
raises("ApiKey is write-only", function () { return b.ApiKey; }, null, "");
b.ApiKey = "";
b.TestConnection();
eq("ApiKey = \"\" forgets the key (the host has none)", b.Summary("apiKeyLength"), 0);

});
section("exit codes", function () {
// ---- exit codes: >= 2 raises with the keytool's message; 1 (some rows failed) returns the result
raises("exit 3", function () { b.TestConnection(["--echo-exit=3"]); }, 0x80040203, "stand-in exit 3");
eq("exit 3: LastExitCode", b.LastExitCode, 3);
check("exit 3: LastStdErr has all of standard error", b.LastStdErr.indexOf("warning: about to fail") >= 0, b.LastStdErr);
try {
  b.TestConnection(["--echo-exit=3"]);
} catch (e) {
  eq("exit 3: the description is the error line only", e.description, "stand-in exit 3");
}
b.TestConnection(["--echo-exit=1"]);
eq("exit 1 does not raise: LastExitCode", b.LastExitCode, 1);
eq("exit 1: the result is readable", b.Count, 4);
raises("TimeoutSeconds: negative refused", function () { b.TimeoutSeconds = -1; }, 0x80040305, "TimeoutSeconds");
b.TimeoutSeconds = 2;
raises("TimeoutSeconds: a slow run is stopped", function () { b.TestConnection(["--echo-sleep=30"]); }, 0x80040303, "did not finish within 2 seconds");
b.TimeoutSeconds = 0;
raises("extraArgs of another type", function () { b.TestConnection(new ActiveXObject("Scripting.Dictionary")); }, 0x80040305, "extraArgs");

});
section("large result", function () {
// ---- a large result: 100,000 rows through the temporary file and the JSON reader
b.TestConnection(["--echo-rows=100000"]);
eq("large: Count", b.Count, 100000);
eq("large: last row", b.Item(99999, "arg"), "row 99999");
eq("large: number", b.Item(4242, "index"), 4242);
eq("large: boolean", b.Item(5, "ok"), true);
eq("large: null", b.Item(5, "none"), null);
eq("large: nested path", b.Item(7, "nested.half"), 7.5);
eq("large: missing field is Empty", typeof b.Item(5, "missing"), "undefined");
check("large: whole row as JSON", b.Item(3, "").indexOf("\"arg\":\"row 3\"") >= 0, b.Item(3, ""));
raises("Item past the end", function () { return b.Item(100000, "arg"); }, 0x80040305, "out of range");
raises("Item below 0", function () { return b.Item(-1, "arg"); }, 0x80040305, "out of range");

});
section("real exe", function () {
// ---- the real keytool: Unicode folder and file names, plan and apply --what-if
b.ExePath = "";
check("ExePath defaults to the exe beside the DLL", /\\zivver-keytool\.exe$/.test(b.ExePath), b.ExePath);
b.ZivverUrl = config.url;
b.ApiKey = key;
var dir = work + "\\\u65e5\u672c Zo\u00eb \u2713 \ud83d\ude00";
b.LedgerPath = dir + "\\ledger \u00e9.jsonl";
var plan = b.Plan(dir + "\\mailboxes \u00e9.csv", ["--out", dir + "\\plan \u00e9.json"]);
eq("unicode: LastExitCode", b.LastExitCode, 0);
eq("unicode: rows", b.Count, Number(config.rows));
check("unicode: the plan names its input", b.Item(0, "input").indexOf("mailboxes \u00e9.csv") >= 0, b.Item(0, "input"));
check("unicode: the plan file was written", fso.FileExists(dir + "\\plan \u00e9.json"));
check("unicode: the returned JSON keeps the name", plan.indexOf("mailboxes \u00e9.csv") >= 0);
var set = b.Summary("set");
check("unicode: something to set", set > 0, set);
b.Apply(dir + "\\plan \u00e9.json", "--what-if");
eq("unicode: apply --what-if would update every set row", b.Summary("would-update"), set);
eq("unicode: apply --what-if updated nothing", b.Summary("updated"), 0);
raises("unicode: a missing input names it", function () { b.Plan(dir + "\\missing \u00e9.csv"); }, 0x80040202, "missing \u00e9.csv");
eq("unicode: bad input exits 2", b.LastExitCode, 2);
var conn = b.TestConnection();
check("TestConnection (real exe): the account count", conn.indexOf("\"accounts\": " + config.accounts + ",") >= 0, conn);
check("TestConnection (real exe): ok", conn.indexOf("\"ok\": true") >= 0, conn);
raises("TestConnection (real exe): a wrong key is refused (exit 3)", function () { b.ApiKey = "wrong-" + key; b.TestConnection(); }, 0x80040203, "");
eq("wrong key: LastExitCode", b.LastExitCode, 3);
check("wrong key: not in the error text", b.LastStdErr.indexOf(key) < 0);

});
check("every section ran", sections === 6, sections);
WScript.Echo(passed + " passed, " + failed + " failed");
WScript.Quit(failed ? 1 : 0);
