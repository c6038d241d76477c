//! The private-network guard: webhooks may not reach loopback, private,
//! link-local, unique-local, shared (CGNAT) or metadata addresses unless an
//! allow-list says so.
//!
//! The check runs on the addresses a name **resolves to, when connecting**:
//! [`GuardedResolver`] resolves the host and hands the connector only allowed
//! addresses, so a name cannot pass the check and then resolve elsewhere
//! (DNS rebinding). URLs with a literal IP skip resolution, so
//! [`NetworkGuard::check_url`] covers them before the request is made.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;
use url::{Host, Url};

/// An IP network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    addr: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// `10.0.0.0/8`, `::1/128`, or a bare address (a single host).
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => {
                let a = s.trim().parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    const BLOCKED: &[&str] = &[
        "0.0.0.0/8",      // "this" network
        "10.0.0.0/8",     // private
        "100.64.0.0/10",  // shared address space (CGNAT)
        "127.0.0.0/8",    // loopback
        "169.254.0.0/16", // link-local, including 169.254.169.254 (cloud metadata)
        "172.16.0.0/12",  // private
        "192.0.0.0/24",   // IETF protocol assignments
        "192.168.0.0/16", // private
        "198.18.0.0/15",  // benchmarking
        "224.0.0.0/4",    // multicast
        "240.0.0.0/4",    // reserved, broadcast
        "::/128",         // unspecified
        "::1/128",        // loopback
        "fc00::/7",       // unique-local, including fd00:ec2::254 (cloud metadata)
        "fe80::/10",      // link-local
        "ff00::/8",       // multicast
    ];
    let ip = canonical(ip);
    !BLOCKED.iter().filter_map(|n| IpNetwork::parse(n)).any(|n| n.contains(ip))
}

/// Which non-public addresses webhooks may still reach.
#[derive(Debug, Clone, Default)]
pub struct NetworkGuard {
    allow_any: bool,
    allowed: Vec<IpNetwork>,
}

impl NetworkGuard {
    /// Everything allowed: no guard.
    pub fn allow_any() -> Self {
        Self { allow_any: true, allowed: Vec::new() }
    }

    /// From `any` or a comma-separated list of CIDRs; `Err` names the bad item.
    pub fn parse(list: &str) -> Result<Self, String> {
        if list.trim().eq_ignore_ascii_case("any") {
            return Ok(Self::allow_any());
        }
        let allowed = list
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| IpNetwork::parse(s).ok_or_else(|| s.trim().to_owned()))
            .collect::<Result<_, _>>()?;
        Ok(Self { allow_any: false, allowed })
    }

    /// Also allows `network`.
    pub fn with(mut self, network: IpNetwork) -> Self {
        self.allowed.push(network);
        self
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow_any || is_public(ip) || self.allowed.iter().any(|n| n.contains(ip))
    }

    /// Refuses a URL whose host is a literal address that is not allowed.
    pub fn check_url(&self, url: &Url) -> io::Result<()> {
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        if self.allows(ip) {
            Ok(())
        } else {
            Err(refused(&ip.to_string()))
        }
    }
}

fn refused(target: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{target} is a private, loopback or link-local address: refused by the network guard (see --experimental-allowed-ip-networks)"),
    )
}

/// A DNS resolver for hyper's connector that drops addresses the guard refuses.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver {
    pub guard: Arc<NetworkGuard>,
}

type Resolving = Pin<Box<dyn Future<Output = io::Result<std::vec::IntoIter<SocketAddr>>> + Send>>;

impl tower_service::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let guard = Arc::clone(&self.guard);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs.iter().copied().filter(|a| guard.allows(a.ip())).collect();
            if allowed.is_empty() && !addrs.is_empty() {
                return Err(refused(&format!("{host} resolves to {}, which", addrs[0].ip())));
            }
            Ok(allowed.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for blocked in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
        ] {
            assert!(!is_public(ip(blocked)), "{blocked}");
        }
        for public in ["1.1.1.1", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn the_allow_list() {
        let guard = NetworkGuard::parse("127.0.0.0/8, ::1/128").unwrap();
        assert!(guard.allows(ip("127.0.0.1")) && guard.allows(ip("::1")) && guard.allows(ip("1.1.1.1")));
        assert!(!guard.allows(ip("10.0.0.1")));
        assert!(NetworkGuard::parse("any").unwrap().allows(ip("10.0.0.1")));
        assert_eq!(NetworkGuard::parse("10.0.0.0/33").unwrap_err(), "10.0.0.0/33");
        assert_eq!(NetworkGuard::parse("nope").unwrap_err(), "nope");
        assert!(NetworkGuard::default().check_url(&"http://127.0.0.1:1/x".parse().unwrap()).is_err());
        assert!(NetworkGuard::default().check_url(&"http://[::1]:1/x".parse().unwrap()).is_err());
        assert!(
            NetworkGuard::default().check_url(&"http://example.com/x".parse().unwrap()).is_ok(),
            "names are checked when resolved"
        );
    }
}
