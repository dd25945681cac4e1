//! Files written atomically, and cache entries that carry their own digest.
//!
//! A cache entry is `MAGIC ‖ key (32) ‖ SHA-256(key ‖ payload) (32) ‖ payload`. An entry is
//! only used if its key is the expected one (model, circuit version, SRS) and its digest
//! matches; anything else is reported as stale or corrupt and rebuilt by the caller.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"ZKMLCAC1";

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// that `path` never holds partial content.
///
/// # Errors
/// [`Error::Write`] if the directory, file or rename fails.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let err = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(err)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// How a cache entry was found.
#[derive(Debug)]
pub enum Lookup {
    /// The payload, checked.
    Hit(Vec<u8>),
    /// No entry.
    Missing,
    /// An entry exists but its key or digest is wrong.
    Invalid(&'static str),
}

fn digest(key: &[u8; 32], payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(key);
    h.update(payload);
    h.finalize().into()
}

/// Stores `payload` under `key` at `path`, atomically.
///
/// # Errors
/// As [`write_atomic`].
pub fn store(path: &Path, key: &[u8; 32], payload: &[u8]) -> Result<()> {
    let mut bytes = Vec::with_capacity(72 + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(key);
    bytes.extend_from_slice(&digest(key, payload));
    bytes.extend_from_slice(payload);
    write_atomic(path, &bytes)
}

/// Loads the entry at `path` if it is stored under `key` and intact.
pub fn load(path: &Path, key: &[u8; 32]) -> Lookup {
    let Ok(mut bytes) = std::fs::read(path) else {
        return Lookup::Missing;
    };
    if bytes.len() < 72 || &bytes[..8] != MAGIC {
        return Lookup::Invalid("not a cache entry");
    }
    if &bytes[8..40] != key {
        return Lookup::Invalid("stale (other model, circuit or SRS)");
    }
    let mut stored = [0u8; 32];
    stored.copy_from_slice(&bytes[40..72]);
    let payload = bytes.split_off(72);
    if digest(key, &payload) != stored {
        return Lookup::Invalid("corrupt (digest mismatch)");
    }
    Lookup::Hit(payload)
}
