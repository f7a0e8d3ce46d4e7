//! W3C `tracestate`: vendor entries that travel with a trace.
//!
//! A header with a malformed member or more than 32 members is discarded whole: the spec
//! allows that (parsing `tracestate` may fail, and that never affects `traceparent`) and the
//! W3C test suite at its default strictness requires it; keeping the good members of a broken
//! list would forward state its owner never wrote. A repeated key keeps its first entry, the
//! most recent position (vendors move their entry to the left), and the rest of the list
//! still travels: the spec allows one entry per key and asks that a received `tracestate` be
//! passed on, and Level 2 of the W3C suite checks it (its Level 1 discarded the header).

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use super::list::{ListScanner, Piece, split_once_byte, trim_ows};

/// The most members a trace state holds.
const MAX_MEMBERS: usize = 32;
/// The longest key and the longest value.
const MAX_KEY_LEN: usize = 256;
const MAX_VALUE_LEN: usize = 256;
/// The longest tenant and system ids of a Level 1 `tenant@system` key, for the keys we write.
const MAX_TENANT_LEN: usize = 241;
const MAX_SYSTEM_LEN: usize = 14;
/// How many bytes of `tracestate` header values are read, all values together (with one byte
/// for the `,` that joins each value to the next): about twice what 32 members of the largest
/// size take (16 KiB). Input that goes on past it makes the whole trace state empty.
const MAX_SCAN_BYTES: usize = 32 * 1024;

/// The W3C `tracestate` of a context: an ordered list of at most 32 `key=value` members with
/// distinct keys, stored in its canonical header form (members joined by `,`, no
/// whitespace). Empty by default, which costs nothing; clones share the string.
///
/// The W3C codec reads it with [`parse`](Self::parse) and writes [`header`](Self::header);
/// a tracer adds its own entry with [`with_entry`](Self::with_entry). Other codecs leave it
/// alone.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct TraceState(Option<Arc<str>>);

impl TraceState {
    /// An empty trace state.
    pub const fn new() -> Self {
        Self(None)
    }

    /// Reads `tracestate` header values, in the order received, as if joined by `,`.
    ///
    /// Never fails: whitespace around members and empty members are ignored, and of a
    /// repeated key the first member is kept. A member with an invalid key or value, a 33rd
    /// member (repeats count), or input beyond 32 KiB makes the whole trace state empty.
    pub fn parse<'a>(header_values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut parser = TraceStateParser::default();
        for value in header_values {
            parser.push(value);
        }
        parser.finish()
    }

    fn from_header(header: String) -> Self {
        if header.is_empty() {
            Self(None)
        } else {
            Self(Some(header.into()))
        }
    }

    /// The header value, or `None` when empty (an empty `tracestate` is never sent).
    pub fn header(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members().count()
    }

    /// The members, in order, as `(key, value)`.
    pub fn members(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0.as_deref().into_iter().flat_map(canonical_members)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.members().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// This trace state with `key=value` as its first member: an older member with the same
    /// key is removed, and when that makes 33 members the last one is dropped.
    ///
    /// The key must be valid for both Level 1 and Level 2 receivers: a lower-case letter then
    /// up to 255 of `a-z 0-9 _ - * /`, or `tenant@system` with a tenant of 1 to 241 such
    /// characters (starting with a letter or digit) and a system of 1 to 14 (starting with a
    /// letter). The value is 1 to 256 printable ASCII characters other than `,` and `=`, not
    /// ending with a space.
    ///
    /// # Errors
    ///
    /// [`InvalidTraceStateEntry`] when the key or the value is not allowed.
    pub fn with_entry(&self, key: &str, value: &str) -> Result<Self, InvalidTraceStateEntry> {
        if !is_portable_key(key) {
            return Err(InvalidTraceStateEntry(Part::Key));
        }
        if !is_valid_value(value) {
            return Err(InvalidTraceStateEntry(Part::Value));
        }
        let old = self.header().unwrap_or("");
        let mut header = String::with_capacity(key.len() + 1 + value.len() + 1 + old.len());
        push_member(&mut header, key, value);
        for (k, v) in self
            .members()
            .filter(|(k, _)| *k != key)
            .take(MAX_MEMBERS - 1)
        {
            header.push(',');
            push_member(&mut header, k, v);
        }
        Ok(Self::from_header(header))
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TraceState")
            .field(&self.header().unwrap_or(""))
            .finish()
    }
}

