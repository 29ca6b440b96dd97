/*
 * test_wat - the text-format parser: tokens, literals, abbreviations,
 * identifiers, the binary it writes, what it rejects and the messages; some
 * modules are also run on the engine.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "wasm.h"
#include "wat.h"

static uint8_t *bin;
static size_t bin_len;
static char err[256];

/* Converts `text`; 0 or -1 as wat_to_wasm.  The binary stays in `bin` until the next call. */
static int convert(const char *text)
{
    free(bin);
    bin = NULL;
    bin_len = 0;
    return wat_to_wasm(text, strlen(text), &bin, &bin_len, err, sizeof err);
}

static bool binary_is(const char *text, const uint8_t *want, size_t want_len)
{
    if (convert(text) != 0) {
        fprintf(stderr, "  %s: %s\n", text, err);
        return false;
    }
    return bin_len == want_len && memcmp(bin, want, want_len) == 0;
}

/* The error message of a text that must be rejected ("" when it was accepted). */
static const char *rejected(const char *text)
{
    return convert(text) == 0 ? "" : err;
}

static bool contains(const char *got, const char *want)
{
    if (strstr(got, want))
        return true;
    fprintf(stderr, "  \"%s\" does not contain \"%s\"\n", got, want);
    return false;
}

#define HEADER 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00

static void test_module_forms(void)
{
    static const uint8_t empty[] = { HEADER };
    CHECK(binary_is("(module)", empty, sizeof empty));
    CHECK(binary_is("", empty, sizeof empty));
    CHECK(binary_is("(module $m)", empty, sizeof empty));
    CHECK(binary_is(";; nothing\n(module (; a (; nested ;) comment ;))", empty, sizeof empty));
    CHECK(binary_is("(module binary \"\\00asm\" \"\\01\\00\\00\\00\")", empty, sizeof empty));
    CHECK(binary_is("(module quote \"(module)\")", empty, sizeof empty));

    static const uint8_t one_func[] = { HEADER, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 4, 1, 2, 0, 0x0B };
    CHECK(binary_is("(module (func))", one_func, sizeof one_func));
    CHECK(binary_is("(func)", one_func, sizeof one_func));          /* a bare list of fields */
    CHECK(binary_is("(module quote \"(func)\")", one_func, sizeof one_func));
}

static void test_instructions_encoding(void)
{
    /* folded operands come first; i32.const is a signed LEB */
    CHECK(convert("(memory 1)(func (result i32) (i32.add (i32.const -1) (i32.const 128)))") == 0);
    static const uint8_t add[] = { 0x41, 0x7F, 0x41, 0x80, 0x01, 0x6A, 0x0B };
    CHECK(bin_len > sizeof add && memcmp(bin + bin_len - sizeof add, add, sizeof add) == 0);

    CHECK(convert("(memory 1)(func (drop (i32.load16_u offset=0x10 align=1 (i32.const 0))))") == 0);
    static const uint8_t load[] = { 0x41, 0x00, 0x2F, 0x00, 0x10, 0x1A, 0x0B };
    CHECK(bin_len > sizeof load && memcmp(bin + bin_len - sizeof load, load, sizeof load) == 0);

    /* labels by name are depths; `end $l` may repeat the label */
    CHECK(convert("(func block $out loop $in br $out br $in br 0 end $in end $out)") == 0);
    static const uint8_t br[] = { 0x02, 0x40, 0x03, 0x40, 0x0C, 0x01, 0x0C, 0x00, 0x0C, 0x00, 0x0B, 0x0B, 0x0B };
    CHECK(bin_len > sizeof br && memcmp(bin + bin_len - sizeof br, br, sizeof br) == 0);

    /* a block type naming type 64: an s33 needs two bytes (bit 6 would read as negative) */
    char many[2600];
    int n = 0;
    for (int i = 0; i < 64; i++)
        n += sprintf(many + n, "(type (func (param i64)))");
    sprintf(many + n, "(type $t (func (param i32) (result i32)))"
                      "(func (result i32) i32.const 1 (block (type $t) (param i32) (result i32)))");
    CHECK(convert(many) == 0);
    static const uint8_t block64[] = { 0x41, 0x01, 0x02, 0xC0, 0x00, 0x0B, 0x0B };
    CHECK(bin_len > sizeof block64 && memcmp(bin + bin_len - sizeof block64, block64, sizeof block64) == 0);
    wasm_error werr;
    wasm_module *m = wasm_module_load(bin, bin_len, &werr);
    CHECK(m != NULL);
    if (m)
        wasm_module_free(m);

    /* typed select and saturating truncation (0xFC prefix) */
    CHECK(convert("(func (result i32) (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0))"
                  " (drop (i32.trunc_sat_f32_s (f32.const 1))))") == 0);
    static const uint8_t sel[] = { 0x1C, 0x01, 0x7F };
    CHECK(memmem(bin, bin_len, sel, sizeof sel) != NULL);
    static const uint8_t sat[] = { 0xFC, 0x00, 0x1A };
    CHECK(memmem(bin, bin_len, sat, sizeof sat) != NULL);
}

