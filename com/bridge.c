/*
 * ZivverKeytool.Bridge: an in-process COM server (dual interface, IDispatch from the embedded type
 * library) that runs zivver-keytool.exe for VBScript, JScript, VBA and classic ASP.
 * Threading model Apartment: one object is used from one thread; the module's globals are guarded.
 */
#define COBJMACROS
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <ole2.h>
#include <oleauto.h>
#include <olectl.h>
#include <wchar.h>

#include "bridge_h.h"
#include "errors.h"
#include "json.h"
#include "run.h"

#ifndef ZKT_VERSION
#define ZKT_VERSION "0.0.0"
#endif
#define WIDEN2(x) L##x
#define WIDEN(x) WIDEN2(x)

static const WCHAR PROGID[] = L"ZivverKeytool.Bridge";
static const WCHAR EXE_NAME[] = L"zivver-keytool.exe";

static HINSTANCE g_module;
static LONG g_objects, g_locks;
static CRITICAL_SECTION g_lock;
static ITypeInfo *g_typeinfo;

/* ---------------------------------------------------------------- type information */

static HRESULT get_typeinfo(ITypeInfo **out) {
  HRESULT hr = S_OK;
  EnterCriticalSection(&g_lock);
  if (!g_typeinfo) {
    WCHAR path[MAX_PATH];
    ITypeLib *tl = NULL;
    DWORD n = GetModuleFileNameW(g_module, path, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) hr = E_FAIL;
    if (SUCCEEDED(hr)) hr = LoadTypeLibEx(path, REGKIND_NONE, &tl);
    if (SUCCEEDED(hr)) {
      hr = ITypeLib_GetTypeInfoOfGuid(tl, &IID_IZivverKeytoolBridge, &g_typeinfo);
      ITypeLib_Release(tl);
    }
  }
  if (g_typeinfo) {
    ITypeInfo_AddRef(g_typeinfo);
    *out = g_typeinfo;
  }
  LeaveCriticalSection(&g_lock);
  return hr;
}

/* ---------------------------------------------------------------- the object */

typedef struct {
  IZivverKeytoolBridge iface;
  ISupportErrorInfo errinfo;
  LONG ref;
  BSTR exe_path, zivver_url, ledger_path; /* NULL: defaults */
  WCHAR *api_key;                         /* NULL: not set; wiped when replaced or freed */
  size_t api_key_cap;
  LONG timeout_seconds;
  LONG last_exit;
  BSTR last_stderr;
  char *last_out; /* standard output of the last run (UTF-8), which `doc` points into */
  int has_doc;
  json_doc doc;
  BSTR error_desc; /* description of the error raised by the last call, for Invoke's EXCEPINFO */
  HRESULT error_hr;
} BridgeObject;

static inline BridgeObject *from_iface(IZivverKeytoolBridge *p) { return (BridgeObject *)((char *)p - offsetof(BridgeObject, iface)); }
static inline BridgeObject *from_errinfo(ISupportErrorInfo *p) { return (BridgeObject *)((char *)p - offsetof(BridgeObject, errinfo)); }

static void wipe_key(BridgeObject *b) {
  if (b->api_key) {
    SecureZeroMemory(b->api_key, b->api_key_cap * sizeof(WCHAR));
    HeapFree(GetProcessHeap(), 0, b->api_key);
  }
  b->api_key = NULL;
  b->api_key_cap = 0;
}

static void clear_result(BridgeObject *b) {
  if (b->has_doc) json_free(&b->doc);
  b->has_doc = 0;
  if (b->last_out) HeapFree(GetProcessHeap(), 0, b->last_out);
  b->last_out = NULL;
}

/* Raises a COM error: IErrorInfo for vtable callers (VBA early binding), EXCEPINFO through Invoke. */
static HRESULT raise(BridgeObject *b, HRESULT hr, const WCHAR *desc) {
  ICreateErrorInfo *cei;
  SysFreeString(b->error_desc);
  b->error_desc = SysAllocString(desc);
  b->error_hr = hr;
  if (SUCCEEDED(CreateErrorInfo(&cei))) {
    IErrorInfo *ei;
    ICreateErrorInfo_SetGUID(cei, &IID_IZivverKeytoolBridge);
    ICreateErrorInfo_SetSource(cei, (LPOLESTR)PROGID);
    ICreateErrorInfo_SetDescription(cei, (LPOLESTR)desc);
    if (SUCCEEDED(ICreateErrorInfo_QueryInterface(cei, &IID_IErrorInfo, (void **)&ei))) {
      SetErrorInfo(0, ei);
      IErrorInfo_Release(ei);
    }
    ICreateErrorInfo_Release(cei);
  }
  return hr;
}