/// A key or value that [`TraceState::with_entry`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidTraceStateEntry(Part);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Key,
    Value,
}

impl fmt::Display for InvalidTraceStateEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Part::Key => "invalid tracestate key",
            Part::Value => "invalid tracestate value",
        })
    }
}

impl Error for InvalidTraceStateEntry {}

/// Builds a [`TraceState`] from `tracestate` header values fed one at a time, with bounded
/// work: it stops at the first member that makes the trace state invalid (malformed or
/// 33rd) and at [`MAX_SCAN_BYTES`], and allocates only for the members it keeps. After that
/// the trace state is empty.
#[derive(Debug)]
pub(crate) struct TraceStateParser {
    header: String,
    /// A hash of each key kept, to find repeats without rescanning the header.
    key_hashes: [u64; MAX_MEMBERS],
    /// Members kept.
    members: usize,
    /// Members read, repeats included: the list's length as received.
    received: usize,
    scanner: ListScanner,
    /// Set by the first member that makes the whole trace state invalid; nothing more is read.
    invalid: bool,
}

impl Default for TraceStateParser {
    fn default() -> Self {
        Self {
            header: String::new(),
            key_hashes: [0; MAX_MEMBERS],
            members: 0,
            received: 0,
            scanner: ListScanner::new(MAX_SCAN_BYTES),
            invalid: false,
        }
    }
}

impl TraceStateParser {
    /// Reads one header value (the next in order).
    pub(crate) fn push(&mut self, value: &str) {
        if self.invalid {
            return;
        }
        for piece in self.scanner.pieces(value) {
            let Piece::Member(member) = piece else {
                // The input runs past the scan limit: too large to be valid.
                self.discard();
                return;
            };
            self.push_member(member);
            if self.invalid {
                return;
            }
        }
    }

    fn push_member(&mut self, piece: &str) {
        // Whitespace around a member is not part of it; a value keeps its leading spaces.
        let piece = trim_ows(piece);
        if piece.is_empty() {
            return; // empty and whitespace-only members are allowed
        }
        self.received += 1;
        let valid = split_once_byte(piece, b'=')
            .filter(|(key, value)| is_valid_key(key) && is_valid_value(value));
        let Some((key, value)) = valid.filter(|_| self.received <= MAX_MEMBERS) else {
            self.discard();
            return;
        };
        let hash = key_hash(key);
        if self.contains(key, hash) {
            return; // a repeated key: the first entry is kept
        }
        if self.header.is_empty() {
            self.header.reserve(piece.len() * 4);
        } else {
            self.header.push(',');
        }
        push_member(&mut self.header, key, value);
        self.key_hashes[self.members] = hash;
        self.members += 1;
    }

    fn discard(&mut self) {
        self.invalid = true;
        self.header.clear();
    }

    /// Whether `key` was already kept. Compares hashes first, and the keys themselves only
    /// when a hash matches.
    fn contains(&self, key: &str, hash: u64) -> bool {
        let seen = self.key_hashes.get(..self.members).unwrap_or_default();
        seen.contains(&hash) && canonical_members(&self.header).any(|(k, _)| k == key)
    }

    /// The trace state read so far.
    pub(crate) fn finish(self) -> TraceState {
        TraceState::from_header(self.header)
    }
}

/// FNV-1a: short keys, no allocation, good enough to rule repeats out.
fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn canonical_members(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header
        .split(',')
        .filter_map(|member| member.split_once('='))
}

fn push_member(header: &mut String, key: &str, value: &str) {
    header.push_str(key);
    header.push('=');
    header.push_str(value);
}

