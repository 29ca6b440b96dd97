/*
 * decode.c - binary format -> struct wasm_module, with module-level validation.
 *
 * The reader walks the whole file the way the reference interpreter does: a
 * section's contents are read from the file stream (not a sub-buffer) and its
 * declared size is checked afterwards ("section size mismatch"), so malformed
 * inputs get the reference interpreter's messages.  Function bodies are only
 * delimited here; compile.c validates and translates them.
 *
 * Errors unwind with longjmp to wasm_decode().  That is safe because every
 * allocation is attached to the module as soon as it is made, and the caller
 * frees the module on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_LOCALS 50000u        /* declared locals per function: bounds frame size */

enum { SEC_CUSTOM, SEC_TYPE, SEC_IMPORT, SEC_FUNC, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
       SEC_EXPORT, SEC_START, SEC_ELEM, SEC_CODE, SEC_DATA, SEC_DATACOUNT, SEC_COUNT };

static const char *const section_names[SEC_COUNT] = {
    "custom section", "type section", "import section", "function section", "table section",
    "memory section", "global section", "export section", "start section", "element section",
    "code section", "data section", "data count section",
};

/* Position of each section id in the required order (data count sits before code). */
static const int section_rank[SEC_COUNT] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10 };

typedef struct reader {
    const uint8_t *start, *p, *end;   /* the whole file */
    const char *where;                /* section being read, for messages */
    wasm_error *err;
    jmp_buf fail;
} reader;

__attribute__((noreturn, format(printf, 3, 4)))
static void fail_at(reader *r, const uint8_t *at, const char *fmt, ...)
{
    if (r->err) {
        char what[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        wasm_fail(r->err, "%s (at byte %zu, %s)", what, (size_t)(at - r->start), r->where);
    }
    longjmp(r->fail, 1);
}

static void *alloc_zeroed(reader *r, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) fail_at(r, r->p, "out of memory");
    return p;
}

static uint8_t read_u8(reader *r)
{
    if (r->p >= r->end) fail_at(r, r->p, "unexpected end of section or function");
    return *r->p++;
}

/* Unsigned LEB128 of at most `bits` bits, with the spec's checks on unused bits. */
static uint64_t read_uleb(reader *r, int bits)
{
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
        int left = bits - shift;
        if (left <= 0) fail_at(r, r->p, "integer representation too long");
        const uint8_t *at = r->p;
        uint8_t b = read_u8(r);
        if (left < 7 && (b & 0x7f) >= (1u << left)) fail_at(r, at, "integer too large");
        value |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return value;
    }
}

/* Signed LEB128 of at most `bits` bits: unused bits must all equal the sign bit. */
static int64_t read_sleb(reader *r, int bits)
{
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
        int left = bits - shift;
        if (left <= 0) fail_at(r, r->p, "integer representation too long");
        const uint8_t *at = r->p;
        uint8_t b = read_u8(r);
        if (left < 7) {
            uint8_t mask = (uint8_t)((0xffu << (left - 1)) & 0x7f);
            if ((b & mask) != 0 && (b & mask) != mask) fail_at(r, at, "integer too large");
        }
        value |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            shift += 7;
            if (shift < 64 && (b & 0x40)) value |= ~(uint64_t)0 << shift;
            return (int64_t)value;
        }
    }
}

static uint32_t read_u32(reader *r) { return (uint32_t)read_uleb(r, 32); }

/* A length or vector count: it cannot exceed the bytes left in the file. */
static uint32_t read_len(reader *r)
{
    const uint8_t *at = r->p;
    uint32_t n = read_u32(r);
    if (n > (size_t)(r->end - at)) fail_at(r, at, "length out of bounds");
    return n;
}

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; min = 0x800; }
        else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (i + len > n) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += len;
    }
    return true;
}

