/* See run.h. */
#include "run.h"
#include <stdio.h>
#include <wchar.h>

#include "errors.h"

void wb_add(wbuf *b, const WCHAR *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    WCHAR *q = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, cap * sizeof(WCHAR));
    if (!q) {
      b->failed = 1;
      return;
    }
    if (b->s) {
      memcpy(q, b->s, b->len * sizeof(WCHAR));
      /* the old buffer may hold a secret (the environment block): wipe before freeing */
      SecureZeroMemory(b->s, b->cap * sizeof(WCHAR));
      HeapFree(GetProcessHeap(), 0, b->s);
    }
    b->s = q;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n * sizeof(WCHAR));
  b->len += n;
  b->s[b->len] = 0;
}

void wb_adds(wbuf *b, const WCHAR *s) { wb_add(b, s, wcslen(s)); }

void wb_free(wbuf *b) {
  if (b->s) {
    SecureZeroMemory(b->s, b->cap * sizeof(WCHAR));
    HeapFree(GetProcessHeap(), 0, b->s);
  }
  b->s = NULL;
  b->len = b->cap = 0;
  b->failed = 0;
}

void wb_add_arg(wbuf *b, const WCHAR *arg, size_t n) {
  int plain = n > 0;
  for (size_t i = 0; i < n && plain; i++)
    if (arg[i] == L' ' || arg[i] == L'\t' || arg[i] == L'\n' || arg[i] == L'\v' || arg[i] == L'"') plain = 0;
  if (plain) {
    wb_add(b, arg, n);
    return;
  }
  wb_add(b, L"\"", 1);
  size_t slashes = 0;
  for (size_t i = 0; i < n; i++) {
    if (arg[i] == L'\\') {
      slashes++;
      continue;
    }
    if (arg[i] == L'"') {
      /* 2n+1 backslashes, then the quote: n literal backslashes and a literal quote */
      for (size_t k = 0; k < slashes * 2 + 1; k++) wb_add(b, L"\\", 1);
    } else {
      for (size_t k = 0; k < slashes; k++) wb_add(b, L"\\", 1);
    }
    slashes = 0;
    wb_add(b, &arg[i], 1);
  }
  /* before the closing quote every backslash is doubled */
  for (size_t k = 0; k < slashes * 2; k++) wb_add(b, L"\\", 1);
  wb_add(b, L"\"", 1);
}

void run_result_free(run_result *r) {
  if (r->out) HeapFree(GetProcessHeap(), 0, r->out);
  if (r->err) HeapFree(GetProcessHeap(), 0, r->err);
  r->out = r->err = NULL;
  r->out_len = r->err_len = 0;
}

static void set_msg(WCHAR *msg, size_t cap, const WCHAR *fmt, const WCHAR *a, DWORD code) {
  if (!cap) return;
  _snwprintf(msg, cap - 1, fmt, a ? a : L"", code);
  msg[cap - 1] = 0;
}

/* A new, empty temporary file, open for reading and writing and inheritable by the child. */
static HANDLE temp_file(WCHAR *name /* MAX_PATH */) {
  WCHAR dir[MAX_PATH];
  DWORD n = GetTempPathW(MAX_PATH, dir);
  if (n == 0 || n >= MAX_PATH) return INVALID_HANDLE_VALUE;
  if (!GetTempFileNameW(dir, L"zkt", 0, name)) return INVALID_HANDLE_VALUE;
  SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
  HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa, CREATE_ALWAYS,
                         FILE_ATTRIBUTE_TEMPORARY, NULL);
  if (h == INVALID_HANDLE_VALUE) DeleteFileW(name);
  return h;
}

/* Reads the whole file from its start into a NUL-terminated heap buffer. */
static int read_all(HANDLE h, char **out, size_t *len) {
  LARGE_INTEGER size, zero = { 0 };
  *out = NULL;
  *len = 0;
  if (!GetFileSizeEx(h, &size) || size.QuadPart < 0 || (ULONGLONG)size.QuadPart >= 0x7fffffffULL) return -1;
  if (!SetFilePointerEx(h, zero, NULL, FILE_BEGIN)) return -1;
  size_t want = (size_t)size.QuadPart;
  char *buf = HeapAlloc(GetProcessHeap(), 0, want + 1);
  if (!buf) return -1;
  size_t got = 0;
  while (got < want) {
    DWORD chunk = want - got > 1u << 30 ? 1u << 30 : (DWORD)(want - got), read = 0;
    if (!ReadFile(h, buf + got, chunk, &read, NULL) || read == 0) break;
    got += read;
  }
  buf[got] = 0;
  *out = buf;
  *len = got;
  return 0;
}

/* The caller's environment with ZIVVER_API_KEY replaced by `key`. */
static int build_env(wbuf *env, const WCHAR *key) {
  static const WCHAR name[] = L"ZIVVER_API_KEY=";
  const size_t nlen = (sizeof name / sizeof name[0]) - 1;
  WCHAR *block = GetEnvironmentStringsW();
  if (!block) return -1;
  for (WCHAR *p = block; *p; p += wcslen(p) + 1) {
    size_t len = wcslen(p);
    if (len >= nlen && _wcsnicmp(p, name, nlen) == 0) continue;
    wb_add(env, p, len + 1); /* with its NUL */
  }
  FreeEnvironmentStringsW(block);
  wb_add(env, name, nlen);
  wb_add(env, key, wcslen(key) + 1);
  wb_add(env, L"", 1); /* the block ends with an empty string */
  return env->failed ? -1 : 0;
}

