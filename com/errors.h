/* HRESULTs the bridge raises (Err.Number in VBScript/VBA, e.number in JScript). */
#ifndef ZKT_ERRORS_H
#define ZKT_ERRORS_H
#include <winerror.h>

/* zivver-keytool.exe exited with code N >= 2: 0x80040200 + N (exit 2 bad input: 0x80040202 = -2147220990;
   3 Zivver unreachable or refused: 0x80040203; 4 interrupted: 0x80040204). Exit 1 (some rows failed)
   is not raised: the result is returned and LastExitCode says 1. */
#define ZKT_E_EXIT_BASE ((HRESULT)0x80040200L)
/* The bridge itself: */
#define ZKT_E_EXE_MISSING ((HRESULT)0x80040301L) /* ExePath does not exist */
#define ZKT_E_START ((HRESULT)0x80040302L)       /* CreateProcessW or the temporary files failed */
#define ZKT_E_TIMEOUT ((HRESULT)0x80040303L)     /* stopped after TimeoutSeconds */
#define ZKT_E_NO_RESULT ((HRESULT)0x80040304L)   /* Count/Item/Summary: no JSON result to read */
#define ZKT_E_ARGUMENT ((HRESULT)0x80040305L)    /* a bad argument (index out of range, extraArgs of an unknown type) */

#endif