/// A key as read, by the current (Level 2) grammar: `(lcalpha / DIGIT) 0*255(keychar)` with
/// `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`: up to 256 characters, where `@`
/// is a key character like the others.
fn is_valid_key(key: &str) -> bool {
    key.len() <= MAX_KEY_LEN
        && first_byte_is(key, |b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && key.bytes().all(|byte| READ_KEY_CHARS[usize::from(byte)])
}

/// A key every receiver accepts: a Level 1 key (which is also a Level 2 key).
fn is_portable_key(key: &str) -> bool {
    match split_once_byte(key, b'@') {
        None => {
            key.len() <= MAX_KEY_LEN
                && first_byte_is(key, |b| b.is_ascii_lowercase())
                && is_simple(key)
        }
        Some(_) => is_vendor_key(key),
    }
}

/// `tenant@system`: one `@`, a tenant of 1 to 241 key characters starting with a letter or
/// digit, a system of 1 to 14 starting with a letter.
fn is_vendor_key(key: &str) -> bool {
    let Some((tenant, system)) = split_once_byte(key, b'@') else {
        return false;
    };
    tenant.len() <= MAX_TENANT_LEN
        && first_byte_is(tenant, |b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && is_simple(tenant)
        && system.len() <= MAX_SYSTEM_LEN
        && first_byte_is(system, |b| b.is_ascii_lowercase())
        && is_simple(system)
}

fn first_byte_is(s: &str, first: impl Fn(u8) -> bool) -> bool {
    s.bytes().next().is_some_and(first)
}

fn is_simple(s: &str) -> bool {
    s.bytes().all(|byte| KEY_CHARS[usize::from(byte)])
}

/// The characters of a simple key and of either part of a Level 1 `tenant@system` key:
/// `a-z 0-9 _ - * /`.
const KEY_CHARS: [bool; 256] = byte_set(b"abcdefghijklmnopqrstuvwxyz0123456789_-*/");

/// The characters of a key as read (Level 2): `a-z 0-9 _ - * / @`.
const READ_KEY_CHARS: [bool; 256] = byte_set(b"abcdefghijklmnopqrstuvwxyz0123456789_-*/@");

/// The characters of a value: 0x20–0x7E other than `,` and `=`.
const VALUE_CHARS: [bool; 256] = {
    let mut set = [false; 256];
    let mut byte = 0x20;
    while byte <= 0x7e {
        set[byte] = byte != b',' as usize && byte != b'=' as usize;
        byte += 1;
    }
    set
};

/// A table of which bytes are in `bytes`.
const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// A value: `0*255(chr) nblk-chr`, that is 1 to 256 characters in 0x20–0x7E other than `,`
/// and `=`, the last not a space.
fn is_valid_value(value: &str) -> bool {
    (1..=MAX_VALUE_LEN).contains(&value.len())
        && !value.ends_with(' ')
        && value.bytes().all(|byte| VALUE_CHARS[usize::from(byte)])
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn parse(values: &[&str]) -> Option<String> {
        TraceState::parse(values.iter().copied())
            .header()
            .map(str::to_owned)
    }

    /// `k{start}=v{start},…`, `n` members.
    fn members(n: usize, start: usize) -> String {
        (start..start + n)
            .map(|i| format!("k{i}=v{i}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// `bar{i:02}={i:02}` for `i` in `range`, as the W3C test suite writes them.
    fn bars(range: std::ops::RangeInclusive<usize>) -> String {
        range
            .map(|i| format!("bar{i:02}={i:02}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn parse_table() {
        // Key lengths (W3C test_tracestate_key_length_limit).
        let simple_256 = format!("{}=1", "z".repeat(256));
        let simple_257 = format!("{}=1", "z".repeat(257));
        let tenant_241 = format!("{}@{}=1", "t".repeat(241), "v".repeat(14));
        let tenant_242 = format!("{}@v=1", "t".repeat(242));
        let system_15 = format!("t@{}=1", "v".repeat(15));
        let at_256 = format!("{}@{}=1", "t".repeat(243), "v".repeat(12));
        let at_257 = format!("{}@{}=1", "t".repeat(243), "v".repeat(13));
        let foo_and = |member: &str| format!("foo=1,{member}");
        let (foo_simple_256, foo_tenant_241) = (foo_and(&simple_256), foo_and(&tenant_241));
        let (foo_tenant_242, foo_system_15) = (foo_and(&tenant_242), foo_and(&system_15));
        let foo_at_256 = foo_and(&at_256);
        // Value lengths.
        let value_256 = format!("foo={}", "v".repeat(256));
        let value_257 = format!("foo={}", "v".repeat(257));
        // Member count (W3C test_tracestate_member_count_limit): 10 + 10 + 10 + 2 or 3.
        let (bars_1, bars_11, bars_21) = (bars(1..=10), bars(11..=20), bars(21..=30));
        let (bars_31_32, bars_31_33) = (bars(31..=32), bars(31..=33));
        let bars_32 = bars(1..=32);
        let bars_32_and_empty = format!(",{bars_32}, ,\t,");
        // Every allowed character (W3C test_tracestate_all_allowed_characters).
        let all_key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
        let all_value: String = [0x20..=0x2b, 0x2d..=0x3c, 0x3e..=0x7e]
            .into_iter()
            .flatten()
            .map(char::from)
            .collect();
        let all_simple = format!("{all_key}={all_value}");
        let all_vendor = format!("{all_key}@a-z0-9_-*/={all_value}");
        let rows: &[(&[&str], Option<&str>)] = &[
            // Absent or empty headers: an empty trace state.
            (&[], None),
            (&[""], None),
            // Empty and whitespace-only members are allowed and ignored.
            (&[" , \t,,"], None),
            (&["foo=1,,bar=2, ,"], Some("foo=1,bar=2")),
            (&[",foo=1,", ",", "bar=2,"], Some("foo=1,bar=2")),
            // Several header values join in order, as if by `,`
            // (W3C test_tracestate_multiple_headers_different_keys, test_tracestate_empty_header).
            (
                &["foo=1,bar=2", "rojo=1,congo=2", "baz=3"],
                Some("foo=1,bar=2,rojo=1,congo=2,baz=3"),
            ),
            (&["", "foo=1"], Some("foo=1")),
            (&["foo=1", ""], Some("foo=1")),
            // Spaces and tabs around members are dropped, never sent on
            // (W3C test_tracestate_ows_handling).
            (
                &["foo=1 \t , \t bar=2, \t baz=3"],
                Some("foo=1,bar=2,baz=3"),
            ),
            (
                &["foo=1\t \t,\t \tbar=2,\t \tbaz=3"],
                Some("foo=1,bar=2,baz=3"),
            ),
            (&[" foo=1"], Some("foo=1")),
            (&["\tfoo=1"], Some("foo=1")),
            (&["foo=1 "], Some("foo=1")),
            (&["foo=1\t"], Some("foo=1")),
            (&["\t foo=1 \t"], Some("foo=1")),
            // A value keeps its leading spaces (Level 2); trailing spaces are whitespace.
            (&["foo=  1  "], Some("foo=  1")),
            // Every allowed key and value character, simple and vendor keys
            // (W3C test_tracestate_all_allowed_characters).
            (&[&all_simple], Some(&all_simple)),
            (&[&all_vendor], Some(&all_vendor)),
            // Simple keys: a lower-case letter or digit, then `a-z 0-9 _ - * /`.
            (&["a-z_0/9*=1,0abc=2"], Some("a-z_0/9*=1,0abc=2")),
            // A key with any other character discards everything, wherever the member is
            // (W3C test_tracestate_key_illegal_characters).
            (&["foo =1"], None),
            (&["FOO=1"], None),
            (&["foo.bar=1"], None),
            (&["FOO=1,bar=2"], None),
            (&["bar=2,fOO=1"], None),
            (&["bar=2,foo.bar=1"], None),
            (&["bar=2", "foo =1"], None),
            (&["foo.bar=1", "bar=2"], None),
            (&["_foo=1,bar=2"], None),
            (&["=1,bar=2"], None),
            (&["f\u{f6}o=1,bar=2"], None),
            // `@` is a key character like the others (Level 2: there is no `tenant@system`
            // split), but not the first one. The W3C suite's strict vendor-format test still
            // expects the Level 1 rules here; the current text wins.
            (&["0t@v=1,t@v0_-*/=2"], Some("0t@v=1,t@v0_-*/=2")),
            (&["foo@=1,bar=2"], Some("foo@=1,bar=2")),
            (&["foo@@bar=1,bar=2"], Some("foo@@bar=1,bar=2")),
            (&["foo@bar@baz=1,bar=2"], Some("foo@bar@baz=1,bar=2")),
            (&["bar=2,t@0v=1"], Some("bar=2,t@0v=1")),
            (&["bar=2,t@_v=1"], Some("bar=2,t@_v=1")),
            (&["@foo=1,bar=2"], None),
            (&["bar=2,@=1"], None),
            (&["bar=2,t@V=1"], None),
            // Key lengths: up to 256 characters, `@` or not; one too long discards the member
            // read before it (W3C test_tracestate_key_length_limit).
            (&["foo=1", &simple_256], Some(&foo_simple_256)),
            (&["foo=1", &simple_257], None),
            (&["foo=1", &tenant_241], Some(&foo_tenant_241)),
            (&["foo=1", &tenant_242], Some(&foo_tenant_242)),
            (&["foo=1", &system_15], Some(&foo_system_15)),
            (&["foo=1", &at_256], Some(&foo_at_256)),
            (&["foo=1", &at_257], None),
            // Values: 1 to 256 printable ASCII characters, no `,` or `=`
            // (W3C test_tracestate_value_illegal_characters).
            (&["foo=bar=baz"], None),
            (&["foo=,bar=3"], None),
            (&["bar=3,foo="], None),
            (&["foo=a\tb,bar=3"], None),
            (&["foo=a\u{7f},bar=3"], None),
            (&["foo=\u{e9},bar=3"], None),
            (&[&value_256], Some(&value_256)),
            (&["bar=3", &value_257], None),
            // No `=`: malformed.
            (&["foo,bar=3"], None),
            (&["bar=3", "foo"], None),
            // Repeated keys, in one header or across several: the first entry is kept, the
            // rest of the list travels (W3C test_tracestate_duplicated_keys, Level 2).
            (&["foo=1,foo=1"], Some("foo=1")),
            (&["foo=1,foo=2"], Some("foo=1")),
            (&["foo=1", "foo=1"], Some("foo=1")),
            (&["foo=1", "foo=2"], Some("foo=1")),
            (&["foo=1,bar=2", "baz=3,bar=4"], Some("foo=1,bar=2,baz=3")),
            // A repeat is still a member of the list as received: it counts towards 32.
            (&[&bars_32, "bar01=x"], None),
            // Keys differing in the tenant or the system are different keys.
            (&["t@v=1,t@w=2,u@v=3,t=4"], Some("t@v=1,t@w=2,u@v=3,t=4")),
            // At most 32 members, across header lines; empty members do not count
            // (W3C test_tracestate_member_count_limit).
            (&[&bars_1, &bars_11, &bars_21, &bars_31_32], Some(&bars_32)),
            (&[&bars_1, &bars_11, &bars_21, &bars_31_33], None),
            (&[&bars_32_and_empty], Some(&bars_32)),
        ];
        for (values, expected) in rows {
            assert_eq!(parse(values).as_deref(), *expected, "{values:?}");
        }
    }

    #[test]
    fn discards_more_than_32_members() {
        // 32 members across several headers: all kept.
        let all = members(32, 1);
        let parts: Vec<String> = (0..4).map(|i| members(8, 8 * i + 1)).collect();
        let state = TraceState::parse(parts.iter().map(String::as_str));
        assert_eq!(state.header(), Some(all.as_str()));
        assert_eq!(state.len(), 32);
        // 33, in one header or across several: nothing is kept.
        assert!(TraceState::parse([members(33, 1).as_str()]).is_empty());
        assert!(TraceState::parse([all.as_str(), "k33=v33"]).is_empty());
        // Also when an earlier member is malformed.
        assert!(TraceState::parse(["BAD=1,", &members(33, 1)]).is_empty());
    }

    #[test]
    fn keeps_the_largest_valid_trace_state() {
        // 32 members with 256-character keys and values: about 16 KiB, within the scan limit.
        let largest = (0..MAX_MEMBERS)
            .map(|i| format!("{i:02}{}={}", "k".repeat(254), "v".repeat(256)))
            .collect::<Vec<_>>()
            .join(",");
        let state = TraceState::parse([largest.as_str()]);
        assert_eq!(state.header(), Some(largest.as_str()));
        // With whitespace around every member, still within it.
        let spaced = largest.replace(',', " \t , \t ");
        assert!(spaced.len() < MAX_SCAN_BYTES);
        assert_eq!(TraceState::parse([spaced.as_str()]), state);
    }

    #[test]
    fn bounds_work_on_huge_headers() {
        // 64 KiB of garbage, then a valid member: nothing is kept.
        let garbage = "x".repeat(64 * 1024);
        assert!(TraceState::parse([garbage.as_str(), "foo=1"]).is_empty());
        let mixed = format!("foo=1,{garbage},bar=2");
        assert!(TraceState::parse([mixed.as_str()]).is_empty());
        // Whitespace counts too: input past the limit is too large, even if it is all valid.
        let spaces = format!("{},bar=2", " ".repeat(64 * 1024));
        assert!(TraceState::parse([spaces.as_str()]).is_empty());
        let empty_members = format!("foo=1{}", ",".repeat(64 * 1024));
        assert!(TraceState::parse([empty_members.as_str()]).is_empty());
        // Many valid members: reading stops at the 33rd, which discards the rest.
        let many = members(5000, 0);
        assert!(TraceState::parse([many.as_str()]).is_empty());
        // A member cut by the limit discards the whole state; nothing is truncated.
        let filler = format!("a={}", "b".repeat(MAX_SCAN_BYTES - 8));
        let cut = format!("{filler},cc=123456");
        assert!(TraceState::parse([cut.as_str()]).is_empty());
        // Multi-byte characters at the cut do not panic.
        let wide = format!("a{}", "\u{e9}".repeat(MAX_SCAN_BYTES));
        assert!(TraceState::parse([wide.as_str()]).is_empty());
    }

    #[test]
    fn scan_limit_is_exact() {
        // `a=1` padded with spaces to `len` bytes.
        let padded = |len: usize| format!("a=1{}", " ".repeat(len - 3));
        let read = |values: &[&str]| TraceState::parse(values.iter().copied());
        // One value: up to MAX_SCAN_BYTES bytes are read.
        assert_eq!(read(&[&padded(MAX_SCAN_BYTES)]).header(), Some("a=1"));
        assert!(read(&[&padded(MAX_SCAN_BYTES + 1)]).is_empty());
        // Several values: the `,` joining them counts.
        let first = padded(MAX_SCAN_BYTES - 4);
        assert_eq!(read(&[&first, "b=2"]).header(), Some("a=1,b=2"));
        assert!(read(&[&first, "b=22"]).is_empty());
        // An empty value past the limit adds nothing.
        assert_eq!(read(&[&padded(MAX_SCAN_BYTES), ""]).header(), Some("a=1"));
        assert!(read(&[&padded(MAX_SCAN_BYTES), " "]).is_empty());
    }

    #[test]
    fn with_entry_puts_ours_first() {
        let state = TraceState::parse(["rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"]);
        // A new key goes to the left.
        let ours = state.with_entry("ours", "1").unwrap();
        assert_eq!(
            ours.header(),
            Some("ours=1,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        );
        // An updated key moves to the left; the others keep their order.
        let updated = state.with_entry("congo", "ucfJifl5GOE").unwrap();
        assert_eq!(
            updated.header(),
            Some("congo=ucfJifl5GOE,rojo=00f067aa0ba902b7")
        );
        // The original is unchanged.
        assert_eq!(state.len(), 2);
        // From empty.
        let single = TraceState::new().with_entry("a", " leading").unwrap();
        assert_eq!(single.header(), Some("a= leading"));
        assert_eq!(single.get("a"), Some(" leading"));
    }

    #[test]
    fn with_entry_drops_the_last_member_when_full() {
        let full = TraceState::parse([members(32, 1).as_str()]);
        let added = full.with_entry("new", "x").unwrap();
        assert_eq!(added.len(), 32);
        assert_eq!(added.members().next(), Some(("new", "x")));
        assert_eq!(added.get("k32"), None);
        assert_eq!(added.get("k31"), Some("v31"));
        // Updating a present key needs no drop.
        let updated = full.with_entry("k32", "x").unwrap();
        assert_eq!(updated.len(), 32);
        assert_eq!(updated.members().next(), Some(("k32", "x")));
        assert_eq!(updated.get("k1"), Some("v1"));
    }

    #[test]
    fn with_entry_validates() {
        let bad_key = Err(InvalidTraceStateEntry(Part::Key));
        let bad_value = Err(InvalidTraceStateEntry(Part::Value));
        let empty = TraceState::new();
        let tenant_241 = format!("{}@{}", "t".repeat(241), "v".repeat(14));
        let simple_256 = "k".repeat(256);
        for key in ["k", "k0_-*/", "0t@v", "t@v", &tenant_241, &simple_256] {
            assert!(empty.with_entry(key, "v").is_ok(), "{key:?}");
        }
        let rows: &[(&str, &str)] = &[
            // Keys that some receiver rejects.
            ("", "v"),
            ("Foo", "v"),
            ("0abc", "v"),  // Level 1: a simple key starts with a letter
            ("a@b@c", "v"), // one `@`
            ("t@", "v"),
            ("@v", "v"),
            ("t@1v", "v"), // the system id starts with a letter
            ("foo bar", "v"),
        ];
        for (key, value) in rows {
            assert_eq!(empty.with_entry(key, value), bad_key, "{key:?}");
        }
        assert_eq!(empty.with_entry(&"k".repeat(257), "v"), bad_key);
        assert_eq!(
            empty.with_entry(&format!("{}@v", "t".repeat(242)), "v"),
            bad_key
        );
        assert_eq!(
            empty.with_entry(&format!("t@{}", "v".repeat(15)), "v"),
            bad_key
        );
        for value in ["", "a,b", "a=b", "a ", "a\tb", "\u{e9}", "\u{7f}"] {
            assert_eq!(empty.with_entry("k", value), bad_value, "{value:?}");
        }
        assert_eq!(empty.with_entry("k", &"v".repeat(257)), bad_value);
        assert!(empty.with_entry("k", &"v".repeat(256)).is_ok());
        let error = InvalidTraceStateEntry(Part::Value);
        assert_eq!(error.to_string(), "invalid tracestate value");
    }

    #[test]
    fn what_we_write_we_read() {
        // Every key `with_entry` accepts is read back.
        let state = TraceState::new()
            .with_entry("t@v", "1")
            .and_then(|s| s.with_entry("k0_-*/", " 2"))
            .unwrap();
        assert_eq!(TraceState::parse(state.header()), state);
    }

    /// Valid keys as read (Level 2): a letter or digit, then key characters, `@` among them.
    const KEY: &str = "[a-z0-9][a-z0-9_*/@-]{0,16}";
    /// Valid values: printable ASCII but `,` and `=`, not ending with a space.
    const VALUE: &str = "[ -+--<>-~]{0,8}[!-+--<>-~]";
    /// Optional whitespace.
    const OWS: &str = "[ \t]{0,2}";

    /// Members that are malformed whatever surrounds them.
    fn malformed_member() -> impl Strategy<Value = String> {
        prop_oneof![
            // Keys: a bad first character (`@` included), an upper-case or other character,
            // too long (with or without `@`).
            "@[a-z@]{0,4}=1",
            // (Not a space: one at the start would be whitespace around the member.)
            "[a-z]{0,3}[A-Z.:;\"é][a-z@]{0,3}=1",
            "[_*/-][a-z]{0,3}=1",
            "[a-z]{257}=1",
            "[a-z]{242}@[a-z]{14}=1",
            // Values: empty, with `=`, `,`-free but not printable ASCII, too long.
            "[a-z]{1,4}=",
            "[a-z]{1,4}=[a-z]{0,3}=[a-z]{0,3}",
            "[a-z]{1,4}=[a-z]{0,3}[\t\u{7f}é\u{0}][a-z]{0,3}[a-z]",
            "[a-z]{1,4}=[a-z]{257}",
            // No `=`.
            "[a-z]{1,6}",
        ]
    }

    /// Distinct valid members (0 to 32) and their canonical header.
    fn valid_members() -> impl Strategy<Value = (Vec<String>, String)> {
        proptest::collection::btree_map(KEY, VALUE, 0..=MAX_MEMBERS).prop_map(|items| {
            let members: Vec<String> = items.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let header = members.join(",");
            (members, header)
        })
    }

    /// `members` laid out as header values: each with whitespace around it, empty members
    /// between some, split into several values at some commas.
    fn lay_out(members: &[String], layout: &[(String, String, u8)]) -> Vec<String> {
        let mut values = vec![String::new()];
        for (member, (before, after, separator)) in members.iter().zip(layout.iter().cycle()) {
            let value = values.last_mut().expect("one value");
            value.push_str(before);
            value.push_str(member);
            value.push_str(after);
            match separator % 4 {
                0 => values.push(String::new()),
                1 => value.push_str(", \t,"),
                _ => value.push(','),
            }
        }
        values
    }

    fn layout() -> impl Strategy<Value = Vec<(String, String, u8)>> {
        proptest::collection::vec((OWS, OWS, any::<u8>()), 1..8)
    }

    proptest! {
        #[test]
        fn parse_never_panics(values in proptest::collection::vec(any::<String>(), 0..4)) {
            let _ = TraceState::parse(values.iter().map(String::as_str));
        }

        #[test]
        fn parse_yields_a_canonical_state(
            values in proptest::collection::vec("([ \t]*[a-zA-Z0-9@._ -]{0,6}=?[ -~]{0,6}[ \t]*,?){0,40}", 0..3),
        ) {
            let state = TraceState::parse(values.iter().map(String::as_str));
            prop_assert!(state.len() <= MAX_MEMBERS);
            let mut keys = std::collections::HashSet::new();
            for (key, value) in state.members() {
                prop_assert!(is_valid_key(key) && is_valid_value(value), "{key:?}={value:?}");
                prop_assert!(keys.insert(key), "repeated {key:?}");
            }
            // Reading our own header gives the same state.
            prop_assert_eq!(TraceState::parse(state.header()), state);
        }

        #[test]
        fn canonical_headers_round_trip((members, header) in valid_members()) {
            let state = TraceState::parse([header.as_str()]);
            prop_assert_eq!(state.header().unwrap_or(""), header.as_str());
            prop_assert_eq!(state.len(), members.len());
        }

        #[test]
        fn valid_lists_are_kept_whatever_the_layout(
            (members, header) in valid_members(),
            layout in layout(),
        ) {
            let values = lay_out(&members, &layout);
            let state = TraceState::parse(values.iter().map(String::as_str));
            prop_assert_eq!(state.header().unwrap_or(""), header.as_str(), "{:?}", values);
        }

        #[test]
        fn one_malformed_member_discards_all(
            (mut members, _) in valid_members(),
            bad in malformed_member(),
            at: prop::sample::Index,
            layout in layout(),
        ) {
            let at = at.index(members.len() + 1);
            members.insert(at, bad);
            let values = lay_out(&members, &layout);
            let state = TraceState::parse(values.iter().map(String::as_str));
            prop_assert!(state.is_empty(), "{:?} gave {:?}", values, state);
        }

        #[test]
        fn a_repeated_key_keeps_its_first_entry(
            (mut members, _) in valid_members()
                .prop_filter("room for a repeat", |(m, _)| (1..MAX_MEMBERS).contains(&m.len())),
            which: prop::sample::Index,
            at: prop::sample::Index,
            value in VALUE,
            layout in layout(),
        ) {
            let key = members[which.index(members.len())].split_once('=').expect("key=value").0;
            let repeated = format!("{key}={value}");
            let at = at.index(members.len() + 1);
            members.insert(at, repeated);
            let mut keys = std::collections::HashSet::new();
            let expected: Vec<&str> = members
                .iter()
                .map(String::as_str)
                .filter(|member| keys.insert(member.split_once('=').expect("key=value").0))
                .collect();
            let values = lay_out(&members, &layout);
            let state = TraceState::parse(values.iter().map(String::as_str));
            let expected = expected.join(",");
            prop_assert_eq!(state.header(), Some(expected.as_str()));
        }
    }
}
