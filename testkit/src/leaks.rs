//! Searches for an input's pixels in what the chain holds: the program's memory and any bytes it
//! carried. A run is 16 bytes of the pixels with at least 4 inked (nonzero) bytes, since the
//! background's runs of zeros appear in any encoding.

use crate::Chain;

/// Length of a searched run of pixels.
const RUN: usize = 16;
/// Inked bytes a run must hold to count.
const INKED: usize = 4;

/// The inked 16-byte runs of `pixels`.
fn inked_runs(pixels: &[u8]) -> impl Iterator<Item = &[u8]> {
    pixels
        .windows(RUN)
        .filter(|run| run.iter().filter(|&&p| p != 0).count() >= INKED)
}

/// Whether `haystack` contains any inked 16-byte run of `pixels`.
pub fn holds_a_run(haystack: &[u8], pixels: &[u8]) -> bool {
    inked_runs(pixels).any(|run| haystack.windows(RUN).any(|w| w == run))
}

/// Whether a program's memory dump ([`Chain::memory_dump`]: JSON, each page's bytes in hex)
/// holds any inked 16-byte run of `pixels`.
pub fn dump_holds_a_run(dump: &str, pixels: &[u8]) -> bool {
    inked_runs(pixels).any(|run| {
        let hex: String = run.iter().map(|b| format!("{b:02x}")).collect();
        dump.contains(&hex)
    })
}

impl Chain {
    /// gtest's dump of the program's whole memory (JSON, each page in hex).
    ///
    /// # Panics
    /// If gtest cannot write or the dump holds less than 1 MiB (not the program's memory).
    pub fn memory_dump(&self) -> String {
        let path = std::env::temp_dir().join(format!(
            "zkml-memory-{}-{:?}.dump",
            std::process::id(),
            std::thread::current().id()
        ));
        self.env()
            .system()
            .get_program(self.program_id())
            .expect("the program is deployed")
            .save_memory_dump(&path);
        let memory = std::fs::read_to_string(&path).expect("gtest wrote the dump");
        let _ = std::fs::remove_file(&path);
        assert!(
            memory.len() > 1 << 20,
            "the dump holds the program's memory"
        );
        memory
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_need_ink_and_are_found_raw_and_in_hex() {
        let mut pixels = vec![0u8; 64];
        pixels[20..24].copy_from_slice(&[9, 200, 0x1f, 3]);
        let run = &pixels[16..32];
        let mut haystack = vec![7u8; 40];
        haystack.extend_from_slice(run);
        assert!(holds_a_run(&haystack, &pixels));
        let hex: String = run.iter().map(|b| format!("{b:02x}")).collect();
        assert!(dump_holds_a_run(
            &format!("{{\"page\":\"00{hex}ff\"}}"),
            &pixels
        ));
        // Background zeros alone are not a run, and a changed byte breaks one.
        assert!(!holds_a_run(&[0u8; 64], &pixels));
        haystack[45] ^= 1;
        assert!(!holds_a_run(&haystack, &pixels));
        assert!(!dump_holds_a_run("{}", &pixels));
    }
}