/* A name: validated UTF-8, stored NUL-terminated (names with NUL bytes keep them). */
static uint32_t read_name(reader *r, char **slot)
{
    uint32_t n = read_len(r);
    const uint8_t *s = r->p;
    if (n > (size_t)(r->end - s)) fail_at(r, s, "unexpected end of section or function");
    if (!utf8_valid(s, n)) fail_at(r, s, "malformed UTF-8 encoding");
    *slot = alloc_zeroed(r, n + 1, 1);
    memcpy(*slot, s, n);
    r->p += n;
    return n;
}

static bool is_reftype(uint8_t t) { return t == WASM_FUNCREF || t == WASM_EXTERNREF; }

static uint8_t read_valtype(reader *r)
{
    const uint8_t *at = r->p;
    uint8_t t = read_u8(r);
    switch (t) {
    case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64:
    case WASM_FUNCREF: case WASM_EXTERNREF:
        return t;
    case WASM_V128:
        fail_at(r, at, "SIMD not supported (v128 value type)");
    default:
        fail_at(r, at, "malformed value type 0x%02x", t);
    }
}

static uint8_t read_reftype(reader *r)
{
    const uint8_t *at = r->p;
    uint8_t t = read_u8(r);
    if (!is_reftype(t)) fail_at(r, at, "malformed reference type 0x%02x", t);
    return t;
}

static uint32_t read_index(reader *r, uint32_t count, const char *what)
{
    const uint8_t *at = r->p;
    uint32_t i = read_u32(r);
    if (i >= count) fail_at(r, at, "unknown %s %u", what, i);
    return i;
}

static wasm_limits_decl read_limits(reader *r)
{
    wasm_limits_decl l = {0};
    uint8_t flags = (uint8_t)read_uleb(r, 1);     /* a 1-bit LEB128 in the reference decoder */
    l.min = read_u32(r);
    l.has_max = flags == 1;
    if (l.has_max) l.max = read_u32(r);
    return l;
}

static void check_min_max(reader *r, const uint8_t *at, wasm_limits_decl l)
{
    if (l.has_max && l.min > l.max)
        fail_at(r, at, "size minimum must not be greater than maximum");
}

static wasm_tabletype read_tabletype(reader *r)
{
    wasm_tabletype t;
    t.elem = read_reftype(r);
    const uint8_t *at = r->p;
    t.limits = read_limits(r);
    check_min_max(r, at, t.limits);
    return t;
}

static wasm_limits_decl read_memtype(reader *r)
{
    const uint8_t *at = r->p;
    wasm_limits_decl l = read_limits(r);
    if (l.min > 65536 || (l.has_max && l.max > 65536))
        fail_at(r, at, "memory size must be at most 65536 pages (4GiB)");
    check_min_max(r, at, l);
    return l;
}

static wasm_globaltype read_globaltype(reader *r)
{
    wasm_globaltype g;
    g.type = read_valtype(r);
    const uint8_t *at = r->p;
    uint8_t m = read_u8(r);
    if (m > 1) fail_at(r, at, "malformed mutability");
    g.mutable_ = m == 1;
    return g;
}

/* ---- constant expressions ---------------------------------------------- */

static void declare_func_ref(wasm_module *m, uint32_t idx)
{
    m->func_refable[idx] = true;
}

/* Whether a one-byte opcode exists (0xfc prefixes the bulk/saturating ones). */
static bool opcode_exists(uint8_t op)
{
    return (op <= 0x11 && (op < 0x06 || op > 0x0a)) || (op >= 0x1a && op <= 0x1c) ||
           (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xc4) || (op >= 0xd0 && op <= 0xd2) ||
           op == 0xfc;
}

__attribute__((noreturn))
static void fail_not_constant(reader *r, const uint8_t *at, uint8_t op)
{
    if (op == 0xfd) fail_at(r, at, "SIMD not supported (constant expression)");
    if (!opcode_exists(op)) fail_at(r, at, "illegal opcode 0x%02x", op);
    fail_at(r, at, "constant expression required (opcode 0x%02x)", op);
}

