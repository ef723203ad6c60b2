/*
 * What registration writes under <root>\Software\Classes (root = HKCU per user, HKLM machine-wide):
 *   CLSID\{CLSID}                     "zivver-keytool COM bridge"
 *     InprocServer32                  <this DLL>, ThreadingModel=Apartment
 *     ProgID                          ZivverKeytool.Bridge.1
 *     VersionIndependentProgID        ZivverKeytool.Bridge
 *     TypeLib                         {LIBID};  Version 1.0
 *   ZivverKeytool.Bridge              CLSID, CurVer
 *   ZivverKeytool.Bridge.1            CLSID
 *   TypeLib\{LIBID}\1.0               0\win64 (or win32) = <this DLL>, FLAGS, HELPDIR
 *   Interface\{IID}                   ProxyStubClsid32 = the type library marshaler, TypeLib
 * Unregistering removes exactly these. The TypeLib key is shared by the 32- and 64-bit views of the
 * registry, so only this build's win64/win32 entry is removed, and the rest when nothing else is left.
 */
#include "register.h"
#include <wchar.h>
#include <stdio.h>
#include <olectl.h>

#define CLSID_STR L"{F6CF21EF-3750-4B45-A698-C6D79339D0DA}"
#define IID_STR L"{62327F12-83A4-4C23-ACB4-146E44912801}"
#define LIBID_STR L"{161376FD-45CF-4067-98A0-7EC2C65025F4}"
#define MARSHALER_STR L"{00020424-0000-0000-C000-000000000046}"
#ifdef _WIN64
#define PLATFORM L"win64"
#else
#define PLATFORM L"win32"
#endif