static BSTR utf8_to_bstr(const char *s, size_t n) {
  if (n == 0) return SysAllocStringLen(L"", 0);
  if (n > 0x7ffffffe) return NULL;
  int w = MultiByteToWideChar(CP_UTF8, 0, s, (int)n, NULL, 0);
  if (w <= 0) return NULL;
  BSTR out = SysAllocStringLen(NULL, (UINT)w);
  if (!out) return NULL;
  MultiByteToWideChar(CP_UTF8, 0, s, (int)n, out, w);
  return out;
}

/* UTF-16 → UTF-8 in a heap buffer (NUL-terminated), or NULL. */
static char *to_utf8(const WCHAR *s, size_t n, size_t *len) {
  int m = n ? WideCharToMultiByte(CP_UTF8, 0, s, (int)n, NULL, 0, NULL, NULL) : 0;
  char *out = HeapAlloc(GetProcessHeap(), 0, (size_t)m + 1);
  if (!out) return NULL;
  if (m) WideCharToMultiByte(CP_UTF8, 0, s, (int)n, out, m, NULL, NULL);
  out[m] = 0;
  *len = (size_t)m;
  return out;
}

/* The default exe: zivver-keytool.exe beside this DLL. */
static BSTR default_exe(void) {
  WCHAR path[MAX_PATH + 32];
  DWORD n = GetModuleFileNameW(g_module, path, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) return NULL;
  WCHAR *slash = wcsrchr(path, L'\\');
  if (!slash) return NULL;
  wcscpy(slash + 1, EXE_NAME);
  return SysAllocString(path);
}

/* The keytool's message from its standard error: from the first "error: " line on, else the last lines. */
static void error_message(const WCHAR *err, DWORD code, WCHAR *out, size_t cap) {
  const WCHAR *p = err, *found = NULL;
  while (p && *p) {
    if (wcsncmp(p, L"error: ", 7) == 0) {
      found = p + 7;
      break;
    }
    const WCHAR *nl = wcschr(p, L'\n');
    p = nl ? nl + 1 : NULL;
  }
  const WCHAR *msg = found;
  if (!msg && err) {
    /* no "error:" line: the last non-empty lines (at most ~1000 characters) */
    size_t len = wcslen(err);
    while (len && (err[len - 1] == L'\n' || err[len - 1] == L'\r' || err[len - 1] == L' ')) len--;
    msg = err + (len > 1000 ? len - 1000 : 0);
  }
  if (!msg || !*msg) {
    _snwprintf(out, cap - 1, L"zivver-keytool.exe failed with exit code %lu", code);
    out[cap - 1] = 0;
    return;
  }
  size_t n = wcslen(msg);
  while (n && (msg[n - 1] == L'\n' || msg[n - 1] == L'\r' || msg[n - 1] == L' ')) n--;
  if (n > cap - 1) n = cap - 1;
  size_t j = 0;
  for (size_t i = 0; i < n && j < cap - 1; i++) {
    if (msg[i] == L'\r') continue; /* CRLF → LF */
    out[j++] = msg[i];
  }
  out[j] = 0;
}

/* Appends extraArgs: a string is a command-line fragment taken as it is; an array (VBScript Array(),
   a SAFEARRAY) or a JScript array (an IDispatch with length and 0..n-1) gives one argument per element. */
static HRESULT add_one(wbuf *cmd, VARIANT *v) {
  VARIANT s;
  VariantInit(&s);
  HRESULT hr = VariantChangeType(&s, v, 0, VT_BSTR);
  if (FAILED(hr)) return hr;
  wb_add(cmd, L" ", 1);
  wb_add_arg(cmd, V_BSTR(&s), SysStringLen(V_BSTR(&s)));
  VariantClear(&s);
  return S_OK;
}

static HRESULT dispatch_get(IDispatch *d, const WCHAR *name, VARIANT *out) {
  DISPID id;
  LPOLESTR n = (LPOLESTR)name;
  HRESULT hr = IDispatch_GetIDsOfNames(d, &IID_NULL, &n, 1, LOCALE_USER_DEFAULT, &id);
  if (FAILED(hr)) return hr;
  DISPPARAMS none = { NULL, NULL, 0, 0 };
  return IDispatch_Invoke(d, id, &IID_NULL, LOCALE_USER_DEFAULT, DISPATCH_PROPERTYGET, &none, out, NULL, NULL);
}

