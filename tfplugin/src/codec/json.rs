//! JSON, the form of a stored state handed to `UpgradeResourceState` (`RawState.json`) and
//! the fallback form of `DynamicValue`.
//!
//! JSON has no unknown values: null is `null`, numbers are JSON numbers, lists, sets and
//! tuples are arrays, maps and objects are objects, and a value at a `dynamic` position is
//! `{"value": …, "type": …}`. A stored state may have been written by an older schema, so
//! the decoder can be asked to drop attributes the type no longer has.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::codec::{CodecError, index_step};
use crate::diagnostics::Step;
use crate::dynamic::{Dynamic, Number};
use crate::types::Type;

/// How to treat object attributes the type does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Undeclared {
    /// They are an error (a value that should match its type exactly).
    Refuse,
    /// They are dropped (a stored state written by an earlier schema of the same version,
    /// which Terraform may still hold after a provider removed an attribute).
    Drop,
}

/// Decodes JSON bytes as a value of type `ty`. No bytes at all read as null.
pub fn decode(bytes: &[u8], ty: &Type, undeclared: Undeclared) -> Result<Dynamic, CodecError> {
    if bytes.is_empty() {
        return Ok(Dynamic::Null);
    }
    let json: Json = serde_json::from_slice(bytes)
        .map_err(|e| CodecError::new(format!("the value is not JSON: {e}")))?;
    from_json(&json, ty, undeclared)
}

/// Encodes a wholly known value of type `ty` as JSON bytes; an unknown value is an error
/// (JSON cannot carry one).
pub fn encode(value: &Dynamic, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let json = to_json(value, ty)?;
    serde_json::to_vec(&json).map_err(|e| CodecError::new(e.to_string()))
}

/// A JSON document as a value of type `ty`.
pub fn from_json(json: &Json, ty: &Type, undeclared: Undeclared) -> Result<Dynamic, CodecError> {
    if json.is_null() {
        return Ok(Dynamic::Null);
    }
    match (json, ty) {
        (Json::Object(pair), Type::Dynamic) => {
            let (Some(type_json), Some(value)) = (pair.get("type"), pair.get("value")) else {
                return Err(CodecError::new(
                    "a dynamic value is not an object with \"type\" and \"value\"",
                ));
            };
            let inner_type =
                Type::from_json(type_json).map_err(|e| CodecError::new(e.to_string()))?;
            let inner = from_json(value, &inner_type, undeclared)?;
            Ok(Dynamic::Typed(Box::new(inner_type), Box::new(inner)))
        }
        (_, Type::Dynamic) => Err(CodecError::new(
            "a dynamic value is not an object with \"type\" and \"value\"",
        )),
        (Json::Bool(b), Type::Bool) => Ok(Dynamic::Bool(*b)),
        (Json::Number(n), Type::Number) => Ok(Dynamic::Number(if let Some(i) = n.as_i64() {
            Number::Int(i)
        } else if let Some(u) = n.as_u64() {
            Number::UInt(u)
        } else {
            Number::Float(n.as_f64().unwrap_or(f64::NAN))
        })),
        // Terraform's own JSON decoder accepts a number written as a string.
        (Json::String(text), Type::Number) if Number::is_decimal(text) => {
            Ok(Dynamic::Number(Number::Big(text.clone())))
        }
        (Json::String(text), Type::String) => Ok(Dynamic::String(text.clone())),
        (Json::Array(items), Type::List(element) | Type::Set(element)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                from_json(item, element, undeclared).map_err(|e| e.within(index_step(i)))
            })
            .collect::<Result<_, _>>()
            .map(Dynamic::List),
        (Json::Array(items), Type::Tuple(elements)) => {
            if items.len() != elements.len() {
                return Err(CodecError::new(format!(
                    "{} elements for a tuple of {}",
                    items.len(),
                    elements.len()
                )));
            }
            items
                .iter()
                .zip(elements)
                .enumerate()
                .map(|(i, (item, element))| {
                    from_json(item, element, undeclared).map_err(|e| e.within(index_step(i)))
                })
                .collect::<Result<_, _>>()
                .map(Dynamic::List)
        }
        (Json::Object(entries), Type::Map(element)) => entries
            .iter()
            .map(|(key, item)| {
                from_json(item, element, undeclared)
                    .map(|v| (key.clone(), v))
                    .map_err(|e| e.within(Step::Key(key.clone())))
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Dynamic::Map),
        (Json::Object(entries), Type::Object(attributes, _)) => {
            let mut out = BTreeMap::new();
            for (key, item) in entries {
                match attributes.get(key) {
                    Some(attribute_type) => {
                        let v = from_json(item, attribute_type, undeclared)
                            .map_err(|e| e.within(Step::Attribute(key.clone())))?;
                        out.insert(key.clone(), v);
                    }
                    None if undeclared == Undeclared::Drop => {}
                    None => {
                        return Err(CodecError::new(format!(
                            "attribute {key:?} is not part of type {ty}"
                        )));
                    }
                }
            }
            if out.len() < attributes.len() {
                for name in attributes.keys() {
                    if !out.contains_key(name) {
                        out.insert(name.clone(), Dynamic::Null);
                    }
                }
            }
            Ok(Dynamic::Map(out))
        }
        (_, ty) => Err(CodecError::new(format!(
            "the JSON value is not a value of type {ty}"
        ))),
    }
}

