//! Setup, proving and native verification with nova-snark.
//!
//! Configuration (the one `zkml-verifier` implements): primary `Bn256EngineKZG` with
//! `spartan::ppsnark` over HyperKZG, secondary `GrumpkinEngine` with `spartan::snark` over IPA.
//! One fold step per layer; the compressed SNARK is zero-knowledge.
//!
//! [`Prover::setup`] loads the SRS (a public ptau directory, or a local one generated on first
//! use, see [`crate::srs`]) and caches the public parameters and the prover and verifier keys
//! under a key that digests the model, the circuit version and the SRS; a second run loads
//! them, a stale or corrupt entry is rebuilt.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nova_snark::errors::NovaError;
use nova_snark::nova::{CompressedSNARK, PublicParams, RecursiveSNARK};
use nova_snark::provider::{Bn256EngineKZG, GrumpkinEngine, hyperkzg, ipa_pc};
use nova_snark::spartan;
use nova_snark::traits::snark::RelaxedR1CSSNARKTrait;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tracing::{info, warn};
use zkml_verifier::statement::{self, Output};

use crate::cache::{self, Lookup};
use crate::circuit::{self, CIRCUIT_VERSION, MnistCircuit};
use crate::error::{Error, Result};
use crate::model::QuantizedModel;
use crate::srs;

/// Primary engine: BN254 with HyperKZG commitments.
pub type E1 = Bn256EngineKZG;
/// Secondary engine: Grumpkin with Pedersen commitments.
pub type E2 = GrumpkinEngine;
/// Primary SNARK: Spartan with preprocessing over HyperKZG.
pub type S1 = spartan::ppsnark::RelaxedR1CSSNARK<E1, hyperkzg::EvaluationEngine<E1>>;
/// Secondary SNARK: Spartan over IPA.
pub type S2 = spartan::snark::RelaxedR1CSSNARK<E2, ipa_pc::EvaluationEngine<E2>>;
/// Nova public parameters of the circuit.
pub type Params = PublicParams<E1, E2, MnistCircuit>;
/// Prover key of the compressed SNARK.
pub type ProverKey = nova_snark::nova::ProverKey<E1, E2, MnistCircuit, S1, S2>;
/// Verifier key of the compressed SNARK.
pub type VerifierKey = nova_snark::nova::VerifierKey<E1, E2, MnistCircuit, S1, S2>;
/// The compressed SNARK.
pub type Snark = CompressedSNARK<E1, E2, MnistCircuit, S1, S2>;

/// Version of the proof file format.
pub const PROOF_FILE_VERSION: u32 = 1;

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

/// Everything needed to prove and verify for one model.
pub struct Prover {
    circuit: MnistCircuit,
    model_digest: [u8; 32],
    pp: Params,
    pk: ProverKey,
    vk: VerifierKey,
    report: SetupReport,
}

/// Timings of one proof.
#[derive(Clone, Debug)]
pub struct ProveTimings {
    /// Each fold step (step 1 includes `RecursiveSNARK::new`).
    pub steps: Vec<Duration>,
    /// Compression into the SNARK.
    pub compress: Duration,
    /// Everything, from the pixels to the serialized proof.
    pub total: Duration,
}

/// A proof as written to disk: the statement (pixels), the claimed output and the SNARK.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFile {
    /// [`PROOF_FILE_VERSION`].
    pub version: u32,
    /// Digest of the model proven.
    pub model_digest: [u8; 32],
    /// The 784 input pixels; `z0` is rebuilt from them.
    pub pixels: Vec<u8>,
    /// Number of fold steps.
    pub num_steps: u32,
    /// The output `zn`, canonical little-endian scalars.
    pub zn: Vec<[u8; 32]>,
    /// The compressed SNARK, bincode (legacy configuration) as nova serializes it.
    pub snark: Vec<u8>,
}

fn bincode_config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Fixint,
    bincode::config::NoLimit,
> {
    bincode::config::legacy()
}

/// Serializes `value` with bincode's legacy configuration (as nova does).
///
/// # Errors
/// [`Error::Encode`].
pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>> {
    bincode::serde::encode_to_vec(value, bincode_config()).map_err(|e| Error::Encode {
        what,
        message: e.to_string(),
    })
}

