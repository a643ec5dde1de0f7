//! The sign-in throttle's rule (specs/security, "Sign-in that withstands abuse"), pure.
//!
//! Attempts are counted per key before any password is hashed: one key per (client, account)
//! and one per client. A key that reaches its limit within the window is blocked, for a time
//! that doubles with each block up to [`MAX_BLOCK`], then forgotten once it has been quiet
//! that long. Nothing counts per account alone: a guesser elsewhere can slow only themselves,
//! never lock the account's owner out.

use crate::domain::Timestamp;
use std::time::Duration;

/// The window attempts are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Attempts per (client, account) within the window.
pub const MAX_PER_CLIENT_ACCOUNT: i64 = 10;
/// Attempts per client within the window, whatever the accounts.
pub const MAX_PER_CLIENT: i64 = 30;
/// The longest block.
pub const MAX_BLOCK: Duration = Duration::from_secs(3600);

/// One key's count as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// Attempts in the current window.
    pub attempts: i64,
    /// When the current window began.
    pub window_start: Timestamp,
    /// Blocks so far (the next block lasts twice as long as the last).
    pub blocks: i64,
    /// Until when the key is blocked.
    pub blocked_until: Timestamp,
}

impl Default for Count {
    fn default() -> Self {
        Self { attempts: 0, window_start: Timestamp(0), blocks: 0, blocked_until: Timestamp(0) }
    }
}

/// How long block number `n` (1-based) lasts.
pub fn block_length(n: i64) -> Duration {
    let doublings = u32::try_from(n.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    WINDOW.saturating_mul(1 << doublings).min(MAX_BLOCK)
}

impl Count {
    /// Counts an attempt at `now` against a limit of `max`: the count to store and whether
    /// the attempt may go on to the password check.
    pub fn attempt(mut self, now: Timestamp, max: i64) -> (Self, bool) {
        if now < self.blocked_until {
            return (self, false);
        }
        if self.blocks > 0 && now.since(self.blocked_until) >= MAX_BLOCK {
            self.blocks = 0;
        }
        if now.since(self.window_start) >= WINDOW {
            self.attempts = 0;
            self.window_start = now;
        }
        if self.attempts >= max {
            self.blocks += 1;
            self.blocked_until = now.plus(block_length(self.blocks));
            self.attempts = 0;
            self.window_start = self.blocked_until;
            return (self, false);
        }
        self.attempts += 1;
        (self, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(1_700_000_000_000 + secs * 1000)
    }

    #[test]
    fn the_attempts_within_the_limit_go_on_and_the_next_one_is_blocked() {
        let mut c = Count::default();
        for i in 0..MAX_PER_CLIENT_ACCOUNT {
            let (next, go) = c.attempt(at(0), MAX_PER_CLIENT_ACCOUNT);
            assert!(go, "attempt {i}");
            c = next;
        }
        let (c, go) = c.attempt(at(1), MAX_PER_CLIENT_ACCOUNT);
        assert!(!go);
        assert_eq!((c.blocks, c.blocked_until), (1, at(61)));
        assert!(!c.attempt(at(60), MAX_PER_CLIENT_ACCOUNT).1, "still blocked");
        assert!(c.attempt(at(61), MAX_PER_CLIENT_ACCOUNT).1, "the block has ended");
    }

    #[test]
    fn each_block_lasts_twice_as_long_as_the_last_up_to_an_hour() {
        let lengths: Vec<u64> = (1..=8).map(|n| block_length(n).as_secs()).collect();
        assert_eq!(lengths, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(block_length(i64::MAX), MAX_BLOCK);
        assert_eq!(block_length(0), WINDOW);
    }

    #[test]
    fn a_key_that_keeps_guessing_waits_longer_each_time_and_is_forgiven_after_a_quiet_hour() {
        let mut c = Count::default();
        let mut now = at(0);
        for expected in [60, 120, 240] {
            for _ in 0..MAX_PER_CLIENT_ACCOUNT {
                let (next, go) = c.attempt(now, MAX_PER_CLIENT_ACCOUNT);
                assert!(go);
                c = next;
            }
            c = c.attempt(now, MAX_PER_CLIENT_ACCOUNT).0;
            assert_eq!(c.blocked_until.since(now).as_secs(), expected);
            now = c.blocked_until;
        }
        let quiet = c.blocked_until.plus(MAX_BLOCK);
        let (c, go) = c.attempt(quiet, MAX_PER_CLIENT_ACCOUNT);
        assert!(go);
        assert_eq!(c.blocks, 0, "forgiven");
    }

    #[test]
    fn attempts_spread_beyond_the_window_are_never_blocked() {
        let mut c = Count::default();
        for minute in 0..100 {
            let (next, go) = c.attempt(at(minute * 61), 1);
            assert!(go, "minute {minute}");
            c = next;
        }
    }
}
