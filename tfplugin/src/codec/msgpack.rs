//! MessagePack, the form of every `DynamicValue` on the wire.
//!
//! - null is `nil`, at any type;
//! - an unknown value is an extension value: Terraform writes code 0 for a plain unknown and
//!   code 12 for one with refinements (nullness, string prefix, number or length bounds);
//!   every extension code reads as unknown, refinements are not kept, and unknowns are written
//!   as code 0 (always allowed: refinements are an optional precision);
//! - numbers are integers or floats when they fit, else decimal strings;
//! - lists, sets and tuples are arrays; maps and objects are maps with string keys;
//! - a value at a `dynamic` position is a two-element array: its type in JSON (binary), then
//!   the value encoded with that type.

use std::collections::BTreeMap;

use crate::codec::{CodecError, index_step};
use crate::diagnostics::Step;
use crate::dynamic::{Dynamic, Number};
use crate::types::Type;

/// How deep a value without a type may nest (private state); deeper input is refused rather
/// than risking the stack.
const MAX_UNTYPED_DEPTH: usize = 128;

/// The bytes of an unknown value without refinements: `fixext1`, extension code 0, one zero
/// byte.
const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// Encodes `value` as a value of type `ty`.
pub fn encode(value: &Dynamic, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(64);
    write_typed(&mut out, value, ty)?;
    Ok(out)
}

/// Decodes a value of type `ty`; no bytes at all read as null.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Dynamic, CodecError> {
    if bytes.is_empty() {
        return Ok(Dynamic::Null);
    }
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.typed(ty)?;
    if reader.at != bytes.len() {
        return Err(CodecError::new(format!(
            "{} bytes left over after the value",
            bytes.len() - reader.at
        )));
    }
    Ok(value)
}

/// Encodes a value in its natural form, with no type to follow (private state). A
/// [`Dynamic::Typed`] value is written with its type's rules, without the type.
pub fn encode_untyped(value: &Dynamic) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write_untyped(&mut out, value);
    out
}

