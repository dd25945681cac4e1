//! Where setup finds its SRS, and how it reports progress.
//!
//! The SRS is a public powers-of-tau directory, or a local one generated on first use (see
//! [`crate::srs`]) in the cache directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nova_snark::errors::NovaError;
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};
use crate::srs;

/// Where the SRS comes from and where keys are cached.
#[derive(Clone, Debug)]
pub struct SetupConfig {
    /// Cache directory for the local SRS, parameters and keys.
    pub cache_dir: PathBuf,
    /// A directory of public powers-of-tau files (`ppot_pruned_NN.ptau` or `ppot_0080_NN.ptau`);
    /// `None` uses a local single-party SRS (not for production).
    pub ptau_dir: Option<PathBuf>,
}

impl SetupConfig {
    /// The default cache, `$XDG_CACHE_HOME/vara-zkml` or `~/.cache/vara-zkml`, with a local SRS.
    pub fn default_cache() -> Self {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        Self {
            cache_dir: base.join("vara-zkml"),
            ptau_dir: None,
        }
    }
}

/// Progress reported by setup and proving.
#[derive(Clone, Debug)]
pub enum Event {
    /// A phase started.
    Phase(&'static str),
    /// A local SRS of `points` points is being generated.
    SrsStarted {
        /// Number of G1 points.
        points: u64,
    },
    /// Points of the local SRS computed so far.
    SrsProgress(u64),
    /// A cache entry was unusable and is rebuilt.
    CacheRebuilt {
        /// The entry.
        what: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// Fold step `index` (1-based) of `total` finished.
    Step {
        /// 1-based step number.
        index: usize,
        /// Number of steps.
        total: usize,
    },
}

/// How setup went.
#[derive(Clone, Debug, Default)]
pub struct SetupReport {
    /// Whether a local single-party SRS is used (not for production).
    pub local_srs: bool,
    /// Whether parameters and keys came from the cache.
    pub from_cache: bool,
    /// Time spent.
    pub elapsed: Duration,
}

/// Parses the power nova asks for when no ptau file is large enough.
pub(crate) fn required_power(error: &NovaError) -> Option<u32> {
    let NovaError::PtauFileError(message) = error else {
        return None;
    };
    let rest = message.split("(power >= ").nth(1)?;
    rest.split(')').next()?.trim().parse().ok()
}

/// Identity of the SRS: the local file's digest, or names and sizes of a public directory.
pub(crate) fn srs_identity(dir: &Path, local: bool) -> Result<[u8; 32]> {
    let read_err = |source| Error::Read {
        path: dir.to_owned(),
        source,
    };
    let mut entries: Vec<(String, u64)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".ptau") {
            let len = entry.metadata().map_err(read_err)?.len();
            entries.push((name, len));
        }
    }
    entries.sort();
    let mut h = Sha256::new();
    h.update(if local { b"local" } else { b"ptaus" });
    for (name, len) in &entries {
        h.update(name.as_bytes());
        h.update(len.to_le_bytes());
        if local {
            h.update(srs::file_digest(&dir.join(name))?);
        }
    }
    Ok(h.finalize().into())
}

/// Deletes local ptau files whose checksum does not match.
pub(crate) fn prune_local_srs(dir: &Path, on_event: &dyn Fn(Event)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(power) = name
            .strip_prefix("ppot_pruned_")
            .and_then(|n| n.strip_suffix(".ptau"))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if srs::valid_local(dir, power).is_none() {
            on_event(Event::CacheRebuilt {
                what: "local SRS",
                reason: "corrupt (digest mismatch)",
            });
            let _ = std::fs::remove_file(entry.path());
            let _ = std::fs::remove_file(srs::checksum_path(&entry.path()));
        }
    }
}

/// The SRS directory: the public one, or the cache's local one (created).
pub(crate) fn srs_dir(config: &SetupConfig) -> Result<PathBuf> {
    match &config.ptau_dir {
        Some(dir) => Ok(dir.clone()),
        None => {
            let dir = config.cache_dir.join("srs-local");
            std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
                path: dir.clone(),
                source,
            })?;
            Ok(dir)
        }
    }
}
