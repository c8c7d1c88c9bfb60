//! Types of the Terraform language (cty's), and their JSON form.
//!
//! The protocol describes every attribute's type as a compact JSON type constraint:
//! `"string"`, `"number"`, `"bool"`, `"dynamic"`, `["list", T]`, `["set", T]`, `["map", T]`,
//! `["object", {name: T, …}]` (optionally with a third element listing optional attribute
//! names), and `["tuple", [T, …]]`. The value codecs ([`crate::msgpack`], [`crate::json`]) are
//! driven by these types.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value as Json;

/// A type of the Terraform language.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `number`: arbitrary precision.
    Number,
    /// `string`.
    String,
    /// `dynamic` (cty's `DynamicPseudoType`): any type, decided at run time; values of it
    /// carry their own type on the wire.
    Dynamic,
    /// `list(T)`.
    List(Box<Type>),
    /// `set(T)`.
    Set(Box<Type>),
    /// `map(T)`.
    Map(Box<Type>),
    /// `object({...})`; the set holds the attributes declared optional (type constraints
    /// only).
    Object(BTreeMap<String, Type>, BTreeSet<String>),
    /// `tuple([...])`.
    Tuple(Vec<Type>),
}

/// A JSON type constraint that does not describe a type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid type constraint {json}: {reason}")]
pub struct TypeError {
    json: String,
    reason: &'static str,
}

impl TypeError {
    fn new(json: &Json, reason: &'static str) -> Self {
        let mut text = json.to_string();
        if text.len() > 200 {
            let mut end = 200;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
        }
        Self { json: text, reason }
    }
}

impl Type {
    /// `list(element)`.
    pub fn list(element: Type) -> Self {
        Type::List(Box::new(element))
    }

    /// `set(element)`.
    pub fn set(element: Type) -> Self {
        Type::Set(Box::new(element))
    }

    /// `map(element)`.
    pub fn map(element: Type) -> Self {
        Type::Map(Box::new(element))
    }

