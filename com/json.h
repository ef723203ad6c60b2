/*
 * A small JSON reader for the bridge's row accessors (Count, Item, Summary): parses the keytool's
 * --output json text (UTF-8) into a flat node table. Every read is bounds-checked; nesting deeper
 * than JSON_MAX_DEPTH, bad UTF-8 escapes, trailing data and sizes beyond the limits are refused.
 * Strings keep their raw (still escaped) text; json_string() decodes one on demand.
 */
#ifndef ZKT_JSON_H
#define ZKT_JSON_H
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64
/* 2^31 - 1 nodes and bytes: far beyond any plan, and every index fits in a uint32_t. */
#define JSON_MAX_BYTES 0x7fffffffu

typedef enum { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct {
  uint8_t type;
  /* Raw text of the value: [start, start + len) in the parsed buffer (strings: inside the quotes). */
  uint32_t start, len;
  /* Arrays: count children at kids[first ...]; objects: count key/value pairs at kids[first ...]
     (key node, value node, key node, ...). */
  uint32_t first, count;
} json_node;

typedef struct {
  const char *text; /* not owned: must outlive the document */
  size_t size;
  json_node *nodes;
  uint32_t nnodes, capnodes;
  uint32_t *kids;
  uint32_t nkids, capkids;
  /* where parsing failed (byte offset), for messages */
  size_t error_at;
  const char *error;
} json_doc;

/* 0 on success; otherwise -1 with doc->error and doc->error_at set. The root is node 0. */
int json_parse(json_doc *doc, const char *text, size_t size);
void json_free(json_doc *doc);

/* The member `key` (UTF-8, `keylen` bytes) of object node `obj`, or -1. */
int64_t json_member(const json_doc *doc, uint32_t obj, const char *key, size_t keylen);
/* Element i of array node `arr`, or -1. */
int64_t json_element(const json_doc *doc, uint32_t arr, uint32_t i);
/*
 * Decodes string node `n` into out (UTF-8, not NUL-terminated when it does not fit); returns the
 * decoded length in bytes (which may be more than cap: call again with a bigger buffer), or -1.
 */
int64_t json_string(const json_doc *doc, uint32_t n, char *out, size_t cap);
/* The number node `n` as a double (0 when not a number). */
double json_number(const json_doc *doc, uint32_t n);

#endif