static void test_literals(void)
{
    CHECK(convert("(func (result f32) f32.const 0x1p-149)") == 0);
    static const uint8_t denorm[] = { 0x43, 0x01, 0x00, 0x00, 0x00, 0x0B };
    CHECK(memcmp(bin + bin_len - sizeof denorm, denorm, sizeof denorm) == 0);
    CHECK(convert("(func (result f32) f32.const -nan:0x200000)") == 0);
    static const uint8_t nan[] = { 0x43, 0x00, 0x00, 0xA0, 0xFF, 0x0B };
    CHECK(memcmp(bin + bin_len - sizeof nan, nan, sizeof nan) == 0);
    CHECK(convert("(func (result f64) f64.const -inf)") == 0);
    static const uint8_t inf[] = { 0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0xFF, 0x0B };
    CHECK(memcmp(bin + bin_len - sizeof inf, inf, sizeof inf) == 0);
    CHECK(convert("(func (result i64) i64.const 0xffff_ffff_ffff_ffff)") == 0);   /* -1 */
    static const uint8_t minus1[] = { 0x42, 0x7F, 0x0B };
    CHECK(memcmp(bin + bin_len - sizeof minus1, minus1, sizeof minus1) == 0);

    CHECK(convert("(func (result i32) i32.const 4294967295)") == 0);
    CHECK(convert("(func (result i32) i32.const -2147483648)") == 0);
    CHECK(convert("(func (result f64) f64.const 1_000.000_1e+1_0)") == 0);
    CHECK(convert("(func (result f32) f32.const 0x1.fffffep127)") == 0);

    /* a literal longer than any buffer: 0.000...0001 (300 zeros) is 1e-301 */
    char longer[400];
    int n = sprintf(longer, "(func (result f64) f64.const 0.");
    n += sprintf(longer + n, "%0300d1)", 0);
    CHECK(convert(longer) == 0);
    double tiny;
    memcpy(&tiny, bin + bin_len - 9, sizeof tiny);
    CHECK(tiny == 1e-301);

    CHECK(contains(rejected("(func (result i32) i32.const 4294967296)"), "out of range"));
    CHECK(contains(rejected("(func (result i32) i32.const -2147483649)"), "out of range"));
    CHECK(contains(rejected("(func (result i32) i32.const 1__0)"), "malformed"));
    CHECK(contains(rejected("(func (result i32) i32.const _1)"), "malformed"));
    CHECK(contains(rejected("(func (result f32) f32.const 1e39)"), "constant out of range"));
    CHECK(contains(rejected("(func (result f32) f32.const 0x1p128)"), "constant out of range"));
    CHECK(contains(rejected("(func (result f32) f32.const nan:0x800000)"), "constant out of range"));
    CHECK(contains(rejected("(func (result f32) f32.const nan:0x0)"), "constant out of range"));
    CHECK(contains(rejected("(func (result f64) f64.const 1.e)"), "malformed"));
    CHECK(contains(rejected("(func (result i32) i32.const 1$x)"), "malformed"));   /* one token */
    CHECK(contains(rejected("(data \"a\"b)"), "missing separator"));
}