/// Deserializes `bytes` (bincode legacy), requiring that nothing trails. Anything the
/// dependency stack prints to stdout meanwhile is discarded.
///
/// # Errors
/// [`Error::Decode`].
pub fn decode<T: serde::de::DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T> {
    let (value, used) = crate::quiet::without_stdout(|| {
        bincode::serde::decode_from_slice::<T, _>(bytes, bincode_config())
    })
    .map_err(|e| Error::Decode {
        what,
        message: e.to_string(),
    })?;
    if used != bytes.len() {
        return Err(Error::Decode {
            what,
            message: format!("{} trailing bytes", bytes.len() - used),
        });
    }
    Ok(value)
}

impl ProofFile {
    /// The file's bytes.
    ///
    /// # Errors
    /// [`Error::Encode`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        encode("proof file", self)
    }

    /// Decodes a proof file.
    ///
    /// # Errors
    /// [`Error::Decode`] if the bytes are not a proof file of this version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let file: Self = decode("proof file", bytes)?;
        if file.version != PROOF_FILE_VERSION {
            return Err(Error::Decode {
                what: "proof file",
                message: format!("version {}, expected {PROOF_FILE_VERSION}", file.version),
            });
        }
        Ok(file)
    }

    /// Reads a proof file.
    ///
    /// # Errors
    /// [`Error::Read`] or as [`ProofFile::from_bytes`].
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(&bytes)
    }

    /// Writes the proof file atomically.
    ///
    /// # Errors
    /// [`Error::Write`] or [`Error::Encode`].
    pub fn save(&self, path: &Path) -> Result<()> {
        cache::write_atomic(path, &self.to_bytes()?)
    }
}

/// Parses the power nova asks for when no ptau file is large enough.
fn required_power(error: &NovaError) -> Option<u32> {
    let NovaError::PtauFileError(message) = error else {
        return None;
    };
    let rest = message.split("(power >= ").nth(1)?;
    rest.split(')').next()?.trim().parse().ok()
}

