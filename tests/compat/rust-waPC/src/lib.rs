//! pod-privileged-rs as a waPC reactor (`cdylib`): the host calls the
//! exported `wapc_init` once, then `__guest_call` per operation.  The policy
//! is in policy.rs, the waPC guest ABI in wapc.rs.

mod policy;
mod wapc;

#[no_mangle]
pub extern "C" fn wapc_init() {
    policy::init("wapc_init");
}
