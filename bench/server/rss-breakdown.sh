#!/bin/bash
# Where a running policy-server's resident memory is, from /proc/PID/smaps.
#
#   bench/server/rss-breakdown.sh PID
#
# Prints one line per kind of mapping: "kind mappings rss_kB".  Anonymous
# mappings are told apart by shape, which is exact for what this server maps:
#   thread stacks     rw preceded by a 4 KiB PROT_NONE guard
#   malloc arenas     a thread arena's heap: rw at a 64 MiB boundary, the rest
#                     of its 64 MiB reserved PROT_NONE
#   wasm memories     rw followed by its PROT_NONE reservation (memory.c)
#   wasm value stacks 8 MiB + 4 KiB malloc'd chunks (interp.c, one per instance)
#   wasm call frames  malloc'd chunks of 10,000 frames (interp.c, one per instance)
#   malloc mmap       any other chunk malloc mmap'd (>= M_MMAP_THRESHOLD: json
#                     arenas, dirty-granule maps, TLS buffers)
set -u
PID=${1:?usage: rss-breakdown.sh PID}
awk '
function hex(h,    v, i) {
    v = 0
    for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return v
}
function flush() {
    if (start == "") return
    kind = classify()
    n[kind]++; rss[kind] += r
    prev_perm = perm; prev_end = end; prev_anon = anon
}
function classify() {
    if (!anon) return name == "[heap]" ? "main heap" : name == "[stack]" ? "main stack" : \
                      name ~ /^\[/ ? "kernel (vdso, vvar)" : "binary and libraries"
    if (perm == "---p") return "reservations (PROT_NONE)"
    if (prev_anon && prev_perm == "---p" && prev_end == start && prev_len == 4096) return "thread stacks"
    size = hex(end) - hex(start)
    if (next_none && hex(start) % 67108864 == 0 && size + next_len == 67108864) return "malloc arenas"
    if (next_none) return "wasm memories"
    if (size == 8392704) return "wasm value stacks"
    if (size == 241664) return "wasm call frames"
    return "malloc mmap (arenas, dirty maps, ...)"
}
# Two passes: the mapping after each one tells whether it is a reservation tail.
FNR == NR {
    if ($1 ~ /^[0-9a-f]+-[0-9a-f]+$/) {
        split($1, a, "-"); k++; s[k] = a[1]; e[k] = a[2]; p[k] = $2; an[k] = (NF < 6)
    }
    next
}
$1 ~ /^[0-9a-f]+-[0-9a-f]+$/ {
    flush()
    i++; split($1, a, "-"); start = a[1]; end = a[2]; perm = $2; anon = (NF < 6); name = $6; r = 0
    next_none = (i < k && an[i + 1] && p[i + 1] == "---p" && s[i + 1] == end)
    next_len = next_none ? hex(e[i + 1]) - hex(s[i + 1]) : 0
    prev_len = i > 1 ? hex(e[i - 1]) - hex(s[i - 1]) : 0
    next
}
$1 == "Rss:" { r = $2 }
END {
    flush()
    for (x in n) { printf "%-40s %5d %8d\n", x, n[x], rss[x]; total += rss[x] }
    printf "%-40s %5s %8d\n", "total", "", total
}' "/proc/$PID/smaps" "/proc/$PID/smaps" | sort -k1,1