static void test_strings(void)
{
    CHECK(convert("(memory 1)(data (i32.const 0) \"\\t\\n\\r\\\"\\'\\\\\\u{1F600}\\41\" \"z\")") == 0);
    static const uint8_t bytes[] = { '\t', '\n', '\r', '"', '\'', '\\', 0xF0, 0x9F, 0x98, 0x80, 'A', 'z' };
    CHECK(bin_len > sizeof bytes && memcmp(bin + bin_len - sizeof bytes, bytes, sizeof bytes) == 0);
    CHECK(contains(rejected("(data \"\\q\")"), "malformed escape"));
    CHECK(contains(rejected("(data \"\\u{d800}\")"), "surrogate"));
    CHECK(contains(rejected("(data \"\\u{110000}\")"), "out of range"));
    CHECK(contains(rejected("(data \"abc"), "unclosed string"));
    CHECK(contains(rejected("(data \"a\tb\")"), "control character"));
    CHECK(contains(rejected("(import \"\\ff\" \"f\" (func))"), "malformed UTF-8"));
    CHECK(convert("(data \"\\ff\")") == 0);   /* data is bytes, not a name */
}

static void test_errors_and_positions(void)
{
    CHECK_STR(rejected("(module\n  (func i32.bogus))"), "2:9: unknown operator \"i32.bogus\"");
    CHECK_STR(rejected("(module (func $f) (func $f))"), "1:25: duplicate func $f");
    CHECK(contains(rejected("(func (param $x i32) (local $x i32))"), "duplicate local $x"));
    CHECK(contains(rejected("(global $g i32 (i32.const 0)) (global $g i32 (i32.const 0))"), "duplicate global"));
    CHECK(contains(rejected("(func) (import \"m\" \"f\" (func))"), "import after"));
    CHECK(contains(rejected("(memory 1) (table (import \"m\" \"t\") 1 funcref)"), "import after"));
    CHECK(contains(rejected("(type $t (func (param i32))) (func (type $t) (param i64))"), "inline function type"));
    CHECK(contains(rejected("(func block $a end $b)"), "mismatching label"));
    CHECK(contains(rejected("(func br $nowhere)"), "unknown label"));
    CHECK(contains(rejected("(func call $nowhere)"), "unknown function"));
    CHECK(contains(rejected("(memory 1) (func (drop (i32.load align=3 (i32.const 0))))"), "power of two"));
    CHECK(contains(rejected("(func (call_indirect (param $x i32)))"), "unexpected token"));
    CHECK(contains(rejected("(start 0) (start 0) (func)"), "multiple start"));
    CHECK(contains(rejected("(type (func) (func))"), "unexpected token"));
    /* only the `(elem (offset) x*)` form may leave out `func`; no bare table or memory index */
    CHECK(convert("(table 1 funcref) (func $f) (elem (i32.const 0) $f)") == 0);
    CHECK(contains(rejected("(table 1 funcref) (func $f) (elem (table 0) (i32.const 0) $f)"), "unexpected token"));
    CHECK(convert("(table 1 funcref) (func $f) (elem (table 0) (i32.const 0) func $f)") == 0);
    CHECK(strlen(rejected("(table 1 funcref) (func $f) (elem 0 (i32.const 0) $f)")) > 0);
    CHECK(strlen(rejected("(memory 1) (data 0 (i32.const 0))")) > 0);
    CHECK(contains(rejected("(module (func)) (func)"), "unexpected token"));
    CHECK(contains(rejected("(module (func)"), "unexpected end of input"));
    CHECK(contains(rejected("(module (; unclosed"), "unclosed block comment"));
    CHECK(contains(rejected("(module (bogus))"), "unknown module field"));
    CHECK(contains(rejected("(module quote \"(func nop nope)\")"), "1:11: unknown operator"));   /* in the quoted text */
    /* a type use naming a type declared later is fine; an unknown one is not */
    CHECK(convert("(func (type $t)) (type $t (func))") == 0);
    CHECK(contains(rejected("(func (type $t))"), "unknown type"));
    /* a type index alone is the validator's to check; with an inline signature it must exist */
    CHECK(convert("(type (func)) (func (type 5)) (func (call_indirect (type 9) (i32.const 0)))") == 0);
    CHECK(contains(rejected("(type (func)) (func (type 5) (param i32))"), "1:27: unknown type"));
    CHECK(convert("(func (type 1)) (func (result f64) f64.const 0)") == 0);   /* type 1 comes later */
    CHECK(wat_to_wasm("(module", 7, &bin, &bin_len, NULL, 0) == -1);   /* no message buffer: still fails */
}

