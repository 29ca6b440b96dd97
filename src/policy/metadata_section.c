/*
 * metadata_section.c - the few pieces of the Wasm binary format that policy
 * metadata needs, without the engine: walking sections, finding a custom
 * section, scanning exports, and writing a module back with its
 * `io.kubewarden.metadata` section replaced and the Javy host import renamed.
 * Everything else is copied byte for byte.
 */
#include <stdio.h>
#include <string.h>

#include "metadata_internal.h"

static const uint8_t wasm_header[8] = { 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00 };

#define SECTION_CUSTOM 0
#define SECTION_IMPORT 2
#define SECTION_EXPORT 7

static const char javy_host_module[] = "kubewarden:javy/host";

typedef struct wasm_reader {
    const uint8_t *p, *end;
    const uint8_t *start;        /* of the module, for offsets in messages */
} wasm_reader;

typedef struct wasm_section {
    uint8_t id;
    const uint8_t *start;        /* the id byte */
    size_t total_len;            /* id, size and body */
    const uint8_t *body;
    size_t body_len;
    const uint8_t *name;         /* custom sections: name and payload */
    uint32_t name_len;
    const uint8_t *payload;
    size_t payload_len;
} wasm_section;

static int wasm_read_u32(wasm_reader *r, uint32_t *out)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (r->p >= r->end) return -1;
        uint8_t b = *r->p++;
        if (shift == 28 && (b & 0x70)) return -1;        /* more than 32 bits */
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Steps over a LEB128 of any width (signed or not) up to 64 bits. */
static int skip_leb(wasm_reader *r)
{
    for (int i = 0; i < 10; i++) {
        if (r->p >= r->end) return -1;
        if (!(*r->p++ & 0x80)) return 0;
    }
    return -1;
}

/* A length-prefixed byte vector (a name). */
static int read_name(wasm_reader *r, const uint8_t **bytes, uint32_t *len)
{
    if (wasm_read_u32(r, len) < 0 || (size_t)(r->end - r->p) < *len) return -1;
    *bytes = r->p;
    r->p += *len;
    return 0;
}

/* Checks the magic number and version; -1 with a message if it is not Wasm 1. */
static int wasm_sections_begin(wasm_reader *r, const uint8_t *wasm, size_t len, char *err, size_t errlen)
{
    if (len < 4 || memcmp(wasm, wasm_header, 4) != 0) {
        snprintf(err, errlen, "not a WebAssembly module (bad magic number)");
        return -1;
    }
    if (len < 8 || memcmp(wasm + 4, wasm_header + 4, 4) != 0) {
        snprintf(err, errlen, "unsupported WebAssembly binary version (expected 1)");
        return -1;
    }
    r->p = wasm + 8;
    r->end = wasm + len;
    r->start = wasm;
    return 0;
}

/* 1 with the next section in *s, 0 at the end, -1 (message set) if truncated. */
static int wasm_next_section(wasm_reader *r, wasm_section *s, char *err, size_t errlen)
{
    if (r->p >= r->end) return 0;
    s->start = r->p;
    s->id = *r->p++;
    uint32_t size;
    if (wasm_read_u32(r, &size) < 0 || (size_t)(r->end - r->p) < size) {
        snprintf(err, errlen, "truncated section (id %u) at offset %zu", s->id, (size_t)(s->start - r->start));
        return -1;
    }
    s->body = r->p;
    s->body_len = size;
    s->total_len = (size_t)(r->p + size - s->start);
    r->p += size;
    s->name = NULL;
    s->name_len = 0;
    if (s->id == SECTION_CUSTOM) {
        wasm_reader body = { .p = s->body, .end = s->body + size, .start = r->start };
        if (read_name(&body, &s->name, &s->name_len) < 0) {
            snprintf(err, errlen, "malformed custom section name at offset %zu", (size_t)(s->start - r->start));
            return -1;
        }
        s->payload = body.p;
        s->payload_len = (size_t)(body.end - body.p);
    }
    return 1;
}

static bool wasm_section_is(const wasm_section *s, const char *name)
{
    return s->id == SECTION_CUSTOM && s->name_len == strlen(name) && memcmp(s->name, name, s->name_len) == 0;
}

int wasm_find_custom_section(const uint8_t *wasm, size_t len, const char *name, const uint8_t **payload,
                             size_t *payload_len, char *err, size_t errlen)
{
    wasm_reader r;
    wasm_section s;
    int more;
    if (wasm_sections_begin(&r, wasm, len, err, errlen) < 0) return -1;
    while ((more = wasm_next_section(&r, &s, err, errlen)) > 0) {
        if (wasm_section_is(&s, name)) {
            *payload = s.payload;
            *payload_len = s.payload_len;
            return 1;
        }
    }
    return more;
}

bool policy_module_is_rego(const uint8_t *wasm, size_t len)
{
    char err[128];
    wasm_reader r;
    wasm_section s;
    if (wasm_sections_begin(&r, wasm, len, err, sizeof err) < 0) return false;
    while (wasm_next_section(&r, &s, err, sizeof err) > 0) {
        if (s.id != SECTION_EXPORT) continue;
        wasm_reader body = { .p = s.body, .end = s.body + s.body_len, .start = wasm };
        uint32_t count, index, name_len;
        const uint8_t *name;
        if (wasm_read_u32(&body, &count) < 0) return false;
        for (uint32_t i = 0; i < count; i++) {
            if (read_name(&body, &name, &name_len) < 0 || body.p >= body.end) return false;
            body.p++;                                        /* kind */
            if (wasm_read_u32(&body, &index) < 0) return false;
            if (name_len >= 4 && memcmp(name, "opa_", 4) == 0) return true;
        }
    }
    return false;
}