/// Identity of the SRS: the local file's digest, or names and sizes of a public directory.
fn srs_identity(dir: &Path, local: bool) -> Result<[u8; 32]> {
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
fn prune_local_srs(dir: &Path, on_event: &dyn Fn(Event)) {
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
fn srs_dir(config: &SetupConfig) -> Result<PathBuf> {
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

/// Paths of the cached prover and verifier keys for `key`.
fn key_paths(config: &SetupConfig, key: &[u8; 32]) -> (PathBuf, PathBuf) {
    let dir = config
        .cache_dir
        .join(format!("keys-{}", &srs::hex(key)[..16]));
    (dir.join("prover-key.bin"), dir.join("verifier-key.bin"))
}

/// Loads the cached verifier key for `model` without building anything.
///
/// # Errors
/// [`Error::MissingKeys`] if there is no intact cached key for this model, circuit and SRS,
/// [`Error::Decode`] if it does not decode.
pub fn load_verifier_key(model: &QuantizedModel, config: &SetupConfig) -> Result<VerifierKey> {
    let local = config.ptau_dir.is_none();
    let dir = srs_dir(config)?;
    let key = cache_key(&model.digest(), &srs_identity(&dir, local)?);
    let (_, path) = key_paths(config, &key);
    match cache::load(&path, &key) {
        Lookup::Hit(bytes) => decode("verifier key", &bytes),
        Lookup::Missing => Err(Error::MissingKeys("none cached".into())),
        Lookup::Invalid(reason) => Err(Error::MissingKeys(reason.into())),
    }
}

fn cache_key(model_digest: &[u8; 32], srs_id: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"vara-zkml keys: nova-snark 0.76.0, E1 Bn256EngineKZG ppsnark, E2 Grumpkin snark");
    h.update(model_digest);
    h.update(CIRCUIT_VERSION.to_le_bytes());
    h.update(srs_id);
    h.finalize().into()
}

impl Prover {
    /// Sets up (or loads from the cache) everything needed to prove `model`.
    ///
    /// # Errors
    /// [`Error::UnsupportedModel`], [`Error::Nova`] if nova's setup fails (e.g. no ptau file
    /// large enough in a public directory), I/O and serialization errors.
    pub fn setup(
        model: &QuantizedModel,
        config: &SetupConfig,
        on_event: &(dyn Fn(Event) + Sync),
    ) -> Result<Self> {
        // Checking G2 points prints ~62 lines to stdout inside halo2curves.
        crate::quiet::without_stdout(|| Self::setup_inner(model, config, on_event))
    }

    fn setup_inner(
        model: &QuantizedModel,
        config: &SetupConfig,
        on_event: &(dyn Fn(Event) + Sync),
    ) -> Result<Self> {
        let started = Instant::now();
        let circuit = MnistCircuit::new(model)?;
        let model_digest = model.digest();
        let local = config.ptau_dir.is_none();
        let srs_dir = srs_dir(config)?;
        if local {
            prune_local_srs(&srs_dir, on_event);
        }

        // The public parameters are rebuilt from the SRS on every run: reading the ptau file
        // (uncompressed points) is faster than deserializing cached parameters, whose
        // compressed points each need a square root.
        on_event(Event::Phase("building public parameters"));
        let t = Instant::now();
        let pp = match Params::setup_with_ptau_dir(
            &circuit,
            &*S1::ck_floor(),
            &*S2::ck_floor(),
            &srs_dir,
        ) {
            Ok(pp) => pp,
            Err(e) => match (local, required_power(&e)) {
                (true, Some(power)) => {
                    on_event(Event::SrsStarted {
                        points: 1u64 << power,
                    });
                    // Keep one local SRS only.
                    if let Ok(entries) = std::fs::read_dir(&srs_dir) {
                        for entry in entries.flatten() {
                            let _ = std::fs::remove_file(entry.path());
                        }
                    }
                    srs::generate_local(&srs_dir, power, &|n| on_event(Event::SrsProgress(n)))?;
                    on_event(Event::Phase("building public parameters"));
                    Params::setup_with_ptau_dir(
                        &circuit,
                        &*S1::ck_floor(),
                        &*S2::ck_floor(),
                        &srs_dir,
                    )?
                }
                _ => return Err(e.into()),
            },
        };
        info!(elapsed = ?t.elapsed(), "public parameters");

        let key = cache_key(&model_digest, &srs_identity(&srs_dir, local)?);
        let paths = key_paths(config, &key);
        let mut loaded = None;
        match (cache::load(&paths.0, &key), cache::load(&paths.1, &key)) {
            (Lookup::Hit(pk), Lookup::Hit(vk)) => {
                on_event(Event::Phase("loading cached keys"));
                let t = Instant::now();
                match decode::<ProverKey>("prover key", &pk)
                    .and_then(|pk| Ok((pk, decode::<VerifierKey>("verifier key", &vk)?)))
                {
                    Ok(keys) => {
                        info!(elapsed = ?t.elapsed(), "loaded cached keys");
                        loaded = Some(keys);
                    }
                    Err(e) => {
                        warn!(error = %e, "cached keys do not decode; rebuilding");
                        on_event(Event::CacheRebuilt {
                            what: "prover and verifier keys",
                            reason: "do not decode",
                        });
                    }
                }
            }
            (a, b) => {
                for lookup in [a, b] {
                    if let Lookup::Invalid(reason) = lookup {
                        on_event(Event::CacheRebuilt {
                            what: "prover and verifier keys",
                            reason,
                        });
                    }
                }
            }
        }
        let from_cache = loaded.is_some();
        let (pk, vk) = match loaded {
            Some(keys) => keys,
            None => {
                on_event(Event::Phase("building prover and verifier keys"));
                let t = Instant::now();
                let (pk, vk) = Snark::setup(&pp)?;
                info!(elapsed = ?t.elapsed(), "compressed SNARK keys");
                on_event(Event::Phase("writing the cache"));
                cache::store(&paths.0, &key, &encode("prover key", &pk)?)?;
                cache::store(&paths.1, &key, &encode("verifier key", &vk)?)?;
                (pk, vk)
            }
        };
        Ok(Self {
            circuit,
            model_digest,
            pp,
            pk,
            vk,
            report: SetupReport {
                local_srs: local,
                from_cache,
                elapsed: started.elapsed(),
            },
        })
    }

    /// How setup went.
    pub fn report(&self) -> &SetupReport {
        &self.report
    }

    /// The step circuit.
    pub fn circuit(&self) -> &MnistCircuit {
        &self.circuit
    }

    /// The public parameters.
    pub fn params(&self) -> &Params {
        &self.pp
    }

    /// The verifier key.
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.vk
    }

    /// Digest of the model these keys prove.
    pub fn model_digest(&self) -> [u8; 32] {
        self.model_digest
    }

    /// Proves one inference on `pixels` (784 bytes).
    ///
    /// # Errors
    /// [`Error::Statement`] if `pixels` is not 784 bytes, [`Error::Nova`] if proving fails.
    pub fn prove(
        &self,
        pixels: &[u8],
        on_event: &dyn Fn(Event),
    ) -> Result<(ProofFile, ProveTimings)> {
        let started = Instant::now();
        let z0 = circuit::z0(pixels)?;
        let total = self.circuit.num_steps();
        let mut steps = Vec::with_capacity(total);
        on_event(Event::Phase("folding"));
        let t = Instant::now();
        // `new` runs step 1; the first `prove_step` then only records it.
        let mut recursive = RecursiveSNARK::new(&self.pp, &self.circuit, &z0)?;
        recursive.prove_step(&self.pp, &self.circuit)?;
        steps.push(t.elapsed());
        on_event(Event::Step { index: 1, total });
        for index in 2..=total {
            let t = Instant::now();
            recursive.prove_step(&self.pp, &self.circuit)?;
            steps.push(t.elapsed());
            on_event(Event::Step { index, total });
        }
        on_event(Event::Phase("compressing"));
        let t = Instant::now();
        let snark = Snark::prove(&self.pp, &self.pk, &recursive)?;
        let compress = t.elapsed();
        let zn = recursive
            .outputs()
            .iter()
            .map(circuit::word_from_scalar)
            .collect();
        let file = ProofFile {
            version: PROOF_FILE_VERSION,
            model_digest: self.model_digest,
            pixels: pixels.to_vec(),
            num_steps: u32::try_from(total).map_err(|_| Error::StateLength(total))?,
            zn,
            snark: encode("compressed SNARK", &snark)?,
        };
        Ok((
            file,
            ProveTimings {
                steps,
                compress,
                total: started.elapsed(),
            },
        ))
    }

    /// Verifies `proof` with nova's `CompressedSNARK::verify` against `z0` rebuilt from its
    /// pixels, and reads the model's answer from `zn`.
    ///
    /// # Errors
    /// [`Error::InvalidProof`] if the proof is for another model, does not decode, does not
    /// verify or its `zn` is not the one it claims; [`Error::Statement`] if `zn` is not a valid
    /// output.
    pub fn verify(&self, proof: &ProofFile) -> Result<Output> {
        verify_with(&self.vk, &self.model_digest, proof)
    }
}

/// [`Prover::verify`] with an explicit verifier key and model digest.
///
/// # Errors
/// As [`Prover::verify`].
pub fn verify_with(vk: &VerifierKey, model_digest: &[u8; 32], proof: &ProofFile) -> Result<Output> {
    if &proof.model_digest != model_digest {
        return Err(Error::InvalidProof("it is for another model".into()));
    }
    if u64::from(proof.num_steps) != statement::STEPS {
        return Err(Error::InvalidProof(format!(
            "it folds {} steps, expected {}",
            proof.num_steps,
            statement::STEPS
        )));
    }
    let z0 = circuit::z0(&proof.pixels)?;
    let snark: Snark =
        decode("compressed SNARK", &proof.snark).map_err(|e| Error::InvalidProof(e.to_string()))?;
    let zn = snark
        .verify(vk, proof.num_steps as usize, &z0)
        .map_err(|e| Error::InvalidProof(e.to_string()))?;
    let words: Vec<[u8; 32]> = zn.iter().map(circuit::word_from_scalar).collect();
    if words != proof.zn {
        return Err(Error::InvalidProof(
            "its stated output is not the proven one".into(),
        ));
    }
    Ok(statement::decode_output(&words)?)
}

/// Sizes of the circuits, as the bench reports them.
#[derive(Clone, Debug)]
pub struct CircuitStats {
    /// Constraints of the step circuit alone.
    pub step_constraints: usize,
    /// Nonzero matrix entries (A + B + C) of the step circuit alone.
    pub step_nonzeros: usize,
    /// Constraints of nova's augmented primary circuit (step circuit included), unpadded.
    pub primary_constraints: usize,
    /// Variables of the primary circuit.
    pub primary_variables: usize,
    /// Nonzero entries (A + B + C) of the primary circuit; ppsnark pads it to a power of two.
    pub primary_nonzeros: usize,
    /// Constraints of the secondary (Grumpkin) circuit.
    pub secondary_constraints: usize,
    /// Nonzero entries of the secondary circuit.
    pub secondary_nonzeros: usize,
}

/// Sizes of the verifier key (bincode bytes, SPEC §1.3/§10).
#[derive(Clone, Debug)]
pub struct VerifierKeySizes {
    /// The whole serialized key.
    pub total: usize,
    /// Model-specific bytes: `F_arity`, `pp_digest` and the primary (ppsnark) key.
    pub model_specific: usize,
}

/// Raw layout of a HyperKZG commitment key (points kept compressed, not decoded).
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawKzgKey {
    ck: Vec<[u8; 32]>,
    h: [u8; 32],
    tau_h: ([u8; 32], [u8; 32]),
}

/// Raw layout of a Pedersen commitment key.
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawPedersenKey {
    ck: Vec<[u8; 32]>,
    h: [u8; 32],
}

/// `PublicParams` field by field (nova's serialization order), to read the shapes.
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawParams {
    arity: u64,
    ro_primary: nova_snark::traits::ROConstants<E1>,
    ro_circuit_primary: nova_snark::traits::ROConstantsCircuit<E2>,
    ro_secondary: nova_snark::traits::ROConstants<E2>,
    ro_circuit_secondary: nova_snark::traits::ROConstantsCircuit<E1>,
    ck_primary: RawKzgKey,
    shape_primary: nova_snark::r1cs::R1CSShape<E1>,
    ck_secondary: RawPedersenKey,
    shape_secondary: nova_snark::r1cs::R1CSShape<E2>,
}

/// The verifier key's constant prefix: arity and Poseidon constants.
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawVkPrefix {
    arity: u64,
    ro_primary: nova_snark::traits::ROConstants<E1>,
    ro_secondary: nova_snark::traits::ROConstants<E2>,
}

/// The verifier key up to the primary SNARK's key.
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawVkModel {
    arity: u64,
    ro_primary: nova_snark::traits::ROConstants<E1>,
    ro_secondary: nova_snark::traits::ROConstants<E2>,
    pp_digest: [u8; 32],
    vk_primary: spartan::ppsnark::VerifierKey<E1, hyperkzg::EvaluationEngine<E1>>,
}

fn nonzeros<E: nova_snark::traits::Engine>(shape: &nova_snark::r1cs::R1CSShape<E>) -> usize {
    shape.A().len() + shape.B().len() + shape.C().len()
}

fn consumed<T: serde::de::DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<usize> {
    crate::quiet::without_stdout(|| {
        bincode::serde::decode_from_slice::<T, _>(bytes, bincode_config())
    })
    .map(|(_, used)| used)
    .map_err(|e| Error::Decode {
        what,
        message: e.to_string(),
    })
}

impl Prover {
    /// Constraint and nonzero counts of the step circuit and of nova's primary and secondary
    /// circuits.
    ///
    /// # Errors
    /// [`Error::Nova`] if the step circuit cannot be synthesized, serialization errors.
    pub fn circuit_stats(&self) -> Result<CircuitStats> {
        use nova_snark::frontend::num::AllocatedNum;
        use nova_snark::frontend::r1cs::NovaShape as _;
        use nova_snark::frontend::shape_cs::ShapeCS;
        use nova_snark::frontend::{ConstraintSystem as _, SynthesisError};
        use nova_snark::traits::circuit::StepCircuit as _;

        let mut cs = ShapeCS::<E1>::new();
        let z = (0..statement::ARITY)
            .map(|i| {
                AllocatedNum::alloc(cs.namespace(|| format!("z{i}")), || {
                    Err(SynthesisError::AssignmentMissing)
                })
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(NovaError::from)?;
        self.circuit
            .synthesize(&mut cs, &z)
            .map_err(NovaError::from)?;
        let step_shape = cs.r1cs_shape()?;
        let raw: RawParams = {
            let bytes = encode("public parameters", &self.pp)?;
            let (raw, _) = crate::quiet::without_stdout(|| {
                bincode::serde::decode_from_slice::<RawParams, _>(&bytes, bincode_config())
            })
            .map_err(|e| Error::Decode {
                what: "public parameters",
                message: e.to_string(),
            })?;
            raw
        };
        Ok(CircuitStats {
            step_constraints: step_shape.num_cons(),
            step_nonzeros: nonzeros(&step_shape),
            primary_constraints: raw.shape_primary.num_cons(),
            primary_variables: raw.shape_primary.num_vars(),
            primary_nonzeros: nonzeros(&raw.shape_primary),
            secondary_constraints: raw.shape_secondary.num_cons(),
            secondary_nonzeros: nonzeros(&raw.shape_secondary),
        })
    }

    /// Size of the serialized verifier key and of its model-specific part.
    ///
    /// # Errors
    /// Serialization errors.
    pub fn verifier_key_sizes(&self) -> Result<VerifierKeySizes> {
        let bytes = encode("verifier key", &self.vk)?;
        let prefix = consumed::<RawVkPrefix>("verifier key", &bytes)?;
        let model = consumed::<RawVkModel>("verifier key", &bytes)?;
        Ok(VerifierKeySizes {
            total: bytes.len(),
            model_specific: 8 + model - prefix,
        })
    }
}
