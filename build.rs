//! Writes the program's IDL to `idl/zkml.idl` with sails-idl-gen.
//!
//! The committed IDL is the contract that frontends and the generated client rely on. When the
//! program's interface changes, this script rewrites the file and sets `ZKML_IDL_REWRITTEN`,
//! which makes the test `idl_is_committed` fail until the new IDL is committed.

use std::{env, fs, path::PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let idl_path = manifest_dir.join("idl").join("zkml.idl");
    println!("cargo:rerun-if-changed={}", idl_path.display());

    let mut idl = String::new();
    sails_idl_gen::program::generate_idl::<zkml_app::ZkmlProgram>(Some("Zkml"), &mut idl)
        .expect("the program's IDL must generate");
    let committed = fs::read_to_string(&idl_path).unwrap_or_default();
    if committed != idl {
        fs::create_dir_all(idl_path.parent().expect("idl/ has a parent"))
            .expect("idl/ must be writable");
        fs::write(&idl_path, &idl).expect("idl/zkml.idl must be writable");
        println!("cargo:rustc-env=ZKML_IDL_REWRITTEN=1");
    }
}
