' COM bridge tests in VBScript (run by test/com/bridge.test.ts: wine cscript //nologo bridge.test.vbs <work>).
' ANSI only (a UTF-16 .vbs does nothing under Wine, and Wine's VBScript has no ChrW): non-ASCII here is
' one code-page character (Chr(233), e acute); full Unicode is tested from JScript.
' Prints "N passed, N failed" last; the mocha test checks that line.
Option Explicit
Dim work, fso, config, key, passed, failed
work = WScript.Arguments(0)
Set fso = CreateObject("Scripting.FileSystemObject")
passed = 0
failed = 0

Function ReadText(name)
  Dim f
  Set f = fso.OpenTextFile(work & "\" & name, 1)
  ' (Wine's TextStream has no AtEnd; the files are never empty)
  ReadText = f.ReadAll
  f.Close
End Function

Set config = CreateObject("Scripting.Dictionary")
Dim line, lines, eq
lines = Split(Replace(ReadText("config.txt"), vbCr, ""), vbLf)
For Each line In lines
  eq = InStr(line, "=")
  If eq > 1 Then config(Left(line, eq - 1)) = Mid(line, eq + 1)
Next
key = Trim(Replace(Replace(ReadText("key.txt"), vbCr, ""), vbLf, ""))

Sub Check(name, ok, detail)
  If ok Then
    passed = passed + 1
  Else
    failed = failed + 1
    WScript.Echo "FAIL: " & name & " -- " & detail
  End If
End Sub
Sub Same(name, actual, expected)
  Check name, CStr(actual) = CStr(expected), "got [" & actual & "], expected [" & expected & "]"
End Sub

Dim b, json, i, n, setCount, counted, action, b2, cafe, big, inputText

' A section (Sub) stops at its first uncaught error, which counts as a failure: the calls below run
' under On Error Resume Next, so an error returns here and Guard reports it (Wine's cscript would
' otherwise end the script silently with exit code 0).
Dim sections
sections = 0
Sub Guard(name, number, description)
  If number <> 0 Then Check name & ": uncaught error", False, Hex(number) & " " & description
  sections = sections + 1
End Sub

Sub Basics
Set b = CreateObject("ZivverKeytool.Bridge")
Same "Version", b.Version, config("version")
Check "ExePath defaults to the exe beside the DLL", LCase(Right(b.ExePath, 19)) = "\zivver-keytool.exe", b.ExePath
b.ZivverUrl = config("url")
b.LedgerPath = work & "\ledger.jsonl"
b.ApiKey = key
End Sub

Sub PlanRows
' ---- plan: JSON back, rows readable without parsing JSON
' --previous-key-source: the keys Zivver holds now (here the mailbox Guid column), so rollback can restore them
json = b.Plan(work & "\mailboxes.csv", Array("--out", work & "\plan.json", "--out", work & "\plan.csv", "--previous-key-source", "column:Guid"))
Same "plan: LastExitCode", b.LastExitCode, 0
Check "plan: returns the JSON document", InStr(json, """rows""") > 0, Left(json, 80)
Same "plan: Count", b.Count, config("rows")
setCount = b.Summary("set")
Check "plan: something to set", setCount > 0, setCount
counted = 0
For i = 0 To b.Count - 1
  action = b.Item(i, "action")
  If action = "set" Then
    counted = counted + 1
    Check "plan: a set row has a new key (row " & i & ")", Len(b.Item(i, "newKey")) > 0, b.Item(i, "newKey")
  End If
Next
Same "plan: rows with action set = Summary(""set"")", counted, setCount
Same "plan: unknown action counts 0", b.Summary("no-such-action"), 0
Check "plan: the plan file was written", fso.FileExists(work & "\plan.json"), work & "\plan.json"
End Sub

Sub ApplyRuns
' ---- apply --what-if, then for real
json = b.Apply(work & "\plan.json", "--what-if")
Same "apply --what-if: would-update", b.Summary("would-update"), setCount
Same "apply --what-if: updated", b.Summary("updated"), 0
Same "apply --what-if: LastExitCode", b.LastExitCode, 0
json = b.Apply(work & "\plan.json")
Same "apply: updated", b.Summary("updated"), setCount
Same "apply: failed", b.Summary("failed"), 0
Check "apply: result rows", b.Count >= setCount, b.Count
counted = 0
For i = 0 To b.Count - 1
  If b.Item(i, "status") = "updated" Then counted = counted + 1
Next
Same "apply: rows with status updated", counted, setCount
End Sub

Sub PlanAgain
' ---- plan again: nothing left to set; sync agrees; rollback plans the way back
json = b.Plan(work & "\mailboxes.csv")
Same "plan again: set", b.Summary("set"), 0
json = b.Sync(work & "\mailboxes.csv", Array("--max-changes", "5", "--out-dir", work & "\runs"))
Same "sync: LastExitCode", b.LastExitCode, 0
Same "sync: updated", b.Summary("updated"), 0
json = b.Rollback(work & "\plan.json.results.jsonl", Array("--out", work & "\rollback.json"))
Same "rollback: rows to restore", b.Summary("set"), setCount
Same "rollback: LastExitCode", b.LastExitCode, 0
Check "rollback: plan file", fso.FileExists(work & "\rollback.json"), work & "\rollback.json"
End Sub

