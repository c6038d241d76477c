//! Value parsers. Each returns `Err(expected)`: the words after "expected" in
//! the error message.

use std::net::{SocketAddr, ToSocketAddrs};

use url::Url;

use crate::{Env, LogLevel};

pub(crate) type Parsed<T> = Result<T, &'static str>;

pub(crate) fn socket_addr(s: &str) -> Parsed<SocketAddr> {
    s.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or("a socket address such as `127.0.0.1:7700` or `localhost:7700`")
}

pub(crate) fn env(s: &str) -> Parsed<Env> {
    match s {
        "development" => Ok(Env::Development),
        "production" => Ok(Env::Production),
        _ => Err("`development` or `production`"),
    }
}

pub(crate) fn log_level(s: &str) -> Parsed<LogLevel> {
    Ok(match s.to_ascii_uppercase().as_str() {
        "OFF" => LogLevel::Off,
        "ERROR" => LogLevel::Error,
        "WARN" => LogLevel::Warn,
        "INFO" => LogLevel::Info,
        "DEBUG" => LogLevel::Debug,
        "TRACE" => LogLevel::Trace,
        _ => return Err("one of `OFF`, `ERROR`, `WARN`, `INFO`, `DEBUG`, `TRACE`"),
    })
}

pub(crate) fn boolean(s: &str) -> Parsed<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("`true` or `false`"),
    }
}

/// `--max-indexing-threads`: a positive number, or `unlimited` (the default).
pub(crate) fn threads(s: &str) -> Parsed<Option<usize>> {
    match s {
        "unlimited" => Ok(None),
        n => n.parse::<usize>().ok().filter(|n| *n > 0).map(Some).ok_or("a positive number of threads or `unlimited`"),
    }
}

/// `--experimental-logs-mode`: `human` or `json`; true for JSON.
pub(crate) fn logs_mode(s: &str) -> Parsed<bool> {
    match s.to_ascii_lowercase().as_str() {
        "human" => Ok(false),
        "json" => Ok(true),
        _ => Err("`human` or `json`"),
    }
}

/// `--schedule-snapshot`: `false` (none), `true` (daily) or seconds.
pub(crate) fn schedule(s: &str) -> Parsed<Option<u64>> {
    match s.to_ascii_lowercase().as_str() {
        "false" => Ok(None),
        "true" => Ok(Some(86_400)),
        n => n.parse::<u64>().ok().filter(|n| *n > 0).map(Some).ok_or("`false`, `true` or a number of seconds"),
    }
}

pub(crate) fn positive_integer(s: &str) -> Parsed<usize> {
    s.parse::<usize>().ok().filter(|n| *n > 0).ok_or("a positive integer")
}

/// A size in bytes: `1048576`, `100 MB`, `100MiB`, `2 GB`. Units are decimal
/// (kB = 1000) or binary (KiB = 1024), as Meilisearch reads them.
pub fn parse_byte_size(s: &str) -> Result<u64, &'static str> {
    const EXPECTED: &str = "a size such as `100 MB`, `1GiB` or a number of bytes";
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: f64 = number.parse().map_err(|_| EXPECTED)?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "mb" | "m" => 1_000_000,
        "gb" | "g" => 1_000_000_000,
        "tb" | "t" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return Err(EXPECTED),
    };
    let bytes = number * multiplier as f64;
    if bytes < 1.0 || !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(EXPECTED);
    }
    Ok(bytes as u64)
}

pub(crate) fn byte_size(s: &str) -> Parsed<u64> {
    parse_byte_size(s)
}

/// `500ms`, `5s`, `5m`, `2h`, or a bare number of seconds.
pub(crate) fn duration(s: &str) -> Parsed<std::time::Duration> {
    const EXPECTED: &str = "a duration such as `500ms`, `30s`, `5m` or `2h`";
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: f64 = number.parse().map_err(|_| EXPECTED)?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(EXPECTED),
    };
    std::time::Duration::try_from_secs_f64(seconds).map_err(|_| EXPECTED)
}