/* ---- writing ------------------------------------------------------------- */

static void put_u32(json_buf *out, uint32_t v)
{
    uint8_t bytes[5];
    size_t n = 0;
    do {
        bytes[n] = v & 0x7f;
        v >>= 7;
        if (v) bytes[n] |= 0x80;
        n++;
    } while (v);
    json_buf_append(out, bytes, n);
}

static void put_name(json_buf *out, const void *name, size_t len)
{
    put_u32(out, (uint32_t)len);
    json_buf_append(out, name, len);
}

/* A value type: one byte, or a typed reference (0x63/0x64) and its heap type. */
static int skip_value_type(wasm_reader *r)
{
    if (r->p >= r->end) return -1;
    uint8_t t = *r->p++;
    return t == 0x63 || t == 0x64 ? skip_leb(r) : 0;
}

static int skip_limits(wasm_reader *r)
{
    if (r->p >= r->end) return -1;
    uint8_t flags = *r->p++;
    if (skip_leb(r) < 0) return -1;                          /* min */
    if ((flags & 1) && skip_leb(r) < 0) return -1;           /* max */
    if ((flags & 8) && skip_leb(r) < 0) return -1;           /* custom page size */
    return 0;
}

/* Steps over an import descriptor (kind byte and what follows it). */
static int skip_import_desc(wasm_reader *r)
{
    if (r->p >= r->end) return -1;
    switch (*r->p++) {
    case 0x00: return skip_leb(r);                                         /* function: type index */
    case 0x01: return skip_value_type(r) < 0 ? -1 : skip_limits(r);       /* table */
    case 0x02: return skip_limits(r);                                      /* memory */
    case 0x03:                                                             /* global: type, mutability */
        if (skip_value_type(r) < 0 || r->p >= r->end) return -1;
        r->p++;
        return 0;
    case 0x04:                                                             /* tag: attribute, type index */
        if (r->p >= r->end) return -1;
        r->p++;
        return skip_leb(r);
    default: return -1;
    }
}

/* Writes the import section with `kubewarden:javy/host` renamed to `host`. */
static int write_import_section(json_buf *out, const wasm_section *s, char *err, size_t errlen)
{
    wasm_reader r = { .p = s->body, .end = s->body + s->body_len, .start = s->body };
    uint32_t count;
    json_buf body;
    json_buf_init(&body);
    if (wasm_read_u32(&r, &count) < 0) goto malformed;
    put_u32(&body, count);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *module, *field, *desc;
        uint32_t module_len, field_len;
        if (read_name(&r, &module, &module_len) < 0 || read_name(&r, &field, &field_len) < 0) goto malformed;
        desc = r.p;
        if (skip_import_desc(&r) < 0) goto malformed;
        if (module_len == strlen(javy_host_module) && memcmp(module, javy_host_module, module_len) == 0)
            put_name(&body, "host", 4);
        else
            put_name(&body, module, module_len);
        put_name(&body, field, field_len);
        json_buf_append(&body, desc, (size_t)(r.p - desc));
    }
    if (r.p != r.end) goto malformed;
    json_buf_append(out, &s->id, 1);
    put_u32(out, (uint32_t)body.len);
    json_buf_append(out, body.data, body.len);
    json_buf_free(&body);
    return 0;
malformed:
    json_buf_free(&body);
    snprintf(err, errlen, "malformed import section");
    return -1;
}

int policy_metadata_write(const uint8_t *wasm, size_t len, const char *json, size_t json_len, json_buf *out,
                          char *err, size_t errlen)
{
    wasm_reader r;
    wasm_section s;
    int more;
    if (wasm_sections_begin(&r, wasm, len, err, errlen) < 0) return -1;
    json_buf_append(out, wasm_header, sizeof wasm_header);
    while ((more = wasm_next_section(&r, &s, err, errlen)) > 0) {
        if (wasm_section_is(&s, POLICY_METADATA_SECTION)) continue;        /* replaced below */
        if (s.id == SECTION_IMPORT) {
            if (write_import_section(out, &s, err, errlen) < 0) return -1;
        } else {
            json_buf_append(out, s.start, s.total_len);
        }
    }
    if (more < 0) return -1;
    size_t name_len = strlen(POLICY_METADATA_SECTION);
    size_t name_prefix = name_len < 128 ? 1 : 2;
    if (json_len > UINT32_MAX - name_len - name_prefix) {
        snprintf(err, errlen, "metadata too large");
        return -1;
    }
    const uint8_t custom_id = SECTION_CUSTOM;
    json_buf_append(out, &custom_id, 1);
    put_u32(out, (uint32_t)(name_prefix + name_len + json_len));
    put_name(out, POLICY_METADATA_SECTION, name_len);
    json_buf_append(out, json, json_len);
    if (out->oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
