//! gtest suite: every service of the program, driven through the generated client.

mod claims;
mod common;
mod hardening;
mod model;
mod sessions;
mod stages;
mod verifier;
