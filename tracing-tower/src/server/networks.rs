//! The networks whose callers' context the server layer trusts.

use std::error::Error;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

/// Networks, as CIDR blocks, whose callers' context the server layer continues
/// ([`InboundContext::TrustFrom`](super::InboundContext::TrustFrom)). An IPv4 address
/// written as IPv6 (`::ffff:10.0.0.1`) is matched as IPv4.
///
/// ```
/// use tracing_tower::TrustedNetworks;
///
/// let mesh = TrustedNetworks::parse(["10.0.0.0/8", "fd00::/8"]).unwrap();
/// assert!(mesh.contains("10.1.2.3".parse().unwrap()));
/// assert!(mesh.contains("::ffff:10.1.2.3".parse().unwrap()));
/// assert!(!mesh.contains("203.0.113.9".parse().unwrap()));
/// assert!(TrustedNetworks::parse(["10.0.0.0/33"]).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TrustedNetworks {
    networks: Arc<[IpNet]>,
}

impl TrustedNetworks {
    /// Loopback (`127.0.0.0/8`, `::1/128`) and the private ranges: `10.0.0.0/8`,
    /// `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918) and `fc00::/7` (unique local IPv6).
    pub fn private() -> Self {
        Self::parse([
            "127.0.0.0/8",
            "::1/128",
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "fc00::/7",
        ])
        .expect("the private ranges are valid CIDR blocks")
    }

    /// The networks written as CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`); a bare address
    /// is a network of one.
    ///
    /// # Errors
    ///
    /// [`InvalidNetwork`], naming the first text that is neither.
    pub fn parse<I>(networks: I) -> Result<Self, InvalidNetwork>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let networks = networks
            .into_iter()
            .map(|text| {
                let text = text.as_ref();
                text.parse::<IpNet>()
                    .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| InvalidNetwork(text.to_owned()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { networks })
    }

    /// Whether `addr` is in one of the networks.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.networks.iter().any(|network| network.contains(&addr))
    }
}

/// A network that is not a CIDR block or an address, from [`TrustedNetworks::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidNetwork(String);

impl fmt::Display for InvalidNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a CIDR block or an IP address: {:?}", self.0)
    }
}

impl Error for InvalidNetwork {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_private_preset_is_loopback_and_the_private_ranges() {
        let private = TrustedNetworks::private();
        for inside in [
            "127.0.0.1",
            "127.255.0.9",
            "::1",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "fd12::1",
            "::ffff:192.168.1.1",
        ] {
            assert!(private.contains(ip(inside)), "{inside}");
        }
        for outside in [
            "8.8.8.8",
            "172.32.0.1",
            "192.169.0.1",
            "11.0.0.1",
            "2001:db8::1",
            "::ffff:8.8.8.8",
            "::2",
        ] {
            assert!(!private.contains(ip(outside)), "{outside}");
        }
    }

    #[test]
    fn addresses_are_networks_of_one_and_bad_text_is_named() {
        let one = TrustedNetworks::parse(["192.0.2.7"]).unwrap();
        assert!(one.contains(ip("192.0.2.7")));
        assert!(!one.contains(ip("192.0.2.8")));
        assert!(!TrustedNetworks::default().contains(ip("127.0.0.1")));
        let error = TrustedNetworks::parse(["10.0.0.0/8", "intranet"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "not a CIDR block or an IP address: \"intranet\""
        );
    }
}
