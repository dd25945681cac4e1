//! The benchmark program deployed on an embedded gtest chain, and the gas of its messages.

use crate::{Reply, Request, WASM_BINARY};
use alloc::{format, string::String, vec::Vec};
use parity_scale_codec::{Decode as _, Encode as _};
use sails_rs::gtest::{Program, System, constants::MAX_USER_GAS_LIMIT};

/// The account that sends the messages.
const SENDER: u64 = 42;
/// The program's id.
const PROGRAM: u64 = 7;
/// The sender's funds: enough for thousands of full messages.
const FUNDS: u128 = 1 << 100;

/// What one message cost and returned.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Gas burned by the message, as gtest reports it.
    pub gas: u64,
    /// The program's reply.
    pub reply: Reply,
}

/// The benchmark program on a gtest chain.
pub struct Bench {
    system: System,
}

impl Bench {
    /// Starts a chain and deploys the program.
    ///
    /// # Errors
    /// If the program's initialization fails.
    pub fn deploy() -> Result<Self, String> {
        let system = System::new();
        system.mint_to(SENDER, FUNDS);
        let program = Program::from_binary_with_id(&system, PROGRAM, WASM_BINARY);
        let init = program.send_bytes_with_gas(SENDER, Vec::new(), MAX_USER_GAS_LIMIT, 0);
        let block = system.run_next_block();
        if !block.succeed.contains(&init) {
            return Err(format!("initialization failed: {block:?}"));
        }
        Ok(Self { system })
    }

    /// Sends `req` with the largest gas limit a message may have and runs it alone in a block.
    ///
    /// # Errors
    /// If the message fails (out of gas, for example) or its reply does not decode.
    pub fn measure(&self, req: &Request) -> Result<Measured, String> {
        self.send(req.encode())
            .map_err(|e| format!("{:?} (n = {}): {e}", req.op, req.n))
    }

    /// Sends `payload` as [`Bench::measure`] does.
    ///
    /// # Errors
    /// As [`Bench::measure`].
    pub fn send(&self, payload: Vec<u8>) -> Result<Measured, String> {
        let program = self
            .system
            .get_program(PROGRAM)
            .ok_or("the program is deployed")?;
        let id = program.send_bytes_with_gas(SENDER, payload, MAX_USER_GAS_LIMIT, 0);
        let block = self.system.run_next_block();
        if !block.succeed.contains(&id) {
            return Err("the message failed".into());
        }
        let gas = *block.gas_burned.get(&id).ok_or("no gas reported")?;
        let reply = block
            .log()
            .iter()
            .find(|log| log.reply_to() == Some(id))
            .ok_or("no reply")?;
        let reply = Reply::decode(&mut reply.payload()).map_err(|e| format!("reply: {e}"))?;
        Ok(Measured { gas, reply })
    }
}