static HRESULT add_extra(BridgeObject *b, wbuf *cmd, VARIANT *extra) {
  VARIANT v;
  VariantInit(&v);
  HRESULT hr = VariantCopyInd(&v, extra);
  if (FAILED(hr)) return raise(b, ZKT_E_ARGUMENT, L"extraArgs: cannot read the value");
  hr = S_OK;
  VARTYPE vt = V_VT(&v);
  if (vt == VT_EMPTY || vt == VT_NULL || (vt == VT_ERROR && V_ERROR(&v) == DISP_E_PARAMNOTFOUND)) {
    /* omitted */
  } else if (vt == VT_BSTR) {
    if (SysStringLen(V_BSTR(&v))) {
      wb_add(cmd, L" ", 1);
      wb_add(cmd, V_BSTR(&v), SysStringLen(V_BSTR(&v)));
    }
  } else if (vt & VT_ARRAY) {
    SAFEARRAY *sa = V_ARRAY(&v);
    LONG lo = 0, hi = -1;
    if (SafeArrayGetDim(sa) != 1 || FAILED(SafeArrayGetLBound(sa, 1, &lo)) || FAILED(SafeArrayGetUBound(sa, 1, &hi))) {
      hr = raise(b, ZKT_E_ARGUMENT, L"extraArgs: give a one-dimensional array of strings, or one string");
    }
    for (LONG i = lo; SUCCEEDED(hr) && i <= hi; i++) {
      VARIANT el;
      VariantInit(&el);
      if ((vt & VT_TYPEMASK) == VT_VARIANT) {
        hr = SafeArrayGetElement(sa, &i, &el);
      } else if ((vt & VT_TYPEMASK) == VT_BSTR) {
        BSTR s = NULL;
        hr = SafeArrayGetElement(sa, &i, &s);
        V_VT(&el) = VT_BSTR;
        V_BSTR(&el) = s;
      } else {
        hr = E_INVALIDARG;
      }
      if (SUCCEEDED(hr)) hr = add_one(cmd, &el);
      VariantClear(&el);
      if (FAILED(hr)) hr = raise(b, ZKT_E_ARGUMENT, L"extraArgs: every element must be a string (or a number)");
    }
  } else if (vt == VT_DISPATCH && V_DISPATCH(&v)) {
    VARIANT len;
    VariantInit(&len);
    if (FAILED(dispatch_get(V_DISPATCH(&v), L"length", &len)) || FAILED(VariantChangeType(&len, &len, 0, VT_I4)) || V_I4(&len) < 0) {
      hr = raise(b, ZKT_E_ARGUMENT, L"extraArgs: an object given as extraArgs must be an array");
    } else {
      for (LONG i = 0; SUCCEEDED(hr) && i < V_I4(&len); i++) {
        WCHAR idx[16];
        VARIANT el;
        VariantInit(&el);
        _snwprintf(idx, 16, L"%ld", (long)i);
        idx[15] = 0;
        hr = dispatch_get(V_DISPATCH(&v), idx, &el);
        if (SUCCEEDED(hr)) hr = add_one(cmd, &el);
        VariantClear(&el);
        if (FAILED(hr)) hr = raise(b, ZKT_E_ARGUMENT, L"extraArgs: every element must be a string (or a number)");
      }
    }
    VariantClear(&len);
  } else {
    hr = add_one(cmd, &v);
    if (FAILED(hr)) hr = raise(b, ZKT_E_ARGUMENT, L"extraArgs: give a string or an array of strings");
  }
  VariantClear(&v);
  return hr;
}

/* Runs the exe with the argument tail in `cmd`; stores exit code, stderr and the output. On a
   failing exit (>= 2) raises the keytool's message. Returns the output as a BSTR in *out. */
static HRESULT execute(BridgeObject *b, wbuf *cmd, BSTR *out) {
  WCHAR msg[2048];
  run_result r;
  if (!out) return E_POINTER;
  *out = NULL;
  if (cmd->failed) return raise(b, E_OUTOFMEMORY, L"out of memory");
  BSTR exe = b->exe_path && SysStringLen(b->exe_path) ? SysAllocString(b->exe_path) : default_exe();
  if (!exe) return raise(b, E_OUTOFMEMORY, L"cannot find the folder of the bridge DLL; set ExePath");
  clear_result(b);
  SysFreeString(b->last_stderr);
  b->last_stderr = NULL;
  b->last_exit = -1;
  DWORD timeout = b->timeout_seconds > 0 ? (DWORD)b->timeout_seconds * 1000u : 0;
  if (b->timeout_seconds > 4000000) timeout = 0;
  HRESULT hr = run_exe(exe, cmd->s, b->api_key, timeout, &r, msg, sizeof msg / sizeof msg[0]);
  SysFreeString(exe);
  if (FAILED(hr) && hr != ZKT_E_TIMEOUT) return raise(b, hr, msg);
  b->last_exit = (LONG)r.exit_code;
  b->last_stderr = utf8_to_bstr(r.err, r.err_len);
  if (hr == ZKT_E_TIMEOUT) {
    run_result_free(&r);
    return raise(b, hr, msg);
  }
  if (r.exit_code >= 2) {
    error_message(b->last_stderr, r.exit_code, msg, sizeof msg / sizeof msg[0]);
    run_result_free(&r);
    return raise(b, (HRESULT)(ZKT_E_EXIT_BASE + (r.exit_code & 0xFF)), msg);
  }
  *out = utf8_to_bstr(r.out, r.out_len);
  if (!*out) {
    run_result_free(&r);
    return raise(b, E_OUTOFMEMORY, L"out of memory (the output is too large)");
  }
  /* keep stdout for the row accessors when it is one JSON document */
  b->last_out = r.out;
  r.out = NULL;
  b->has_doc = json_parse(&b->doc, b->last_out, r.out_len) == 0;
  run_result_free(&r);
  return S_OK;
}

