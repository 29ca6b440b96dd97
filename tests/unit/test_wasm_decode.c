/*
 * test_wasm_decode - the decoder and module-level validation: malformed and
 * invalid binaries get the reference interpreter's message plus a location;
 * valid ones expose their imports, exports and custom sections.
 */
#include "wasm.h"
#include "test.h"
#include "wasm_build.h"

#define HDR "\0asm\1\0\0\0"

/* Loads `bytes`; returns the error message, or NULL when the module loaded. */
static const char *load_msg(const void *bytes, size_t len)
{
    static wasm_error err;
    memset(&err, 0, sizeof err);
    wasm_module *m = wasm_module_load(bytes, len, &err);
    if (m) {
        wasm_module_free(m);
        return NULL;
    }
    return err.message;
}

/* The message must start with the spec's text and say where. */
#define CHECK_FAILS(lit, want) check_fails((lit), sizeof(lit) - 1, (want), __LINE__)

static void check_fails(const void *bytes, size_t len, const char *want, int line)
{
    const char *msg = load_msg(bytes, len);
    bool ok = msg && strncmp(msg, want, strlen(want)) == 0 && strstr(msg, "at byte");
    if (ok) {
        test_passed++;
    } else {
        test_failed++;
        fprintf(stderr, "line %d: want \"%s\" with a location, got \"%s\"\n", line, want, msg ? msg : "(loaded)");
    }
}

static void test_header(void)
{
    CHECK_FAILS("", "unexpected end");
    CHECK_FAILS("\0as", "unexpected end");
    CHECK_FAILS("\0asm\1\0\0", "unexpected end");
    CHECK_FAILS("\0ASM\1\0\0\0", "magic header not detected");
    CHECK_FAILS("\0asm\2\0\0\0", "unknown binary version");
    CHECK(load_msg(HDR, 8) == NULL);
}

