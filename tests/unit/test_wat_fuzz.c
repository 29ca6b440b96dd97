/*
 * test_wat_fuzz - a fuzz smoke test of the text parser: random bytes, random
 * token soup, and random edits and truncations of a valid module.  Nothing may
 * crash or hang (run it under ASan+UBSan: make SAN=1 test-unit); every
 * rejection must say where ("line:column: ..."), and every binary produced is
 * loaded by the engine as well.  A fixed seed keeps runs reproducible.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "wasm.h"
#include "wat.h"

static const char seed[] =
    "(module $m\n"
    "  (type $t (func (param i32) (result i32)))\n"
    "  (import \"env\" \"f\" (func $imp (type $t)))\n"
    "  (table $tab 2 funcref) (memory (export \"mem\") 1 2)\n"
    "  (global $g (mut f64) (f64.const -0x1.8p+3))\n"
    "  (elem (table $tab) (i32.const 0) func $imp $f) (elem declare funcref (ref.func $f))\n"
    "  (data (i32.const 8) \"a\\00\\u{e9}\")  (; block (; nested ;) comment ;)\n"
    "  (func $f (export \"f\") (param $x i32) (result i32) (local $y i64) ;; line comment\n"
    "    (block $b (result i32) (br_if $b (i32.const 1) (local.get $x)) drop (i32.const 2))\n"
    "    (if (result i32) (then (i32.load offset=4 align=4 (i32.const 0))) (else (i32.const 0x7fff_ffff)))\n"
    "    i32.add (call_indirect $tab (type $t) (i32.const 0)) (select (result i32) (i32.const 1)\n"
    "    (i32.const 2) (i32.const 0)) drop\n"
    "    loop $l (result i32) i32.const 3 end f32.const nan:0x7 drop (memory.fill (i32.const 0)\n"
    "    (i32.const 0) (i32.const 0)) (table.size $tab) drop)\n"
    "  (start $f2) (func $f2))\n";

static const char *const soup[] = {
    "(", ")", "(", ")", "module", "func", "param", "result", "local", "type", "import", "export", "table",
    "memory", "global", "elem", "data", "start", "block", "loop", "if", "then", "else", "end", "br", "br_table",
    "i32.const", "f64.const", "i32.add", "local.get", "call", "call_indirect", "select", "ref.null", "func",
    "i32", "i64", "f32", "f64", "funcref", "externref", "mut", "offset", "item", "declare", "quote", "binary",
    "$a", "$b", "0", "1", "-1", "0x10", "nan:0x1", "inf", "1.5e10", "\"s\"", "\"\\00\"", "offset=4", "align=3",
    ";;c\n", "(;c;)", " ", "\n",
};

static int checked, bad_messages, loaded;

static void try_text(const char *text, size_t len)
{
    uint8_t *bin = NULL;
    size_t bin_len = 0;
    char err[256];
    if (wat_to_wasm(text, len, &bin, &bin_len, err, sizeof err) == 0) {
        wasm_error e;
        wasm_module *m = wasm_module_load(bin, bin_len, &e);
        if (m) {
            loaded++;
            wasm_module_free(m);
        }
        free(bin);
    } else if (!isdigit((unsigned char)err[0]) || !strchr(err, ':')) {
        if (bad_messages++ < 5)
            fprintf(stderr, "  rejection without a position: \"%s\"\n", err);
    }
    checked++;
}

static void random_bytes(int rounds)
{
    char buf[256];
    for (int r = 0; r < rounds; r++) {
        size_t n = test_rand(sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)test_rand(256);
        try_text(buf, n);
    }
}

static void token_soup(int rounds)
{
    char buf[2048];
    for (int r = 0; r < rounds; r++) {
        size_t n = 0, tokens = test_rand(60);
        for (size_t t = 0; t < tokens; t++) {
            const char *s = soup[test_rand(sizeof soup / sizeof soup[0])];
            size_t len = strlen(s);
            if (n + len + 1 >= sizeof buf)
                break;
            memcpy(buf + n, s, len);
            n += len;
            buf[n++] = ' ';
        }
        try_text(buf, n);
    }
}

static void edited_seed(int rounds)
{
    char buf[sizeof seed + 64];
    for (int r = 0; r < rounds; r++) {
        size_t n = sizeof seed - 1;
        memcpy(buf, seed, n);
        for (uint32_t e = 0, edits = 1 + test_rand(4); e < edits && n > 0; e++) {
            size_t at = test_rand((uint32_t)n);
            switch (test_rand(3)) {
            case 0: memmove(buf + at, buf + at + 1, n - at - 1); n--; break;                 /* delete */
            case 1: if (n < sizeof buf) { memmove(buf + at + 1, buf + at, n - at); buf[at] = "()$\";0x_.-"[test_rand(10)]; n++; } break;
            default: buf[at] = (char)test_rand(128); break;                                        /* replace */
            }
        }
        try_text(buf, n);
    }
}

int main(void)
{
    /* the seed itself is valid text (the engine may still reject its import of env.f: not a load error) */
    uint8_t *bin = NULL;
    size_t len = 0;
    char err[256] = "";
    int status = wat_to_wasm(seed, sizeof seed - 1, &bin, &len, err, sizeof err);
    CHECK(status == 0);
    if (status != 0)
        fprintf(stderr, "  seed: %s\n", err);
    free(bin);

    for (size_t cut = 0; cut < sizeof seed - 1; cut++)    /* every truncation */
        try_text(seed, cut);
    random_bytes(10000);
    token_soup(20000);
    edited_seed(20000);
    CHECK(checked > 50000);
    CHECK_INT(bad_messages, 0);
    CHECK(loaded > 0);       /* some edits still make valid modules */
    printf("wat fuzz smoke: %d inputs, %d loaded by the engine\n", checked, loaded);
    TEST_DONE();
}
