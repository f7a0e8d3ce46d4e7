//! Typed values of tags and log fields.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

/// The value of a tag or a log field: a string, a bool, an integer or a float.
///
/// Conversions exist from the usual Rust types, so `span.set_tag("http.status_code", 200)`
/// and `span.set_tag("error", true)` just work.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A string. Static strings are stored without allocating.
    String(Cow<'static, str>),
    /// A boolean, such as the `error` tag.
    Bool(bool),
    /// A signed integer, such as `http.status_code`.
    I64(i64),
    /// A float. NaN and infinities are kept as given; reporters decide how to encode them.
    F64(f64),
}

impl Value {
    /// The string, if this is a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, if this is a bool value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is an integer value.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::I64(i) => Some(*i),
            _ => None,
        }
    }

    /// The float, if this is a float value.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::F64(f) => Some(*f),
            _ => None,
        }
    }
}

/// Strings as written by Zipkin and most backends: bools as `true`/`false`, numbers in decimal.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => f.write_str(s),
            Self::Bool(b) => fmt::Display::fmt(b, f),
            Self::I64(i) => fmt::Display::fmt(i, f),
            Self::F64(x) => fmt::Display::fmt(x, f),
        }
    }
}

impl From<&'static str> for Value {
    fn from(s: &'static str) -> Self {
        Self::String(Cow::Borrowed(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::String(Cow::Owned(s))
    }
}

impl From<Cow<'static, str>> for Value {
    fn from(s: Cow<'static, str>) -> Self {
        Self::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Self::F64(x)
    }
}

impl From<f32> for Value {
    fn from(x: f32) -> Self {
        Self::F64(x.into())
    }
}

/// An address as `peer.ipv4` and `peer.ipv6` hold it: the text of [`IpAddr`]'s `Display`
/// (dotted decimal, or RFC 5952 for IPv6).
impl From<IpAddr> for Value {
    fn from(ip: IpAddr) -> Self {
        Self::String(Cow::Owned(ip.to_string()))
    }
}

macro_rules! from_lossless_int {
    ($($int:ty),*) => {$(
        impl From<$int> for Value {
            fn from(i: $int) -> Self {
                Self::I64(i.into())
            }
        }
    )*};
}
from_lossless_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_wide_int {
    ($($int:ty),*) => {$(
        /// An integer; one beyond `i64` (which OTLP and Zipkin carry) is kept exactly as
        /// its decimal text.
        impl From<$int> for Value {
            fn from(i: $int) -> Self {
                i64::try_from(i).map_or_else(|_| Self::String(i.to_string().into()), Self::I64)
            }
        }
    )*};
}
from_wide_int!(u64, usize, isize, i128, u128);

/// A copy of a borrowed `String` (a `&str` of any other lifetime: `.to_owned()`; a
/// `&'static str` is kept without copying).
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Self::String(Cow::Owned(s.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_keep_the_type() {
        assert_eq!(Value::from(200u16).as_i64(), Some(200));
        assert_eq!(Value::from(true).as_bool(), Some(true));
        assert_eq!(Value::from("GET").as_str(), Some("GET"));
        assert_eq!(Value::from(String::from("x")).as_str(), Some("x"));
        assert_eq!(Value::from(0.5f32).as_f64(), Some(0.5));
        assert_eq!(Value::from(1).as_str(), None);
        assert_eq!(Value::from(7u64).as_i64(), Some(7));
        assert_eq!(Value::from(7usize).as_i64(), Some(7));
        assert_eq!(Value::from(u64::MAX).as_str(), Some("18446744073709551615"));
        assert_eq!(
            Value::from(i128::MIN).as_str(),
            Some(&*i128::MIN.to_string())
        );
        let name = String::from("alice");
        assert_eq!(Value::from(&name).as_str(), Some("alice"));
    }

    #[test]
    fn addresses_are_their_display_text() {
        // Every octet value in every position.
        for octet in 0..=255u8 {
            for at in 0..4 {
                let mut octets = [7; 4];
                octets[at] = octet;
                let ip = IpAddr::from(octets);
                assert_eq!(Value::from(ip).as_str(), Some(&*ip.to_string()));
            }
        }
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(Value::from(ip).as_str(), Some("2001:db8::1"));
    }

    #[test]
    fn display_is_the_wire_form() {
        assert_eq!(Value::from(true).to_string(), "true");
        assert_eq!(Value::from(-3).to_string(), "-3");
        assert_eq!(Value::from(f64::NAN).to_string(), "NaN");
    }
}
