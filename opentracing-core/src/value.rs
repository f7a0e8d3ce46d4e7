//! Typed values of tags and log fields.

use std::borrow::Cow;
use std::fmt;

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
    }

    #[test]
    fn display_is_the_wire_form() {
        assert_eq!(Value::from(true).to_string(), "true");
        assert_eq!(Value::from(-3).to_string(), "-3");
        assert_eq!(Value::from(f64::NAN).to_string(), "NaN");
    }
}
