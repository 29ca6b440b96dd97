//! pod-privileged, in Rust: rejects workloads that run a privileged container.
//! Same settings and messages as policies/pod-privileged (the C policy).
//!
//! Settings: skip_init_containers, skip_ephemeral_containers (bool, default
//! false).  Pods and every workload kind carrying a pod template are checked;
//! other kinds and requests without an object (DELETE) are accepted.
//!
//! For the compatibility suite it also counts, in statics, how often `init`
//! and `__guest_call` ran in its instance, and reports both in one
//! `tracing/log` event per validation: with a sandbox made from the snapshot
//! taken after the init, every validation must see 1 and 1.

use crate::wapc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

static INIT_RUNS: AtomicU32 = AtomicU32::new(0);
/// Which export ran `init`: "wapc_init" or "_start".
static INIT_ENTRY: Mutex<&str> = Mutex::new("none");

/// Where each workload kind keeps its pod template (a JSON pointer into the
/// object; "" = the object is the Pod).  Parsed by `init`, so that the
/// snapshot carries it and evaluations do not redo it.
const POD_TEMPLATE_PATHS: &str = r#"{
    "Pod": "",
    "Deployment": "/spec/template",
    "ReplicaSet": "/spec/template",
    "StatefulSet": "/spec/template",
    "DaemonSet": "/spec/template",
    "ReplicationController": "/spec/template",
    "Job": "/spec/template",
    "CronJob": "/spec/jobTemplate/spec/template"
}"#;

static TEMPLATE_PATHS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

const BOOLEAN_SETTINGS: [&str; 2] = ["skip_init_containers", "skip_ephemeral_containers"];

#[derive(Deserialize, Default)]
#[serde(default)]
struct Settings {
    skip_init_containers: Option<bool>,
    skip_ephemeral_containers: Option<bool>,
}

#[derive(Deserialize)]
struct ValidationRequest {
    request: AdmissionRequest,
    #[serde(default)]
    settings: Option<Settings>,
}

#[derive(Deserialize)]
struct AdmissionRequest {
    #[serde(default)]
    kind: Option<GroupVersionKind>,
    #[serde(default)]
    object: Value,
}

#[derive(Deserialize)]
struct GroupVersionKind {
    #[serde(default)]
    kind: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PodSpec {
    containers: Vec<Container>,
    init_containers: Vec<Container>,
    ephemeral_containers: Vec<Container>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Container {
    security_context: Option<SecurityContext>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SecurityContext {
    privileged: Option<bool>,
}

#[derive(Serialize)]
struct ValidationResponse {
    accepted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[derive(Serialize)]
struct SettingsValidationResponse {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// What waPC's init exports run (`wapc_init`, or `main` from `_start` as
/// TinyGo does): the handler table and the pod template paths.
pub fn init(entry: &'static str) {
    INIT_RUNS.fetch_add(1, Ordering::Relaxed);
    *INIT_ENTRY.lock().unwrap() = entry;
    let paths: serde_json::Map<String, Value> =
        serde_json::from_str(POD_TEMPLATE_PATHS).expect("the built-in table is valid JSON");
    let mut table = TEMPLATE_PATHS.lock().unwrap();
    for (kind, path) in paths {
        table.push((kind, path.as_str().unwrap_or_default().to_owned()));
    }
    wapc::register_function("validate", validate);
    wapc::register_function("validate_settings", validate_settings);
    wapc::register_function("protocol_version", protocol_version);
}

fn protocol_version(_payload: &[u8]) -> Result<Vec<u8>, String> {
    Ok(br#""v1""#.to_vec())
}

fn validate_settings(payload: &[u8]) -> Result<Vec<u8>, String> {
    let response = match settings_error(payload) {
        None => SettingsValidationResponse { valid: true, message: None },
        Some(message) => SettingsValidationResponse { valid: false, message: Some(message) },
    };
    serde_json::to_vec(&response).map_err(|e| e.to_string())
}

/// Why the settings are invalid, or None.  Unknown keys are ignored.
fn settings_error(payload: &[u8]) -> Option<String> {
    let settings: Value = match serde_json::from_slice(payload) {
        Ok(v) => v,
        Err(e) => return Some(format!("settings are not JSON: {}", e)),
    };
    let map = match &settings {
        Value::Object(map) => map,
        Value::Null => return None,
        _ => return Some("settings must be a JSON object".to_owned()),
    };
    BOOLEAN_SETTINGS
        .iter()
        .find(|key| !matches!(map.get(**key), None | Some(Value::Null) | Some(Value::Bool(_))))
        .map(|key| format!("{} must be a boolean", key))
}

fn validate(payload: &[u8]) -> Result<Vec<u8>, String> {
    let request: ValidationRequest =
        serde_json::from_slice(payload).map_err(|e| format!("cannot decode the validation request: {}", e))?;
    log_evaluation();
    let settings = request.settings.unwrap_or_default();
    let rejection = match pod_spec(&request.request)? {
        Some(spec) => first_violation(&spec, &settings),
        None => None,
    };
    let response = ValidationResponse { accepted: rejection.is_none(), message: rejection.map(str::to_owned) };
    serde_json::to_vec(&response).map_err(|e| e.to_string())
}

/// The pod spec of a Pod or of a workload's pod template; None for other kinds
/// and for requests without an object.
fn pod_spec(request: &AdmissionRequest) -> Result<Option<PodSpec>, String> {
    let kind = request.kind.as_ref().map(|k| k.kind.as_str()).unwrap_or_default();
    let table = TEMPLATE_PATHS.lock().unwrap();
    let path = match table.iter().find(|(k, _)| k == kind) {
        Some((_, path)) => format!("{}/spec", path),
        None => return Ok(None),
    };
    match request.object.pointer(&path) {
        Some(spec) if spec.is_object() => {
            PodSpec::deserialize(spec).map(Some).map_err(|e| format!("cannot decode the pod spec: {}", e))
        }
        _ => Ok(None),
    }
}

fn first_violation(spec: &PodSpec, settings: &Settings) -> Option<&'static str> {
    if any_privileged(&spec.containers) {
        return Some("Privileged container is not allowed");
    }
    if !settings.skip_init_containers.unwrap_or(false) && any_privileged(&spec.init_containers) {
        return Some("Privileged init container is not allowed");
    }
    if !settings.skip_ephemeral_containers.unwrap_or(false) && any_privileged(&spec.ephemeral_containers) {
        return Some("Privileged ephemeral container is not allowed");
    }
    None
}

fn any_privileged(containers: &[Container]) -> bool {
    containers
        .iter()
        .any(|c| c.security_context.as_ref().and_then(|s| s.privileged).unwrap_or(false))
}

/// One `tracing/log` event (debug level) carrying this instance's counters.
fn log_evaluation() {
    let calls = wapc::guest_calls();
    let inits = INIT_RUNS.load(Ordering::Relaxed);
    let entry = *INIT_ENTRY.lock().unwrap();
    let event = json!({
        "level": "debug",
        "message": format!("pod-privileged-rs: guest call {} of this instance, init ran {} time(s) ({})", calls, inits, entry),
        "guest_calls": calls,
        "init_runs": inits,
    });
    // A log the host refuses must not change the verdict.
    let _ = wapc::host_call("kubewarden", "tracing", "log", event.to_string().as_bytes());
}
