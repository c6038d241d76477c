//! Durations and sizes as Meilisearch prints them. ISO-8601 durations exactly as Meilisearch prints them: seconds are never
//! split into hours or minutes (`PT90S`), the fraction has 3, 6 or 9 digits
//! (`PT0.500S`, `PT0.001192S`), and days stand apart (`P1DT5S`, `P1D`). Also
//! sizes as Meilisearch prints them for people ([`human_size`]).

use time::Duration;

/// Formats `d` as Meilisearch does. Negative durations are clamped to zero.
pub fn iso8601_duration(d: Duration) -> String {
    let d = if d.is_negative() { Duration::ZERO } else { d };
    let total = d.whole_seconds();
    let (days, secs) = (total / 86_400, total % 86_400);
    let nanos = d.subsec_nanoseconds();

    let mut out = String::from("P");
    if days != 0 {
        out.push_str(&format!("{days}D"));
    }
    if secs != 0 || nanos != 0 || days == 0 {
        let fraction = if nanos == 0 {
            String::new()
        } else if nanos % 1_000_000 == 0 {
            format!(".{:03}", nanos / 1_000_000)
        } else if nanos % 1_000 == 0 {
            format!(".{:06}", nanos / 1_000)
        } else {
            format!(".{nanos:09}")
        };
        out.push_str(&format!("T{secs}{fraction}S"));
    }
    out
}

/// `1.99 KiB`, `484 KiB`, `0 B`: sizes as `sizeFormat=human` shows them
/// (two decimals at most, trailing zeros dropped).
pub fn human_size(bytes: u64) -> String {
    let (value, unit) = binary_units(bytes);
    let shown = format!("{value:.2}");
    format!("{} {unit}", shown.trim_end_matches('0').trim_end_matches('.'))
}

/// `95.367431640625 MiB`: every digit, as Meilisearch words its payload limit.
pub fn human_size_exact(bytes: u64) -> String {
    let (value, unit) = binary_units(bytes);
    format!("{value} {unit}")
}

fn binary_units(bytes: u64) -> (f64, &'static str) {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    (value, UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_meilisearch() {
        assert_eq!(iso8601_duration(Duration::microseconds(1192)), "PT0.001192S");
        assert_eq!(iso8601_duration(Duration::milliseconds(500)), "PT0.500S");
        assert_eq!(iso8601_duration(Duration::nanoseconds(9_330_123)), "PT0.009330123S");
        assert_eq!(iso8601_duration(Duration::ZERO), "PT0S");
        assert_eq!(iso8601_duration(Duration::seconds(90)), "PT90S");
        assert_eq!(iso8601_duration(Duration::seconds(86_405)), "P1DT5S");
        assert_eq!(iso8601_duration(Duration::days(1)), "P1D");
        assert_eq!(iso8601_duration(Duration::milliseconds(-1500)), "PT0S");
    }
}
