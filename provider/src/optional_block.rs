//! Serde codec of an optional nested block (list nesting, at most one element) as a
//! [`Value`]: a present block is a one-element list, an absent one an empty list, and a block
//! that is still unknown stays [`Value::Unknown`]. Terraform sends an unknown block
//! for a `dynamic` block whose `for_each` is not known yet, as when a module's input
//! variables are validated before their values exist.

use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tfplugin::Value;

/// A present block as a one-element list, a null one as an empty list, an unknown one
/// as unknown.
pub fn serialize<T: Serialize, S: Serializer>(
    value: &Value<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Value::Unknown => Value::<Vec<T>>::Unknown.serialize(serializer),
        Value::Null => serializer.serialize_seq(Some(0))?.end(),
        Value::Value(block) => {
            let mut seq = serializer.serialize_seq(Some(1))?;
            seq.serialize_element(block)?;
            seq.end()
        }
    }
}

/// The inverse of [`serialize`]; more than one element is an error.
pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Value<T>, D::Error> {
    match Value::<Vec<Value<T>>>::deserialize(deserializer)? {
        Value::Unknown => Ok(Value::Unknown),
        Value::Null => Ok(Value::Null),
        Value::Value(blocks) => {
            let mut blocks = blocks.into_iter();
            match (blocks.next(), blocks.next()) {
                (None, _) => Ok(Value::Null),
                (Some(block), None) => Ok(block),
                (Some(_), Some(_)) => Err(serde::de::Error::custom(
                    "this block may appear at most once",
                )),
            }
        }
    }
}