/* "(func (block (block ... )))" with `depth` blocks: 0 when it converts, -1 otherwise. */
static int convert_nested(size_t depth)
{
    char *text = malloc(depth * 8 + 16);
    size_t len = (size_t)sprintf(text, "(func ");
    for (size_t i = 0; i < depth; i++)
        len += (size_t)sprintf(text + len, "(block ");
    memset(text + len, ')', depth + 1);
    len += depth + 1;
    free(bin);
    bin = NULL;
    int status = wat_to_wasm(text, len, &bin, &bin_len, err, sizeof err);
    free(text);
    return status;
}

/* Nesting deep enough to exhaust the C stack is refused with a message. */
static void test_nesting_limit(void)
{
    CHECK(convert_nested(10000) == 0);
    CHECK(convert_nested(10001) == -1);
    CHECK(contains(err, "1:70008: instructions nested deeper than 10000"));
}

/* ---- running converted modules ------------------------------------------ */

/* Converts and instantiates `text`, calls `func` with one i64-slot argument, returns its first result. */
static uint64_t run(const char *text, const char *func, uint64_t arg)
{
    wasm_error e;
    uint64_t slots[4] = { arg };
    if (convert(text) != 0) {
        fprintf(stderr, "  %s\n", err);
        return UINT64_MAX;
    }
    wasm_module *m = wasm_module_load(bin, bin_len, &e);
    wasm_linker *linker = wasm_linker_new();
    wasm_instance *inst = m ? wasm_instantiate(m, linker, NULL, &e) : NULL;
    wasm_funcinst *f = inst ? wasm_instance_export_func(inst, func) : NULL;
    if (!f || wasm_call(inst, f, slots, slots) != WASM_OK) {
        fprintf(stderr, "  %s: %s\n", func, m ? e.message : "not loaded");
        slots[0] = UINT64_MAX;
    }
    if (inst)
        wasm_instance_free(inst);
    wasm_linker_free(linker);
    if (m)
        wasm_module_free(m);
    return slots[0];
}

static void test_running(void)
{
    CHECK_INT(run("(func $fac (export \"fac\") (param $n i64) (result i64)"
                  "  (if (result i64) (i64.eqz (local.get $n))"
                  "    (then (i64.const 1))"
                  "    (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1)))))))",
                  "fac", 10), 3628800);
    /* a table abbreviation with inline elements, call_indirect through a named type */
    CHECK_INT(run("(type $ret (func (result i32)))"
                  "(table $t funcref (elem $a $b))"
                  "(func $a (result i32) i32.const 11) (func $b (result i32) i32.const 22)"
                  "(func (export \"pick\") (param i32) (result i32) (call_indirect $t (type $ret) (local.get 0)))",
                  "pick", 1), 22);
    /* a memory abbreviation with inline data, an exported mutable global, a block with parameters */
    CHECK_INT(run("(memory (data \"\\2a\\00\\00\\00\"))"
                  "(global $g (export \"g\") (mut i32) (i32.const 100))"
                  "(func (export \"f\") (param i32) (result i32)"
                  "  (i32.load (i32.const 0))"
                  "  (block (param i32) (result i32) (i32.add (global.get $g)))"
                  "  (local.get 0) i32.add)",
                  "f", 1), 143);
    /* passive segments and bulk instructions by name */
    CHECK_INT(run("(memory 1) (data $d \"\\07\\08\")"
                  "(func (export \"f\") (param i32) (result i32)"
                  "  (memory.init $d (i32.const 4) (i32.const 0) (i32.const 2)) (data.drop $d)"
                  "  (i32.load8_u offset=5 (i32.const 0)))",
                  "f", 0), 8);
    /* br_table by names, loop with a result */
    CHECK_INT(run("(func (export \"f\") (param i32) (result i32)"
                  "  (block $two (block $one (block $zero (br_table $zero $one $two (local.get 0)))"
                  "    (return (i32.const 100))) (return (i32.const 101))) (i32.const 102))",
                  "f", 1), 101);
}

int main(void)
{
    test_module_forms();
    test_instructions_encoding();
    test_literals();
    test_strings();
    test_errors_and_positions();
    test_nesting_limit();
    test_running();
    free(bin);
    TEST_DONE();
}
