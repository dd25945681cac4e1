//! Generates the client from the committed IDL, so the client needs nothing of the program.

use sails_client_gen_v2::ClientGenerator;
use std::{env, path::PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let idl_path = manifest_dir.join("../idl/zkml.idl");
    println!("cargo:rerun-if-changed={}", idl_path.display());
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("zkml_client.rs");
    ClientGenerator::from_idl_path(&idl_path)
        .generate_to(&out)
        .expect("idl/zkml.idl must be a valid Sails IDL");
}