/// A comma-separated list of durations, at least one.
pub(crate) fn durations(s: &str) -> Parsed<Vec<std::time::Duration>> {
    let list: Vec<_> = s
        .split(',')
        .map(duration)
        .collect::<Result<_, _>>()
        .map_err(|_| "a comma-separated list of durations such as `0,5s,5m,30m`")?;
    if list.is_empty() {
        return Err("at least one duration");
    }
    Ok(list)
}

/// An absolute `http` or `https` URL, kept exactly as given.
pub(crate) fn webhook_url(s: &str) -> Parsed<Url> {
    const EXPECTED: &str = "an absolute http(s) URL such as `https://example.com/hook?token=abc`";
    let url = Url::parse(s).map_err(|_| EXPECTED)?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(EXPECTED);
    }
    Ok(url)
}

/// The shape of a Standard Webhooks secret; the webhook crate checks the rest.
pub(crate) fn signing_secret(s: &str) -> Parsed<String> {
    let body = s.strip_prefix("whsec_").unwrap_or("");
    let base64 = body.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if body.len() < 32 || !base64 {
        return Err("`whsec_` followed by the base64 of 24 to 64 random bytes");
    }
    Ok(s.to_owned())
}

/// `any`, or comma-separated CIDRs (`10.0.0.0/8,::1/128`) or addresses.
pub(crate) fn networks(s: &str) -> Parsed<String> {
    const EXPECTED: &str = "`any` or comma-separated CIDRs such as `10.0.0.0/8,fd00::/8`";
    if s.trim().eq_ignore_ascii_case("any") {
        return Ok(s.to_owned());
    }
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (addr, prefix) = item.split_once('/').unwrap_or((item, if item.contains(':') { "128" } else { "32" }));
        let addr: std::net::IpAddr = addr.parse().map_err(|_| EXPECTED)?;
        let prefix: u8 = prefix.parse().map_err(|_| EXPECTED)?;
        if prefix > if addr.is_ipv4() { 32 } else { 128 } {
            return Err(EXPECTED);
        }
    }
    Ok(s.to_owned())
}

/// A value that can be sent as an HTTP header value.
pub(crate) fn header_value(s: &str) -> Parsed<String> {
    let visible = s.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b));
    if s.is_empty() || !visible {
        return Err("a non-empty header value of visible ASCII characters");
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_byte_size("100 MB"), Ok(100_000_000));
        assert_eq!(parse_byte_size("100Mb"), Ok(100_000_000));
        assert_eq!(parse_byte_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_byte_size("2048"), Ok(2048));
        assert_eq!(parse_byte_size("1.5 kB"), Ok(1500));
        for bad in ["", "MB", "ten", "-5", "0", "5 parsecs"] {
            assert!(parse_byte_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn webhook_urls_are_kept_as_given() {
        let url = webhook_url("https://myproject.com/mywebhook?common=people").unwrap();
        assert_eq!(url.as_str(), "https://myproject.com/mywebhook?common=people");
        for bad in ["myproject.com/hook", "ftp://x.com", "http://", "not a url", "/relative"] {
            assert!(webhook_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn header_values_must_be_sendable() {
        assert!(header_value("Bearer abc").is_ok());
        assert!(header_value("a\r\nInjected: 1").is_err());
        assert!(header_value("").is_err());
    }

    #[test]
    fn small_parsers() {
        assert_eq!(socket_addr("127.0.0.1:7700").unwrap().port(), 7700);
        assert!(socket_addr("localhost").is_err());
        assert_eq!(log_level("warn"), Ok(LogLevel::Warn));
        assert!(log_level("loud").is_err());
        assert_eq!(positive_integer("3"), Ok(3));
        assert!(positive_integer("0").is_err());
        assert_eq!(env("production"), Ok(Env::Production));
        assert!(env("prod").is_err());
    }
}
