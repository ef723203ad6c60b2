/* Registry entries of the bridge: written by DllRegisterServer/DllInstall, removed by the unregister calls. */
#ifndef ZKT_REGISTER_H
#define ZKT_REGISTER_H
#include <windows.h>
/* machine: HKLM\Software\Classes, else HKCU\Software\Classes. install: write, else remove. */
HRESULT zkt_register(HINSTANCE module, int machine, int install);
#endif
