/* Starting zivver-keytool.exe: argument quoting, environment, temporary output files. */
#ifndef ZKT_RUN_H
#define ZKT_RUN_H
#include <windows.h>

/* A growable wide-character string. */
typedef struct {
  WCHAR *s;
  size_t len, cap;
  int failed; /* out of memory at some point: the content is not to be used */
} wbuf;

void wb_add(wbuf *b, const WCHAR *s, size_t n);
void wb_adds(wbuf *b, const WCHAR *s);
/* Appends one argument quoted so that CommandLineToArgvW (and the MSVC runtime, and Node) read it back
   unchanged: quotes only when needed; backslashes doubled only before a quote or the closing quote. */
void wb_add_arg(wbuf *b, const WCHAR *arg, size_t n);
/* Wipes (SecureZeroMemory) and frees. */
void wb_free(wbuf *b);

typedef struct {
  DWORD exit_code;
  char *out; /* standard output, as written (UTF-8), NUL-terminated */
  size_t out_len;
  char *err; /* standard error, NUL-terminated */
  size_t err_len;
} run_result;

void run_result_free(run_result *r);

/*
 * Runs `exe` with the argument tail `args` (already quoted), no shell, no window, standard input
 * from NUL, standard output and error to temporary files. `api_key` (may be NULL: the child then
 * inherits the caller's environment unchanged) is put into the child's environment block as
 * ZIVVER_API_KEY; the block is wiped right after CreateProcessW. `timeout_ms` 0 waits without limit.
 * On failure returns an HRESULT and writes a message into `msg`.
 */
HRESULT run_exe(const WCHAR *exe, const WCHAR *args, const WCHAR *api_key, DWORD timeout_ms, run_result *r, WCHAR *msg, size_t msgcap);

#endif