/* Adds the options every command gets from the properties. */
static void add_common(BridgeObject *b, wbuf *cmd, int with_ledger) {
  if (b->zivver_url && SysStringLen(b->zivver_url)) {
    wb_adds(cmd, L" --zivver-url ");
    wb_add_arg(cmd, b->zivver_url, SysStringLen(b->zivver_url));
  }
  if (with_ledger && b->ledger_path && SysStringLen(b->ledger_path)) {
    wb_adds(cmd, L" --ledger ");
    wb_add_arg(cmd, b->ledger_path, SysStringLen(b->ledger_path));
  }
}

static HRESULT command(BridgeObject *b, const WCHAR *verb, const WCHAR *file_opt, BSTR file, int with_ledger, VARIANT *extra, BSTR *out) {
  wbuf cmd = { 0 };
  b->error_hr = S_OK;
  if (!out) return E_POINTER;
  *out = NULL;
  if (file_opt && (!file || !SysStringLen(file))) {
    WCHAR m[160];
    _snwprintf(m, 159, L"%ls: give the %ls file", verb, file_opt + 2);
    m[159] = 0;
    return raise(b, ZKT_E_ARGUMENT, m);
  }
  wb_adds(&cmd, verb);
  if (file_opt) {
    wb_add(&cmd, L" ", 1);
    wb_adds(&cmd, file_opt);
    wb_add(&cmd, L" ", 1);
    wb_add_arg(&cmd, file, SysStringLen(file));
  }
  wb_adds(&cmd, L" --output json");
  add_common(b, &cmd, with_ledger);
  HRESULT hr = extra ? add_extra(b, &cmd, extra) : S_OK;
  if (SUCCEEDED(hr)) hr = execute(b, &cmd, out);
  wb_free(&cmd);
  return hr;
}

/* --- IUnknown */

static HRESULT STDMETHODCALLTYPE b_QueryInterface(IZivverKeytoolBridge *This, REFIID riid, void **ppv) {
  BridgeObject *b = from_iface(This);
  if (!ppv) return E_POINTER;
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_IZivverKeytoolBridge)) {
    *ppv = &b->iface;
  } else if (IsEqualIID(riid, &IID_ISupportErrorInfo)) {
    *ppv = &b->errinfo;
  } else {
    *ppv = NULL;
    return E_NOINTERFACE;
  }
  InterlockedIncrement(&b->ref);
  return S_OK;
}

static ULONG STDMETHODCALLTYPE b_AddRef(IZivverKeytoolBridge *This) { return (ULONG)InterlockedIncrement(&from_iface(This)->ref); }

static ULONG STDMETHODCALLTYPE b_Release(IZivverKeytoolBridge *This) {
  BridgeObject *b = from_iface(This);
  LONG ref = InterlockedDecrement(&b->ref);
  if (ref == 0) {
    wipe_key(b);
    clear_result(b);
    SysFreeString(b->exe_path);
    SysFreeString(b->zivver_url);
    SysFreeString(b->ledger_path);
    SysFreeString(b->last_stderr);
    SysFreeString(b->error_desc);
    HeapFree(GetProcessHeap(), 0, b);
    InterlockedDecrement(&g_objects);
  }
  return (ULONG)ref;
}

/* --- IDispatch, from the type library */

