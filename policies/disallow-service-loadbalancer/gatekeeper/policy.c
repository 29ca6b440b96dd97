/*
 * disallow-service-loadbalancer, Gatekeeper build: the same rule as ../policy.c
 * as a Rego-ABI module (sdk/opa/opa.h), the way upstream ships it: entrypoint
 * policy/violation, input {"parameters": <settings>, "review": <request>},
 * value the list of violations {"msg": ...}.
 */
#include "opa.h"

static kw_val violation(kw_val input, kw_val data)
{
    (void)data;
    kw_val object = kw_path(input, "review.object");
    kw_writer w = { 0 };
    kw_w_arr(&w);
    if (kw_str_eq(kw_get(object, "kind"), "Service") && kw_str_eq(kw_path(object, "spec.type"), "LoadBalancer")) {
        kw_w_obj(&w);
        kw_w_key(&w, "msg");
        kw_w_str(&w, "Service of type LoadBalancer are not allowed");
        kw_w_end(&w);
    }
    kw_w_end(&w);
    return kw_view(w.buf.data, w.buf.len);
}

OPA_POLICY("policy/violation", "{}", violation)
