/*
 * A stand-in for zivver-keytool.exe in the COM bridge tests (built with mingw-w64, run under Wine):
 * prints, as one JSON document, the arguments it received (CommandLineToArgvW, as Node reads them),
 * its whole command line, and only the LENGTH of ZIVVER_API_KEY in its environment (never the value).
 * The script tests then prove the bridge's quoting and that the key is not on the command line.
 *   --echo-exit=N     write "error: stand-in exit N" to stderr and exit with N
 *   --echo-sleep=S    sleep S seconds first (TimeoutSeconds)
 *   --echo-rows=N     print N rows {"arg": "row <i>"} instead of the arguments (a large result)
 */
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

static HANDLE out;
static char buf[1 << 16];
static size_t used;

static void flush(void) {
  DWORD w;
  if (used) WriteFile(out, buf, (DWORD)used, &w, NULL);
  used = 0;
}
static void put(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (used == sizeof buf) flush();
    buf[used++] = s[i];
  }
}
static void puts_(const char *s) { put(s, strlen(s)); }

/* A JSON string: ASCII as is (escaped where JSON needs it), everything else as \uXXXX (UTF-16 units,
   so characters outside the BMP come out as surrogate pairs, as JSON allows). */
static void put_json(const WCHAR *s) {
  char tmp[8];
  put("\"", 1);
  for (; *s; s++) {
    WCHAR c = *s;
    if (c == L'"' || c == L'\\') {
      tmp[0] = '\\';
      tmp[1] = (char)c;
      put(tmp, 2);
    } else if (c >= 0x20 && c < 0x7f) {
      tmp[0] = (char)c;
      put(tmp, 1);
    } else {
      snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)c);
      put(tmp, 6);
    }
  }
  put("\"", 1);
}

int wmain(void) {
  out = GetStdHandle(STD_OUTPUT_HANDLE);
  int argc = 0;
  const WCHAR *line = GetCommandLineW();
  WCHAR **argv = CommandLineToArgvW(line, &argc);
  long rows = -1;
  int exit_code = 0;
  for (int i = 1; i < argc; i++) {
    if (wcsncmp(argv[i], L"--echo-sleep=", 13) == 0) Sleep((DWORD)_wtoi(argv[i] + 13) * 1000);
  }
  for (int i = 1; i < argc; i++) {
    if (wcsncmp(argv[i], L"--echo-exit=", 12) == 0) {
      int code = _wtoi(argv[i] + 12);
      char msg[64];
      DWORD w;
      int n = snprintf(msg, sizeof msg, "warning: about to fail\r\nerror: stand-in exit %d\r\n", code);
      WriteFile(GetStdHandle(STD_ERROR_HANDLE), msg, (DWORD)n, &w, NULL);
      if (code != 1) return code;
      exit_code = 1;
    }
    if (wcsncmp(argv[i], L"--echo-rows=", 12) == 0) rows = _wtol(argv[i] + 12);
  }
  WCHAR key[1024];
  DWORD keylen = GetEnvironmentVariableW(L"ZIVVER_API_KEY", key, 1024);
  SecureZeroMemory(key, sizeof key);
  char num[32];
  puts_("{\"kind\":\"argv-echo\",\"summary\":{\"args\":");
  snprintf(num, sizeof num, "%d", argc - 1);
  puts_(num);
  puts_(",\"apiKeyLength\":");
  snprintf(num, sizeof num, "%lu", (unsigned long)keylen);
  puts_(num);
  puts_("},\"commandLine\":");
  put_json(line);
  puts_(",\"rows\":[");
  if (rows >= 0) {
    for (long i = 0; i < rows; i++) {
      char row[96];
      int n = snprintf(row, sizeof row, "%s{\"index\":%ld,\"arg\":\"row %ld\",\"ok\":true,\"none\":null,\"nested\":{\"half\":%ld.5}}", i ? ",\n" : "\n", i, i, i);
      put(row, (size_t)n);
    }
  } else {
    for (int i = 1; i < argc; i++) {
      puts_(i > 1 ? ",\n{\"arg\":" : "\n{\"arg\":");
      put_json(argv[i]);
      puts_("}");
    }
  }
  puts_("\n]}\n");
  flush();
  LocalFree(argv);
  return exit_code;
}
