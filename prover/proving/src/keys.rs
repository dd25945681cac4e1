//! The key cache: nova's prover and verifier keys, stored under a key that digests the model,
//! the circuit version and the SRS, so that a stale or corrupt entry is rebuilt.

use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest as _, Sha256};
use tracing::{info, warn};
use zkml_model::QuantizedModel;

use crate::cache::{self, Lookup};
use crate::circuit::CIRCUIT_VERSION;
use crate::codec::{decode, encode};
use crate::engines::{ProverKey, VerifierKey};
use crate::error::{Error, Result};
use crate::hex;
use crate::setup::{Event, SetupConfig, srs_dir, srs_identity};

/// The cache entries of one model's keys over one SRS.
pub(crate) struct KeyCache {
    key: [u8; 32],
    prover_key: PathBuf,
    verifier_key: PathBuf,
}

impl KeyCache {
    /// The entries for the model `model_digest` over the SRS in `srs_dir` (`local` if it is the
    /// cache's own single-party SRS).
    ///
    /// # Errors
    /// [`Error::Read`] if the SRS directory cannot be read.
    pub(crate) fn new(
        config: &SetupConfig,
        model_digest: &[u8; 32],
        srs_dir: &Path,
        local: bool,
    ) -> Result<Self> {
        let mut h = Sha256::new();
        h.update(
            b"vara-zkml keys: nova-snark 0.76.0, E1 Bn256EngineKZG ppsnark, E2 Grumpkin snark",
        );
        h.update(model_digest);
        h.update(CIRCUIT_VERSION.to_le_bytes());
        h.update(srs_identity(srs_dir, local)?);
        let key: [u8; 32] = h.finalize().into();
        let dir = config.cache_dir.join(format!("keys-{}", &hex(&key)[..16]));
        Ok(Self {
            key,
            prover_key: dir.join("prover-key.bin"),
            verifier_key: dir.join("verifier-key.bin"),
        })
    }

    /// Both keys, if both entries are intact and decode; otherwise tells `on_event` why they
    /// are rebuilt.
    pub(crate) fn load(&self, on_event: &dyn Fn(Event)) -> Option<(ProverKey, VerifierKey)> {
        let rebuilt = |reason| {
            on_event(Event::CacheRebuilt {
                what: "prover and verifier keys",
                reason,
            });
        };
        match (
            cache::load(&self.prover_key, &self.key),
            cache::load(&self.verifier_key, &self.key),
        ) {
            (Lookup::Hit(pk), Lookup::Hit(vk)) => {
                on_event(Event::Phase("loading cached keys"));
                let t = Instant::now();
                match decode::<ProverKey>("prover key", &pk)
                    .and_then(|pk| Ok((pk, decode::<VerifierKey>("verifier key", &vk)?)))
                {
                    Ok(keys) => {
                        info!(elapsed = ?t.elapsed(), "loaded cached keys");
                        Some(keys)
                    }
                    Err(e) => {
                        warn!(error = %e, "cached keys do not decode; rebuilding");
                        rebuilt("do not decode");
                        None
                    }
                }
            }
            (a, b) => {
                for lookup in [a, b] {
                    if let Lookup::Invalid(reason) = lookup {
                        rebuilt(reason);
                    }
                }
                None
            }
        }
    }

    /// Stores both keys.
    ///
    /// # Errors
    /// [`Error::Encode`] or [`Error::Write`].
    pub(crate) fn store(&self, pk: &ProverKey, vk: &VerifierKey) -> Result<()> {
        cache::store(&self.prover_key, &self.key, &encode("prover key", pk)?)?;
        cache::store(&self.verifier_key, &self.key, &encode("verifier key", vk)?)
    }
}

/// Loads the cached verifier key for `model` without building anything.
///
/// # Errors
/// [`Error::MissingKeys`] if there is no intact cached key for this model, circuit and SRS,
/// [`Error::Decode`] if it does not decode.
pub fn load_verifier_key(model: &QuantizedModel, config: &SetupConfig) -> Result<VerifierKey> {
    let local = config.ptau_dir.is_none();
    let dir = srs_dir(config)?;
    let entries = KeyCache::new(config, &model.digest(), &dir, local)?;
    match cache::load(&entries.verifier_key, &entries.key) {
        Lookup::Hit(bytes) => decode("verifier key", &bytes),
        Lookup::Missing => Err(Error::MissingKeys("none cached")),
        Lookup::Invalid(reason) => Err(Error::MissingKeys(reason)),
    }
}
