//! Which hosts a client sends trace headers and baggage to.

use std::sync::Arc;

/// The hosts that receive a client span's trace headers and baggage: every host by default.
///
/// Trace headers tell a third party your trace ids, and baggage may carry whatever your
/// services put in it (tenant and user ids, feature flags). A client that calls APIs
/// outside your system can list the hosts inside it: calls to any other host still get a
/// client span, but no header is added.
///
/// The list is checked for the request the layer sees. Redirects followed below the layer
/// carry its headers on to wherever they point, listed or not: reqwest follows redirects
/// itself (and drops only credentials on the way to another host), so with a list give it a
/// redirect policy that stops at other hosts; with tower-http's `FollowRedirect`, put it
/// outside the client layer, so that each hop comes through the layer and is checked.
///
/// ```
/// use tracing_tower::PropagationTargets;
///
/// let ours = PropagationTargets::none().host("billing").domain("svc.cluster.local");
/// assert!(ours.allows(Some("billing")));
/// assert!(ours.allows(Some("cart.shop.svc.cluster.local")));
/// assert!(ours.allows(Some("svc.cluster.local.")));
/// assert!(!ours.allows(Some("api.stripe.com")));
/// assert!(!ours.allows(Some("evilsvc.cluster.local")));
/// assert!(!ours.allows(None)); // no host: not listed
/// assert!(PropagationTargets::all().allows(Some("api.stripe.com")));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PropagationTargets {
    /// `None` for every host.
    listed: Option<Arc<[Target]>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Target {
    /// This host name or address.
    Host(Box<str>),
    /// This domain and every name under it.
    Domain(Box<str>),
}

impl PropagationTargets {
    /// Every host (the default).
    pub fn all() -> Self {
        Self::default()
    }

    /// No host, until some are added with [`host`](Self::host) and
    /// [`domain`](Self::domain).
    pub fn none() -> Self {
        Self {
            listed: Some(Arc::new([])),
        }
    }

    /// Adds a host, by name or address (`billing`, `10.0.0.7`, `::1`), compared without
    /// regard to case.
    pub fn host(self, host: impl AsRef<str>) -> Self {
        self.with(Target::Host(trimmed(host.as_ref()).into()))
    }

    /// Adds a domain and every name under it: `example.com` lists `example.com` and
    /// `api.example.com`, not `badexample.com`.
    pub fn domain(self, domain: impl AsRef<str>) -> Self {
        let domain = trimmed(domain.as_ref()).trim_start_matches('.');
        self.with(Target::Domain(domain.into()))
    }

    fn with(self, target: Target) -> Self {
        let mut listed = self.listed.as_deref().unwrap_or_default().to_vec();
        listed.push(target);
        Self {
            listed: Some(listed.into()),
        }
    }

    /// Whether a request to `host` (as in its URL, `None` when it has none) gets trace
    /// headers.
    pub fn allows(&self, host: Option<&str>) -> bool {
        let Some(listed) = &self.listed else {
            return true;
        };
        let Some(host) = host else { return false };
        let host = trimmed(host).as_bytes();
        listed.iter().any(|target| match target {
            Target::Host(name) => host.eq_ignore_ascii_case(name.as_bytes()),
            Target::Domain(domain) => {
                let Some(split) = host.len().checked_sub(domain.len()) else {
                    return false;
                };
                let (rest, tail) = host.split_at(split);
                tail.eq_ignore_ascii_case(domain.as_bytes())
                    && (rest.is_empty() || rest.ends_with(b"."))
            }
        })
    }
}

/// A host without IPv6 brackets or a trailing dot.
fn trimmed(host: &str) -> &str {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.strip_suffix('.').unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_whole_and_without_regard_to_case() {
        let targets = PropagationTargets::none()
            .host("Billing")
            .host("10.0.0.7")
            .host("[::1]");
        for allowed in ["billing", "BILLING", "billing.", "10.0.0.7", "::1", "[::1]"] {
            assert!(targets.allows(Some(allowed)), "{allowed}");
        }
        for denied in ["billing2", "api.billing", "10.0.0.70", "::2", ""] {
            assert!(!targets.allows(Some(denied)), "{denied}");
        }
    }

    #[test]
    fn domains_match_themselves_and_names_under_them() {
        let targets = PropagationTargets::none().domain(".Example.com");
        for allowed in ["example.com", "api.example.com", "a.b.EXAMPLE.com."] {
            assert!(targets.allows(Some(allowed)), "{allowed}");
        }
        for denied in ["badexample.com", "example.com.evil", "com", "example.co"] {
            assert!(!targets.allows(Some(denied)), "{denied}");
        }
        assert!(!PropagationTargets::none().allows(Some("example.com")));
    }
}
