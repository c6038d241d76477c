//! ISO-8601 durations as Meilisearch prints them (`PT0.001192S`, `PT1M5S`, `P1DT2H`).

use std::fmt::Write;

use time::Duration;

/// Formats `d` as an ISO-8601 duration: days, hours, minutes, then seconds with a
/// fraction trimmed of trailing zeros. A zero duration is `PT0S`.
pub fn iso8601_duration(d: Duration) -> String {
    let mut out = String::new();
    if d.is_negative() {
        out.push('-');
    }
    let d = d.abs();
    let total = d.whole_seconds();
    let (days, rest) = (total / 86_400, total % 86_400);
    let (hours, rest) = (rest / 3_600, rest % 3_600);
    let (minutes, seconds) = (rest / 60, rest % 60);
    let nanos = d.subsec_nanoseconds();

    out.push('P');
    if days > 0 {
        let _ = write!(out, "{days}D");
    }
    if hours > 0 || minutes > 0 || seconds > 0 || nanos > 0 || days == 0 {
        out.push('T');
        if hours > 0 {
            let _ = write!(out, "{hours}H");
        }
        if minutes > 0 {
            let _ = write!(out, "{minutes}M");
        }
        if seconds > 0 || nanos > 0 || (days == 0 && hours == 0 && minutes == 0) {
            let _ = write!(out, "{seconds}");
            if nanos > 0 {
                let frac = format!("{nanos:09}");
                let _ = write!(out, ".{}", frac.trim_end_matches('0'));
            }
            out.push('S');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_meilisearch() {
        assert_eq!(iso8601_duration(Duration::microseconds(1192)), "PT0.001192S");
        assert_eq!(iso8601_duration(Duration::ZERO), "PT0S");
        assert_eq!(iso8601_duration(Duration::seconds(65)), "PT1M5S");
        assert_eq!(iso8601_duration(Duration::hours(26)), "P1DT2H");
        assert_eq!(iso8601_duration(Duration::days(2)), "P2D");
        assert_eq!(iso8601_duration(Duration::milliseconds(-1500)), "-PT1.5S");
    }
}