static LONG set_value(HKEY root, const WCHAR *sub, const WCHAR *name, const WCHAR *value) {
  HKEY k;
  WCHAR path[512];
  _snwprintf(path, 511, L"Software\\Classes\\%ls", sub);
  path[511] = 0;
  LONG rc = RegCreateKeyExW(root, path, 0, NULL, 0, KEY_SET_VALUE, NULL, &k, NULL);
  if (rc != ERROR_SUCCESS) return rc;
  rc = RegSetValueExW(k, name, 0, REG_SZ, (const BYTE *)value, (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
  RegCloseKey(k);
  return rc;
}

static LONG delete_tree(HKEY root, const WCHAR *sub) {
  WCHAR path[512];
  _snwprintf(path, 511, L"Software\\Classes\\%ls", sub);
  path[511] = 0;
  LONG rc = RegDeleteTreeW(root, path);
  if (rc == ERROR_SUCCESS) rc = RegDeleteKeyW(root, path);
  return rc == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : rc;
}

/* Deletes the key when it has no subkeys and no values left. */
static void delete_if_empty(HKEY root, const WCHAR *sub) {
  HKEY k;
  WCHAR path[512];
  DWORD subkeys = 0, values = 0;
  _snwprintf(path, 511, L"Software\\Classes\\%ls", sub);
  path[511] = 0;
  if (RegOpenKeyExW(root, path, 0, KEY_READ, &k) != ERROR_SUCCESS) return;
  LONG rc = RegQueryInfoKeyW(k, NULL, NULL, NULL, &subkeys, NULL, NULL, &values, NULL, NULL, NULL, NULL);
  RegCloseKey(k);
  if (rc == ERROR_SUCCESS && subkeys == 0 && values == 0) RegDeleteKeyW(root, path);
}

static LONG write_all(HKEY root, const WCHAR *dll) {
  WCHAR dir[MAX_PATH];
  wcsncpy(dir, dll, MAX_PATH - 1);
  dir[MAX_PATH - 1] = 0;
  WCHAR *slash = wcsrchr(dir, L'\\');
  if (slash) *slash = 0;
  struct { const WCHAR *key, *name, *value; } rows[] = {
    { L"CLSID\\" CLSID_STR, NULL, L"zivver-keytool COM bridge" },
    { L"CLSID\\" CLSID_STR L"\\InprocServer32", NULL, dll },
    { L"CLSID\\" CLSID_STR L"\\InprocServer32", L"ThreadingModel", L"Apartment" },
    { L"CLSID\\" CLSID_STR L"\\ProgID", NULL, L"ZivverKeytool.Bridge.1" },
    { L"CLSID\\" CLSID_STR L"\\VersionIndependentProgID", NULL, L"ZivverKeytool.Bridge" },
    { L"CLSID\\" CLSID_STR L"\\TypeLib", NULL, LIBID_STR },
    { L"CLSID\\" CLSID_STR L"\\Version", NULL, L"1.0" },
    { L"ZivverKeytool.Bridge", NULL, L"zivver-keytool COM bridge" },
    { L"ZivverKeytool.Bridge\\CLSID", NULL, CLSID_STR },
    { L"ZivverKeytool.Bridge\\CurVer", NULL, L"ZivverKeytool.Bridge.1" },
    { L"ZivverKeytool.Bridge.1", NULL, L"zivver-keytool COM bridge" },
    { L"ZivverKeytool.Bridge.1\\CLSID", NULL, CLSID_STR },
    { L"TypeLib\\" LIBID_STR L"\\1.0", NULL, L"zivver-keytool COM bridge (ZivverKeytool)" },
    { L"TypeLib\\" LIBID_STR L"\\1.0\\0\\" PLATFORM, NULL, dll },
    { L"TypeLib\\" LIBID_STR L"\\1.0\\FLAGS", NULL, L"0" },
    { L"TypeLib\\" LIBID_STR L"\\1.0\\HELPDIR", NULL, dir },
    { L"Interface\\" IID_STR, NULL, L"IZivverKeytoolBridge" },
    { L"Interface\\" IID_STR L"\\ProxyStubClsid", NULL, MARSHALER_STR },
    { L"Interface\\" IID_STR L"\\ProxyStubClsid32", NULL, MARSHALER_STR },
    { L"Interface\\" IID_STR L"\\TypeLib", NULL, LIBID_STR },
    { L"Interface\\" IID_STR L"\\TypeLib", L"Version", L"1.0" },
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    LONG rc = set_value(root, rows[i].key, rows[i].name, rows[i].value);
    if (rc != ERROR_SUCCESS) return rc;
  }
  return ERROR_SUCCESS;
}

static LONG remove_all(HKEY root) {
  LONG worst = ERROR_SUCCESS, rc;
  const WCHAR *trees[] = { L"CLSID\\" CLSID_STR, L"ZivverKeytool.Bridge.1", L"ZivverKeytool.Bridge", L"Interface\\" IID_STR,
                           L"TypeLib\\" LIBID_STR L"\\1.0\\0\\" PLATFORM };
  for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++)
    if ((rc = delete_tree(root, trees[i])) != ERROR_SUCCESS) worst = rc;
  /* the type library entry of the other build (32/64-bit) may still be there */
  delete_if_empty(root, L"TypeLib\\" LIBID_STR L"\\1.0\\0");
  HKEY k;
  WCHAR path[256];
  _snwprintf(path, 255, L"Software\\Classes\\TypeLib\\%ls\\1.0\\0", LIBID_STR);
  path[255] = 0;
  if (RegOpenKeyExW(root, path, 0, KEY_READ, &k) == ERROR_SUCCESS) {
    RegCloseKey(k);
  } else if ((rc = delete_tree(root, L"TypeLib\\" LIBID_STR L"\\1.0")) != ERROR_SUCCESS) {
    worst = rc;
  }
  delete_if_empty(root, L"TypeLib\\" LIBID_STR);
  return worst;
}

HRESULT zkt_register(HINSTANCE module, int machine, int install) {
  HKEY root = machine ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER;
  WCHAR dll[MAX_PATH];
  DWORD n = GetModuleFileNameW(module, dll, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) return SELFREG_E_CLASS;
  if (!install) return remove_all(root) == ERROR_SUCCESS ? S_OK : SELFREG_E_CLASS;
  LONG rc = write_all(root, dll);
  if (rc != ERROR_SUCCESS) {
    remove_all(root); /* no half registration */
    return rc == ERROR_ACCESS_DENIED ? HRESULT_FROM_WIN32(rc) : SELFREG_E_CLASS;
  }
  return S_OK;
}
