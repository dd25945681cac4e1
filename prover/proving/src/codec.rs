//! nova's serialization: bincode with its legacy configuration.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::quiet::without_stdout;

/// bincode's legacy configuration, which nova uses.
fn config() -> bincode::config::Configuration<
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
    bincode::serde::encode_to_vec(value, config()).map_err(|source| Error::Encode { what, source })
}

/// Deserializes a `T` from the start of `bytes` and returns it with the number of bytes it
/// took. Anything the dependency stack prints to stdout meanwhile is discarded.
///
/// # Errors
/// [`Error::Decode`].
pub fn decode_prefix<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<(T, usize)> {
    without_stdout(|| bincode::serde::decode_from_slice::<T, _>(bytes, config()))
        .map_err(|source| Error::Decode { what, source })
}

/// Deserializes `bytes` (bincode legacy), requiring that nothing trails. Anything the
/// dependency stack prints to stdout meanwhile is discarded.
///
/// # Errors
/// [`Error::Decode`], [`Error::TrailingBytes`].
pub fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T> {
    let (value, used) = decode_prefix(what, bytes)?;
    if used != bytes.len() {
        return Err(Error::TrailingBytes {
            what,
            count: bytes.len() - used,
        });
    }
    Ok(value)
}
