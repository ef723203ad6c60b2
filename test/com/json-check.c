/*
 * Test harness for com/json.c (built with mingw-w64, run under Wine by test/com/json.test.ts).
 * Reads cases from the file argv[1]: each case is a 4-byte little-endian length and that many bytes.
 * Writes one line per case to the file argv[2]: "ok " + the parsed value re-serialized as JSON
 * (strings decoded by json_string and re-escaped, numbers as their text, object members in
 * order; plus, for an object, a check that json_member finds every key), or "error <offset> <why>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

static FILE *out;
static int member_failures;

static void put_string(const json_doc *d, uint32_t n) {
  int64_t len = json_string(d, n, NULL, 0);
  char *buf = malloc((size_t)len + 1);
  json_string(d, n, buf, (size_t)len);
  fputc('"', out);
  for (int64_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)buf[i];
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
  free(buf);
}

static void put_value(const json_doc *d, uint32_t n) {
  const json_node *x = &d->nodes[n];
  switch (x->type) {
    case JSON_NULL: fputs("null", out); break;
    case JSON_TRUE: fputs("true", out); break;
    case JSON_FALSE: fputs("false", out); break;
    case JSON_NUMBER: fwrite(d->text + x->start, 1, x->len, out); break;
    case JSON_STRING: put_string(d, n); break;
    case JSON_ARRAY:
      fputc('[', out);
      for (uint32_t i = 0; i < x->count; i++) {
        if (i) fputc(',', out);
        put_value(d, (uint32_t)json_element(d, n, i));
      }
      fputc(']', out);
      break;
    case JSON_OBJECT:
      fputc('{', out);
      for (uint32_t i = 0; i < x->count; i++) {
        uint32_t k = d->kids[x->first + 2 * i], v = d->kids[x->first + 2 * i + 1];
        if (i) fputc(',', out);
        put_string(d, k);
        fputc(':', out);
        put_value(d, v);
        /* json_member must find this key (the first member of that name) */
        int64_t len = json_string(d, k, NULL, 0);
        char *key = malloc((size_t)len + 1);
        json_string(d, k, key, (size_t)len);
        int64_t found = json_member(d, n, key, (size_t)len);
        if (found < 0) member_failures++;
        free(key);
      }
      fputc('}', out);
      break;
  }
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  FILE *in = fopen(argv[1], "rb");
  out = fopen(argv[2], "wb");
  if (!in || !out) return 2;
  unsigned char hdr[4];
  while (fread(hdr, 1, 4, in) == 4) {
    size_t len = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (size_t)hdr[3] << 24;
    char *buf = malloc(len ? len : 1);
    if (fread(buf, 1, len, in) != len) return 3;
    json_doc d;
    if (json_parse(&d, buf, len) == 0) {
      fputs("ok ", out);
      put_value(&d, 0);
      json_free(&d);
    } else {
      fprintf(out, "error %lu %s", (unsigned long)d.error_at, d.error);
    }
    fputc('\n', out);
    free(buf);
  }
  fprintf(out, "member-failures %d\n", member_failures);
  fclose(out);
  return 0;
}