Sub BadInput
' ---- bad input: a COM error with the keytool's message, nothing sent
On Error Resume Next
json = b.Plan(work & "\bad.csv")
Same "bad input: Err.Number", Hex(Err.Number), "80040202"
Check "bad input: Err.Description names the file", InStr(Err.Description, "bad.csv") > 0, Err.Description
Check "bad input: Err.Description is the message, not 'error:'", Left(Err.Description, 6) <> "error:", Err.Description
Same "bad input: Err.Source", Err.Source, "ZivverKeytool.Bridge"
Err.Clear
On Error Goto 0
Same "bad input: LastExitCode", b.LastExitCode, 2
Check "bad input: LastStdErr", InStr(b.LastStdErr, "error:") > 0, b.LastStdErr
' ---- an output onto the input: the exe's file guard refuses it, one COM error naming both roles
inputText = ReadText("mailboxes.csv")
On Error Resume Next
json = b.Plan(work & "\mailboxes.csv", Array("--out", work & "\mailboxes.csv"))
Same "output onto the input: Err.Number", Hex(Err.Number), "80040202"
Check "output onto the input: Err.Description names both roles", InStr(Err.Description, "is an input (--input ") > 0, Err.Description
Check "output onto the input: nothing was written", InStr(Err.Description, "Nothing was written") > 0, Err.Description
Err.Clear
On Error Goto 0
Same "output onto the input: LastExitCode", b.LastExitCode, 2
Check "output onto the input: the input is unchanged", ReadText("mailboxes.csv") = inputText, Len(ReadText("mailboxes.csv"))
On Error Resume Next
i = b.Count
Same "after a failure there is no result: Err.Number", Hex(Err.Number), "80040304"
Err.Clear
On Error Goto 0
End Sub

Sub NoApiKey
' ---- without an API key (none set, none in the host's environment)
Set b2 = CreateObject("ZivverKeytool.Bridge")
b2.ZivverUrl = config("url")
On Error Resume Next
json = b2.Plan(work & "\mailboxes.csv")
Check "no API key: raises", Err.Number <> 0, "no error"
Check "no API key: says where the key comes from", InStr(Err.Description, "ZIVVER_API_KEY") > 0, Err.Description
Err.Clear
b2.ExePath = work & "\no-such.exe"
json = b2.Plan(work & "\mailboxes.csv")
Same "missing exe: Err.Number", Hex(Err.Number), "80040301"
Check "missing exe: names the path", InStr(Err.Description, "no-such.exe") > 0, Err.Description
Err.Clear
On Error Goto 0
End Sub

Sub CodePagePath
' ---- a non-ASCII (code page) folder name
cafe = work & "\caf" & Chr(233)
json = b.Plan(cafe & "\mailboxes.csv", Array("--out", cafe & "\plan.json", "--ignore-ledger"))
Same "code page path: Count", b.Count, config("rows")
Check "code page path: plan written", fso.FileExists(cafe & "\plan.json"), cafe
Check "code page path: the plan names its input", InStr(b.Item(0, "input"), "caf" & Chr(233)) > 0, b.Item(0, "input")
End Sub

Sub LargePlan
' ---- a large plan
Set big = CreateObject("ZivverKeytool.Bridge")
big.ZivverUrl = config("largeUrl")
big.ApiKey = key
big.LedgerPath = work & "\large-ledger.jsonl"
json = big.Plan(work & "\large.csv", "--rate-limit 1000/1")
Same "large plan: Count", big.Count, config("largeRows")
n = 0
For i = 0 To big.Count - 1
  If Len(big.Item(i, "email")) > 0 Then n = n + 1
Next
Same "large plan: every row has an email", n, config("largeRows")
Same "large plan: set + other actions = Count", big.Summary("set") + big.Summary("unchanged") + big.Summary("skipped") + big.Summary("invalid") + big.Summary("conflict") + big.Summary("not-found") + big.Summary("ambiguous"), big.Count
Check "large plan: JSON length", Len(json) > 1000 * CLng(config("largeRows")) / 10, Len(json)
End Sub

On Error Resume Next
Basics
Guard "Basics", Err.Number, Err.Description
Err.Clear
PlanRows
Guard "PlanRows", Err.Number, Err.Description
Err.Clear
ApplyRuns
Guard "ApplyRuns", Err.Number, Err.Description
Err.Clear
PlanAgain
Guard "PlanAgain", Err.Number, Err.Description
Err.Clear
BadInput
Guard "BadInput", Err.Number, Err.Description
Err.Clear
NoApiKey
Guard "NoApiKey", Err.Number, Err.Description
Err.Clear
CodePagePath
Guard "CodePagePath", Err.Number, Err.Description
Err.Clear
LargePlan
Guard "LargePlan", Err.Number, Err.Description
Err.Clear
On Error Goto 0
Check "every section ran", sections = 8, sections

WScript.Echo passed & " passed, " & failed & " failed"
If failed > 0 Then
  WScript.Quit 1
End If
WScript.Quit 0
