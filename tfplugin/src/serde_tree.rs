//! serde between a resource's model (plain structs of [`Value`](crate::value::Value) fields)
//! and a [`Dynamic`] tree.
//!
//! - [`to_dynamic`]: structs and maps become maps, sequences and sets become lists, enums'
//!   unit variants become their names, `Option::None` and `Value::Null` become null and
//!   `Value::Unknown` becomes unknown.
//! - [`from_dynamic`]: the reverse; an unknown value can only be read into a `Value`, and an
//!   error names the attribute path where the model and the value disagree.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde::ser::{self, Serialize};

use crate::codec::index_step;
use crate::diagnostics::{AttributePath, Step};
use crate::dynamic::{Dynamic, Number};
use crate::value::VALUE_TOKEN;

/// A model that does not fit a value, or the reverse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeError {
    /// Where.
    pub path: AttributePath,
    /// What.
    pub message: String,
}

impl TreeError {
    fn within(mut self, step: Step) -> Self {
        self.path = self.path.prepend(step);
        self
    }
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for TreeError {}

impl ser::Error for TreeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            path: AttributePath::root(),
            message: msg.to_string(),
        }
    }
}

impl de::Error for TreeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            path: AttributePath::root(),
            message: msg.to_string(),
        }
    }
}

/// A model as a tree.
pub fn to_dynamic<T: Serialize + ?Sized>(model: &T) -> Result<Dynamic, TreeError> {
    model.serialize(TreeSerializer)
}

/// A tree as a model.
pub fn from_dynamic<T: DeserializeOwned>(value: Dynamic) -> Result<T, TreeError> {
    T::deserialize(TreeDeserializer(value))
}

// ---------------------------------------------------------------------------------------
// Serializer
// ---------------------------------------------------------------------------------------

struct TreeSerializer;

fn int(i: i64) -> Dynamic {
    Dynamic::Number(Number::Int(i))
}

impl ser::Serializer for TreeSerializer {
    type Ok = Dynamic;
    type Error = TreeError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantBuilder<MapBuilder>;

    fn serialize_bool(self, v: bool) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Dynamic, TreeError> {
        Ok(int(i64::from(v)))
    }
    fn serialize_i16(self, v: i16) -> Result<Dynamic, TreeError> {
        Ok(int(i64::from(v)))
    }
    fn serialize_i32(self, v: i32) -> Result<Dynamic, TreeError> {
        Ok(int(i64::from(v)))
    }
    fn serialize_i64(self, v: i64) -> Result<Dynamic, TreeError> {
        Ok(int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Dynamic, TreeError> {
        Ok(int(i64::from(v)))
    }
    fn serialize_u16(self, v: u16) -> Result<Dynamic, TreeError> {
        Ok(int(i64::from(v)))
    }
    fn serialize_u32(self, v: u32) -> Result<Dynamic, TreeError> {
        Ok(int(i64::from(v)))
    }
    fn serialize_u64(self, v: u64) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::Number(match i64::try_from(v) {
            Ok(i) => Number::Int(i),
            Err(_) => Number::UInt(v),
        }))
    }
    fn serialize_f32(self, v: f32) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::Number(Number::Float(f64::from(v))))
    }
    fn serialize_f64(self, v: f64) -> Result<Dynamic, TreeError> {
        if v.is_nan() {
            return Err(ser::Error::custom(
                "NaN is not a number of the Terraform language",
            ));
        }
        Ok(Dynamic::Number(Number::Float(v)))
    }
    fn serialize_char(self, v: char) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::String(v.to_string()))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Dynamic, TreeError> {
        Err(ser::Error::custom(
            "bytes have no Terraform type; use a base64 string",
        ))
    }
    fn serialize_none(self) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Dynamic, TreeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::Null)
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<Dynamic, TreeError> {
        Ok(if name == VALUE_TOKEN {
            Dynamic::Unknown
        } else {
            Dynamic::Null
        })
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Dynamic, TreeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Dynamic, TreeError> {
        let inner = value
            .serialize(TreeSerializer)
            .map_err(|e| e.within(Step::Attribute(variant.to_string())))?;
        Ok(Dynamic::Map(BTreeMap::from([(variant.to_string(), inner)])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, TreeError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0).min(1024))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, TreeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, TreeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<SeqBuilder>, TreeError> {
        Ok(VariantBuilder {
            variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, TreeError> {
        Ok(MapBuilder::default())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapBuilder, TreeError> {
        Ok(MapBuilder::default())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantBuilder<MapBuilder>, TreeError> {
        Ok(VariantBuilder {
            variant,
            inner: MapBuilder::default(),
        })
    }
}

struct SeqBuilder(Vec<Dynamic>);

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        let index = self.0.len();
        let item = value
            .serialize(TreeSerializer)
            .map_err(|e| e.within(index_step(index)))?;
        self.0.push(item);
        Ok(())
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Dynamic;
    type Error = TreeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        self.push(value)
    }
    fn end(self) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::List(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Dynamic;
    type Error = TreeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        self.push(value)
    }
    fn end(self) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::List(self.0))
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Dynamic;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        self.push(value)
    }
    fn end(self) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::List(self.0))
    }
}

