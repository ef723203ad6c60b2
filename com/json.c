/* See json.h. Recursive descent with an explicit depth limit; children of a container are stored
   contiguously in doc->kids (collected on a scratch stack while the container is parsed), so
   Item(i, field) reaches row i in constant time even in a 100,000-row plan. */
#include "json.h"
#include <locale.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  json_doc *doc;
  size_t pos;
  uint32_t *stack; /* scratch: child indices of the open containers */
  size_t nstack, capstack;
} parser;

static int fail(parser *p, const char *why) {
  if (!p->doc->error) {
    p->doc->error = why;
    p->doc->error_at = p->pos;
  }
  return -1;
}

static int grow(void **buf, uint32_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t n = *cap ? (size_t)*cap * 2 : 256;
  while (n < need) n *= 2;
  if (n > JSON_MAX_BYTES) n = JSON_MAX_BYTES;
  if (n < need) return -1;
  void *q = realloc(*buf, n * elem);
  if (!q) return -1;
  *buf = q;
  *cap = (uint32_t)n;
  return 0;
}

static int push_scratch(parser *p, uint32_t v) {
  if (p->nstack == p->capstack) {
    size_t n = p->capstack ? p->capstack * 2 : 256;
    if (n > JSON_MAX_BYTES) return fail(p, "too many values");
    uint32_t *q = realloc(p->stack, n * sizeof *q);
    if (!q) return fail(p, "out of memory");
    p->stack = q;
    p->capstack = n;
  }
  p->stack[p->nstack++] = v;
  return 0;
}

static int64_t new_node(parser *p, json_type t, size_t start) {
  json_doc *d = p->doc;
  if (grow((void **)&d->nodes, &d->capnodes, (size_t)d->nnodes + 1, sizeof(json_node))) return fail(p, "out of memory");
  json_node *n = &d->nodes[d->nnodes];
  n->type = (uint8_t)t;
  n->start = (uint32_t)start;
  n->len = 0;
  n->first = 0;
  n->count = 0;
  return d->nnodes++;
}

