//! [`Prover`]: setup (or the cached keys), proving and native verification with nova-snark.
//!
//! One fold step per layer; the compressed SNARK is zero-knowledge. The public parameters are
//! rebuilt from the SRS on every run, the keys come from the cache (see [`crate::keys`]).

use std::time::{Duration, Instant};

use nova_snark::nova::RecursiveSNARK;
use nova_snark::traits::snark::RelaxedR1CSSNARKTrait;
use tracing::info;
use zkml_model::QuantizedModel;
use zkml_verifier::statement::Output;

use crate::circuit::{self, MnistCircuit, Opening};
use crate::codec::encode;
use crate::engines::{Params, ProverKey, S1, S2, Snark, VerifierKey};
use crate::error::{Error, Result};
use crate::keys::KeyCache;
use crate::proof_file::{PROOF_FILE_VERSION, ProofFile};
use crate::quiet::without_stdout;
use crate::setup::{Event, SetupConfig, SetupReport, prune_local_srs, required_power, srs_dir};
use crate::srs;
use crate::verify::verify_with;

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
        without_stdout(|| Self::setup_inner(model, config, on_event))
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

        let cache = KeyCache::new(config, &model_digest, &srs_dir, local)?;
        let loaded = cache.load(on_event);
        let from_cache = loaded.is_some();
        let (pk, vk) = match loaded {
            Some(keys) => keys,
            None => {
                on_event(Event::Phase("building prover and verifier keys"));
                let t = Instant::now();
                let (pk, vk) = Snark::setup(&pp)?;
                info!(elapsed = ?t.elapsed(), "compressed SNARK keys");
                on_event(Event::Phase("writing the cache"));
                cache.store(&pk, &vk)?;
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

    /// Proves one inference on the input `opening` opens (its pixels, committed with its
    /// blinding): the proof's statement is the commitment, not the pixels.
    ///
    /// # Errors
    /// [`Error::Nova`] if proving fails.
    pub fn prove(
        &self,
        opening: &Opening,
        on_event: &dyn Fn(Event),
    ) -> Result<(ProofFile, ProveTimings)> {
        let started = Instant::now();
        let commitment = opening.commitment();
        let z0 = circuit::z0(&commitment);
        let circuit = self.circuit.with_opening(opening.clone());
        let total = self.circuit.num_steps();
        let mut steps = Vec::with_capacity(total);
        on_event(Event::Phase("folding"));
        let t = Instant::now();
        // `new` runs step 1; the first `prove_step` then only records it.
        let mut recursive = RecursiveSNARK::new(&self.pp, &circuit, &z0)?;
        recursive.prove_step(&self.pp, &circuit)?;
        steps.push(t.elapsed());
        on_event(Event::Step { index: 1, total });
        for index in 2..=total {
            let t = Instant::now();
            recursive.prove_step(&self.pp, &circuit)?;
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
            commitment: circuit::word_from_scalar(&commitment),
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
    /// commitment, and reads the model's answer from `zn`.
    ///
    /// # Errors
    /// [`Error::InvalidProof`] if the proof is for another model, does not decode, does not
    /// verify or its `zn` is not the one it claims; [`Error::Statement`] if `zn` is not a valid
    /// output.
    pub fn verify(&self, proof: &ProofFile) -> Result<Output> {
        verify_with(&self.vk, &self.model_digest, proof)
    }
}
