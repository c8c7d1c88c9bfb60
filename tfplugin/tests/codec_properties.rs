//! Properties of the value codecs over generated types and values: every cty type (dynamic
//! positions included), null and unknown at every depth, numbers in every form.
//!
//! - MessagePack: `decode(encode(v, t), t) == v` for any value `v` of any type `t`;
//! - JSON: the same for wholly known values;
//! - decoding arbitrary bytes as any type returns (an error or a value), never panics;
//! - a value of the wrong type is refused by the encoder, with the path where it differs.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use tfplugin::codec::json::{self, Undeclared};
use tfplugin::codec::msgpack;
use tfplugin::dynamic::{Dynamic, Number};
use tfplugin::types::Type;

fn name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z_][a-z0-9_]{0,8}", "[a-zA-Z0-9 ._-]{0,6}", "\\PC{0,4}"]
}

fn any_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            proptest::collection::btree_map(name(), inner.clone(), 0..4).prop_flat_map(
                |attributes| {
                    let names: Vec<String> = attributes.keys().cloned().collect();
                    proptest::sample::subsequence(names.clone(), 0..=names.len()).prop_map(
                        move |optional| {
                            Type::Object(
                                attributes.clone(),
                                optional.into_iter().collect::<BTreeSet<_>>(),
                            )
                        },
                    )
                }
            ),
            proptest::collection::vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
}

/// A concrete type for a `dynamic` position (no `dynamic` inside, as Terraform never sends
/// one there).
fn concrete_type() -> impl Strategy<Value = Type> {
    any_type().prop_filter("concrete", |t| !t.has_dynamic())
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::Int),
        ((i64::MAX as u64 + 1)..=u64::MAX).prop_map(Number::UInt),
        // Non-integral floats: integral ones are written as integers, as Terraform does.
        (-1.0e12f64..1.0e12f64)
            .prop_filter("non-integral", |f| f.fract() != 0.0)
            .prop_map(Number::Float),
        "[1-9][0-9]{25,40}".prop_map(Number::Big),
        "[0-9]{1,3}\\.[0-9]{20,30}e[0-9]{3}".prop_map(Number::Big),
    ]
}

/// A value of type `ty`; `known` leaves no unknown anywhere.
fn value_of(ty: Type, known: bool) -> BoxedStrategy<Dynamic> {
    let mut options: Vec<(u32, BoxedStrategy<Dynamic>)> = vec![(1, Just(Dynamic::Null).boxed())];
    if !known {
        options.push((1, Just(Dynamic::Unknown).boxed()));
    }
    let present = match ty {
        Type::Bool => any::<bool>().prop_map(Dynamic::Bool).boxed(),
        Type::Number => number().prop_map(Dynamic::Number).boxed(),
        Type::String => "\\PC{0,40}".prop_map(Dynamic::String).boxed(),
        Type::Dynamic => concrete_type()
            .prop_flat_map(move |inner| {
                value_of(inner.clone(), known)
                    .prop_map(move |v| Dynamic::Typed(Box::new(inner.clone()), Box::new(v)))
            })
            .boxed(),
        Type::List(element) | Type::Set(element) => {
            proptest::collection::vec(value_of(*element, known), 0..4)
                .prop_map(Dynamic::List)
                .boxed()
        }
        Type::Map(element) => {
            proptest::collection::btree_map(name(), value_of(*element, known), 0..4)
                .prop_map(Dynamic::Map)
                .boxed()
        }
        Type::Object(attributes, _) => {
            let parts: Vec<BoxedStrategy<(String, Dynamic)>> = attributes
                .into_iter()
                .map(|(n, t)| value_of(t, known).prop_map(move |v| (n.clone(), v)).boxed())
                .collect();
            parts
                .prop_map(|entries| Dynamic::Map(entries.into_iter().collect::<BTreeMap<_, _>>()))
                .boxed()
        }
        Type::Tuple(elements) => {
            let parts: Vec<BoxedStrategy<Dynamic>> =
                elements.into_iter().map(|t| value_of(t, known)).collect();
            parts.prop_map(Dynamic::List).boxed()
        }
    };
    options.push((6, present));
    proptest::strategy::Union::new_weighted(options).boxed()
}

fn typed_value(known: bool) -> impl Strategy<Value = (Type, Dynamic)> {
    any_type().prop_flat_map(move |t| value_of(t.clone(), known).prop_map(move |v| (t.clone(), v)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn msgpack_round_trips((ty, value) in typed_value(false)) {
        let bytes = msgpack::encode(&value, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = msgpack::decode(&bytes, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, value);
    }

    #[test]
    fn json_round_trips_known_values((ty, value) in typed_value(true)) {
        let bytes = json::encode(&value, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = json::decode(&bytes, &ty, Undeclared::Refuse)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, value);
    }

    #[test]
    fn json_and_msgpack_agree((ty, value) in typed_value(true)) {
        let via_json = json::decode(&json::encode(&value, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?, &ty, Undeclared::Refuse)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let via_msgpack = msgpack::decode(&msgpack::encode(&value, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?, &ty)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(via_json, via_msgpack);
    }

    #[test]
    fn arbitrary_bytes_never_panic(ty in any_type(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = msgpack::decode(&bytes, &ty);
        let _ = msgpack::decode_untyped(&bytes);
        let _ = json::decode(&bytes, &ty, Undeclared::Drop);
    }

    #[test]
    fn mutated_encodings_never_panic((ty, value) in typed_value(false), at in any::<usize>(), byte in any::<u8>()) {
        let mut bytes = msgpack::encode(&value, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = byte;
        }
        let _ = msgpack::decode(&bytes, &ty);
    }

    #[test]
    fn untyped_round_trips((ty, value) in typed_value(false)) {
        // Private state is written without a type: what comes back is the same tree without
        // the types of dynamic positions, and numbers too large for 64 bits, which travel as
        // strings, come back as strings.
        fn strip(v: &Dynamic) -> Dynamic {
            match v {
                Dynamic::Typed(_, inner) => strip(inner),
                Dynamic::Number(Number::Big(text)) => Dynamic::String(text.clone()),
                Dynamic::List(items) => Dynamic::List(items.iter().map(strip).collect()),
                Dynamic::Map(entries) => Dynamic::Map(entries.iter().map(|(k, v)| (k.clone(), strip(v))).collect()),
                other => other.clone(),
            }
        }
        let _ = ty;
        let bytes = msgpack::encode_untyped(&value);
        let back = msgpack::decode_untyped(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, strip(&value));
    }
}

#[test]
fn wrong_types_are_refused_with_their_path() {
    let ty = Type::object([
        ("tags", Type::map(Type::String)),
        ("nested", Type::list(Type::object([("n", Type::Number)]))),
    ]);
    let value = Dynamic::Map(BTreeMap::from([
        (
            "tags".to_string(),
            Dynamic::Map(BTreeMap::from([("a".to_string(), Dynamic::Bool(true))])),
        ),
        ("nested".to_string(), Dynamic::List(vec![])),
    ]));
    let error = msgpack::encode(&value, &ty).expect_err("a bool in a map of strings");
    assert_eq!(error.path.to_string(), "tags[\"a\"]");
    let value = Dynamic::Map(BTreeMap::from([(
        "nested".to_string(),
        Dynamic::List(vec![Dynamic::Map(BTreeMap::from([(
            "n".to_string(),
            Dynamic::from("x"),
        )]))]),
    )]));
    let error = msgpack::encode(&value, &ty).expect_err("a string as a number");
    assert_eq!(error.path.to_string(), "nested[0].n");
}