/// A wholly known value of type `ty` as a JSON document.
pub fn to_json(value: &Dynamic, ty: &Type) -> Result<Json, CodecError> {
    if *ty == Type::Dynamic {
        return match value {
            Dynamic::Null => Ok(Json::Null),
            Dynamic::Unknown => Err(CodecError::new("JSON cannot hold an unknown value")),
            other => {
                let inner_type = other.infer_type();
                let inner = match other {
                    Dynamic::Typed(_, inner) => inner.as_ref(),
                    o => o,
                };
                Ok(serde_json::json!({
                    "value": to_json(inner, &inner_type)?,
                    "type": inner_type.to_json(),
                }))
            }
        };
    }
    let value = match value {
        Dynamic::Typed(_, inner) => inner.as_ref(),
        other => other,
    };
    match (value, ty) {
        (Dynamic::Null, _) => Ok(Json::Null),
        (Dynamic::Unknown, _) => Err(CodecError::new("JSON cannot hold an unknown value")),
        (Dynamic::Bool(b), Type::Bool) => Ok(Json::Bool(*b)),
        (Dynamic::Number(n), Type::Number) => Ok(match n {
            Number::Int(i) => Json::from(*i),
            Number::UInt(u) => Json::from(*u),
            Number::Float(f) => serde_json::Number::from_f64(*f)
                .map(Json::Number)
                .ok_or_else(|| CodecError::new("JSON cannot hold an infinite number"))?,
            Number::Big(text) => Json::String(text.clone()),
        }),
        (Dynamic::String(s), Type::String) => Ok(Json::String(s.clone())),
        (Dynamic::List(items), Type::List(element) | Type::Set(element)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| to_json(item, element).map_err(|e| e.within(index_step(i))))
            .collect::<Result<_, _>>()
            .map(Json::Array),
        (Dynamic::List(items), Type::Tuple(elements)) if items.len() == elements.len() => items
            .iter()
            .zip(elements)
            .enumerate()
            .map(|(i, (item, element))| to_json(item, element).map_err(|e| e.within(index_step(i))))
            .collect::<Result<_, _>>()
            .map(Json::Array),
        (Dynamic::Map(entries), Type::Map(element)) => entries
            .iter()
            .map(|(key, item)| {
                to_json(item, element)
                    .map(|v| (key.clone(), v))
                    .map_err(|e| e.within(Step::Key(key.clone())))
            })
            .collect::<Result<serde_json::Map<_, _>, _>>()
            .map(Json::Object),
        (Dynamic::Map(entries), Type::Object(attributes, _)) => {
            if let Some(extra) = entries.keys().find(|k| !attributes.contains_key(*k)) {
                return Err(CodecError::new(format!(
                    "attribute {extra:?} is not part of type {ty}"
                )));
            }
            attributes
                .iter()
                .map(|(name, attribute_type)| {
                    to_json(entries.get(name).unwrap_or(&Dynamic::Null), attribute_type)
                        .map(|v| (name.clone(), v))
                        .map_err(|e| e.within(Step::Attribute(name.clone())))
                })
                .collect::<Result<serde_json::Map<_, _>, _>>()
                .map(Json::Object)
        }
        (value, ty) => Err(CodecError::new(format!(
            "{value:?} is not a value of type {ty}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_state_with_a_removed_attribute() {
        let ty = Type::object([("key", Type::String), ("n", Type::Number)]);
        let raw = br#"{"key":"WM-Prod","gone":true}"#;
        let value = decode(raw, &ty, Undeclared::Drop).expect("dropped");
        assert_eq!(value.get("key"), Some(&Dynamic::from("WM-Prod")));
        assert_eq!(value.get("n"), Some(&Dynamic::Null));
        assert_eq!(value.get("gone"), None);
        let error = decode(raw, &ty, Undeclared::Refuse).expect_err("refused");
        assert!(error.to_string().contains("\"gone\""), "{error}");
    }

    #[test]
    fn dynamic_values_round_trip() {
        let ty = Type::object([("any", Type::Dynamic)]);
        let doc = json!({"any": {"value": ["a", "b"], "type": ["list", "string"]}});
        let value = from_json(&doc, &ty, Undeclared::Refuse).expect("decodes");
        assert_eq!(to_json(&value, &ty).expect("encodes"), doc);
    }

    #[test]
    fn numbers_and_unknowns() {
        let value = from_json(&json!(12.5), &Type::Number, Undeclared::Refuse).expect("float");
        assert_eq!(value, Dynamic::Number(Number::Float(12.5)));
        let big = from_json(&json!("1e400"), &Type::Number, Undeclared::Refuse).expect("big");
        assert_eq!(big, Dynamic::Number(Number::Big("1e400".into())));
        assert!(to_json(&Dynamic::Unknown, &Type::String).is_err());
        assert!(from_json(&json!("x"), &Type::Bool, Undeclared::Refuse).is_err());
    }
}