static void skip_ws(parser *p) {
  const char *s = p->doc->text;
  while (p->pos < p->doc->size && (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r')) p->pos++;
}

static int is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static int64_t parse_value(parser *p, int depth);

/* A string starting at the opening quote; node covers the text between the quotes. */
static int64_t parse_string(parser *p) {
  const char *s = p->doc->text;
  size_t size = p->doc->size;
  p->pos++; /* opening quote */
  size_t start = p->pos;
  while (p->pos < size) {
    unsigned char c = (unsigned char)s[p->pos];
    if (c == '"') {
      int64_t n = new_node(p, JSON_STRING, start);
      if (n < 0) return -1;
      p->doc->nodes[n].len = (uint32_t)(p->pos - start);
      p->pos++;
      return n;
    }
    if (c < 0x20) return fail(p, "control character in a string");
    if (c == '\\') {
      if (p->pos + 1 >= size) break;
      char e = s[p->pos + 1];
      if (e == 'u') {
        if (p->pos + 6 > size) break;
        for (int i = 2; i < 6; i++)
          if (!is_hex(s[p->pos + i])) return fail(p, "bad \\u escape");
        p->pos += 6;
        continue;
      }
      if (!strchr("\"\\/bfnrt", e) || e == 0) return fail(p, "bad escape");
      p->pos += 2;
      continue;
    }
    p->pos++;
  }
  return fail(p, "unterminated string");
}

static int64_t parse_number(parser *p) {
  const char *s = p->doc->text;
  size_t size = p->doc->size, start = p->pos;
  if (p->pos < size && s[p->pos] == '-') p->pos++;
  if (p->pos >= size) return fail(p, "bad number");
  if (s[p->pos] == '0') {
    p->pos++;
  } else if (s[p->pos] >= '1' && s[p->pos] <= '9') {
    while (p->pos < size && s[p->pos] >= '0' && s[p->pos] <= '9') p->pos++;
  } else {
    return fail(p, "bad number");
  }
  if (p->pos < size && s[p->pos] == '.') {
    p->pos++;
    if (p->pos >= size || s[p->pos] < '0' || s[p->pos] > '9') return fail(p, "bad number");
    while (p->pos < size && s[p->pos] >= '0' && s[p->pos] <= '9') p->pos++;
  }
  if (p->pos < size && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
    p->pos++;
    if (p->pos < size && (s[p->pos] == '+' || s[p->pos] == '-')) p->pos++;
    if (p->pos >= size || s[p->pos] < '0' || s[p->pos] > '9') return fail(p, "bad number");
    while (p->pos < size && s[p->pos] >= '0' && s[p->pos] <= '9') p->pos++;
  }
  int64_t n = new_node(p, JSON_NUMBER, start);
  if (n < 0) return -1;
  p->doc->nodes[n].len = (uint32_t)(p->pos - start);
  return n;
}

static int64_t parse_literal(parser *p, const char *word, json_type t) {
  size_t len = strlen(word), start = p->pos;
  if (p->doc->size - p->pos < len || memcmp(p->doc->text + p->pos, word, len) != 0) return fail(p, "unexpected character");
  p->pos += len;
  int64_t n = new_node(p, t, start);
  if (n < 0) return -1;
  p->doc->nodes[n].len = (uint32_t)len;
  return n;
}

/* Moves the scratch entries from `mark` on into doc->kids; sets the container's first/count. */
static int close_container(parser *p, int64_t node, size_t mark, uint32_t count) {
  json_doc *d = p->doc;
  size_t n = p->nstack - mark;
  if (grow((void **)&d->kids, &d->capkids, (size_t)d->nkids + n, sizeof(uint32_t))) return fail(p, "out of memory");
  memcpy(d->kids + d->nkids, p->stack + mark, n * sizeof(uint32_t));
  d->nodes[node].first = d->nkids;
  d->nodes[node].count = count;
  d->nkids += (uint32_t)n;
  p->nstack = mark;
  return 0;
}

/* Returns the node index (>= 0) or -1. */
static int64_t parse_container(parser *p, int depth, int object) {
  if (depth >= JSON_MAX_DEPTH) return fail(p, "nested too deeply");
  size_t start = p->pos;
  int64_t node = new_node(p, object ? JSON_OBJECT : JSON_ARRAY, start);
  if (node < 0) return -1;
  p->pos++; /* [ or { */
  size_t mark = p->nstack;
  uint32_t count = 0;
  char close = object ? '}' : ']';
  skip_ws(p);
  if (p->pos < p->doc->size && p->doc->text[p->pos] == close) {
    p->pos++;
  } else {
    for (;;) {
      skip_ws(p);
      if (object) {
        if (p->pos >= p->doc->size || p->doc->text[p->pos] != '"') return fail(p, "expected a member name");
        int64_t key = parse_string(p);
        if (key < 0 || push_scratch(p, (uint32_t)key)) return -1;
        skip_ws(p);
        if (p->pos >= p->doc->size || p->doc->text[p->pos] != ':') return fail(p, "expected ':'");
        p->pos++;
      }
      int64_t v = parse_value(p, depth + 1);
      if (v < 0) return -1;
      if (push_scratch(p, (uint32_t)v)) return -1;
      count++;
      skip_ws(p);
      if (p->pos >= p->doc->size) return fail(p, "unexpected end");
      char c = p->doc->text[p->pos++];
      if (c == ',') continue;
      if (c == close) break;
      p->pos--;
      return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }
  p->doc->nodes[node].len = (uint32_t)(p->pos - start);
  if (close_container(p, node, mark, count)) return -1;
  return node;
}

/* Parses one value; returns its node index or -1. */
static int64_t parse_value(parser *p, int depth) {
  skip_ws(p);
  if (p->pos >= p->doc->size) return fail(p, "unexpected end");
  char c = p->doc->text[p->pos];
  int64_t n;
  switch (c) {
    case '{': n = parse_container(p, depth, 1); break;
    case '[': n = parse_container(p, depth, 0); break;
    case '"': n = parse_string(p); break;
    case 't': n = parse_literal(p, "true", JSON_TRUE); break;
    case 'f': n = parse_literal(p, "false", JSON_FALSE); break;
    case 'n': n = parse_literal(p, "null", JSON_NULL); break;
    default:
      if (c == '-' || (c >= '0' && c <= '9')) n = parse_number(p);
      else return fail(p, "unexpected character");
  }
  return n < 0 ? -1 : n;
}

int json_parse(json_doc *doc, const char *text, size_t size) {
  memset(doc, 0, sizeof *doc);
  doc->text = text;
  doc->size = size;
  parser p = { doc, 0, NULL, 0, 0 };
  if (size > JSON_MAX_BYTES) {
    doc->error = "too large";
    return -1;
  }
  /* A UTF-8 byte order mark is not JSON, but Windows tools write one. */
  if (size >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF) p.pos = 3;
  int64_t root = parse_value(&p, 0);
  if (root >= 0) {
    skip_ws(&p);
    if (p.pos != size) root = fail(&p, "data after the JSON value");
  }
  free(p.stack);
  if (root < 0) {
    json_doc keep = *doc;
    json_free(doc);
    doc->error = keep.error ? keep.error : "invalid JSON";
    doc->error_at = keep.error_at;
    return -1;
  }
  return 0;
}

void json_free(json_doc *doc) {
  free(doc->nodes);
  free(doc->kids);
  memset(doc, 0, sizeof *doc);
}

int64_t json_element(const json_doc *doc, uint32_t arr, uint32_t i) {
  if (arr >= doc->nnodes || doc->nodes[arr].type != JSON_ARRAY) return -1;
  const json_node *a = &doc->nodes[arr];
  if (i >= a->count || (uint64_t)a->first + i >= doc->nkids) return -1;
  return doc->kids[a->first + i];
}

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

static uint32_t read_u4(const char *s) { return (uint32_t)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 | hexval(s[3])); }

static size_t put_utf8(char *out, size_t cap, size_t at, uint32_t cp) {
  char b[4];
  size_t n;
  if (cp < 0x80) { b[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { b[0] = (char)(0xC0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) { b[0] = (char)(0xE0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[2] = (char)(0x80 | (cp & 0x3F)); n = 3; }
  else { b[0] = (char)(0xF0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4; }
  for (size_t i = 0; i < n; i++)
    if (at + i < cap) out[at + i] = b[i];
  return at + n;
}

int64_t json_string(const json_doc *doc, uint32_t n, char *out, size_t cap) {
  if (n >= doc->nnodes || doc->nodes[n].type != JSON_STRING) return -1;
  const json_node *s = &doc->nodes[n];
  if ((size_t)s->start + s->len > doc->size) return -1;
  const char *t = doc->text + s->start;
  size_t i = 0, at = 0;
  while (i < s->len) {
    char c = t[i];
    if (c != '\\') {
      if (at < cap) out[at] = c;
      at++;
      i++;
      continue;
    }
    if (i + 1 >= s->len) return -1;
    char e = t[i + 1];
    i += 2;
    uint32_t cp;
    switch (e) {
      case 'b': cp = '\b'; break;
      case 'f': cp = '\f'; break;
      case 'n': cp = '\n'; break;
      case 'r': cp = '\r'; break;
      case 't': cp = '\t'; break;
      case 'u':
        if (i + 4 > s->len) return -1;
        cp = read_u4(t + i);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= s->len && t[i] == '\\' && t[i + 1] == 'u') {
          uint32_t lo = read_u4(t + i + 2);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = 0xFFFD; /* a lone surrogate */
        }
        break;
      default: cp = (unsigned char)e; break; /* \" \\ \/ */
    }
    at = put_utf8(out, cap, at, cp);
  }
  return (int64_t)at;
}

int64_t json_member(const json_doc *doc, uint32_t obj, const char *key, size_t keylen) {
  if (obj >= doc->nnodes || doc->nodes[obj].type != JSON_OBJECT) return -1;
  const json_node *o = &doc->nodes[obj];
  char small[256];
  for (uint32_t i = 0; i < o->count; i++) {
    uint64_t at = (uint64_t)o->first + 2 * (uint64_t)i;
    if (at + 1 >= doc->nkids) return -1;
    uint32_t k = doc->kids[at];
    const json_node *kn = &doc->nodes[k];
    /* Fast path: no escapes in the key text. */
    if (kn->len == keylen && memchr(doc->text + kn->start, '\\', kn->len) == NULL) {
      if (memcmp(doc->text + kn->start, key, keylen) == 0) return doc->kids[at + 1];
      continue;
    }
    if (memchr(doc->text + kn->start, '\\', kn->len) != NULL) {
      int64_t dl = json_string(doc, k, small, sizeof small);
      if (dl >= 0 && (size_t)dl == keylen && (size_t)dl <= sizeof small && memcmp(small, key, keylen) == 0) return doc->kids[at + 1];
    }
  }
  return -1;
}

double json_number(const json_doc *doc, uint32_t n) {
  if (n >= doc->nnodes || doc->nodes[n].type != JSON_NUMBER) return 0;
  char buf[64];
  const json_node *x = &doc->nodes[n];
  if (x->len >= sizeof buf || (size_t)x->start + x->len > doc->size) return 0;
  memcpy(buf, doc->text + x->start, x->len);
  buf[x->len] = 0;
  /* strtod reads the C runtime's locale: a host that set a locale with a decimal comma would read
     "7.5" as 7. Write the number with that locale's decimal point first. */
  struct lconv *lc = localeconv();
  if (lc && lc->decimal_point && lc->decimal_point[0] && lc->decimal_point[0] != '.' && !lc->decimal_point[1]) {
    char *dot = strchr(buf, '.');
    if (dot) *dot = lc->decimal_point[0];
  }
  return strtod(buf, NULL);
}
