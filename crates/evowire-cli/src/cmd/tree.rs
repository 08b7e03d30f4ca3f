//! The JSON that `evowire encode` reads: a tree that keeps object members in their order
//! (duplicates included) and numbers as written (`u64`, `i64` or an exact `f64`).
//!
//! serde_json's own nesting limit (128) is lifted: [`values`] first measures the nesting
//! without recursion and refuses input deeper than any message within the depth bound
//! can need.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    U(u64),
    I(i64),
    F(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// What kind of value this is, for messages: "a number", "an object", ….
    pub fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "a boolean",
            J::U(_) | J::I(_) | J::F(_) => "a number",
            J::Str(_) => "a string",
            J::Arr(_) => "an array",
            J::Obj(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<J, E> {
        Ok(J::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<J, E> {
        Ok(J::U(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<J, E> {
        Ok(J::I(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<J, E> {
        Ok(J::F(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<J, E> {
        Ok(J::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<J, E> {
        Ok(J::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(J::Arr(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry::<String, J>()? {
            members.push(member);
        }
        Ok(J::Obj(members))
    }
}

/// How deeply arrays and objects nest in `text`, measured without recursion and without
/// checking anything else; stops counting once past `limit`.
pub fn nesting(text: &[u8], limit: usize) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &c in text {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > limit {
                    return deepest;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The JSON values in `text`, one after the other, parsed as they are taken. `limit`
/// bounds their nesting (see [`nesting`]); within it, serde_json's recursion is safe on
/// the commands' stack.
pub fn values(
    text: &[u8],
    limit: usize,
) -> Result<impl Iterator<Item = Result<J, String>> + '_, String> {
    let deepest = nesting(text, limit);
    if deepest > limit {
        return Err(format!(
            "invalid JSON input: arrays and objects nest deeper than {limit} levels, \
             more than any message within --max-depth needs"
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(text);
    de.disable_recursion_limit();
    Ok(de
        .into_iter::<J>()
        .map(|v| v.map_err(|e| format!("invalid JSON input: {e}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_their_order_and_numbers_their_kind() {
        let values: Vec<J> = values(br#"{"b": 1, "a": -1, "b": 0.1} [] "x""#, 10)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            values,
            [
                J::Obj(vec![
                    ("b".into(), J::U(1)),
                    ("a".into(), J::I(-1)),
                    ("b".into(), J::F(0.1)),
                ]),
                J::Arr(vec![]),
                J::Str("x".into()),
            ]
        );
    }

    #[test]
    fn nesting_is_measured_outside_strings() {
        assert_eq!(nesting(br#"[{"a": "[[[\"[["}, [[]]]"#, 100), 3);
        let deep = "[".repeat(100_000);
        assert_eq!(nesting(deep.as_bytes(), 300), 301);
        assert!(values(deep.as_bytes(), 300)
            .err()
            .unwrap()
            .contains("deeper than 300 levels"));
    }
}
