// SPDX-License-Identifier: Apache-2.0
// A tiny JSON reader (RFC 8259 values; \u escapes beyond Latin-1 become '?')
// and string escaper, for the conformance program and the vector manifest.
#ifndef VB_JSON_H
#define VB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type_t;

typedef struct json_value {
    json_type_t type;
    bool boolean;
    double number;
    char *string;              // JSON_STRING
    size_t count;              // JSON_ARRAY / JSON_OBJECT entries
    struct json_value **items; // entries
    char **keys;               // JSON_OBJECT keys, parallel to items
} json_value_t;

// Parses one value followed only by whitespace; NULL when the text is not JSON.
json_value_t *json_parse(const char *text, size_t len);
void json_free(json_value_t *v);

// Object member by key, or NULL.
const json_value_t *json_get(const json_value_t *obj, const char *key);
// Member as a string / number / bool, or the fallback when absent or of another type.
const char *json_get_string(const json_value_t *obj, const char *key, const char *fallback);
double json_get_number(const json_value_t *obj, const char *key, double fallback);
bool json_get_bool(const json_value_t *obj, const char *key, bool fallback);

// Writes s as a quoted JSON string.
void json_write_string(FILE *f, const char *s);

#endif
