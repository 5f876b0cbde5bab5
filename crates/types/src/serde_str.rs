//! Serde helpers: integers as decimal strings and bytes as hex, so that JSON clients never lose
//! precision on `u64`/`u128` values.

/// `u64` as a decimal string (accepts a string or a JSON number on input).
pub mod u64_str {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the number as a decimal string.
    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Reads a decimal string or a JSON number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Num(u64),
            Str(String),
        }
        match Either::deserialize(d)? {
            Either::Num(n) => Ok(n),
            Either::Str(s) => s.parse().map_err(|_| {
                serde::de::Error::custom(format!(
                    "expected a whole number written as decimal digits, got {s:?}"
                ))
            }),
        }
    }
}

/// `u128` as a decimal string (accepts a string on input).
pub mod u128_str {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the number as a decimal string.
    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Reads a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|_| {
            serde::de::Error::custom(format!("expected a whole number written as decimal digits, got {s:?}"))
        })
    }
}

/// `Option<u64>` as a decimal string or null (accepts a string or a JSON number on input).
pub mod opt_u64_str {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the number as a decimal string, or null.
    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_str(&n.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Reads a decimal string, a JSON number or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super::u64_str")] u64);
        Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
    }
}

/// Bytes as lowercase hex.
pub mod hex_bytes {
    use serde::{Deserializer, Serializer};

    /// Writes the bytes as hex.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    /// Reads hex.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        hex::decode(&s).map_err(|e| serde::de::Error::custom(format!("expected hex: {e}")))
    }
}

/// A 64-byte signature as 128 hex characters.
pub mod hex_sig {
    use serde::{Deserializer, Serializer};

    /// Writes the signature as hex.
    pub fn serialize<S: Serializer>(v: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    /// Reads 128 hex characters.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let bytes = super::hex_bytes::deserialize(d)?;
        bytes.try_into().map_err(|_| serde::de::Error::custom("a signature is 64 bytes (128 hex characters)"))
    }
}
