//! pod-privileged-rs as a WASI command, the way TinyGo builds waPC policies:
//! `_start` runs `main`, which registers the handlers; the host then calls
//! `__guest_call` (exported by build.rs's link argument).  No `wapc_init`.

mod policy;
mod wapc;

fn main() {
    policy::init("_start");
}