/// Decodes a value in its natural form (private state): arrays are lists, maps need string
/// keys, extension values are unknown, binary is read as UTF-8 text. No bytes read as null.
pub fn decode_untyped(bytes: &[u8]) -> Result<Dynamic, CodecError> {
    if bytes.is_empty() {
        return Ok(Dynamic::Null);
    }
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.untyped(0)?;
    if reader.at != bytes.len() {
        return Err(CodecError::new(format!(
            "{} bytes left over after the value",
            bytes.len() - reader.at
        )));
    }
    Ok(value)
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

fn mismatch(value: &Dynamic, ty: &Type) -> CodecError {
    let what = match value.untyped() {
        Dynamic::Null => "null",
        Dynamic::Unknown => "unknown",
        Dynamic::Bool(_) => "a bool",
        Dynamic::Number(_) => "a number",
        Dynamic::String(_) => "a string",
        Dynamic::List(_) => "a sequence",
        Dynamic::Map(_) => "a map",
        Dynamic::Typed(..) => "a typed value",
    };
    CodecError::new(format!("{what} is not a value of type {ty}"))
}

fn write_typed(out: &mut Vec<u8>, value: &Dynamic, ty: &Type) -> Result<(), CodecError> {
    if *ty == Type::Dynamic {
        return write_dynamic(out, value);
    }
    let value = match value {
        // A typed value at a position whose type is already decided: the position rules.
        Dynamic::Typed(_, inner) => inner.as_ref(),
        other => other,
    };
    match (value, ty) {
        (Dynamic::Null, _) => out.push(0xc0),
        (Dynamic::Unknown, _) => out.extend_from_slice(&UNKNOWN),
        (Dynamic::Bool(b), Type::Bool) => out.push(if *b { 0xc3 } else { 0xc2 }),
        (Dynamic::Number(n), Type::Number) => write_number(out, n),
        (Dynamic::String(s), Type::String) => write_str(out, s),
        (Dynamic::List(items), Type::List(element) | Type::Set(element)) => {
            write_array_len(out, items.len())?;
            for (i, item) in items.iter().enumerate() {
                write_typed(out, item, element).map_err(|e| e.within(index_step(i)))?;
            }
        }
        (Dynamic::List(items), Type::Tuple(elements)) => {
            if items.len() != elements.len() {
                return Err(CodecError::new(format!(
                    "{} elements for a tuple of {}",
                    items.len(),
                    elements.len()
                )));
            }
            write_array_len(out, items.len())?;
            for (i, (item, element)) in items.iter().zip(elements).enumerate() {
                write_typed(out, item, element).map_err(|e| e.within(index_step(i)))?;
            }
        }
        (Dynamic::Map(entries), Type::Map(element)) => {
            write_map_len(out, entries.len())?;
            for (key, item) in entries {
                write_str(out, key);
                write_typed(out, item, element).map_err(|e| e.within(Step::Key(key.clone())))?;
            }
        }
        (Dynamic::Map(entries), Type::Object(attributes, _)) => {
            if let Some(extra) = entries.keys().find(|k| !attributes.contains_key(*k)) {
                return Err(CodecError::new(format!(
                    "attribute {extra:?} is not part of type {ty}"
                )));
            }
            write_map_len(out, attributes.len())?;
            for (name, attribute_type) in attributes {
                write_str(out, name);
                let item = entries.get(name).unwrap_or(&Dynamic::Null);
                write_typed(out, item, attribute_type)
                    .map_err(|e| e.within(Step::Attribute(name.clone())))?;
            }
        }
        (value, ty) => return Err(mismatch(value, ty)),
    }
    Ok(())
}

/// A value at a `dynamic` position: null and unknown of unknown type as they are, anything
/// else with its type.
fn write_dynamic(out: &mut Vec<u8>, value: &Dynamic) -> Result<(), CodecError> {
    match value {
        Dynamic::Null => out.push(0xc0),
        Dynamic::Unknown => out.extend_from_slice(&UNKNOWN),
        Dynamic::Typed(ty, inner) if **ty == Type::Dynamic => write_dynamic(out, inner)?,
        other => {
            let ty = other.infer_type();
            out.push(0x92); // fixarray of 2
            write_bin(out, &ty.to_json_bytes())?;
            write_typed(out, other, &ty)?;
        }
    }
    Ok(())
}

fn write_untyped(out: &mut Vec<u8>, value: &Dynamic) {
    match value {
        Dynamic::Null => out.push(0xc0),
        Dynamic::Unknown => out.extend_from_slice(&UNKNOWN),
        Dynamic::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Dynamic::Number(n) => write_number(out, n),
        Dynamic::String(s) => write_str(out, s),
        Dynamic::List(items) => {
            // A Vec never holds more than u32::MAX elements here (private state is small).
            let _ = write_array_len(out, items.len());
            for item in items {
                write_untyped(out, item);
            }
        }
        Dynamic::Map(entries) => {
            let _ = write_map_len(out, entries.len());
            for (key, item) in entries {
                write_str(out, key);
                write_untyped(out, item);
            }
        }
        Dynamic::Typed(_, inner) => write_untyped(out, inner),
    }
}

fn write_number(out: &mut Vec<u8>, number: &Number) {
    match number {
        Number::Int(i) => write_int(out, *i),
        Number::UInt(u) => match i64::try_from(*u) {
            Ok(i) => write_int(out, i),
            Err(_) => {
                out.push(0xcf);
                out.extend_from_slice(&u.to_be_bytes());
            }
        },
        Number::Float(f) => {
            // Integral values go as integers, as Terraform writes them.
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                write_int(out, *f as i64);
            } else {
                out.push(0xcb);
                out.extend_from_slice(&f.to_be_bytes());
            }
        }
        Number::Big(text) => write_str(out, text),
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    match i {
        0..=0x7f => out.push(i as u8),
        -32..=-1 => out.push(i as i8 as u8),
        0x80..=0xff => out.extend_from_slice(&[0xcc, i as u8]),
        0x100..=0xffff => {
            out.push(0xcd);
            out.extend_from_slice(&(i as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xce);
            out.extend_from_slice(&(i as u32).to_be_bytes());
        }
        -128..=-33 => out.extend_from_slice(&[0xd0, i as i8 as u8]),
        -32768..=-129 => {
            out.push(0xd1);
            out.extend_from_slice(&(i as i16).to_be_bytes());
        }
        -2_147_483_648..=-32769 => {
            out.push(0xd2);
            out.extend_from_slice(&(i as i32).to_be_bytes());
        }
        _ => {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let len = s.len();
    match len {
        0..=31 => out.push(0xa0 | len as u8),
        32..=0xff => out.extend_from_slice(&[0xd9, len as u8]),
        0x100..=0xffff => {
            out.push(0xda);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0xdb);
            out.extend_from_slice(&(len.min(u32::MAX as usize) as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_bin(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), CodecError> {
    let len = bytes.len();
    match len {
        0..=0xff => out.extend_from_slice(&[0xc4, len as u8]),
        0x100..=0xffff => {
            out.push(0xc5);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            let len = u32::try_from(len).map_err(|_| CodecError::new("binary too long"))?;
            out.push(0xc6);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    out.extend_from_slice(bytes);
    Ok(())
}

fn write_array_len(out: &mut Vec<u8>, len: usize) -> Result<(), CodecError> {
    match len {
        0..=15 => out.push(0x90 | len as u8),
        16..=0xffff => {
            out.push(0xdc);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            let len = u32::try_from(len).map_err(|_| CodecError::new("sequence too long"))?;
            out.push(0xdd);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    Ok(())
}

fn write_map_len(out: &mut Vec<u8>, len: usize) -> Result<(), CodecError> {
    match len {
        0..=15 => out.push(0x80 | len as u8),
        16..=0xffff => {
            out.push(0xde);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            let len = u32::try_from(len).map_err(|_| CodecError::new("map too long"))?;
            out.push(0xdf);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// One MessagePack item's head: what it is and, for containers and strings, its length.
enum Head {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    /// An extension value (its code does not matter here): its payload length.
    Ext(usize),
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| CodecError::new("the MessagePack value ends early"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.take(1)?[0])
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut buf = [0u8; N];
        buf.copy_from_slice(self.take(N)?);
        Ok(buf)
    }

    fn len16(&mut self) -> Result<usize, CodecError> {
        Ok(u16::from_be_bytes(self.be()?) as usize)
    }

    fn len32(&mut self) -> Result<usize, CodecError> {
        Ok(u32::from_be_bytes(self.be()?) as usize)
    }

    fn head(&mut self) -> Result<Head, CodecError> {
        let marker = self.u8()?;
        Ok(match marker {
            0x00..=0x7f => Head::Int(i64::from(marker)),
            0x80..=0x8f => Head::Map(usize::from(marker & 0x0f)),
            0x90..=0x9f => Head::Array(usize::from(marker & 0x0f)),
            0xa0..=0xbf => Head::Str(usize::from(marker & 0x1f)),
            0xc0 => Head::Nil,
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => Head::Bin(usize::from(self.u8()?)),
            0xc5 => Head::Bin(self.len16()?),
            0xc6 => Head::Bin(self.len32()?),
            0xc7 => {
                let len = usize::from(self.u8()?);
                {
                    self.u8()?;
                    Head::Ext(len)
                }
            }
            0xc8 => {
                let len = self.len16()?;
                {
                    self.u8()?;
                    Head::Ext(len)
                }
            }
            0xc9 => {
                let len = self.len32()?;
                {
                    self.u8()?;
                    Head::Ext(len)
                }
            }
            0xca => Head::Float(f64::from(f32::from_be_bytes(self.be()?))),
            0xcb => Head::Float(f64::from_be_bytes(self.be()?)),
            0xcc => Head::Int(i64::from(self.u8()?)),
            0xcd => Head::Int(i64::from(u16::from_be_bytes(self.be()?))),
            0xce => Head::Int(i64::from(u32::from_be_bytes(self.be()?))),
            0xcf => {
                let u = u64::from_be_bytes(self.be()?);
                match i64::try_from(u) {
                    Ok(i) => Head::Int(i),
                    Err(_) => Head::UInt(u),
                }
            }
            0xd0 => Head::Int(i64::from(i8::from_be_bytes(self.be()?))),
            0xd1 => Head::Int(i64::from(i16::from_be_bytes(self.be()?))),
            0xd2 => Head::Int(i64::from(i32::from_be_bytes(self.be()?))),
            0xd3 => Head::Int(i64::from_be_bytes(self.be()?)),
            0xd4 => {
                self.u8()?;
                Head::Ext(1)
            }
            0xd5 => {
                self.u8()?;
                Head::Ext(2)
            }
            0xd6 => {
                self.u8()?;
                Head::Ext(4)
            }
            0xd7 => {
                self.u8()?;
                Head::Ext(8)
            }
            0xd8 => {
                self.u8()?;
                Head::Ext(16)
            }
            0xd9 => Head::Str(usize::from(self.u8()?)),
            0xda => Head::Str(self.len16()?),
            0xdb => Head::Str(self.len32()?),
            0xdc => Head::Array(self.len16()?),
            0xdd => Head::Array(self.len32()?),
            0xde => Head::Map(self.len16()?),
            0xdf => Head::Map(self.len32()?),
            0xe0..=0xff => Head::Int(i64::from(marker as i8)),
            0xc1 => return Err(CodecError::new("0xc1 is not a MessagePack marker")),
        })
    }

    fn str(&mut self, len: usize) -> Result<String, CodecError> {
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| CodecError::new("a string is not valid UTF-8"))
    }

    /// A map key: always a string in Terraform's encoding.
    fn key(&mut self) -> Result<String, CodecError> {
        self.key_str().map(str::to_string)
    }

    /// A map key, borrowed from the input.
    fn key_str(&mut self) -> Result<&'a str, CodecError> {
        match self.head()? {
            Head::Str(len) | Head::Bin(len) => std::str::from_utf8(self.take(len)?)
                .map_err(|_| CodecError::new("a string is not valid UTF-8")),
            _ => Err(CodecError::new("a map key is not a string")),
        }
    }

    fn typed(&mut self, ty: &Type) -> Result<Dynamic, CodecError> {
        let head = self.head()?;
        match head {
            Head::Nil => return Ok(Dynamic::Null),
            Head::Ext(len) => {
                // Any extension is an unknown value; refinements (code 12) are not kept.
                self.take(len)?;
                return Ok(Dynamic::Unknown);
            }
            _ => {}
        }
        match (head, ty) {
            (Head::Array(2), Type::Dynamic) => {
                let type_json = match self.head()? {
                    Head::Bin(len) | Head::Str(len) => self.take(len)?,
                    _ => {
                        return Err(CodecError::new(
                            "a dynamic value does not start with its type",
                        ));
                    }
                };
                let inner_type =
                    Type::from_json_bytes(type_json).map_err(|e| CodecError::new(e.to_string()))?;
                let inner = self.typed(&inner_type)?;
                Ok(Dynamic::Typed(Box::new(inner_type), Box::new(inner)))
            }
            (_, Type::Dynamic) => Err(CodecError::new(
                "a dynamic value is not a pair of type and value",
            )),
            (Head::Bool(b), Type::Bool) => Ok(Dynamic::Bool(b)),
            (Head::Int(i), Type::Number) => Ok(Dynamic::Number(Number::Int(i))),
            (Head::UInt(u), Type::Number) => Ok(Dynamic::Number(Number::UInt(u))),
            (Head::Float(f), Type::Number) => Ok(Dynamic::Number(Number::Float(f))),
            (Head::Str(len), Type::Number) => {
                let text = self.str(len)?;
                if !Number::is_decimal(&text) {
                    return Err(CodecError::new(format!("{text:?} is not a number")));
                }
                Ok(Dynamic::Number(Number::Big(text)))
            }
            (Head::Str(len), Type::String) => Ok(Dynamic::String(self.str(len)?)),
            (Head::Array(len), Type::List(element) | Type::Set(element)) => {
                let mut items = Vec::with_capacity(len.min(1024));
                for i in 0..len {
                    items.push(self.typed(element).map_err(|e| e.within(index_step(i)))?);
                }
                Ok(Dynamic::List(items))
            }
            (Head::Array(len), Type::Tuple(elements)) => {
                if len != elements.len() {
                    return Err(CodecError::new(format!(
                        "{len} elements for a tuple of {}",
                        elements.len()
                    )));
                }
                let mut items = Vec::with_capacity(len);
                for (i, element) in elements.iter().enumerate() {
                    items.push(self.typed(element).map_err(|e| e.within(index_step(i)))?);
                }
                Ok(Dynamic::List(items))
            }
            (Head::Map(len), Type::Map(element)) => {
                let mut entries = BTreeMap::new();
                for _ in 0..len {
                    let key = self.key()?;
                    let item = self
                        .typed(element)
                        .map_err(|e| e.within(Step::Key(key.clone())))?;
                    entries.insert(key, item);
                }
                Ok(Dynamic::Map(entries))
            }
            (Head::Map(len), Type::Object(attributes, _)) => {
                let mut entries = BTreeMap::new();
                for _ in 0..len {
                    let key = self.key_str()?;
                    // The schema's own name, so the key is copied only once it is known.
                    let Some((name, attribute_type)) = attributes.get_key_value(key) else {
                        return Err(CodecError::new(format!(
                            "attribute {key:?} is not part of type {ty}"
                        )));
                    };
                    let item = self
                        .typed(attribute_type)
                        .map_err(|e| e.within(Step::Attribute(name.clone())))?;
                    entries.insert(name.clone(), item);
                }
                // Attributes left out are null (Terraform sends them all: usually none).
                if entries.len() < attributes.len() {
                    for name in attributes.keys() {
                        if !entries.contains_key(name) {
                            entries.insert(name.clone(), Dynamic::Null);
                        }
                    }
                }
                Ok(Dynamic::Map(entries))
            }
            (_, ty) => Err(CodecError::new(format!(
                "the MessagePack value is not a value of type {ty}"
            ))),
        }
    }

    fn untyped(&mut self, depth: usize) -> Result<Dynamic, CodecError> {
        if depth > MAX_UNTYPED_DEPTH {
            return Err(CodecError::new("the value nests too deeply"));
        }
        Ok(match self.head()? {
            Head::Nil => Dynamic::Null,
            Head::Bool(b) => Dynamic::Bool(b),
            Head::Int(i) => Dynamic::Number(Number::Int(i)),
            Head::UInt(u) => Dynamic::Number(Number::UInt(u)),
            Head::Float(f) => Dynamic::Number(Number::Float(f)),
            Head::Str(len) | Head::Bin(len) => Dynamic::String(self.str(len)?),
            Head::Ext(len) => {
                self.take(len)?;
                Dynamic::Unknown
            }
            Head::Array(len) => {
                let mut items = Vec::with_capacity(len.min(1024));
                for i in 0..len {
                    items.push(
                        self.untyped(depth + 1)
                            .map_err(|e| e.within(index_step(i)))?,
                    );
                }
                Dynamic::List(items)
            }
            Head::Map(len) => {
                let mut entries = BTreeMap::new();
                for _ in 0..len {
                    let key = self.key()?;
                    let item = self
                        .untyped(depth + 1)
                        .map_err(|e| e.within(Step::Key(key.clone())))?;
                    entries.insert(key, item);
                }
                Dynamic::Map(entries)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(entries: &[(&str, Dynamic)]) -> Dynamic {
        Dynamic::Map(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn known_bytes_of_terraform() {
        // {"a": "x", "b": unknown, "c": null} as Terraform writes it.
        let ty = Type::object([("a", Type::String), ("b", Type::Number), ("c", Type::Bool)]);
        let value = object(&[
            ("a", "x".into()),
            ("b", Dynamic::Unknown),
            ("c", Dynamic::Null),
        ]);
        let bytes = encode(&value, &ty).expect("encodes");
        assert_eq!(
            bytes,
            [
                0x83, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xd4, 0, 0, 0xa1, b'c', 0xc0
            ]
        );
        assert_eq!(decode(&bytes, &ty).expect("decodes"), value);
    }

    #[test]
    fn refined_unknowns_read_as_unknown() {
        // ext 12 with a refinement map {1: false} (definitely not null).
        let bytes = [0xc7, 3, 12, 0x81, 0x01, 0xc2];
        assert_eq!(
            decode(&bytes, &Type::String).expect("decodes"),
            Dynamic::Unknown
        );
        assert_eq!(decode_untyped(&bytes).expect("decodes"), Dynamic::Unknown);
    }

    #[test]
    fn dynamic_positions_carry_their_type() {
        let value = Dynamic::Typed(
            Box::new(Type::list(Type::String)),
            Box::new(Dynamic::List(vec!["a".into(), "b".into()])),
        );
        let bytes = encode(&value, &Type::Dynamic).expect("encodes");
        assert_eq!(bytes[0], 0x92);
        assert_eq!(decode(&bytes, &Type::Dynamic).expect("decodes"), value);
        // Without a type, the type is inferred.
        let bare = Dynamic::List(vec!["a".into(), Dynamic::Bool(true)]);
        let bytes = encode(&bare, &Type::Dynamic).expect("encodes");
        let Dynamic::Typed(ty, inner) = decode(&bytes, &Type::Dynamic).expect("decodes") else {
            panic!("a dynamic value decodes with its type");
        };
        assert_eq!(*ty, Type::Tuple(vec![Type::String, Type::Bool]));
        assert_eq!(*inner, bare);
        // Null and unknown of unknown type are written bare.
        assert_eq!(
            encode(&Dynamic::Null, &Type::Dynamic).expect("null"),
            [0xc0]
        );
        assert_eq!(
            encode(&Dynamic::Unknown, &Type::Dynamic).expect("unknown"),
            UNKNOWN
        );
    }

    #[test]
    fn numbers_in_every_form() {
        for (n, back) in [
            (Number::Int(0), Number::Int(0)),
            (Number::Int(-33), Number::Int(-33)),
            (Number::Int(1 << 40), Number::Int(1 << 40)),
            (Number::Int(i64::MIN), Number::Int(i64::MIN)),
            (Number::UInt(u64::MAX), Number::UInt(u64::MAX)),
            (Number::Float(2.5), Number::Float(2.5)),
            (Number::Float(4.0), Number::Int(4)),
            (
                Number::Big("1e400".to_string()),
                Number::Big("1e400".to_string()),
            ),
        ] {
            let bytes = encode(&Dynamic::Number(n.clone()), &Type::Number).expect("encodes");
            assert_eq!(
                decode(&bytes, &Type::Number).expect("decodes"),
                Dynamic::Number(back),
                "{n}"
            );
        }
        let not_a_number = encode(&"abc".into(), &Type::String).expect("a string");
        assert!(decode(&not_a_number, &Type::Number).is_err());
    }

    #[test]
    fn mismatches_name_the_path() {
        let ty = Type::object([("list", Type::list(Type::Number))]);
        let value = object(&[("list", Dynamic::List(vec![Dynamic::from(1), "x".into()]))]);
        let error = encode(&value, &ty).expect_err("a string in a number list");
        assert_eq!(
            error.to_string(),
            "list[1]: a string is not a value of type number"
        );
        let extra = object(&[("other", Dynamic::Null)]);
        assert!(encode(&extra, &ty).is_err());
    }

    #[test]
    fn objects_fill_missing_attributes_with_null() {
        let ty = Type::object([("a", Type::String), ("b", Type::String)]);
        let bytes = [0x81, 0xa1, b'a', 0xa1, b'x'];
        assert_eq!(
            decode(&bytes, &ty).expect("decodes"),
            object(&[("a", "x".into()), ("b", Dynamic::Null)])
        );
    }

    #[test]
    fn truncated_and_trailing_bytes_are_errors() {
        let ty = Type::list(Type::String);
        let bytes = encode(&Dynamic::List(vec!["abc".into()]), &ty).expect("encodes");
        for end in 1..bytes.len() {
            assert!(decode(&bytes[..end], &ty).is_err(), "{end}");
        }
        let mut long = bytes.clone();
        long.push(0xc0);
        assert!(decode(&long, &ty).is_err());
        assert_eq!(decode(&[], &ty).expect("empty is null"), Dynamic::Null);
    }

    #[test]
    fn untyped_depth_is_bounded() {
        let mut bytes = vec![0x91; 200];
        bytes.push(0xc0);
        assert!(decode_untyped(&bytes).is_err());
    }
}
