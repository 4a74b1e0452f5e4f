//! `--recheck-after`: how long a verified entry lets a re-run skip a user. After that the
//! target is read again, so a photo someone else changed is still caught periodically.

use std::time::Duration;

use crate::error::{Error, Result};

/// One week: a nightly job reads every target at least weekly.
pub const DEFAULT_RECHECK_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// `7d`, `12h`, `30m`, `90s`, or a bare number of seconds; `0` rechecks every time.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let text = text.trim();
    let bad = || {
        Error::config(format!("`{text}` is not a duration"))
            .with_hint("write a number with a unit: 7d, 12h, 30m or 90s")
    };
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let secs = match unit.trim().to_ascii_lowercase().as_str() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(secs).map(Duration::from_secs).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("7d").ok(), Some(DEFAULT_RECHECK_AFTER));
        assert_eq!(
            parse_duration("12h").ok(),
            Some(Duration::from_secs(43_200))
        );
        assert_eq!(parse_duration("0").ok(), Some(Duration::ZERO));
        assert_eq!(parse_duration(" 90s ").ok(), Some(Duration::from_secs(90)));
        for bad in ["", "d", "7x", "-1d", "99999999999999999999d", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
