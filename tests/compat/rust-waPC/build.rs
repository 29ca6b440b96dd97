// A Rust executable exports only `_start`; the waPC host also needs
// `__guest_call` from the command build (src/main.rs).
fn main() {
    println!("cargo:rustc-link-arg-bin=pod-privileged-rs-command=--export=__guest_call");
}
