//! [`Value`]: one attribute of a resource's model, which may be known, null or unknown.
//!
//! A model is a plain serde struct whose fields are `Value<T>`; [`crate::serde_tree`] turns
//! the wire value into it and back. Unknown values only exist between plan and apply, and a
//! `Value` keeps them at any depth (`Value<Vec<Value<String>>>` holds a list that is known as a
//! whole with one unknown element).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// The name under which [`Value`] asks a deserializer for its three states, and under which
/// an unknown value is serialized (as a unit struct). Any other serde format sees a newtype
/// and `null`.
pub(crate) const VALUE_TOKEN: &str = "$tfplugin::Value";

/// An attribute's value: known, null, or not known until apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value<T> {
    /// A known, non-null value.
    Value(T),
    /// Null: not set.
    #[default]
    Null,
    /// Not known until apply.
    Unknown,
}

impl<T> Value<T> {
    /// Whether the value is known and not null.
    pub fn is_value(&self) -> bool {
        matches!(self, Value::Value(_))
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether the value is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// The known value, if any.
    pub fn as_option(self) -> Option<T> {
        match self {
            Value::Value(v) => Some(v),
            _ => None,
        }
    }

    /// A reference to the known value, if any.
    pub fn as_ref_option(&self) -> Option<&T> {
        match self {
            Value::Value(v) => Some(v),
            _ => None,
        }
    }

    /// A mutable reference to the known value, if any.
    pub fn as_mut_option(&mut self) -> Option<&mut T> {
        match self {
            Value::Value(v) => Some(v),
            _ => None,
        }
    }

    /// `Value<&T>`.
    pub fn as_ref(&self) -> Value<&T> {
        match self {
            Value::Value(v) => Value::Value(v),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        }
    }

    /// The known value mapped through `f`; null and unknown stay as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Value<U> {
        match self {
            Value::Value(v) => Value::Value(f(v)),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        }
    }

    /// The known value, or `default`.
    pub fn unwrap_or(self, default: T) -> T {
        match self {
            Value::Value(v) => v,
            _ => default,
        }
    }

    /// The known value, or `T::default()`.
    pub fn unwrap_or_default(self) -> T
    where
        T: Default,
    {
        match self {
            Value::Value(v) => v,
            _ => T::default(),
        }
    }

    /// The known value, or the result of `f`.
    pub fn unwrap_or_else(self, f: impl FnOnce() -> T) -> T {
        match self {
            Value::Value(v) => v,
            _ => f(),
        }
    }
}

impl<T: std::ops::Deref> Value<T> {
    /// A reference to the known value's target (`Value<String>` → `Option<&str>`).
    pub fn as_deref_option(&self) -> Option<&T::Target> {
        match self {
            Value::Value(v) => Some(v.deref()),
            _ => None,
        }
    }
}

impl Value<String> {
    /// The known string, or `""` when null or unknown.
    pub fn as_str(&self) -> &str {
        match self {
            Value::Value(v) => v,
            _ => "",
        }
    }
}

impl<T> From<T> for Value<T> {
    fn from(value: T) -> Self {
        Value::Value(value)
    }
}

impl<T> From<Option<T>> for Value<T> {
    /// `None` is null.
    fn from(value: Option<T>) -> Self {
        match value {
            Some(v) => Value::Value(v),
            None => Value::Null,
        }
    }
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Value(v) => v.serialize(serializer),
            Value::Null => serializer.serialize_none(),
            Value::Unknown => serializer.serialize_unit_struct(VALUE_TOKEN),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Value<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(VALUE_TOKEN, ValueVisitor(PhantomData))
    }
}

/// Reads the three states: `none` is null, `unit` is unknown, `some` is a value. Formats other
/// than this crate's own call `visit_newtype_struct`, where `null` is null.
struct ValueVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ValueVisitor<T> {
    type Value = Value<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value, null or unknown")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Value::Unknown)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        T::deserialize(deserializer).map(Value::Value)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        Option::<T>::deserialize(deserializer).map(Value::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let v: Value<String> = Value::Value("a".into());
        assert!(v.is_value());
        assert_eq!(v.as_str(), "a");
        assert_eq!(v.as_deref_option(), Some("a"));
        assert_eq!(Value::<String>::Unknown.as_str(), "");
        assert_eq!(Value::<i64>::Null.unwrap_or(3), 3);
        assert_eq!(Value::Value(2).map(|x| x * 2), Value::Value(4));
        assert_eq!(Value::<i64>::Unknown.map(|x| x * 2), Value::Unknown);
        assert_eq!(Value::<i64>::from(None), Value::Null);
    }

    #[test]
    fn other_formats_see_null_and_values() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct M {
            a: Value<String>,
            b: Value<i64>,
        }
        let json = serde_json::to_string(&M {
            a: Value::Value("x".into()),
            b: Value::Null,
        })
        .expect("json");
        assert_eq!(json, r#"{"a":"x","b":null}"#);
        let back: M = serde_json::from_str(&json).expect("back");
        assert_eq!(back.a, Value::Value("x".into()));
        assert_eq!(back.b, Value::Null);
    }
}
