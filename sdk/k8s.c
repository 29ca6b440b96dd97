/*
 * k8s.c - Kubernetes shapes policies keep looking for: the object under
 * review, its labels/annotations, and the PodSpec inside any workload kind.
 */
#include "kw.h"

kw_val kw_request_object(kw_val request) { return kw_get(request, "object"); }

kw_val kw_labels(kw_val object) { return kw_path(object, "metadata.labels"); }

kw_val kw_annotations(kw_val object) { return kw_path(object, "metadata.annotations"); }

kw_val kw_pod_template(kw_val request)
{
    static const char *const templated[] = {
        "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job",
    };
    static const char *const names[] = { "kind", "object" };
    kw_val found[2];
    kw_get_many(request, names, 2, found);   /* one pass over the request */
    kw_val object = found[1];
    if (kw_typeof(object) != KW_OBJECT)
        return KW_NONE;
    kw_val kind = kw_get(found[0], "kind");
    if (kw_str_eq(kind, "Pod"))
        return object;
    for (size_t i = 0; i < sizeof templated / sizeof templated[0]; i++)
        if (kw_str_eq(kind, templated[i]))
            return kw_path(object, "spec.template");
    if (kw_str_eq(kind, "CronJob"))
        return kw_path(object, "spec.jobTemplate.spec.template");
    return KW_NONE;
}

kw_val kw_pod_spec(kw_val request) { return kw_get(kw_pod_template(request), "spec"); }
