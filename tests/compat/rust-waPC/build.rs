// A Rust executable exports only `_start`; the waPC host also needs
// `__guest_call` from the command build (src/main.rs).
fn main() {
    println!("cargo:rustc-link-arg-bins=--export=__guest_call");
}