/*
 * A constant expression of type `want`.  Only imported globals may be read
 * (Wasm 2.0), and they must be immutable.
 */
static wasm_constexpr read_constexpr(reader *r, wasm_module *m, uint8_t want)
{
    wasm_constexpr c = {0};
    const uint8_t *start = r->p;
    uint32_t count = 0;
    uint8_t got = 0;
    for (;;) {
        const uint8_t *at = r->p;
        uint8_t op = read_u8(r);
        if (op == 0x0b) break;
        c = (wasm_constexpr){0};
        switch (op) {
        case 0x41: c.op = WASM_CONST_I32; c.value = (uint32_t)read_sleb(r, 32); got = WASM_I32; break;
        case 0x42: c.op = WASM_CONST_I64; c.value = (uint64_t)read_sleb(r, 64); got = WASM_I64; break;
        case 0x43:
            c.op = WASM_CONST_F32; got = WASM_F32;
            for (int i = 0; i < 4; i++) c.value |= (uint64_t)read_u8(r) << (8 * i);
            break;
        case 0x44:
            c.op = WASM_CONST_F64; got = WASM_F64;
            for (int i = 0; i < 8; i++) c.value |= (uint64_t)read_u8(r) << (8 * i);
            break;
        case 0x23:
            c.op = WASM_CONST_GLOBAL_GET;
            c.index = read_index(r, m->nglobal_imports, "global");
            if (m->globals[c.index].type.mutable_) fail_at(r, at, "constant expression required (mutable global)");
            got = m->globals[c.index].type.type;
            break;
        case 0xd0: c.op = WASM_CONST_REF_NULL; got = read_reftype(r); break;
        case 0xd2:
            c.op = WASM_CONST_REF_FUNC; got = WASM_FUNCREF;
            c.index = read_index(r, m->nfuncs, "function");
            declare_func_ref(m, c.index);
            break;
        default:
            fail_not_constant(r, at, op);
        }
        count++;
    }
    if (count != 1 || got != want)
        fail_at(r, start, "type mismatch in constant expression (%u values)", count);
    return c;
}

/* ---- sections ---------------------------------------------------------- */

static void read_types(reader *r, wasm_module *m)
{
    m->ntypes = read_len(r);
    m->types = alloc_zeroed(r, m->ntypes, sizeof *m->types);
    for (uint32_t i = 0; i < m->ntypes; i++) {
        wasm_functype *t = &m->types[i];
        const uint8_t *at = r->p;
        if (read_u8(r) != 0x60) fail_at(r, at, "integer representation too long (malformed function type)");
        t->nparams = read_len(r);
        t->params = alloc_zeroed(r, t->nparams, 1);
        for (uint32_t k = 0; k < t->nparams; k++) t->params[k] = read_valtype(r);
        t->nresults = read_len(r);
        t->results = alloc_zeroed(r, t->nresults, 1);
        for (uint32_t k = 0; k < t->nresults; k++) t->results[k] = read_valtype(r);
        t->canon = wasm_functype_canon(t->params, t->nparams, t->results, t->nresults);
    }
}

/* Grows one of the index spaces by one entry (imports are counted before definitions). */
static void *grow_space(reader *r, void *array, uint32_t count, size_t size)
{
    void *p = realloc(array, (count + 1) * size);
    if (!p) fail_at(r, r->p, "out of memory");
    memset((char *)p + count * size, 0, size);
    return p;
}

