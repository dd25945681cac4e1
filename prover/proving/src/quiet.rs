//! Discarding what dependencies print to stdout.
//!
//! Deserializing nova's verifier key or a proof prints about 124 lines of `true`/`false` to
//! stdout from inside the dependency stack; [`without_stdout`] points file descriptor 1 at
//! `/dev/null` while a closure runs.

#![allow(unsafe_code)] // fd 1 is redirected with dup/dup2, which only libc offers.

use std::io::Write as _;
use std::sync::Mutex;

static STDOUT_LOCK: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread is already inside [`without_stdout`].
    static SILENCED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the process's stdout (fd 1) redirected to `/dev/null`, then restores it.
/// If the redirection cannot be set up, `f` runs with stdout unchanged.
pub fn without_stdout<T>(f: impl FnOnce() -> T) -> T {
    if SILENCED.with(|s| s.replace(true)) {
        return f();
    }
    let result = redirected(f);
    SILENCED.with(|s| s.set(false));
    result
}

fn redirected<T>(f: impl FnOnce() -> T) -> T {
    let _guard = STDOUT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let _ = std::io::stdout().flush();
    let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") else {
        return f();
    };
    use std::os::fd::AsRawFd as _;
    // SAFETY: dup/dup2/close on valid descriptors; fd 1 is restored before returning.
    let saved = unsafe { libc::dup(1) };
    if saved < 0 {
        return f();
    }
    // SAFETY: `null` is an open descriptor.
    unsafe { libc::dup2(null.as_raw_fd(), 1) };
    let result = f();
    let _ = std::io::stdout().flush();
    // SAFETY: `saved` is the duplicate of the original fd 1 made above.
    unsafe {
        libc::dup2(saved, 1);
        libc::close(saved);
    }
    result
}
