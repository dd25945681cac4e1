//! A local, single-party powers-of-tau SRS for HyperKZG, written as a `.ptau` file that
//! nova's loader (`PublicParams::setup_with_ptau_dir`) reads.
//!
//! **Not for production.** One random `τ` is drawn from the operating system's RNG, used and
//! dropped; whoever ran this could in principle have kept it and forged proofs. Production
//! setups load a public ceremony file (Ethereum's Perpetual Powers of Tau) instead.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use ff::Field;
use halo2curves::bn256::{Fr, G1, G1Affine, G2, G2Affine};
use halo2curves::group::prime::PrimeCurveAffine;
use halo2curves::group::{Curve, Group};
use rand_core06::OsRng;
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};
use crate::hex;

/// Label printed wherever a local SRS is used.
pub const LOCAL_SRS_WARNING: &str =
    "local single-party SRS (random tau, discarded): NOT FOR PRODUCTION";

/// File name nova looks for in a ptau directory for `2^power` points.
pub fn ptau_file_name(power: u32) -> String {
    format!("ppot_pruned_{power:02}.ptau")
}

/// Bits per window of the fixed-base table.
const WINDOW: usize = 8;

/// Writes a fresh local SRS with `2^power` G1 powers of a random `τ` into `dir`, atomically,
/// together with a `.sha256` file of its content; `progress` receives the number of points
/// computed so far. Returns the path of the ptau file.
///
/// # Errors
/// [`Error::Write`] if the files cannot be written, [`Error::Ptau`] if nova's writer fails, [`Error::LocalSrsTooLarge`] above 2^26 points.
pub fn generate_local(dir: &Path, power: u32, progress: &(dyn Fn(u64) + Sync)) -> Result<PathBuf> {
    if power > 26 {
        return Err(Error::LocalSrsTooLarge { power });
    }
    let n = 1usize << power;
    let mut tau = Fr::random(OsRng);
    let mut powers = Vec::with_capacity(n);
    let mut acc = Fr::ONE;
    for _ in 0..n {
        powers.push(acc);
        acc *= tau;
    }
    // Fixed-base table: table[w][d] = d · 2^(8w) · G.
    let windows = 256usize.div_ceil(WINDOW);
    let mut table: Vec<Vec<G1Affine>> = Vec::with_capacity(windows);
    let mut base = G1::generator();
    for _ in 0..windows {
        let mut row = vec![G1::identity(); 1 << WINDOW];
        for d in 1..(1 << WINDOW) {
            row[d] = row[d - 1] + base;
        }
        let mut affine = vec![<G1Affine as PrimeCurveAffine>::identity(); 1 << WINDOW];
        G1::batch_normalize(&row, &mut affine);
        table.push(affine);
        for _ in 0..WINDOW {
            base = base.double();
        }
    }
    let done = std::sync::atomic::AtomicU64::new(0);
    let projective: Vec<G1> = powers
        .par_chunks(4096)
        .flat_map_iter(|chunk| {
            let out: Vec<G1> = chunk
                .iter()
                .map(|scalar| {
                    let bytes = ff::PrimeField::to_repr(scalar);
                    let mut point = G1::identity();
                    for (w, &byte) in bytes.as_ref().iter().enumerate() {
                        if byte != 0 {
                            point += table[w][usize::from(byte)];
                        }
                    }
                    point
                })
                .collect();
            let total = done.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
            progress(total + chunk.len() as u64);
            out
        })
        .collect();
    let mut g1 = vec![<G1Affine as PrimeCurveAffine>::identity(); n];
    G1::batch_normalize(&projective, &mut g1);
    let g2 = vec![G2Affine::generator(), (G2::generator() * tau).to_affine()];
    // Forget tau.
    tau = Fr::ZERO;
    powers.iter_mut().for_each(|p| *p = Fr::ZERO);
    let _ = tau;

    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_owned(),
        source,
    })?;
    let path = dir.join(ptau_file_name(power));
    let tmp = dir.join(format!(".{}.tmp", ptau_file_name(power)));
    let write_err = |source| Error::Write {
        path: tmp.clone(),
        source,
    };
    {
        let file = File::create(&tmp).map_err(write_err)?;
        let mut writer = BufWriter::new(file);
        nova_snark::provider::write_ptau(&mut writer, g1, g2, power).map_err(Error::Ptau)?;
        writer.flush().map_err(write_err)?;
    }
    let digest = file_digest(&tmp)?;
    crate::cache::write_atomic(&checksum_path(&path), hex(&digest).as_bytes())?;
    std::fs::rename(&tmp, &path).map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Path of the checksum file stored next to a local ptau file.
pub fn checksum_path(ptau: &Path) -> PathBuf {
    let mut name = ptau.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// SHA-256 of a file's content.
///
/// # Errors
/// [`Error::Read`] if it cannot be read.
pub fn file_digest(path: &Path) -> Result<[u8; 32]> {
    let mut file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut file, &mut buffer).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher.finalize().into())
}

/// The local SRS file in `dir` for `power` if it exists and matches its checksum.
pub fn valid_local(dir: &Path, power: u32) -> Option<([u8; 32], PathBuf)> {
    let path = dir.join(ptau_file_name(power));
    let expected = std::fs::read_to_string(checksum_path(&path)).ok()?;
    let digest = file_digest(&path).ok()?;
    (hex(&digest) == expected.trim()).then_some((digest, path))
}