static void read_imports(reader *r, wasm_module *m)
{
    uint32_t n = read_len(r);
    m->imports = alloc_zeroed(r, n, sizeof *m->imports);
    for (uint32_t i = 0; i < n; i++) {
        wasm_import *im = &m->imports[i];
        m->nimports = i + 1;
        im->module_len = read_name(r, &im->module);
        im->name_len = read_name(r, &im->name);
        const uint8_t *at = r->p;
        uint8_t kind = read_u8(r);
        switch (kind) {
        case WASM_EXTERN_FUNC: {
            uint32_t type = read_index(r, m->ntypes, "type");
            m->funcs = grow_space(r, m->funcs, m->nfuncs, sizeof *m->funcs);
            m->funcs[m->nfuncs] = (wasm_func){ .type_idx = type, .type = &m->types[type], .imported = true };
            im->index = m->nfuncs++;
            m->nfunc_imports++;
            break;
        }
        case WASM_EXTERN_TABLE:
            m->tables = grow_space(r, m->tables, m->ntables, sizeof *m->tables);
            m->tables[m->ntables] = read_tabletype(r);
            im->index = m->ntables++;
            m->ntable_imports++;
            break;
        case WASM_EXTERN_MEMORY:
            m->mems = grow_space(r, m->mems, m->nmems, sizeof *m->mems);
            m->mems[m->nmems] = read_memtype(r);
            im->index = m->nmems++;
            m->nmem_imports++;
            break;
        case WASM_EXTERN_GLOBAL:
            m->globals = grow_space(r, m->globals, m->nglobals, sizeof *m->globals);
            m->globals[m->nglobals].type = read_globaltype(r);
            im->index = m->nglobals++;
            m->nglobal_imports++;
            break;
        default:
            fail_at(r, at, "malformed import kind %u", kind);
        }
        im->kind = (wasm_externkind)kind;
    }
    if (m->nmems > 1) fail_at(r, r->p, "multiple memories");
}

static void *extend(reader *r, void *array, uint32_t old, uint32_t add, size_t size)
{
    void *p = realloc(array, ((size_t)old + add + 1) * size);
    if (!p) fail_at(r, r->p, "out of memory");
    memset((char *)p + old * size, 0, ((size_t)add + 1) * size);
    return p;
}

static void read_funcs(reader *r, wasm_module *m, uint32_t *ndeclared)
{
    uint32_t n = read_len(r);
    m->funcs = extend(r, m->funcs, m->nfuncs, n, sizeof *m->funcs);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t type = read_index(r, m->ntypes, "type");
        m->funcs[m->nfuncs++] = (wasm_func){ .type_idx = type, .type = &m->types[type] };
    }
    *ndeclared = n;
}

static void read_tables(reader *r, wasm_module *m)
{
    uint32_t n = read_len(r);
    m->tables = extend(r, m->tables, m->ntables, n, sizeof *m->tables);
    for (uint32_t i = 0; i < n; i++) m->tables[m->ntables++] = read_tabletype(r);
}

static void read_memories(reader *r, wasm_module *m)
{
    const uint8_t *at = r->p;
    uint32_t n = read_len(r);
    m->mems = extend(r, m->mems, m->nmems, n, sizeof *m->mems);
    for (uint32_t i = 0; i < n; i++) m->mems[m->nmems++] = read_memtype(r);
    if (m->nmems > 1) fail_at(r, at, "multiple memories");
}

static void read_globals(reader *r, wasm_module *m)
{
    uint32_t n = read_len(r);
    m->globals = extend(r, m->globals, m->nglobals, n, sizeof *m->globals);
    for (uint32_t i = 0; i < n; i++) {
        wasm_global_decl *g = &m->globals[m->nglobals];
        g->type = read_globaltype(r);
        g->init = read_constexpr(r, m, g->type.type);
        m->nglobals++;
    }
}

static int compare_export_names(const void *a, const void *b)
{
    const wasm_export *x = *(const wasm_export *const *)a, *y = *(const wasm_export *const *)b;
    if (x->name_len != y->name_len) return x->name_len < y->name_len ? -1 : 1;
    return memcmp(x->name, y->name, x->name_len);
}