HRESULT run_exe(const WCHAR *exe, const WCHAR *args, const WCHAR *api_key, DWORD timeout_ms, run_result *r, WCHAR *msg, size_t msgcap) {
  HRESULT hr = S_OK;
  WCHAR out_name[MAX_PATH] = { 0 }, err_name[MAX_PATH] = { 0 };
  HANDLE hout = INVALID_HANDLE_VALUE, herr = INVALID_HANDLE_VALUE, hin = INVALID_HANDLE_VALUE;
  wbuf cmd = { 0 }, env = { 0 };
  PROCESS_INFORMATION pi = { 0 };
  memset(r, 0, sizeof *r);

  if (GetFileAttributesW(exe) == INVALID_FILE_ATTRIBUTES) {
    set_msg(msg, msgcap, L"zivver-keytool.exe not found at %ls (set ExePath)", exe, 0);
    return ZKT_E_EXE_MISSING;
  }
  hout = temp_file(out_name);
  herr = temp_file(err_name);
  SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
  hin = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
  if (hout == INVALID_HANDLE_VALUE || herr == INVALID_HANDLE_VALUE || hin == INVALID_HANDLE_VALUE) {
    set_msg(msg, msgcap, L"could not create temporary files for the output of zivver-keytool.exe%ls (error %lu)", NULL, GetLastError());
    hr = ZKT_E_START;
    goto done;
  }

  wb_add_arg(&cmd, exe, wcslen(exe));
  if (args && *args) {
    wb_add(&cmd, L" ", 1);
    wb_adds(&cmd, args);
  }
  if (api_key && build_env(&env, api_key)) {
    set_msg(msg, msgcap, L"out of memory%ls (%lu)", NULL, 0);
    hr = E_OUTOFMEMORY;
    goto done;
  }
  if (cmd.failed) {
    hr = E_OUTOFMEMORY;
    set_msg(msg, msgcap, L"out of memory%ls (%lu)", NULL, 0);
    goto done;
  }

  STARTUPINFOEXW si;
  memset(&si, 0, sizeof si);
  si.StartupInfo.cb = sizeof si.StartupInfo;
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  si.StartupInfo.hStdInput = hin;
  si.StartupInfo.hStdOutput = hout;
  si.StartupInfo.hStdError = herr;
  /* Only these three handles are inherited, not every inheritable handle of the host (Excel, IIS,
     another bridge object's temporary files on another thread). Without the attribute list (very
     old systems) the child inherits the host's inheritable handles, as CreateProcess always did. */
  HANDLE inherit[3] = { hin, hout, herr };
  SIZE_T attr_size = 0;
  DWORD flags = CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT;
  InitializeProcThreadAttributeList(NULL, 1, 0, &attr_size);
  if (attr_size) si.lpAttributeList = HeapAlloc(GetProcessHeap(), 0, attr_size);
  if (si.lpAttributeList) {
    if (InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &attr_size) &&
        UpdateProcThreadAttribute(si.lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit, sizeof inherit, NULL, NULL)) {
      si.StartupInfo.cb = sizeof si;
      flags |= EXTENDED_STARTUPINFO_PRESENT;
    } else {
      HeapFree(GetProcessHeap(), 0, si.lpAttributeList);
      si.lpAttributeList = NULL;
    }
  }
  /* lpApplicationName names the exe exactly: no search path, no shell, no cmd.exe. */
  BOOL ok = CreateProcessW(exe, cmd.s, NULL, NULL, TRUE, flags, api_key ? env.s : NULL, NULL, &si.StartupInfo, &pi);
  DWORD started_error = GetLastError();
  if (si.lpAttributeList) {
    DeleteProcThreadAttributeList(si.lpAttributeList);
    HeapFree(GetProcessHeap(), 0, si.lpAttributeList);
  }
  wb_free(&env); /* the only copy of the key made for the child: wiped now */
  if (!ok) {
    set_msg(msg, msgcap, L"could not start %ls (error %lu)", exe, started_error);
    hr = ZKT_E_START;
    goto done;
  }
  CloseHandle(pi.hThread);
  DWORD w = WaitForSingleObject(pi.hProcess, timeout_ms ? timeout_ms : INFINITE);
  if (w != WAIT_OBJECT_0) {
    TerminateProcess(pi.hProcess, 124);
    WaitForSingleObject(pi.hProcess, 10000);
    set_msg(msg, msgcap, L"zivver-keytool.exe did not finish within %ls%lu seconds (TimeoutSeconds) and was stopped", NULL, timeout_ms / 1000);
    hr = ZKT_E_TIMEOUT;
  }
  DWORD code = 0;
  GetExitCodeProcess(pi.hProcess, &code);
  r->exit_code = code;
  CloseHandle(pi.hProcess);
  if (read_all(hout, &r->out, &r->out_len) || read_all(herr, &r->err, &r->err_len)) {
    if (hr == S_OK) {
      set_msg(msg, msgcap, L"could not read the output of zivver-keytool.exe%ls (error %lu)", NULL, GetLastError());
      hr = ZKT_E_START;
    }
  }

done:
  wb_free(&cmd);
  wb_free(&env);
  if (hin != INVALID_HANDLE_VALUE) CloseHandle(hin);
  if (hout != INVALID_HANDLE_VALUE) CloseHandle(hout);
  if (herr != INVALID_HANDLE_VALUE) CloseHandle(herr);
  if (out_name[0]) DeleteFileW(out_name);
  if (err_name[0]) DeleteFileW(err_name);
  if (FAILED(hr)) run_result_free(r);
  return hr;
}