static void test_sections(void)
{
    CHECK_FAILS(HDR "\x0d\x00", "malformed section id");
    CHECK_FAILS(HDR "\x80\x00\x01\x00", "malformed section id");
    /* memory after export: out of order; two start sections likewise */
    CHECK_FAILS(HDR "\x07\x01\x00" "\x05\x01\x00", "unexpected content after last section");
    /* type section declares 2 bytes but holds 1 (count 0) then junk */
    CHECK_FAILS(HDR "\x01\x02\x00\x00", "section size mismatch");
    /* section longer than the file */
    CHECK_FAILS(HDR "\x01\x07\x02\x60\x00\x00", "length out of bounds");
    /* two types declared, one given, at the end of the file */
    CHECK_FAILS(HDR "\x01\x04\x02\x60\x00\x00", "unexpected end");
    /* a function without a body; a body without a function */
    CHECK_FAILS(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00", "function and code section have inconsistent lengths");
    CHECK_FAILS(HDR "\x0a\x04\x01\x02\x00\x0b", "function and code section have inconsistent lengths");
    /* data count 1, no data section; data count 2 vs one segment */
    CHECK_FAILS(HDR "\x0c\x01\x01", "data count and data section have inconsistent lengths");
    CHECK_FAILS(HDR "\x05\x03\x01\x00\x01" "\x0c\x01\x02" "\x0b\x07\x01\x00\x41\x00\x0b\x01\x61",
                "data count and data section have inconsistent lengths");
    /* data segment longer than the file; longer than what is left after its length */
    CHECK_FAILS(HDR "\x05\x03\x01\x00\x01" "\x0b\x07\x01\x00\x41\x00\x0b\x07\x61", "length out of bounds");
    CHECK_FAILS(HDR "\x05\x03\x01\x00\x01" "\x0b\x0a\x01\x00\x41\x00\x0b\x04\x61\x62\x63",
                "unexpected end of section or function");
}

static void test_leb128(void)
{
    /* memory minimum 2 with unused bits set in the 5th byte */
    CHECK_FAILS(HDR "\x05\x07\x01\x00\x82\x80\x80\x80\x70", "integer too large");
    /* six bytes for a u32 */
    CHECK_FAILS(HDR "\x05\x08\x01\x00\x82\x80\x80\x80\x80\x00", "integer representation too long");
    /* overlong but legal: 5-byte u32, 10-byte i64 */
    CHECK(load_msg(HDR "\x05\x07\x01\x00\x82\x80\x80\x80\x00", 17) == NULL);
    CHECK(load_msg(HDR "\x06\x0f\x01\x7e\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00\x0b", 25) == NULL);
    /* i32.const -1 with unused bits cleared; i64 with unused bits set */
    CHECK_FAILS(HDR "\x06\x0a\x01\x7f\x00\x41\xff\xff\xff\xff\x0f\x0b", "integer too large");
    CHECK_FAILS(HDR "\x06\x0f\x01\x7e\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7e\x0b", "integer too large");
    CHECK_FAILS(HDR "\x06\x10\x01\x7e\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00\x0b",
                "integer representation too long");
    /* limits flags are a 1-bit LEB128 */
    CHECK_FAILS(HDR "\x05\x03\x01\x02\x00", "integer too large");
    CHECK_FAILS(HDR "\x05\x04\x01\x81\x00\x00", "integer representation too long");
}

static void test_types_and_limits(void)
{
    CHECK_FAILS(HDR "\x01\x05\x01\x60\x01\x7b\x00", "SIMD not supported");
    CHECK_FAILS(HDR "\x01\x05\x01\x60\x01\x7a\x00", "malformed value type");
    CHECK_FAILS(HDR "\x03\x02\x01\x00", "unknown type");
    CHECK_FAILS(HDR "\x05\x04\x01\x00\x81\x80\x04", "memory size must be at most 65536 pages (4GiB)");
    CHECK_FAILS(HDR "\x05\x04\x01\x01\x02\x01", "size minimum must not be greater than maximum");
    CHECK_FAILS(HDR "\x04\x05\x01\x70\x01\x02\x01", "size minimum must not be greater than maximum");
    CHECK_FAILS(HDR "\x04\x04\x01\x7f\x00\x00", "malformed reference type");
    CHECK_FAILS(HDR "\x05\x05\x02\x00\x00\x00\x00", "multiple memories");
    CHECK_FAILS(HDR "\x06\x06\x01\x7f\x02\x41\x00\x0b", "malformed mutability");
    /* a name that is not UTF-8 (an overlong encoding of '/') */
    CHECK_FAILS(HDR "\x00\x04\x02\xc0\xaf\x00", "malformed UTF-8 encoding");
    CHECK_FAILS(HDR "\x02\x08\x01\x01m\x02\xed\xa0\x80\x00", "malformed UTF-8 encoding");
}

static void test_constant_expressions(void)
{
    /* type mismatch, empty, two values, non-constant, unknown and defined globals */
    CHECK_FAILS(HDR "\x06\x06\x01\x7f\x00\x42\x00\x0b", "type mismatch");
    CHECK_FAILS(HDR "\x06\x04\x01\x7f\x00\x0b", "type mismatch");
    CHECK_FAILS(HDR "\x06\x08\x01\x7f\x00\x41\x00\x41\x00\x0b", "type mismatch");
    CHECK_FAILS(HDR "\x06\x09\x01\x7f\x00\x41\x00\x41\x00\x6a\x0b", "constant expression required");
    CHECK_FAILS(HDR "\x06\x06\x01\x7f\x00\x23\x00\x0b", "unknown global");
    CHECK_FAILS(HDR "\x06\x0b\x02\x7f\x00\x41\x00\x0b\x7f\x00\x23\x00\x0b", "unknown global");
    /* global.get of an imported mutable global */
    CHECK_FAILS(HDR "\x02\x08\x01\x01m\x01g\x03\x7f\x01" "\x06\x06\x01\x7f\x00\x23\x00\x0b",
                "constant expression required");
    CHECK_FAILS(HDR "\x06\x06\x01\x7f\x00\xf3\x00\x0b", "illegal opcode");
    CHECK_FAILS(HDR "\x06\x06\x01\x70\x00\xd2\x00\x0b", "unknown function");
}

static void test_exports_and_start(void)
{
    /* two memories' worth of exports named "a" */
    CHECK_FAILS(HDR "\x05\x03\x01\x00\x00" "\x07\x09\x02\x01" "a\x02\x00\x01" "a\x02\x00", "duplicate export name");
    CHECK_FAILS(HDR "\x07\x05\x01\x01" "a\x02\x00", "unknown memory");
    CHECK_FAILS(HDR "\x07\x05\x01\x01" "a\x00\x00", "unknown function");
    CHECK_FAILS(HDR "\x07\x05\x01\x01" "a\x04\x00", "malformed export kind");
    /* start function with a parameter (imported, so no body needed) */
    CHECK_FAILS(HDR "\x01\x05\x01\x60\x01\x7f\x00" "\x02\x07\x01\x01m\x01" "f\x00\x00" "\x08\x01\x00", "start function");
    CHECK_FAILS(HDR "\x08\x01\x00", "unknown function");
    CHECK_FAILS(HDR "\x02\x07\x01\x01m\x01" "f\x05\x00", "malformed import kind");
}

static void test_code_entries(void)
{
    /* locals summing to 2^32 and more than the engine's limit */
    CHECK_FAILS(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00"
                "\x0a\x0c\x01\x0a\x02\xff\xff\xff\xff\x0f\x7f\x02\x7e\x0b", "too many locals");
    CHECK_FAILS(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00"
                "\x0a\x08\x01\x06\x01\x80\x80\x04\x7f\x0b", "too many locals");
    /* a body that does not end with `end`, last in the file, and before a section */
    CHECK_FAILS(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00" "\x0a\x06\x01\x04\x00\x41\x01\x1a",
                "unexpected end of section or function");
    CHECK_FAILS(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00" "\x0a\x06\x01\x04\x00\x41\x01\x1a"
                "\x0b\x03\x01\x01\x00", "section size mismatch");
}

/* All eight element segment encodings, passive data, imports of every kind, customs. */
static void test_valid_module(void)
{
    wbuf *mod = wasm_header(), *s = wbuf_new();
    PUT_BYTES(s, "\x05" "first" "AB");   /* custom "first" twice: the first wins */
    put_section(mod, 0, s);
    s->n = 0;
    PUT_BYTES(s, "\x01\x60\x00\x00");
    put_section(mod, 1, s);
    s->n = 0;
    put_leb(s, 4);
    put_str(s, "env"); put_str(s, "f"); PUT_BYTES(s, "\x00\x00");
    put_str(s, "env"); put_str(s, "t"); PUT_BYTES(s, "\x01\x70\x00\x01");
    put_str(s, "env"); put_str(s, "m"); PUT_BYTES(s, "\x02\x01\x01\x02");
    put_str(s, "env"); put_str(s, "g"); PUT_BYTES(s, "\x03\x7f\x00");
    put_section(mod, 2, s);
    s->n = 0;
    PUT_BYTES(s, "\x02\x70\x00\x0a\x6f\x00\x01");   /* two more tables: funcref, externref */
    put_section(mod, 4, s);
    s->n = 0;
    put_leb(s, 2);
    put_str(s, "t1"); PUT_BYTES(s, "\x01\x01");
    put_str(s, "f"); PUT_BYTES(s, "\x00\x00");
    put_section(mod, 7, s);
    s->n = 0;
    put_leb(s, 8);
    PUT_BYTES(s, "\x00\x41\x00\x0b\x01\x00");                  /* 0: active table 0, func indices */
    PUT_BYTES(s, "\x01\x00\x01\x00");                          /* 1: passive, elemkind */
    PUT_BYTES(s, "\x02\x01\x41\x00\x0b\x00\x01\x00");          /* 2: active table 1 */
    PUT_BYTES(s, "\x03\x00\x01\x00");                          /* 3: declarative */
    PUT_BYTES(s, "\x04\x41\x00\x0b\x02\xd2\x00\x0b\xd0\x70\x0b"); /* 4: active, expressions */
    PUT_BYTES(s, "\x05\x6f\x01\xd0\x6f\x0b");                  /* 5: passive externref */
    PUT_BYTES(s, "\x06\x02\x41\x00\x0b\x6f\x01\xd0\x6f\x0b");  /* 6: active table 2 */
    PUT_BYTES(s, "\x07\x70\x01\xd2\x00\x0b");                  /* 7: declarative expressions */
    put_section(mod, 9, s);
    s->n = 0;
    PUT_BYTES(s, "\x01");
    put_section(mod, 12, s);
    s->n = 0;
    PUT_BYTES(s, "\x01\x01\x03xyz");                           /* one passive data segment */
    put_section(mod, 11, s);
    s->n = 0;
    PUT_BYTES(s, "\x06" "second" "CD");
    put_section(mod, 0, s);
    s->n = 0;
    PUT_BYTES(s, "\x05" "first" "EF");
    put_section(mod, 0, s);

    wasm_error err = {0};
    wasm_module *m = wasm_module_load(mod->b, mod->n, &err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "load: %s\n", err.message);
    } else {
        size_t len = 0;
        const uint8_t *c = wasm_module_custom_section(m, "first", &len);
        CHECK(c && len == 2 && memcmp(c, "AB", 2) == 0);
        CHECK(wasm_module_custom_section(m, "second", &len) && len == 2);
        CHECK(wasm_module_custom_section(m, "third", &len) == NULL);
        CHECK_INT(wasm_module_import_count(m), 4);
        wasm_import_info im;
        wasm_module_import(m, 0, &im);
        CHECK_STR(im.module, "env");
        CHECK_STR(im.name, "f");
        CHECK_INT(im.kind, WASM_EXTERN_FUNC);
        CHECK_INT(im.func.nparams, 0);
        wasm_module_import(m, 1, &im);
        CHECK_INT(im.kind, WASM_EXTERN_TABLE);
        CHECK_INT(im.type, WASM_FUNCREF);
        CHECK(im.min == 1 && !im.has_max);
        wasm_module_import(m, 2, &im);
        CHECK_INT(im.kind, WASM_EXTERN_MEMORY);
        CHECK(im.min == 1 && im.has_max && im.max == 2);
        wasm_module_import(m, 3, &im);
        CHECK_INT(im.kind, WASM_EXTERN_GLOBAL);
        CHECK(im.type == WASM_I32 && !im.mutable_);
        CHECK_INT(wasm_module_export_count(m), 2);
        CHECK_INT(wasm_module_find_export(m, "t1", WASM_EXTERN_TABLE), 1);
        CHECK_INT(wasm_module_find_export(m, "t1", WASM_EXTERN_FUNC), -1);
        CHECK_INT(wasm_module_find_export(m, "f", WASM_EXTERN_FUNC), 0);
        wasm_export_info ex;
        wasm_module_export(m, 1, &ex);
        CHECK_STR(ex.name, "f");
        CHECK_INT(ex.func.nresults, 0);
        wasm_module_free(m);
    }
    free(mod);
    free(s);
}

/* Loading arbitrary prefixes and bit flips of a valid module never crashes. */
static void test_truncations(void)
{
    static const uint8_t good[] = HDR "\x01\x04\x01\x60\x00\x00" "\x05\x03\x01\x00\x01"
                                      "\x06\x06\x01\x7f\x01\x41\x07\x0b" "\x07\x05\x01\x01g\x03\x00";
    int loaded = 0;
    for (size_t n = 0; n < sizeof good - 1; n++) {
        wasm_error err;
        wasm_module *m = wasm_module_load(good, n, &err);
        if (m) loaded++;
        wasm_module_free(m);
    }
    CHECK_INT(loaded, 4);   /* the header alone, then with each complete section */
    uint8_t copy[sizeof good];
    for (size_t i = 8; i < sizeof good - 1; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, good, sizeof good);
            copy[i] ^= (uint8_t)(1u << bit);
            wasm_error err;
            wasm_module_free(wasm_module_load(copy, sizeof good - 1, &err));
        }
    }
    CHECK(1);
}

int main(void)
{
    test_header();
    test_sections();
    test_leb128();
    test_types_and_limits();
    test_constant_expressions();
    test_exports_and_start();
    test_code_entries();
    test_valid_module();
    test_truncations();
    TEST_DONE();
}
