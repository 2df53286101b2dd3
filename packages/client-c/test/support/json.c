// SPDX-License-Identifier: Apache-2.0
#include "json.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    const char *end;
    int depth;
} parser_t;

static json_value_t *parse_value(parser_t *ps);

static void skip_ws(parser_t *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static bool literal(parser_t *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
        return false;
    }
    ps->p += n;
    return true;
}

static int hex(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Parses a string at ps->p (on the opening quote) into a malloc'd C string.
static char *parse_string(parser_t *ps) {
    if (ps->p >= ps->end || *ps->p != '"') {
        return NULL;
    }
    ps->p++;
    char *out = malloc((size_t)(ps->end - ps->p) + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        char c = *ps->p++;
        if ((unsigned char)c < 0x20) {
            free(out);
            return NULL;
        }
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        if (ps->p >= ps->end) {
            break;
        }
        char e = *ps->p++;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            out[n++] = e;
            break;
        case 'b':
            out[n++] = '\b';
            break;
        case 'f':
            out[n++] = '\f';
            break;
        case 'n':
            out[n++] = '\n';
            break;
        case 'r':
            out[n++] = '\r';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case 'u': {
            int code = 0;
            for (int i = 0; i < 4; i++) {
                int h = ps->p < ps->end ? hex(*ps->p++) : -1;
                if (h < 0) {
                    free(out);
                    return NULL;
                }
                code = code * 16 + h;
            }
            out[n++] = code < 0x80 ? (char)code : '?';
            break;
        }
        default:
            free(out);
            return NULL;
        }
    }
    if (ps->p >= ps->end) {
        free(out);
        return NULL;
    }
    ps->p++; // closing quote
    out[n] = '\0';
    return out;
}

static bool append(json_value_t *v, char *key, json_value_t *item) {
    json_value_t **items = realloc(v->items, (v->count + 1) * sizeof(*items));
    if (items == NULL) {
        return false;
    }
    v->items = items;
    if (v->type == JSON_OBJECT) {
        char **keys = realloc(v->keys, (v->count + 1) * sizeof(*keys));
        if (keys == NULL) {
            return false;
        }
        v->keys = keys;
        v->keys[v->count] = key;
    }
    v->items[v->count++] = item;
    return true;
}

static json_value_t *parse_container(parser_t *ps, json_value_t *v, char close) {
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (v->type == JSON_OBJECT) {
            key = parse_string(ps);
            skip_ws(ps);
            if (key == NULL || ps->p >= ps->end || *ps->p != ':') {
                free(key);
                json_free(v);
                return NULL;
            }
            ps->p++;
        }
        json_value_t *item = parse_value(ps);
        if (item == NULL || !append(v, key, item)) {
            free(key);
            json_free(item);
            json_free(v);
            return NULL;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return v;
        }
        json_free(v);
        return NULL;
    }
}

static json_value_t *parse_value(parser_t *ps) {
    skip_ws(ps);
    if (ps->p >= ps->end || ps->depth > 64) {
        return NULL;
    }
    json_value_t *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return NULL;
    }
    char c = *ps->p;
    if (c == '{' || c == '[') {
        v->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
        ps->depth++;
        v = parse_container(ps, v, c == '{' ? '}' : ']');
        ps->depth--;
        return v;
    }
    if (c == '"') {
        v->type = JSON_STRING;
        v->string = parse_string(ps);
        if (v->string == NULL) {
            free(v);
            return NULL;
        }
        return v;
    }
    if (literal(ps, "true") || literal(ps, "false")) {
        v->type = JSON_BOOL;
        v->boolean = c == 't';
        return v;
    }
    if (literal(ps, "null")) {
        v->type = JSON_NULL;
        return v;
    }
    // Numbers: strtod on a bounded copy (the input need not be NUL terminated).
    char buf[64];
    size_t n = 0;
    while (ps->p + n < ps->end && n < sizeof(buf) - 1 && strchr("+-0123456789.eE", ps->p[n]) != NULL) {
        n++;
    }
    memcpy(buf, ps->p, n);
    buf[n] = '\0';
    char *endp = NULL;
    v->number = strtod(buf, &endp);
    if (n == 0 || endp != buf + n) {
        free(v);
        return NULL;
    }
    v->type = JSON_NUMBER;
    ps->p += n;
    return v;
}

json_value_t *json_parse(const char *text, size_t len) {
    parser_t ps = {.p = text, .end = text + len, .depth = 0};
    json_value_t *v = parse_value(&ps);
    skip_ws(&ps);
    if (v != NULL && ps.p != ps.end) {
        json_free(v);
        return NULL;
    }
    return v;
}

void json_free(json_value_t *v) {
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < v->count; i++) {
        json_free(v->items[i]);
        if (v->keys != NULL) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const json_value_t *json_get(const json_value_t *obj, const char *key) {
    if (obj == NULL || obj->type != JSON_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < obj->count; i++) {
        if (strcmp(obj->keys[i], key) == 0) {
            return obj->items[i];
        }
    }
    return NULL;
}

const char *json_get_string(const json_value_t *obj, const char *key, const char *fallback) {
    const json_value_t *v = json_get(obj, key);
    return v != NULL && v->type == JSON_STRING ? v->string : fallback;
}

double json_get_number(const json_value_t *obj, const char *key, double fallback) {
    const json_value_t *v = json_get(obj, key);
    return v != NULL && v->type == JSON_NUMBER ? v->number : fallback;
}

bool json_get_bool(const json_value_t *obj, const char *key, bool fallback) {
    const json_value_t *v = json_get(obj, key);
    return v != NULL && v->type == JSON_BOOL ? v->boolean : fallback;
}

void json_write_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p == '\n') {
            fputs("\\n", f);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}
