//! The same policy compiled for the host, to compare rustc's native code with
//! kwc's interpreter running rustc's wasm (tests/compat/bench.sh).  A stand-in
//! waPC host lives here: the `wapc` imports become plain functions.
//!
//!   native-bench REQUEST.json [N]    prints the median of N validate calls
//!
//! REQUEST.json is an AdmissionReview (its "request" is used) or a bare
//! AdmissionRequest; the settings are {}.

mod policy;
mod wapc;

use std::sync::Mutex;
use std::time::Instant;

static OPERATION: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static PAYLOAD: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static ANSWER: Mutex<Vec<u8>> = Mutex::new(Vec::new());

unsafe fn store(dst: &Mutex<Vec<u8>>, ptr: *const u8, len: usize) {
    *dst.lock().unwrap() = std::slice::from_raw_parts(ptr, len).to_vec();
}

unsafe fn load(src: &Mutex<Vec<u8>>, ptr: *mut u8) {
    let bytes = src.lock().unwrap();
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
}

#[no_mangle]
pub unsafe extern "C" fn __guest_request(op_ptr: *mut u8, msg_ptr: *mut u8) {
    load(&OPERATION, op_ptr);
    load(&PAYLOAD, msg_ptr);
}

#[no_mangle]
pub unsafe extern "C" fn __guest_response(ptr: *const u8, len: usize) {
    store(&ANSWER, ptr, len);
}

#[no_mangle]
pub unsafe extern "C" fn __guest_error(ptr: *const u8, len: usize) {
    store(&ANSWER, ptr, len);
}

/// Every host call (the policy's log event) succeeds with an empty answer.
#[no_mangle]
pub extern "C" fn __host_call(
    _bd: *const u8, _bd_len: usize, _ns: *const u8, _ns_len: usize,
    _op: *const u8, _op_len: usize, _ptr: *const u8, _len: usize,
) -> usize {
    1
}

#[no_mangle]
pub extern "C" fn __host_response_len() -> usize {
    0
}

#[no_mangle]
pub extern "C" fn __host_response(_ptr: *mut u8) {}

#[no_mangle]
pub extern "C" fn __host_error_len() -> usize {
    0
}

#[no_mangle]
pub extern "C" fn __host_error(_ptr: *mut u8) {}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: native-bench REQUEST.json [N]");
        std::process::exit(2);
    }
    let rounds: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20000);
    let text = std::fs::read(&args[1]).expect("cannot read the request");
    let mut doc: serde_json::Value = serde_json::from_slice(&text).expect("the request is not JSON");
    if doc["kind"] == "AdmissionReview" {
        doc = doc["request"].take();
    }
    let payload = serde_json::json!({ "request": doc, "settings": {} }).to_string();
    *OPERATION.lock().unwrap() = b"validate".to_vec();
    *PAYLOAD.lock().unwrap() = payload.clone().into_bytes();

    policy::init("native");
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let ok = wapc::__guest_call(8, payload.len() as i32);
        times.push(start.elapsed().as_nanos() as u64);
        assert_eq!(ok, 1, "validate failed");
    }
    times.sort_unstable();
    println!("answer {}", String::from_utf8_lossy(&ANSWER.lock().unwrap()));
    println!("validate median {:.2} us over {} calls", times[rounds / 2] as f64 / 1e3, rounds);
}