#[derive(Default)]
struct MapBuilder {
    entries: BTreeMap<String, Dynamic>,
    key: Option<String>,
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Dynamic;
    type Error = TreeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), TreeError> {
        self.key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <TreeError as ser::Error>::custom("a map value came without its key"))?;
        let item = value
            .serialize(TreeSerializer)
            .map_err(|e| e.within(Step::Key(key.clone())))?;
        self.entries.insert(key, item);
        Ok(())
    }
    fn end(self) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::Map(self.entries))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Dynamic;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TreeError> {
        let item = value
            .serialize(TreeSerializer)
            .map_err(|e| e.within(Step::Attribute(key.to_string())))?;
        self.entries.insert(key.to_string(), item);
        Ok(())
    }
    fn end(self) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::Map(self.entries))
    }
}

struct VariantBuilder<B> {
    variant: &'static str,
    inner: B,
}

impl ser::SerializeTupleVariant for VariantBuilder<SeqBuilder> {
    type Ok = Dynamic;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        self.inner.push(value)
    }
    fn end(self) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::Map(BTreeMap::from([(
            self.variant.to_string(),
            Dynamic::List(self.inner.0),
        )])))
    }
}

impl ser::SerializeStructVariant for VariantBuilder<MapBuilder> {
    type Ok = Dynamic;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TreeError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }
    fn end(self) -> Result<Dynamic, TreeError> {
        Ok(Dynamic::Map(BTreeMap::from([(
            self.variant.to_string(),
            Dynamic::Map(self.inner.entries),
        )])))
    }
}

/// Map keys: strings, or anything printable as one.
struct KeySerializer;

impl KeySerializer {
    fn refuse(what: &str) -> TreeError {
        ser::Error::custom(format!("a map key must be a string, not {what}"))
    }
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = TreeError;
    type SerializeSeq = ser::Impossible<String, TreeError>;
    type SerializeTuple = ser::Impossible<String, TreeError>;
    type SerializeTupleStruct = ser::Impossible<String, TreeError>;
    type SerializeTupleVariant = ser::Impossible<String, TreeError>;
    type SerializeMap = ser::Impossible<String, TreeError>;
    type SerializeStruct = ser::Impossible<String, TreeError>;
    type SerializeStructVariant = ser::Impossible<String, TreeError>;

