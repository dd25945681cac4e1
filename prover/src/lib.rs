//! The vara-zkml prover: model, circuit, proving and prover service.
