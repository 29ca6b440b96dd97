/*
 * host-namespaces-psp: controls the use of the host's IPC, network and PID
 * namespaces and of host ports.
 *
 * Settings: allow_host_ipc, allow_host_network, allow_host_pid (bool, default
 * false); allow_host_ports: list of {min, max} port ranges (default: none).
 */
#include "kw.h"

static bool port_allowed(int64_t port, kw_val ranges)
{
    kw_iter it = kw_iter_begin(ranges);
    kw_val r;
    while (kw_next(&it, &r)) {
        int64_t min, max;
        if (kw_int(kw_get(r, "min"), &min) && kw_int(kw_get(r, "max"), &max) && port >= min && port <= max)
            return true;
    }
    return false;
}

/* Appends the disallowed host ports of every container in `containers`. */
static void bad_ports(kw_val containers, kw_val ranges, kw_buf *out)
{
    kw_iter it = kw_iter_begin(containers);
    kw_val c;
    while (kw_next(&it, &c)) {
        kw_iter pi = kw_iter_begin(kw_get(c, "ports"));
        kw_val p;
        while (kw_next(&pi, &p)) {
            int64_t port;
            if (!kw_int(kw_get(p, "hostPort"), &port) || port == 0 || port_allowed(port, ranges))
                continue;
            if (out->len)
                kw_buf_puts(out, ", ");
            kw_buf_int(out, port);
        }
    }
}

static bool validate(kw_val request, kw_val settings)
{
    kw_val spec = kw_pod_spec(request);
    if (!kw_present(spec))
        return kw_accept();
    if (kw_is_true(kw_get(spec, "hostIPC")) && !kw_bool(kw_get(settings, "allow_host_ipc"), false))
        return kw_reject("Pod has IPC enabled, but this is not allowed", 0);
    if (kw_is_true(kw_get(spec, "hostNetwork")) && !kw_bool(kw_get(settings, "allow_host_network"), false))
        return kw_reject("Pod has host network enabled, but this is not allowed", 0);
    if (kw_is_true(kw_get(spec, "hostPID")) && !kw_bool(kw_get(settings, "allow_host_pid"), false))
        return kw_reject("Pod has host PID enabled, but this is not allowed", 0);
    kw_val ranges = kw_get(settings, "allow_host_ports");
    kw_buf ports = { 0 };
    bad_ports(kw_get(spec, "containers"), ranges, &ports);
    bad_ports(kw_get(spec, "initContainers"), ranges, &ports);
    if (ports.len) {
        kw_buf msg = { 0 };
        kw_buf_puts(&msg, "Pod is using unallowed host ports in containers: ");
        kw_buf_put(&msg, ports.data, ports.len);
        return kw_reject(kw_buf_cstr(&msg), 0);
    }
    return kw_accept();
}

static bool valid_port(kw_val v, int64_t *out)
{
    return kw_int(v, out) && *out >= 0 && *out <= 65535;
}

static bool validate_settings(kw_val settings)
{
    static const char *const flags[] = { "allow_host_ipc", "allow_host_network", "allow_host_pid" };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        kw_type t = kw_typeof(kw_get(settings, flags[i]));
        if (t != KW_ABSENT && t != KW_NULL && t != KW_BOOL) {
            kw_buf b = { 0 };
            kw_buf_puts(&b, flags[i]);
            kw_buf_puts(&b, " must be a boolean");
            return kw_settings_invalid(kw_buf_cstr(&b));
        }
    }
    kw_val ranges = kw_get(settings, "allow_host_ports");
    kw_type t = kw_typeof(ranges);
    if (t != KW_ABSENT && t != KW_NULL && t != KW_ARRAY)
        return kw_settings_invalid("allow_host_ports must be a list of {min, max} ranges");
    kw_iter it = kw_iter_begin(ranges);
    kw_val r;
    while (kw_next(&it, &r)) {
        int64_t min, max;
        if (!valid_port(kw_get(r, "min"), &min) || !valid_port(kw_get(r, "max"), &max))
            return kw_settings_invalid("allow_host_ports: min and max must be port numbers (0-65535)");
        if (min > max)
            return kw_settings_invalid("allow_host_ports: min cannot be greater than max");
    }
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
