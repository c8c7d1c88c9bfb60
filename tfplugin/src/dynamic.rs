//! A value of the Terraform language without a Rust type of its own: what a `DynamicValue`
//! decodes to before it becomes a resource's model (see [`crate::serde_tree`]), and what a
//! model becomes before it is encoded.
//!
//! The tree knows null and unknown at every depth. Collections keep their elements in order
//! (`List` holds lists, sets and tuples; `Map` holds maps and objects): the type that drives
//! the codecs says which. A value read from a `dynamic` position keeps the type it came with
//! ([`Dynamic::Typed`]), so that it is written back exactly.

use std::collections::BTreeMap;
use std::fmt;

use crate::types::Type;

/// A number of the Terraform language. Terraform's numbers have arbitrary precision; those
/// that fit neither 64-bit integer nor a 64-bit float travel as decimal strings.
#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer above `i64::MAX`.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// A decimal number too large or too precise for the others, as written.
    Big(String),
}

impl Number {
    /// Whether `text` is a decimal number as Terraform writes one (`-12`, `3.5`, `1e400`).
    pub fn is_decimal(text: &str) -> bool {
        let body = text.strip_prefix('-').unwrap_or(text);
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let (whole, fraction) = match mantissa.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (mantissa, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let exponent_ok = exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            digits(e)
        });
        digits(whole) && fraction.is_none_or(digits) && exponent_ok
    }

    /// The number as an `f64`, rounded when it does not fit exactly.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Number::Int(i) => Some(*i as f64),
            Number::UInt(u) => Some(*u as f64),
            Number::Float(f) => Some(*f),
            Number::Big(text) => text.parse().ok(),
        }
    }

    /// The number as an `i64` when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::UInt(u) => i64::try_from(*u).ok(),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
            Number::Float(_) => None,
            Number::Big(text) => text.parse().ok(),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::UInt(u) => write!(f, "{u}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Big(text) => f.write_str(text),
        }
    }
}

/// A value of the Terraform language.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Dynamic {
    /// Null (of whatever type the position has).
    #[default]
    Null,
    /// Not known until apply.
    Unknown,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// The elements of a list, set or tuple.
    List(Vec<Dynamic>),
    /// The elements of a map or the attributes of an object.
    Map(BTreeMap<String, Dynamic>),
    /// A value at a `dynamic` position, with the type it was given.
    Typed(Box<Type>, Box<Dynamic>),
}

impl Dynamic {
    /// Whether the value is null (a typed null included).
    pub fn is_null(&self) -> bool {
        match self {
            Dynamic::Null => true,
            Dynamic::Typed(_, inner) => inner.is_null(),
            _ => false,
        }
    }

    /// Whether the value as a whole is unknown.
    pub fn is_unknown(&self) -> bool {
        match self {
            Dynamic::Unknown => true,
            Dynamic::Typed(_, inner) => inner.is_unknown(),
            _ => false,
        }
    }

    /// Whether the value and everything inside it is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Dynamic::Unknown => false,
            Dynamic::Null | Dynamic::Bool(_) | Dynamic::Number(_) | Dynamic::String(_) => true,
            Dynamic::List(items) => items.iter().all(Dynamic::is_wholly_known),
            Dynamic::Map(entries) => entries.values().all(Dynamic::is_wholly_known),
            Dynamic::Typed(_, inner) => inner.is_wholly_known(),
        }
    }

    /// An attribute of an object (or element of a map); `None` when absent or when this is
    /// not an object.
    pub fn get(&self, name: &str) -> Option<&Dynamic> {
        match self {
            Dynamic::Map(entries) => entries.get(name),
            Dynamic::Typed(_, inner) => inner.get(name),
            _ => None,
        }
    }

    /// The value with any [`Dynamic::Typed`] wrapper removed.
    pub fn untyped(&self) -> &Dynamic {
        match self {
            Dynamic::Typed(_, inner) => inner.untyped(),
            other => other,
        }
    }

    /// The string, when this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self.untyped() {
            Dynamic::String(s) => Some(s),
            _ => None,
        }
    }

    /// The type a value of unknown type is written with at a `dynamic` position: its own
    /// type when it came with one, else the closest the tree tells: sequences are tuples and
    /// maps are objects, as Terraform itself infers the type of a literal.
    pub fn infer_type(&self) -> Type {
        match self {
            Dynamic::Null | Dynamic::Unknown => Type::Dynamic,
            Dynamic::Bool(_) => Type::Bool,
            Dynamic::Number(_) => Type::Number,
            Dynamic::String(_) => Type::String,
            Dynamic::List(items) => Type::Tuple(items.iter().map(Dynamic::infer_type).collect()),
            Dynamic::Map(entries) => Type::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.infer_type()))
                    .collect(),
                Default::default(),
            ),
            Dynamic::Typed(t, _) => (**t).clone(),
        }
    }
}

impl From<&str> for Dynamic {
    fn from(value: &str) -> Self {
        Dynamic::String(value.to_string())
    }
}

impl From<String> for Dynamic {
    fn from(value: String) -> Self {
        Dynamic::String(value)
    }
}

impl From<bool> for Dynamic {
    fn from(value: bool) -> Self {
        Dynamic::Bool(value)
    }
}

impl From<i64> for Dynamic {
    fn from(value: i64) -> Self {
        Dynamic::Number(Number::Int(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_numbers() {
        for ok in [
            "0",
            "-12",
            "3.5",
            "1e400",
            "1.25E-7",
            "12345678901234567890123",
        ] {
            assert!(Number::is_decimal(ok), "{ok}");
        }
        for bad in [
            "", "-", "1.", ".5", "1e", "abc", "1.2.3", "NaN", "+1", "0x10",
        ] {
            assert!(!Number::is_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn known_and_null_see_through_types() {
        let typed = Dynamic::Typed(Box::new(Type::String), Box::new(Dynamic::Unknown));
        assert!(typed.is_unknown());
        assert!(!typed.is_wholly_known());
        let nested = Dynamic::Map(BTreeMap::from([(
            "a".to_string(),
            Dynamic::List(vec![Dynamic::Null, Dynamic::Unknown]),
        )]));
        assert!(!nested.is_unknown());
        assert!(!nested.is_wholly_known());
        assert_eq!(
            nested.infer_type().to_string(),
            "object({a=tuple([any, any])})"
        );
    }
}
