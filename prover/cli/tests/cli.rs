//! The `zkml` binary: evaluation works, and bad input gets a clear error and
//! a non-zero exit status.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../assets")
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

/// Runs `zkml prove` on a bad input; it must fail with `message` and write nothing.
fn prove_fails(name: &str, input: &[&str], message: &str) {
    let out = scratch(&format!("{name}.proof"));
    let cache = scratch("unused-cache");
    let model = asset("model.zkml");
    let mut args = vec![
        "prove",
        "--out",
        path(&out),
        "--cache",
        path(&cache),
        "--model",
        path(&model),
    ];
    args.extend_from_slice(input);
    let output = zkml(&args);
    assert_fails_with(&output, message);
    assert!(!out.exists(), "{name}: a proof file was written");
    assert!(!cache.exists(), "{name}: setup ran on bad input");
}

fn png(width: u32, height: u32, color: png::ColorType, depth: png::BitDepth) -> Vec<u8> {
    let samples = match color {
        png::ColorType::Rgb => 3,
        png::ColorType::GrayscaleAlpha => 2,
        _ => 1,
    };
    let bytes_per_sample = if depth == png::BitDepth::Sixteen {
        2
    } else {
        1
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(depth);
    let mut writer = encoder.write_header().unwrap();
    let data = vec![7u8; (width * height) as usize * samples * bytes_per_sample];
    writer.write_image_data(&data).unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn prove_rejects_bad_inputs() {
    let file = scratch("not-a-png.png");
    std::fs::write(&file, b"definitely not a png").unwrap();
    prove_fails("garbage", &["--image", path(&file)], "not a valid PNG");

    let cases = [
        (
            "small",
            27,
            png::ColorType::Grayscale,
            png::BitDepth::Eight,
            "is 27x28, expected 28x28",
        ),
        (
            "rgb",
            28,
            png::ColorType::Rgb,
            png::BitDepth::Eight,
            "expected 8-bit grayscale",
        ),
        (
            "sixteen",
            28,
            png::ColorType::Grayscale,
            png::BitDepth::Sixteen,
            "expected 8-bit grayscale",
        ),
    ];
    for (name, width, color, depth, message) in cases {
        let file = scratch(&format!("{name}.png"));
        std::fs::write(&file, png(width, 28, color, depth)).unwrap();
        prove_fails(name, &["--image", path(&file)], message);
    }

    let mut truncated = png(28, 28, png::ColorType::Grayscale, png::BitDepth::Eight);
    truncated.truncate(truncated.len() - 20);
    let file = scratch("truncated.png");
    std::fs::write(&file, truncated).unwrap();
    prove_fails("truncated", &["--image", path(&file)], "PNG");

    let mut corrupt = png(28, 28, png::ColorType::Grayscale, png::BitDepth::Eight);
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0xff;
    let file = scratch("corrupt.png");
    std::fs::write(&file, corrupt).unwrap();
    prove_fails("corrupt", &["--image", path(&file)], "PNG");

    prove_fails(
        "missing",
        &["--image", "/nonexistent/digit.png"],
        "cannot read /nonexistent/digit.png",
    );

    let file = scratch("short.raw");
    std::fs::write(&file, vec![0u8; 783]).unwrap();
    prove_fails("raw", &["--raw", path(&file)], "is 783 bytes, expected 784");

    prove_fails(
        "index",
        &[
            "--index",
            "200",
            "--digits",
            path(&asset("test-digits.bin")),
        ],
        "digit index 200 is out of range",
    );

    let file = scratch("both.raw");
    std::fs::write(&file, vec![0u8; 784]).unwrap();
    prove_fails(
        "both",
        &["--raw", path(&file), "--index", "1"],
        "cannot be used with",
    );
}

#[test]
fn verify_native_rejects_a_bad_proof_file() {
    let file = scratch("garbage.proof");
    std::fs::write(&file, b"not a proof").unwrap();
    let output = zkml(&[
        "verify-native",
        path(&file),
        "--cache",
        path(&scratch("vcache")),
    ]);
    assert_fails_with(&output, "cannot deserialize proof file");
    let output = zkml(&["verify-native", "/nonexistent/x.proof"]);
    assert_fails_with(&output, "cannot read /nonexistent/x.proof");
}

/// The whole CLI flow on a PNG: prove (building a local SRS and keys in a fresh cache), then
/// verify natively from the cached verifier key.
#[test]
fn prove_png_then_verify_native() {
    let digits = zkml_model::Dataset::load(asset("test-digits.bin")).unwrap();
    let digit = &digits.digits()[42];
    let image = scratch("digit.png");
    std::fs::write(
        &image,
        zkml_model::input::encode_png(digit.pixels()).unwrap(),
    )
    .unwrap();
    let cache = scratch("cache");
    let proof = scratch("digit.proof");
    let model_path = asset("model.zkml");
    let output = zkml(&[
        "prove",
        "--image",
        path(&image),
        "--out",
        path(&proof),
        "--cache",
        path(&cache),
        "--model",
        path(&model_path),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let model = zkml_model::QuantizedModel::load(asset("model.zkml")).unwrap();
    let expected = model.predict(digit.pixels()).unwrap();
    assert!(
        stdout.contains(&format!("prediction  {}", expected.digit)),
        "{stdout}"
    );
    assert!(stdout.contains("proof size"), "{stdout}");
    assert!(stderr.contains("NOT FOR PRODUCTION"), "{stderr}");
    assert!(stderr.contains("setup ready"), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "colour codes in a log written to a pipe: {stderr:?}"
    );
    assert!(
        !stdout.contains("true\n") && !stdout.contains("false\n"),
        "dependency noise on stdout: {stdout}"
    );

    let output = zkml(&[
        "verify-native",
        path(&proof),
        "--cache",
        path(&cache),
        "--model",
        path(&model_path),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("valid       yes"), "{stdout}");
    assert!(
        stdout.contains(&format!("prediction  {}", expected.digit)),
        "{stdout}"
    );
    assert!(
        !stdout.contains("true\n"),
        "dependency noise on stdout: {stdout}"
    );

    // A tampered proof file fails verification.
    let mut bytes = std::fs::read(&proof).unwrap();
    let n = bytes.len();
    bytes[n - 2000] ^= 0x08;
    let bad = scratch("tampered.proof");
    std::fs::write(&bad, bytes).unwrap();
    let output = zkml(&[
        "verify-native",
        path(&bad),
        "--cache",
        path(&cache),
        "--model",
        path(&model_path),
    ]);
    assert_fails_with(&output, "invalid");
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn serve_and_load_reject_bad_settings() {
    assert_fails_with(
        &zkml(&["serve", "--node", "ws://127.0.0.1:9944"]),
        "--program",
    );
    assert_fails_with(&zkml(&["serve", "--users", "3"]), "--users");
    assert_fails_with(
        &zkml(&["load", "--users", "0"]),
        "--users and --provers must be at least 1",
    );
    assert_fails_with(
        &zkml(&["load", "--provers", "0"]),
        "--users and --provers must be at least 1",
    );
    assert_fails_with(&zkml(&["load", "--node", "ws://127.0.0.1:9944"]), "--node");
}

/// `zkml serve` with `args` and the environment variable `ZKML_SURI` set to `env_suri`.
fn serve(args: &[&str], env_suri: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zkml"));
    command
        .args([
            "serve",
            "--node",
            "ws://127.0.0.1:9944",
            "--program",
            "0x01",
        ])
        .args(args)
        .env_remove("ZKML_SURI");
    if let Some(secret) = env_suri {
        command.env("ZKML_SURI", secret);
    }
    command.output().expect("run zkml")
}

#[test]
fn serve_refuses_a_secret_on_the_command_line_and_never_echoes_it() {
    let secret = "//SecretProverSeed";
    let output = serve(&["--suri", secret], None);
    assert_fails_with(&output, "--suri-file PATH, or set ZKML_SURI");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains(secret), "the secret was echoed: {all}");
    // Refused even when a proper source is given too.
    let output = serve(&["--suri", secret], Some("//Bob"));
    assert_fails_with(&output, "--suri-file PATH, or set ZKML_SURI");
    // No secret at all.
    assert_fails_with(&serve(&[], None), "no secret for the signing account");
    assert_fails_with(
        &serve(&["--suri-file", "/nonexistent/zkml-secret"], None),
        "cannot read the secret file",
    );
}

#[cfg(not(feature = "gsdk"))]
#[test]
fn serve_on_a_node_needs_the_gsdk_build() {
    assert_fails_with(&serve(&[], Some("//Bob")), "--features gsdk");
    let file = scratch("suri");
    std::fs::write(&file, "//Bob\n").unwrap();
    assert_fails_with(
        &serve(&["--suri-file", path(&file)], None),
        "--features gsdk",
    );
}

/// `zkml COMMAND --node … ARGS` with `ZKML_SURI` set to `env_suri`.
fn role(command: &str, args: &[&str], env_suri: Option<&str>) -> Output {
    let mut run = Command::new(env!("CARGO_BIN_EXE_zkml"));
    run.args([command, "--node", "ws://127.0.0.1:9944"])
        .args(args)
        .env_remove("ZKML_SURI");
    if let Some(secret) = env_suri {
        run.env("ZKML_SURI", secret);
    }
    run.output().expect("run zkml")
}

/// A program id that parses.
const PROGRAM: &str = "0x0101010101010101010101010101010101010101010101010101010101010101";

#[test]
fn role_commands_refuse_bad_settings_with_a_clear_message() {
    let digit = scratch("role-digit.png");
    std::fs::write(
        &digit,
        png(28, 28, png::ColorType::Grayscale, png::BitDepth::Eight),
    )
    .unwrap();
    let small = scratch("role-small.png");
    std::fs::write(
        &small,
        png(14, 14, png::ColorType::Grayscale, png::BitDepth::Eight),
    )
    .unwrap();
    let bob = Some("//Bob");
    for command in ["status", "verify", "purge", "withdraw"] {
        // No program, a program id that is not one, a secret on the command line.
        assert_fails_with(&role(command, &[], bob), "--program");
        assert_fails_with(
            &role(command, &["--program", "0x1234"], bob),
            "is not 0x followed by 64 hex digits",
        );
        let output = role(command, &["--program", PROGRAM, "--suri", "//Secret"], None);
        assert_fails_with(&output, "--suri-file PATH, or set ZKML_SURI");
        assert!(!String::from_utf8_lossy(&output.stderr).contains("//Secret"));
        assert_fails_with(
            &role(command, &["--program", PROGRAM], None),
            "no secret for the signing account",
        );
    }
    for user in ["status", "verify"] {
        assert_fails_with(
            &role(user, &["--program", PROGRAM, "--user", "bob"], bob),
            "is not 0x followed by 64 hex digits",
        );
    }
    let submit = |image: &Path, extra: &[&str]| {
        let mut args = vec!["--program", PROGRAM, "--image", path(image)];
        args.extend_from_slice(extra);
        role("submit", &args, bob)
    };
    assert_fails_with(
        &submit(Path::new("/nonexistent/digit.png"), &[]),
        "the image",
    );
    assert_fails_with(&submit(&small, &[]), "expected 28x28");
    assert_fails_with(&submit(&digit, &["--fee", "ten"]), "--fee");
    let opening = scratch("role-opening.txt");
    std::fs::write(&opening, "kept").unwrap();
    assert_fails_with(
        &submit(&digit, &["--private", "--opening-out", path(&opening)]),
        "exists",
    );
    assert_fails_with(
        &role("deploy", &["--prover", "bob"], bob),
        "is not 0x followed by 64 hex digits",
    );
    assert_fails_with(
        &role("deploy", &[], None),
        "no secret for the signing account",
    );
    assert_fails_with(
        &role("deploy", &["--wasm", "/nonexistent/zkml.wasm"], bob),
        "cannot read the program's code",
    );
    assert_fails_with(
        &zkml(&["prove", "--node", "ws://127.0.0.1:9944"]),
        "--program",
    );
    assert_fails_with(&zkml(&["prove", "--opening", path(&opening)]), "--node");
}

#[cfg(not(feature = "gsdk"))]
#[test]
fn role_commands_on_a_node_need_the_gsdk_build() {
    let digit = scratch("role-digit-ok.png");
    std::fs::write(
        &digit,
        png(28, 28, png::ColorType::Grayscale, png::BitDepth::Eight),
    )
    .unwrap();
    let chain = ["--program", PROGRAM];
    for (command, extra) in [
        ("status", vec![]),
        ("verify", vec![]),
        ("purge", vec![]),
        ("withdraw", vec![]),
        ("submit", vec!["--image", path(&digit)]),
    ] {
        let args: Vec<&str> = chain.iter().copied().chain(extra).collect();
        assert_fails_with(&role(command, &args, Some("//Bob")), "--features gsdk");
    }
    assert_fails_with(&role("deploy", &[], Some("//Bob")), "--features gsdk");
    assert_fails_with(
        &zkml(&[
            "prove",
            "--node",
            "ws://127.0.0.1:9944",
            "--program",
            PROGRAM,
        ]),
        "secret",
    );
}