/* Sorting keeps this O(n log n) for modules with very many exports. */
static void check_export_names(reader *r, wasm_module *m, const uint8_t *at)
{
    const wasm_export **sorted = alloc_zeroed(r, m->nexports, sizeof *sorted);
    for (uint32_t i = 0; i < m->nexports; i++) sorted[i] = &m->exports[i];
    qsort(sorted, m->nexports, sizeof *sorted, compare_export_names);
    for (uint32_t i = 1; i < m->nexports; i++) {
        if (compare_export_names(&sorted[i - 1], &sorted[i]) == 0) {
            const char *name = sorted[i]->name;
            free(sorted);
            fail_at(r, at, "duplicate export name \"%s\"", name);
        }
    }
    free(sorted);
}

static void read_exports(reader *r, wasm_module *m)
{
    const uint8_t *start = r->p;
    uint32_t n = read_len(r);
    m->exports = alloc_zeroed(r, n, sizeof *m->exports);
    for (uint32_t i = 0; i < n; i++) {
        wasm_export *e = &m->exports[i];
        const uint8_t *at = r->p;
        m->nexports = i + 1;
        e->name_len = read_name(r, &e->name);
        at = r->p;
        uint8_t kind = read_u8(r);
        switch (kind) {
        case WASM_EXTERN_FUNC:
            e->index = read_index(r, m->nfuncs, "function");
            declare_func_ref(m, e->index);
            break;
        case WASM_EXTERN_TABLE: e->index = read_index(r, m->ntables, "table"); break;
        case WASM_EXTERN_MEMORY: e->index = read_index(r, m->nmems, "memory"); break;
        case WASM_EXTERN_GLOBAL: e->index = read_index(r, m->nglobals, "global"); break;
        default: fail_at(r, at, "malformed export kind %u", kind);
        }
        e->kind = (wasm_externkind)kind;
    }
    check_export_names(r, m, start);
}

static void read_start(reader *r, wasm_module *m)
{
    const uint8_t *at = r->p;
    uint32_t f = read_index(r, m->nfuncs, "function");
    const wasm_functype *t = m->funcs[f].type;
    if (t->nparams || t->nresults) fail_at(r, at, "start function %u must have type [] -> []", f);
    m->start = f;
}

/* One element segment; `flags` selects among the eight encodings. */
static void read_elem(reader *r, wasm_module *m, wasm_elem_seg *s)
{
    const uint8_t *at = r->p;
    uint32_t flags = read_u32(r);
    if (flags > 7) fail_at(r, at, "malformed elements segment kind %u", flags);
    bool exprs = flags & 4;
    s->mode = !(flags & 1) ? WASM_SEG_ACTIVE : (flags & 2) ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE;
    s->elem = WASM_FUNCREF;
    if (s->mode == WASM_SEG_ACTIVE) {
        s->table = (flags & 2) ? read_u32(r) : 0;
        if (s->table >= m->ntables) fail_at(r, at, "unknown table %u", s->table);
        s->offset = read_constexpr(r, m, WASM_I32);
    }
    if (flags & 3) {
        if (exprs) {
            s->elem = read_reftype(r);
        } else {
            const uint8_t *kat = r->p;
            if (read_u8(r) != 0x00) fail_at(r, kat, "malformed element kind");
        }
    }
    if (s->mode == WASM_SEG_ACTIVE && m->tables[s->table].elem != s->elem)
        fail_at(r, at, "type mismatch (element segment type vs table %u)", s->table);
    s->count = read_len(r);
    s->items = alloc_zeroed(r, s->count, sizeof *s->items);
    for (uint32_t i = 0; i < s->count; i++) {
        if (exprs) {
            s->items[i] = read_constexpr(r, m, s->elem);
        } else {
            s->items[i].op = WASM_CONST_REF_FUNC;
            s->items[i].index = read_index(r, m->nfuncs, "function");
            declare_func_ref(m, s->items[i].index);
        }
    }
}

