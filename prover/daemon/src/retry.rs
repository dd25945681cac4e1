//! Exponential backoff for calls that fail in transport.

use std::time::Duration;

/// Retry policy: `attempts` tries in all, waiting `initial`, then twice as long each time, at
/// most `max`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// Delay before the second try.
    pub initial: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            attempts: 6,
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The delays between tries: `attempts - 1` of them.
    pub fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        let max = self.max;
        std::iter::successors(Some(self.initial.min(max)), move |d| {
            Some(d.saturating_mul(2).min(max))
        })
        .take(self.attempts.saturating_sub(1) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let backoff = Backoff {
            attempts: 6,
            initial: Duration::from_secs(1),
            max: Duration::from_secs(5),
        };
        let delays: Vec<u64> = backoff.delays().map(|d| d.as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
    }

    #[test]
    fn one_attempt_has_no_delay() {
        let backoff = Backoff {
            attempts: 1,
            ..Backoff::default()
        };
        assert_eq!(backoff.delays().count(), 0);
    }
}