    /// `object({...})` with no optional attributes.
    pub fn object<I, K>(attributes: I) -> Self
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(
            attributes.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            BTreeSet::new(),
        )
    }

    /// The compact JSON form of the type, as the protocol carries it.
    pub fn to_json(&self) -> Json {
        match self {
            Type::Bool => Json::from("bool"),
            Type::Number => Json::from("number"),
            Type::String => Json::from("string"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(t) => Json::Array(vec!["list".into(), t.to_json()]),
            Type::Set(t) => Json::Array(vec!["set".into(), t.to_json()]),
            Type::Map(t) => Json::Array(vec!["map".into(), t.to_json()]),
            Type::Object(attributes, optional) => {
                let attributes = attributes
                    .iter()
                    .map(|(name, t)| (name.clone(), t.to_json()))
                    .collect();
                let mut form = vec!["object".into(), Json::Object(attributes)];
                if !optional.is_empty() {
                    form.push(Json::Array(
                        optional.iter().map(|n| Json::from(n.as_str())).collect(),
                    ));
                }
                Json::Array(form)
            }
            Type::Tuple(elements) => Json::Array(vec![
                "tuple".into(),
                Json::Array(elements.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    /// The JSON form as bytes.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Parses the compact JSON form.
    pub fn from_json(json: &Json) -> Result<Self, TypeError> {
        match json {
            Json::String(name) => match name.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                _ => Err(TypeError::new(json, "unknown primitive type")),
            },
            Json::Array(form) => {
                let kind = form
                    .first()
                    .and_then(Json::as_str)
                    .ok_or_else(|| TypeError::new(json, "a type kind must come first"))?;
                let argument = form
                    .get(1)
                    .ok_or_else(|| TypeError::new(json, "the type kind has no argument"))?;
                match kind {
                    "list" | "set" | "map" => {
                        if form.len() != 2 {
                            return Err(TypeError::new(
                                json,
                                "a collection takes one element type",
                            ));
                        }
                        let element = Box::new(Type::from_json(argument)?);
                        Ok(match kind {
                            "list" => Type::List(element),
                            "set" => Type::Set(element),
                            _ => Type::Map(element),
                        })
                    }
                    "object" => {
                        let Json::Object(attributes) = argument else {
                            return Err(TypeError::new(json, "object attributes must be a map"));
                        };
                        let attributes = attributes
                            .iter()
                            .map(|(name, t)| Ok((name.clone(), Type::from_json(t)?)))
                            .collect::<Result<BTreeMap<_, _>, TypeError>>()?;
                        let optional = match form.get(2) {
                            None => BTreeSet::new(),
                            Some(Json::Array(names)) => names
                                .iter()
                                .map(|n| {
                                    n.as_str().map(str::to_string).ok_or_else(|| {
                                        TypeError::new(json, "optional attribute names are strings")
                                    })
                                })
                                .collect::<Result<_, _>>()?,
                            Some(_) => {
                                return Err(TypeError::new(
                                    json,
                                    "optional attributes must be a list of names",
                                ));
                            }
                        };
                        if form.len() > 3 {
                            return Err(TypeError::new(json, "too many elements for an object"));
                        }
                        if optional.iter().any(|n| !attributes.contains_key(n)) {
                            return Err(TypeError::new(
                                json,
                                "an optional attribute is not an attribute of the object",
                            ));
                        }
                        Ok(Type::Object(attributes, optional))
                    }
                    "tuple" => {
                        let Json::Array(elements) = argument else {
                            return Err(TypeError::new(json, "tuple elements must be a list"));
                        };
                        if form.len() != 2 {
                            return Err(TypeError::new(json, "a tuple takes one list of types"));
                        }
                        Ok(Type::Tuple(
                            elements
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    _ => Err(TypeError::new(json, "unknown type kind")),
                }
            }
            _ => Err(TypeError::new(json, "a type is a string or a list")),
        }
    }

    /// Parses the JSON form from bytes.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Self, TypeError> {
        let json: Json = serde_json::from_slice(bytes).map_err(|_| TypeError {
            json: String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
            reason: "not JSON",
        })?;
        Type::from_json(&json)
    }

    /// Whether a value of this type may hold values whose type is decided at run time.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::Bool | Type::Number | Type::String => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Object(attributes, _) => attributes.values().any(Type::has_dynamic),
            Type::Tuple(elements) => elements.iter().any(Type::has_dynamic),
        }
    }
}

impl fmt::Display for Type {
    /// The type as the Terraform language writes it: `list(string)`, `object({a=number})`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::Dynamic => f.write_str("any"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Object(attributes, optional) => {
                f.write_str("object({")?;
                for (i, (name, t)) in attributes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if optional.contains(name) {
                        write!(f, "{name}=optional({t})")?;
                    } else {
                        write!(f, "{name}={t}")?;
                    }
                }
                f.write_str("})")
            }
            Type::Tuple(elements) => {
                f.write_str("tuple([")?;
                for (i, t) in elements.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_forms_round_trip() {
        let forms = [
            json!("string"),
            json!("number"),
            json!("bool"),
            json!("dynamic"),
            json!(["list", "string"]),
            json!(["set", ["map", "number"]]),
            json!(["object", {"a": "string", "b": ["list", "bool"]}]),
            json!(["object", {"a": "string", "b": "number"}, ["b"]]),
            json!(["tuple", ["string", "dynamic"]]),
            json!(["tuple", []]),
            json!(["object", {}]),
        ];
        for form in forms {
            let t = Type::from_json(&form).expect("valid");
            assert_eq!(t.to_json(), form, "{t}");
            assert_eq!(Type::from_json_bytes(&t.to_json_bytes()).expect("bytes"), t);
        }
    }

    #[test]
    fn invalid_forms_are_refused_with_the_reason() {
        let cases = [
            (json!("str"), "unknown primitive type"),
            (json!(["list"]), "no argument"),
            (json!(["list", "string", "x"]), "one element type"),
            (json!(["object", ["a"]]), "must be a map"),
            (
                json!(["object", {"a": "string"}, ["b"]]),
                "not an attribute",
            ),
            (json!(["tuple", "string"]), "must be a list"),
            (json!(["vector", "string"]), "unknown type kind"),
            (json!(3), "a string or a list"),
        ];
        for (form, reason) in cases {
            let error = Type::from_json(&form).expect_err("invalid");
            assert!(error.to_string().contains(reason), "{form}: {error}");
        }
        assert!(Type::from_json_bytes(b"{not json").is_err());
    }

    #[test]
    fn display_is_the_language_form() {
        let t = Type::Object(
            BTreeMap::from([
                ("a".to_string(), Type::list(Type::String)),
                ("b".to_string(), Type::Number),
            ]),
            BTreeSet::from(["b".to_string()]),
        );
        assert_eq!(
            t.to_string(),
            "object({a=list(string), b=optional(number)})"
        );
        assert!(Type::map(Type::Dynamic).has_dynamic());
        assert!(!Type::set(Type::Bool).has_dynamic());
    }
}