static void read_elems(reader *r, wasm_module *m)
{
    uint32_t n = read_len(r);
    m->elems = alloc_zeroed(r, n, sizeof *m->elems);
    for (uint32_t i = 0; i < n; i++) {
        m->nelems = i + 1;
        read_elem(r, m, &m->elems[i]);
    }
}

static void read_datacount(reader *r, wasm_module *m)
{
    m->datacount = read_u32(r);
    m->has_datacount = true;
}

/* A function body: locals here, instructions delimited for compile.c. */
static void read_body(reader *r, wasm_module *m, wasm_func *f, uint32_t index)
{
    uint32_t size = read_len(r);
    if (size > (size_t)(r->end - r->p)) fail_at(r, r->end, "unexpected end of section or function");
    const uint8_t *stop = r->p + size;
    uint32_t groups = read_len(r);
    uint64_t total = 0;
    const uint8_t *locals_at = r->p;
    for (uint32_t g = 0; g < groups; g++) {
        total += read_u32(r);
        read_valtype(r);
    }
    if (total > 0xffffffffu || total > MAX_LOCALS)
        fail_at(r, locals_at, "too many locals in function %u", index);
    f->nlocals = (uint32_t)total;
    f->local_types = alloc_zeroed(r, total, 1);
    r->p = locals_at;
    uint32_t k = 0;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t count = read_u32(r);
        uint8_t type = read_valtype(r);
        memset(f->local_types + k, type, count);
        k += count;
    }
    if (r->p > stop) fail_at(r, stop, "section size mismatch (function %u)", index);
    if (r->p == stop || stop[-1] != 0x0b) {
        /* The reference decoder runs on past the body: it hits the end of the
         * file, takes the next byte for the closing `end`, or finds another. */
        if (stop >= r->end) fail_at(r, r->end, "unexpected end of section or function (function %u)", index);
        if (*stop == 0x0b) fail_at(r, stop, "section size mismatch (function %u)", index);
        fail_at(r, stop, "END opcode expected (function %u)", index);
    }
    f->body = r->p;
    f->body_len = (size_t)(stop - r->p);
    f->body_offset = (size_t)(r->p - r->start);
    r->p = stop;
}

static void read_code(reader *r, wasm_module *m, uint32_t ndeclared)
{
    const uint8_t *at = r->p;
    uint32_t n = read_len(r);
    if (n != ndeclared) fail_at(r, at, "function and code section have inconsistent lengths");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t index = m->nfunc_imports + i;
        read_body(r, m, &m->funcs[index], index);
    }
}

static void read_data(reader *r, wasm_module *m)
{
    const uint8_t *at = r->p;
    uint32_t n = read_len(r);
    if (m->has_datacount && n != m->datacount)
        fail_at(r, at, "data count and data section have inconsistent lengths");
    m->datas = alloc_zeroed(r, n, sizeof *m->datas);
    for (uint32_t i = 0; i < n; i++) {
        wasm_data_seg *d = &m->datas[i];
        m->ndatas = i + 1;
        at = r->p;
        uint32_t flags = read_u32(r);
        if (flags > 2) fail_at(r, at, "malformed data segment kind %u", flags);
        d->mode = flags == 1 ? WASM_SEG_PASSIVE : WASM_SEG_ACTIVE;
        if (d->mode == WASM_SEG_ACTIVE) {
            d->memory = flags == 2 ? read_u32(r) : 0;
            if (d->memory >= m->nmems) fail_at(r, at, "unknown memory %u", d->memory);
            d->offset = read_constexpr(r, m, WASM_I32);
        }
        d->len = read_len(r);
        if (d->len > (size_t)(r->end - r->p)) fail_at(r, r->end, "unexpected end of section or function");
        d->bytes = r->p;
        r->p += d->len;
    }
}