static HRESULT STDMETHODCALLTYPE b_GetTypeInfoCount(IZivverKeytoolBridge *This, UINT *n) {
  (void)This;
  if (!n) return E_POINTER;
  *n = 1;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE b_GetTypeInfo(IZivverKeytoolBridge *This, UINT i, LCID lcid, ITypeInfo **ti) {
  (void)This;
  (void)lcid;
  if (!ti) return E_POINTER;
  *ti = NULL;
  if (i != 0) return DISP_E_BADINDEX;
  return get_typeinfo(ti);
}

static HRESULT STDMETHODCALLTYPE b_GetIDsOfNames(IZivverKeytoolBridge *This, REFIID riid, LPOLESTR *names, UINT n, LCID lcid, DISPID *ids) {
  ITypeInfo *ti;
  (void)This;
  (void)lcid;
  if (!IsEqualIID(riid, &IID_NULL)) return DISP_E_UNKNOWNINTERFACE;
  HRESULT hr = get_typeinfo(&ti);
  if (FAILED(hr)) return hr;
  hr = DispGetIDsOfNames(ti, names, n, ids);
  ITypeInfo_Release(ti);
  return hr;
}

static HRESULT STDMETHODCALLTYPE b_Invoke(IZivverKeytoolBridge *This, DISPID id, REFIID riid, LCID lcid, WORD flags, DISPPARAMS *params, VARIANT *result,
                                          EXCEPINFO *ei, UINT *argerr) {
  BridgeObject *b = from_iface(This);
  ITypeInfo *ti;
  (void)lcid;
  if (!IsEqualIID(riid, &IID_NULL)) return DISP_E_UNKNOWNINTERFACE;
  HRESULT hr = get_typeinfo(&ti);
  if (FAILED(hr)) return hr;
  b->error_hr = S_OK;
  if (ei) memset(ei, 0, sizeof *ei);
  hr = DispInvoke(&b->iface, ti, id, flags, params, result, ei, argerr);
  ITypeInfo_Release(ti);
  /* A member raised an error: make sure the script host sees our description and number, whether
     or not the type library's Invoke filled EXCEPINFO from IErrorInfo. */
  if (FAILED(hr) && FAILED(b->error_hr) && (hr == DISP_E_EXCEPTION || hr == b->error_hr) && ei) {
    if (!ei->bstrDescription) ei->bstrDescription = SysAllocString(b->error_desc ? b->error_desc : L"");
    if (!ei->bstrSource) ei->bstrSource = SysAllocString(PROGID);
    ei->wCode = 0;
    ei->scode = b->error_hr;
    hr = DISP_E_EXCEPTION;
  }
  return hr;
}

/* --- the commands */

static HRESULT STDMETHODCALLTYPE b_Plan(IZivverKeytoolBridge *This, BSTR input, VARIANT extra, BSTR *json) {
  return command(from_iface(This), L"plan", L"--input", input, 1, &extra, json);
}
static HRESULT STDMETHODCALLTYPE b_Apply(IZivverKeytoolBridge *This, BSTR plan, VARIANT extra, BSTR *json) {
  return command(from_iface(This), L"apply", L"--plan", plan, 1, &extra, json);
}
static HRESULT STDMETHODCALLTYPE b_Sync(IZivverKeytoolBridge *This, BSTR input, VARIANT extra, BSTR *json) {
  return command(from_iface(This), L"sync", L"--input", input, 1, &extra, json);
}
static HRESULT STDMETHODCALLTYPE b_Rollback(IZivverKeytoolBridge *This, BSTR results, VARIANT extra, BSTR *json) {
  return command(from_iface(This), L"rollback", L"--results", results, 1, &extra, json);
}
static HRESULT STDMETHODCALLTYPE b_TestConnection(IZivverKeytoolBridge *This, VARIANT extra, BSTR *json) {
  return command(from_iface(This), L"test-connection", NULL, NULL, 0, &extra, json);
}
static HRESULT STDMETHODCALLTYPE b_Run(IZivverKeytoolBridge *This, BSTR line, BSTR *output) {
  BridgeObject *b = from_iface(This);
  wbuf cmd = { 0 };
  b->error_hr = S_OK;
  if (line) wb_add(&cmd, line, SysStringLen(line));
  else wb_add(&cmd, L"", 0);
  HRESULT hr = execute(b, &cmd, output);
  wb_free(&cmd);
  return hr;
}

/* --- properties */

static HRESULT STDMETHODCALLTYPE b_get_LastExitCode(IZivverKeytoolBridge *This, LONG *code) {
  if (!code) return E_POINTER;
  *code = from_iface(This)->last_exit;
  return S_OK;
}
static HRESULT copy_bstr(BSTR src, BSTR *out) {
  if (!out) return E_POINTER;
  *out = src ? SysAllocStringLen(src, SysStringLen(src)) : SysAllocString(L"");
  return *out ? S_OK : E_OUTOFMEMORY;
}
static HRESULT set_bstr(BSTR *dst, BSTR src) {
  BSTR n = src ? SysAllocStringLen(src, SysStringLen(src)) : NULL;
  if (src && !n) return E_OUTOFMEMORY;
  SysFreeString(*dst);
  *dst = n;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE b_get_LastStdErr(IZivverKeytoolBridge *This, BSTR *text) { return copy_bstr(from_iface(This)->last_stderr, text); }
static HRESULT STDMETHODCALLTYPE b_get_ExePath(IZivverKeytoolBridge *This, BSTR *path) {
  BridgeObject *b = from_iface(This);
  if (!path) return E_POINTER;
  if (b->exe_path && SysStringLen(b->exe_path)) return copy_bstr(b->exe_path, path);
  *path = default_exe();
  return *path ? S_OK : E_OUTOFMEMORY;
}
static HRESULT STDMETHODCALLTYPE b_put_ExePath(IZivverKeytoolBridge *This, BSTR path) { return set_bstr(&from_iface(This)->exe_path, path); }
static HRESULT STDMETHODCALLTYPE b_get_ZivverUrl(IZivverKeytoolBridge *This, BSTR *url) { return copy_bstr(from_iface(This)->zivver_url, url); }
static HRESULT STDMETHODCALLTYPE b_put_ZivverUrl(IZivverKeytoolBridge *This, BSTR url) { return set_bstr(&from_iface(This)->zivver_url, url); }
static HRESULT STDMETHODCALLTYPE b_get_LedgerPath(IZivverKeytoolBridge *This, BSTR *path) { return copy_bstr(from_iface(This)->ledger_path, path); }
static HRESULT STDMETHODCALLTYPE b_put_LedgerPath(IZivverKeytoolBridge *This, BSTR path) { return set_bstr(&from_iface(This)->ledger_path, path); }
static HRESULT STDMETHODCALLTYPE b_get_TimeoutSeconds(IZivverKeytoolBridge *This, LONG *s) {
  if (!s) return E_POINTER;
  *s = from_iface(This)->timeout_seconds;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE b_put_TimeoutSeconds(IZivverKeytoolBridge *This, LONG s) {
  BridgeObject *b = from_iface(This);
  b->error_hr = S_OK;
  if (s < 0 || s > 4000000) return raise(b, ZKT_E_ARGUMENT, L"TimeoutSeconds must be 0 (no limit) to 4000000");
  b->timeout_seconds = s;
  return S_OK;
}
static HRESULT STDMETHODCALLTYPE b_get_Version(IZivverKeytoolBridge *This, BSTR *v) {
  (void)This;
  if (!v) return E_POINTER;
  *v = SysAllocString(WIDEN(ZKT_VERSION));
  return *v ? S_OK : E_OUTOFMEMORY;
}
static HRESULT STDMETHODCALLTYPE b_put_ApiKey(IZivverKeytoolBridge *This, BSTR key) {
  BridgeObject *b = from_iface(This);
  wipe_key(b);
  UINT n = key ? SysStringLen(key) : 0;
  if (!n) return S_OK; /* "" forgets the key: the child then inherits ZIVVER_API_KEY from the caller, if any */
  b->api_key = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, ((size_t)n + 1) * sizeof(WCHAR));
  if (!b->api_key) return E_OUTOFMEMORY;
  b->api_key_cap = (size_t)n + 1;
  memcpy(b->api_key, key, (size_t)n * sizeof(WCHAR));
  return S_OK;
}

/* --- row accessors over the last JSON result */

/* The rows array of the last result: plan.rows, results.results, or the document when it is an array. */
static int64_t rows_node(BridgeObject *b) {
  if (!b->has_doc || !b->doc.nnodes) return -1;
  if (b->doc.nodes[0].type == JSON_ARRAY) return 0;
  int64_t n = json_member(&b->doc, 0, "rows", 4);
  if (n < 0 || b->doc.nodes[n].type != JSON_ARRAY) n = json_member(&b->doc, 0, "results", 7);
  if (n < 0 || b->doc.nodes[n].type != JSON_ARRAY) return -1;
  return n;
}

static HRESULT no_result(BridgeObject *b) {
  return raise(b, ZKT_E_NO_RESULT,
               b->last_out ? L"the last output was not one JSON document with rows (use Plan, Apply, Sync or Rollback)"
                           : L"there is no result yet: call Plan, Apply, Sync or Rollback first");
}

static HRESULT STDMETHODCALLTYPE b_get_Count(IZivverKeytoolBridge *This, LONG *count) {
  BridgeObject *b = from_iface(This);
  b->error_hr = S_OK;
  if (!count) return E_POINTER;
  int64_t rows = rows_node(b);
  if (rows < 0) return no_result(b);
  *count = (LONG)b->doc.nodes[rows].count;
  return S_OK;
}

/* A JSON value as a VARIANT: string → String, integer → Long (Double when large), other numbers →
   Double, true/false → Boolean, null → Null, object/array → its JSON text. */
static HRESULT to_variant(BridgeObject *b, uint32_t n, VARIANT *out) {
  const json_node *x = &b->doc.nodes[n];
  switch (x->type) {
    case JSON_NULL: V_VT(out) = VT_NULL; return S_OK;
    case JSON_TRUE: V_VT(out) = VT_BOOL; V_BOOL(out) = VARIANT_TRUE; return S_OK;
    case JSON_FALSE: V_VT(out) = VT_BOOL; V_BOOL(out) = VARIANT_FALSE; return S_OK;
    case JSON_NUMBER: {
      double d = json_number(&b->doc, n);
      if (d >= -2147483648.0 && d <= 2147483647.0 && d == (double)(LONG)d) {
        V_VT(out) = VT_I4;
        V_I4(out) = (LONG)d;
      } else {
        V_VT(out) = VT_R8;
        V_R8(out) = d;
      }
      return S_OK;
    }
    case JSON_STRING: {
      int64_t len = json_string(&b->doc, n, NULL, 0);
      if (len < 0) return E_FAIL;
      char *buf = HeapAlloc(GetProcessHeap(), 0, (size_t)len + 1);
      if (!buf) return E_OUTOFMEMORY;
      json_string(&b->doc, n, buf, (size_t)len);
      BSTR s = utf8_to_bstr(buf, (size_t)len);
      HeapFree(GetProcessHeap(), 0, buf);
      if (!s) return E_OUTOFMEMORY;
      V_VT(out) = VT_BSTR;
      V_BSTR(out) = s;
      return S_OK;
    }
    default: {
      BSTR s = utf8_to_bstr(b->doc.text + x->start, x->len);
      if (!s) return E_OUTOFMEMORY;
      V_VT(out) = VT_BSTR;
      V_BSTR(out) = s;
      return S_OK;
    }
  }
}

static HRESULT STDMETHODCALLTYPE b_Item(IZivverKeytoolBridge *This, LONG index, BSTR field, VARIANT *value) {
  BridgeObject *b = from_iface(This);
  b->error_hr = S_OK;
  if (!value) return E_POINTER;
  VariantInit(value);
  int64_t rows = rows_node(b);
  if (rows < 0) return no_result(b);
  uint32_t count = b->doc.nodes[rows].count;
  if (index < 0 || (uint32_t)index >= count) {
    WCHAR m[160];
    _snwprintf(m, 159, L"Item: index %ld is out of range (0 to %ld; Count is %lu)", (long)index, (long)count - 1, (unsigned long)count);
    m[159] = 0;
    return raise(b, ZKT_E_ARGUMENT, m);
  }
  int64_t node = json_element(&b->doc, (uint32_t)rows, (uint32_t)index);
  if (node < 0) return no_result(b);
  /* field: a member name, or a dotted path into nested objects (e.g. "account.id"); "" is the whole row */
  size_t len = 0;
  char *f = to_utf8(field ? field : L"", field ? SysStringLen(field) : 0, &len);
  if (!f) return E_OUTOFMEMORY;
  size_t at = 0;
  while (node >= 0 && at < len) {
    char *dot = memchr(f + at, '.', len - at);
    size_t seg = dot ? (size_t)(dot - (f + at)) : len - at;
    node = json_member(&b->doc, (uint32_t)node, f + at, seg);
    at += seg + (dot ? 1 : 0);
  }
  HeapFree(GetProcessHeap(), 0, f);
  if (node < 0) return S_OK; /* no such field: Empty */
  return to_variant(b, (uint32_t)node, value);
}

static HRESULT STDMETHODCALLTYPE b_Summary(IZivverKeytoolBridge *This, BSTR action, LONG *count) {
  BridgeObject *b = from_iface(This);
  b->error_hr = S_OK;
  if (!count) return E_POINTER;
  *count = 0;
  if (!b->has_doc || !b->doc.nnodes || b->doc.nodes[0].type != JSON_OBJECT) return no_result(b);
  int64_t s = json_member(&b->doc, 0, "summary", 7);
  if (s < 0 || b->doc.nodes[s].type != JSON_OBJECT) s = json_member(&b->doc, 0, "counts", 6);
  if (s < 0 || b->doc.nodes[s].type != JSON_OBJECT) return no_result(b);
  size_t len = 0;
  char *a = to_utf8(action ? action : L"", action ? SysStringLen(action) : 0, &len);
  if (!a) return E_OUTOFMEMORY;
  int64_t n = json_member(&b->doc, (uint32_t)s, a, len);
  HeapFree(GetProcessHeap(), 0, a);
  if (n >= 0 && b->doc.nodes[n].type == JSON_NUMBER) *count = (LONG)json_number(&b->doc, (uint32_t)n);
  return S_OK;
}

static const IZivverKeytoolBridgeVtbl bridge_vtbl = {
  b_QueryInterface, b_AddRef, b_Release,
  b_GetTypeInfoCount, b_GetTypeInfo, b_GetIDsOfNames, b_Invoke,
  b_Plan, b_Apply, b_Sync, b_Rollback, b_TestConnection, b_Run,
  b_get_LastExitCode, b_get_LastStdErr,
  b_get_ExePath, b_put_ExePath,
  b_get_ZivverUrl, b_put_ZivverUrl,
  b_get_LedgerPath, b_put_LedgerPath,
  b_get_TimeoutSeconds, b_put_TimeoutSeconds,
  b_get_Version, b_put_ApiKey,
  b_get_Count, b_Item, b_Summary,
};

/* --- ISupportErrorInfo */

static HRESULT STDMETHODCALLTYPE sei_QueryInterface(ISupportErrorInfo *This, REFIID riid, void **ppv) {
  return b_QueryInterface(&from_errinfo(This)->iface, riid, ppv);
}
static ULONG STDMETHODCALLTYPE sei_AddRef(ISupportErrorInfo *This) { return b_AddRef(&from_errinfo(This)->iface); }
static ULONG STDMETHODCALLTYPE sei_Release(ISupportErrorInfo *This) { return b_Release(&from_errinfo(This)->iface); }
static HRESULT STDMETHODCALLTYPE sei_InterfaceSupportsErrorInfo(ISupportErrorInfo *This, REFIID riid) {
  (void)This;
  return IsEqualIID(riid, &IID_IZivverKeytoolBridge) ? S_OK : S_FALSE;
}
static const ISupportErrorInfoVtbl errinfo_vtbl = { sei_QueryInterface, sei_AddRef, sei_Release, sei_InterfaceSupportsErrorInfo };

static HRESULT create_bridge(REFIID riid, void **ppv) {
  BridgeObject *b = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof *b);
  if (!b) return E_OUTOFMEMORY;
  b->iface.lpVtbl = (IZivverKeytoolBridgeVtbl *)&bridge_vtbl;
  b->errinfo.lpVtbl = (ISupportErrorInfoVtbl *)&errinfo_vtbl;
  b->ref = 1;
  b->last_exit = -1;
  InterlockedIncrement(&g_objects);
  HRESULT hr = b_QueryInterface(&b->iface, riid, ppv);
  b_Release(&b->iface);
  return hr;
}

/* ---------------------------------------------------------------- class factory */

static HRESULT STDMETHODCALLTYPE cf_QueryInterface(IClassFactory *This, REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
    *ppv = This;
    return S_OK;
  }
  *ppv = NULL;
  return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE cf_AddRef(IClassFactory *This) {
  (void)This;
  return 2;
}
static ULONG STDMETHODCALLTYPE cf_Release(IClassFactory *This) {
  (void)This;
  return 1;
}
static HRESULT STDMETHODCALLTYPE cf_CreateInstance(IClassFactory *This, IUnknown *outer, REFIID riid, void **ppv) {
  (void)This;
  if (!ppv) return E_POINTER;
  *ppv = NULL;
  if (outer) return CLASS_E_NOAGGREGATION;
  return create_bridge(riid, ppv);
}
static HRESULT STDMETHODCALLTYPE cf_LockServer(IClassFactory *This, BOOL lock) {
  (void)This;
  if (lock) InterlockedIncrement(&g_locks);
  else InterlockedDecrement(&g_locks);
  return S_OK;
}
static const IClassFactoryVtbl factory_vtbl = { cf_QueryInterface, cf_AddRef, cf_Release, cf_CreateInstance, cf_LockServer };
static IClassFactory g_factory = { (IClassFactoryVtbl *)&factory_vtbl };

/* ---------------------------------------------------------------- exports */

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved) {
  (void)reserved;
  if (reason == DLL_PROCESS_ATTACH) {
    g_module = inst;
    InitializeCriticalSection(&g_lock);
    DisableThreadLibraryCalls(inst);
  } else if (reason == DLL_PROCESS_DETACH) {
    if (g_typeinfo && !reserved) ITypeInfo_Release(g_typeinfo);
    g_typeinfo = NULL;
    DeleteCriticalSection(&g_lock);
  }
  return TRUE;
}

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = NULL;
  if (!IsEqualCLSID(clsid, &CLSID_Bridge)) return CLASS_E_CLASSNOTAVAILABLE;
  return cf_QueryInterface(&g_factory, riid, ppv);
}

HRESULT WINAPI DllCanUnloadNow(void) { return g_objects == 0 && g_locks == 0 ? S_OK : S_FALSE; }

/* ---------------------------------------------------------------- registration */

#include "register.h"

/* regsvr32 zivver-keytool-bridge.dll: for the current user (HKCU\Software\Classes, no admin rights). */
HRESULT WINAPI DllRegisterServer(void) { return zkt_register(g_module, 0, 1); }
/* regsvr32 /u zivver-keytool-bridge.dll: removes what DllRegisterServer wrote. */
HRESULT WINAPI DllUnregisterServer(void) { return zkt_register(g_module, 0, 0); }
/* regsvr32 /n /i:machine (machine-wide, HKLM\Software\Classes, as administrator), /n /u /i:machine
   to remove it; /i:user (or /i alone) is the same as DllRegisterServer. */
HRESULT WINAPI DllInstall(BOOL install, LPCWSTR cmdline) {
  int machine = 0;
  if (cmdline && *cmdline) {
    if (_wcsicmp(cmdline, L"machine") == 0) machine = 1;
    else if (_wcsicmp(cmdline, L"user") != 0) return E_INVALIDARG;
  }
  return zkt_register(g_module, machine, install);
}
