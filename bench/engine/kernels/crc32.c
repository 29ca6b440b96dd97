/*
 * crc32.c - benchmark kernel: CRC-32 (IEEE, table-driven) over 10 MiB.
 * setup() fills the buffer once; run() returns the CRC.  Built for wasm32 and natively.
 */
#include <stdint.h>

#define BUF_BYTES (10u << 20)

static uint8_t buffer[BUF_BYTES];
static uint32_t table[256];

void setup(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t x = 12345;
    for (uint32_t i = 0; i < BUF_BYTES; i++) {
        x = x * 1103515245u + 12345u;
        buffer[i] = (uint8_t)(x >> 16);
    }
}

uint32_t run(void)
{
    uint32_t crc = 0xffffffffu;
    for (uint32_t i = 0; i < BUF_BYTES; i++)
        crc = table[(crc ^ buffer[i]) & 0xff] ^ (crc >> 8);
    return crc ^ 0xffffffffu;
}