static void read_custom(reader *r, wasm_module *m, const uint8_t *stop)
{
    const uint8_t *at = r->p;
    m->customs = grow_space(r, m->customs, m->ncustoms, sizeof *m->customs);
    wasm_custom *c = &m->customs[m->ncustoms++];
    read_name(r, &c->name);
    if (r->p > stop) fail_at(r, at, "unexpected end of section or function (custom section name)");
    c->data = r->p;
    c->len = (size_t)(stop - r->p);
    r->p = stop;
}

/* ---- the module -------------------------------------------------------- */

static void read_header(reader *r)
{
    static const uint8_t magic[4] = { 0x00, 'a', 's', 'm' }, version[4] = { 1, 0, 0, 0 };
    if (r->end - r->p < 4) fail_at(r, r->end, "unexpected end");
    if (memcmp(r->p, magic, 4) != 0) fail_at(r, r->p, "magic header not detected");
    r->p += 4;
    if (r->end - r->p < 4) fail_at(r, r->end, "unexpected end");
    if (memcmp(r->p, version, 4) != 0) fail_at(r, r->p, "unknown binary version");
    r->p += 4;
}

static void read_section(reader *r, wasm_module *m, int id, const uint8_t *stop, uint32_t *ndeclared)
{
    switch (id) {
    case SEC_CUSTOM: read_custom(r, m, stop); break;
    case SEC_TYPE: read_types(r, m); break;
    case SEC_IMPORT: read_imports(r, m); break;
    case SEC_FUNC: read_funcs(r, m, ndeclared); break;
    case SEC_TABLE: read_tables(r, m); break;
    case SEC_MEMORY: read_memories(r, m); break;
    case SEC_GLOBAL: read_globals(r, m); break;
    case SEC_EXPORT: read_exports(r, m); break;
    case SEC_START: read_start(r, m); break;
    case SEC_ELEM: read_elems(r, m); break;
    case SEC_DATACOUNT: read_datacount(r, m); break;
    case SEC_CODE: read_code(r, m, *ndeclared); break;
    case SEC_DATA: read_data(r, m); break;
    }
}

static void read_module(reader *r, wasm_module *m)
{
    int last_rank = 0;
    uint32_t ndeclared = 0;
    bool seen_code = false, seen_data = false;
    read_header(r);
    m->func_refable = alloc_zeroed(r, 0, 1);
    while (r->p < r->end) {
        const uint8_t *at = r->p;
        r->where = "module";
        uint8_t id = read_u8(r);
        if (id >= SEC_COUNT) fail_at(r, at, "malformed section id %u", id);
        r->where = section_names[id];
        if (id != SEC_CUSTOM) {
            if (section_rank[id] <= last_rank) fail_at(r, at, "unexpected content after last section");
            last_rank = section_rank[id];
        }
        uint32_t size = read_len(r);
        if (size > (size_t)(r->end - r->p)) fail_at(r, r->end, "unexpected end of section or function");
        const uint8_t *stop = r->p + size;
        read_section(r, m, id, stop, &ndeclared);
        if (id == SEC_IMPORT || id == SEC_FUNC) {   /* the function space grew */
            free(m->func_refable);
            m->func_refable = alloc_zeroed(r, m->nfuncs, 1);
        }
        if (r->p != stop) fail_at(r, r->p, "section size mismatch");
        seen_code |= id == SEC_CODE;
        seen_data |= id == SEC_DATA;
    }
    r->where = "module";
    if (!seen_code && ndeclared) fail_at(r, r->p, "function and code section have inconsistent lengths");
    if (!seen_data && m->has_datacount && m->datacount)
        fail_at(r, r->p, "data count and data section have inconsistent lengths");
}

int wasm_decode(wasm_module *m, wasm_error *err)
{
    reader r = { .start = m->bytes, .p = m->bytes, .end = m->bytes + m->len,
                 .where = "header", .err = err };
    m->start = -1;
    if (setjmp(r.fail)) return -1;
    read_module(&r, m);
    return 0;
}