    fn serialize_bool(self, v: bool) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Result<String, TreeError> {
        Err(Self::refuse("a float"))
    }
    fn serialize_f64(self, _v: f64) -> Result<String, TreeError> {
        Err(Self::refuse("a float"))
    }
    fn serialize_char(self, v: char) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, TreeError> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, TreeError> {
        Err(Self::refuse("bytes"))
    }
    fn serialize_none(self) -> Result<String, TreeError> {
        Err(Self::refuse("null"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, TreeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, TreeError> {
        Err(Self::refuse("unit"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, TreeError> {
        Err(Self::refuse("an unknown value"))
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, TreeError> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, TreeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, TreeError> {
        Err(Self::refuse("an enum with data"))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, TreeError> {
        Err(Self::refuse("a sequence"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, TreeError> {
        Err(Self::refuse("a tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, TreeError> {
        Err(Self::refuse("a tuple"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, TreeError> {
        Err(Self::refuse("a tuple"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, TreeError> {
        Err(Self::refuse("a map"))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, TreeError> {
        Err(Self::refuse("a struct"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, TreeError> {
        Err(Self::refuse("a struct"))
    }
}

// ---------------------------------------------------------------------------------------
// Deserializer
// ---------------------------------------------------------------------------------------

struct TreeDeserializer(Dynamic);

fn unknown_error() -> TreeError {
    de::Error::custom("the value is not known yet (a Value field can hold it)")
}

impl<'de> de::Deserializer<'de> for TreeDeserializer {
    type Error = TreeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TreeError> {
        match self.0 {
            Dynamic::Null => visitor.visit_none(),
            Dynamic::Unknown => Err(unknown_error()),
            Dynamic::Bool(b) => visitor.visit_bool(b),
            Dynamic::Number(Number::Int(i)) => visitor.visit_i64(i),
            Dynamic::Number(Number::UInt(u)) => visitor.visit_u64(u),
            Dynamic::Number(Number::Float(f)) => visitor.visit_f64(f),
            Dynamic::Number(Number::Big(text)) => {
                if let Ok(i) = text.parse::<i64>() {
                    visitor.visit_i64(i)
                } else if let Ok(u) = text.parse::<u64>() {
                    visitor.visit_u64(u)
                } else {
                    match text.parse::<f64>() {
                        Ok(f) => visitor.visit_f64(f),
                        Err(_) => visitor.visit_string(text),
                    }
                }
            }
            Dynamic::String(s) => visitor.visit_string(s),
            Dynamic::List(items) => visitor.visit_seq(SeqReader {
                items: items.into_iter(),
                index: 0,
            }),
            Dynamic::Map(entries) => visitor.visit_map(MapReader {
                entries: entries.into_iter(),
                pending: None,
            }),
            Dynamic::Typed(_, inner) => TreeDeserializer(*inner).deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TreeError> {
        match self.0 {
            Dynamic::Null => visitor.visit_none(),
            Dynamic::Unknown => Err(unknown_error()),
            Dynamic::Typed(_, inner) => TreeDeserializer(*inner).deserialize_option(visitor),
            other => visitor.visit_some(TreeDeserializer(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TreeError> {
        if name != VALUE_TOKEN {
            return visitor.visit_newtype_struct(self);
        }
        match self.0 {
            Dynamic::Null => visitor.visit_none(),
            Dynamic::Unknown => visitor.visit_unit(),
            Dynamic::Typed(_, inner) => {
                TreeDeserializer(*inner).deserialize_newtype_struct(name, visitor)
            }
            other => visitor.visit_some(TreeDeserializer(other)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TreeError> {
        match self.0.untyped() {
            Dynamic::Null => visitor.visit_unit(),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TreeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TreeError> {
        match self.0 {
            Dynamic::String(variant) => visitor.visit_enum(variant.into_deserializer()),
            Dynamic::Map(entries) if entries.len() == 1 => {
                let mut entries = entries.into_iter();
                match entries.next() {
                    Some((variant, content)) => visitor.visit_enum(EnumReader { variant, content }),
                    None => Err(de::Error::custom("an enum needs a variant")),
                }
            }
            Dynamic::Typed(_, inner) => {
                TreeDeserializer(*inner).deserialize_enum(_name, _variants, visitor)
            }
            Dynamic::Unknown => Err(unknown_error()),
            _ => Err(de::Error::custom(
                "an enum is a string or a map of one variant",
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TreeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf seq tuple tuple_struct map struct identifier
    }
}

struct SeqReader {
    items: std::vec::IntoIter<Dynamic>,
    index: usize,
}

impl<'de> SeqAccess<'de> for SeqReader {
    type Error = TreeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TreeError> {
        match self.items.next() {
            None => Ok(None),
            Some(item) => {
                let index = self.index;
                self.index += 1;
                seed.deserialize(TreeDeserializer(item))
                    .map(Some)
                    .map_err(|e| e.within(index_step(index)))
            }
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapReader {
    entries: std::collections::btree_map::IntoIter<String, Dynamic>,
    pending: Option<(String, Dynamic)>,
}

impl<'de> MapAccess<'de> for MapReader {
    type Error = TreeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TreeError> {
        match self.entries.next() {
            None => Ok(None),
            Some((key, value)) => {
                // Borrowed: a struct's field names are matched without copying the key.
                let read = seed.deserialize(key.as_str().into_deserializer())?;
                self.pending = Some((key, value));
                Ok(Some(read))
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, TreeError> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| <TreeError as de::Error>::custom("a map value was read twice"))?;
        // The step is an attribute name for structs and a key for maps; both print as the
        // configuration writes them, and Terraform takes either for an object's attribute.
        seed.deserialize(TreeDeserializer(value))
            .map_err(|e| e.within(Step::Attribute(key)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct EnumReader {
    variant: String,
    content: Dynamic,
}

impl<'de> EnumAccess<'de> for EnumReader {
    type Error = TreeError;
    type Variant = VariantReader;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantReader), TreeError> {
        let variant = seed.deserialize(self.variant.as_str().into_deserializer())?;
        Ok((
            variant,
            VariantReader {
                name: self.variant,
                content: self.content,
            },
        ))
    }
}

struct VariantReader {
    name: String,
    content: Dynamic,
}

impl<'de> VariantAccess<'de> for VariantReader {
    type Error = TreeError;

    fn unit_variant(self) -> Result<(), TreeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, TreeError> {
        seed.deserialize(TreeDeserializer(self.content))
            .map_err(|e| e.within(Step::Attribute(self.name)))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TreeError> {
        de::Deserializer::deserialize_seq(TreeDeserializer(self.content), visitor)
            .map_err(|e| e.within(Step::Attribute(self.name)))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TreeError> {
        de::Deserializer::deserialize_map(TreeDeserializer(self.content), visitor)
            .map_err(|e| e.within(Step::Attribute(self.name)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::value::Value;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Block {
        url: Value<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Spa,
        RegularWeb,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Model {
        key: Value<String>,
        count: Value<i64>,
        flag: Value<bool>,
        labels: Value<BTreeMap<String, Value<String>>>,
        names: Value<BTreeSet<Value<String>>>,
        blocks: Vec<Block>,
        kind: Kind,
        plain: Option<String>,
    }

    fn sample() -> Model {
        Model {
            key: Value::Value("WM-Prod".into()),
            count: Value::Unknown,
            flag: Value::Null,
            labels: Value::Value(BTreeMap::from([
                ("team".into(), Value::Value("platform".into())),
                ("later".into(), Value::Unknown),
            ])),
            names: Value::Unknown,
            blocks: vec![Block {
                url: Value::Value("https://x".into()),
            }],
            kind: Kind::RegularWeb,
            plain: None,
        }
    }

    #[test]
    fn models_round_trip_with_unknowns_and_nulls() {
        let tree = to_dynamic(&sample()).expect("to tree");
        assert_eq!(tree.get("count"), Some(&Dynamic::Unknown));
        assert_eq!(tree.get("flag"), Some(&Dynamic::Null));
        assert_eq!(tree.get("kind"), Some(&Dynamic::from("regular_web")));
        let back: Model = from_dynamic(tree).expect("from tree");
        assert_eq!(back, sample());
    }

    #[test]
    fn errors_name_the_path() {
        let mut tree = to_dynamic(&sample()).expect("to tree");
        if let Dynamic::Map(entries) = &mut tree {
            entries.insert(
                "blocks".into(),
                Dynamic::List(vec![Dynamic::Map(BTreeMap::from([(
                    "url".into(),
                    Dynamic::Bool(true),
                )]))]),
            );
        }
        let error = from_dynamic::<Model>(tree).expect_err("a bool is not a string");
        assert_eq!(error.path.to_string(), "blocks[0].url");
        assert!(error.message.contains("invalid type"), "{error}");
    }

    #[test]
    fn an_unknown_needs_a_value_field() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Plain {
            key: String,
        }
        let tree = Dynamic::Map(BTreeMap::from([("key".into(), Dynamic::Unknown)]));
        let error = from_dynamic::<Plain>(tree).expect_err("unknown");
        assert_eq!(error.path.to_string(), "key");
    }

    #[test]
    fn typed_values_read_through() {
        let tree = Dynamic::Typed(
            Box::new(crate::types::Type::String),
            Box::new(Dynamic::from("x")),
        );
        let v: Value<String> = from_dynamic(tree).expect("typed string");
        assert_eq!(v, Value::Value("x".into()));
    }
}
