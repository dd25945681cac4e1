//! The `zkml` binary: evaluation works, and bad input gets a clear error and
//! a non-zero exit status.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name)
}

fn zkml(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkml"))
        .args(args)
        .output()
        .expect("run zkml")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkml-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn assert_fails_with(output: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "unexpected success: {stderr}");
    assert!(
        stderr.contains(message),
        "stderr lacks {message:?}: {stderr}"
    );
}

#[test]
fn eval_reports_both_accuracies() {
    let output = zkml(&[
        "eval",
        "--data",
        path(&asset("test-digits.bin")),
        "--model",
        path(&asset("model.zkml")),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("quantized accuracy"), "{stdout}");
    assert!(stdout.contains("float accuracy"), "{stdout}");
    assert!(stdout.contains("(200 digits)"), "{stdout}");
}

#[test]
fn missing_data_file_fails() {
    let output = zkml(&[
        "eval",
        "--data",
        "/nonexistent/digits.bin",
        "--model",
        path(&asset("model.zkml")),
    ]);
    assert_fails_with(&output, "cannot read /nonexistent/digits.bin");
}

#[test]
fn wrong_size_data_file_fails() {
    let file = scratch("short.bin");
    std::fs::write(&file, vec![0u8; 785 * 2 + 3]).unwrap();
    let output = zkml(&[
        "eval",
        "--data",
        path(&file),
        "--model",
        path(&asset("model.zkml")),
    ]);
    assert_fails_with(&output, "not a whole number of 785-byte records");
}

#[test]
fn tampered_model_fails() {
    let mut bytes = std::fs::read(asset("model.zkml")).unwrap();
    bytes[1000] ^= 0x10;
    let file = scratch("tampered.zkml");
    std::fs::write(&file, bytes).unwrap();
    let output = zkml(&[
        "eval",
        "--data",
        path(&asset("test-digits.bin")),
        "--model",
        path(&file),
    ]);
    assert_fails_with(&output, "digest mismatch");
}

#[test]
fn float_weights_of_another_model_are_refused() {
    let output = zkml(&[
        "eval",
        "--data",
        path(&asset("test-digits.bin")),
        "--model",
        path(&asset("model.zkml")),
        "--float-model",
        path(&asset("model.zkml")),
    ]);
    assert_fails_with(&output, "not a float model file");
}
