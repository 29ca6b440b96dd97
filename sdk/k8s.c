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
    kw_val object = kw_request_object(request);
    if (kw_typeof(object) != KW_OBJECT)
        return KW_NONE;
    kw_val kind = kw_path(request, "kind.kind");
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
