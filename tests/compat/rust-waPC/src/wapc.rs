//! The waPC guest side, written by hand against the protocol (no wapc-guest
//! crate): the `wapc` imports, `__guest_call`, a handler table filled by
//! `wapc_init`, and `host_call` for host capabilities.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// A handler takes the operation's payload and answers with the response
/// payload, or with an error text handed to the host through `__guest_error`.
pub type Handler = fn(&[u8]) -> Result<Vec<u8>, String>;

#[link(wasm_import_module = "wapc")]
extern "C" {
    fn __guest_request(op_ptr: *mut u8, msg_ptr: *mut u8);
    fn __guest_response(ptr: *const u8, len: usize);
    fn __guest_error(ptr: *const u8, len: usize);
    fn __host_call(
        bd_ptr: *const u8,
        bd_len: usize,
        ns_ptr: *const u8,
        ns_len: usize,
        op_ptr: *const u8,
        op_len: usize,
        ptr: *const u8,
        len: usize,
    ) -> usize;
    fn __host_response_len() -> usize;
    fn __host_response(ptr: *mut u8);
    fn __host_error_len() -> usize;
    fn __host_error(ptr: *mut u8);
}

static HANDLERS: Mutex<Vec<(&'static str, Handler)>> = Mutex::new(Vec::new());

/// How many times `__guest_call` ran in this instance.  A fresh sandbox per
/// evaluation means a validate always sees 1.
static GUEST_CALLS: AtomicU32 = AtomicU32::new(0);

pub fn register_function(name: &'static str, handler: Handler) {
    HANDLERS.lock().unwrap().push((name, handler));
}

pub fn guest_calls() -> u32 {
    GUEST_CALLS.load(Ordering::Relaxed)
}

fn find_handler(op: &[u8]) -> Option<Handler> {
    let handlers = HANDLERS.lock().unwrap();
    handlers.iter().find(|(name, _)| name.as_bytes() == op).map(|(_, h)| *h)
}

/// The host's entry point: fetch the operation and its payload, dispatch,
/// answer.  Returns 1 on success, 0 on failure (the error text is set).
#[no_mangle]
pub extern "C" fn __guest_call(op_len: i32, req_len: i32) -> i32 {
    GUEST_CALLS.fetch_add(1, Ordering::Relaxed);
    let mut op = vec![0u8; op_len as usize];
    let mut payload = vec![0u8; req_len as usize];
    unsafe { __guest_request(op.as_mut_ptr(), payload.as_mut_ptr()) };

    let result = match find_handler(&op) {
        Some(handler) => handler(&payload),
        None => Err(format!("No handler registered for function {}", String::from_utf8_lossy(&op))),
    };
    match result {
        Ok(response) => {
            unsafe { __guest_response(response.as_ptr(), response.len()) };
            1
        }
        Err(message) => {
            unsafe { __guest_error(message.as_ptr(), message.len()) };
            0
        }
    }
}

/// Calls a host capability; the host's response bytes, or its error text.
pub fn host_call(binding: &str, namespace: &str, operation: &str, payload: &[u8]) -> Result<Vec<u8>, String> {
    let ok = unsafe {
        __host_call(
            binding.as_ptr(),
            binding.len(),
            namespace.as_ptr(),
            namespace.len(),
            operation.as_ptr(),
            operation.len(),
            payload.as_ptr(),
            payload.len(),
        )
    };
    if ok == 1 {
        let mut response = vec![0u8; unsafe { __host_response_len() }];
        unsafe { __host_response(response.as_mut_ptr()) };
        Ok(response)
    } else {
        let mut error = vec![0u8; unsafe { __host_error_len() }];
        unsafe { __host_error(error.as_mut_ptr()) };
        Err(String::from_utf8_lossy(&error).into_owned())
    }
}
