//! The wire format of Hoard's server functions: JSON, decoded from text.
//!
//! Leptos decodes server-function responses with `serde_json::from_slice`
//! but hydrates resources with `serde_json::from_str`, so with the stock
//! codec the WASM bundle carries every response type's deserializer twice.
//! Decoding responses from text too keeps one copy: about a tenth of the bundle.

use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::de::{DeserializeOwned, Error as _};
use serde::Serialize;

/// JSON in a `POST` body, decoded through `serde_json::from_str`.
pub type Json = Post<JsonText>;

/// The encoding behind [`Json`].
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_string(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault::model::ArtistRef;

    #[test]
    fn values_survive_the_round_trip_and_bad_bytes_are_an_error() {
        let value = vec![ArtistRef {
            id: 7,
            name: "Sigur Rós".into(),
        }];
        let bytes = <JsonText as Encodes<_>>::encode(&value).expect("encode");
        let back: Vec<ArtistRef> = <JsonText as Decodes<_>>::decode(bytes).expect("decode");
        assert_eq!(back, value);
        let bad: Result<Vec<ArtistRef>, _> =
            <JsonText as Decodes<_>>::decode(Bytes::from_static(b"\xff\xfe"));
        assert!(bad.is_err());
    }
}
