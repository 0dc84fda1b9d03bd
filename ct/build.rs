fn main() {
    println!("cargo:rerun-if-changed=src/valgrind_shim.c");
    cc::Build::new()
        .file("src/valgrind_shim.c")
        .compile("valgrind_shim");
}
