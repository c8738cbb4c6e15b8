//! Enums that decode values the seed does not list yet into `Other(String)` instead of failing.
//!
//! Upstream APIs add enum values without notice; a console that refuses a whole page of operations because
//! one of them has a new type would be useless exactly when it is needed.

/// Declares a string enum with known variants, their wire names and plain labels, plus `Other(String)`.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
            /// A value this version does not know; kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every value the seed documents, in its order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)+];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// A plain-language label for people.
            pub fn label(&self) -> &str {
                match self {
                    $($name::$variant => $label,)+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Parses a wire value; unknown values become `Other`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }

            /// Parses a value typed by a person (a link's query): a known value in any letter case
            /// (`failed` is `FAILED`), else `Other` as written.
            pub fn from_typed(s: &str) -> Self {
                match $name::KNOWN.iter().find(|known| known.as_str().eq_ignore_ascii_case(s)) {
                    Some(known) => known.clone(),
                    None => $name::Other(s.to_string()),
                }
            }

            /// Parses a wire value, refusing values the seed does not list (for validating requests).
            pub fn parse_known(s: &str) -> Option<Self> {
                match Self::from_wire(s) {
                    $name::Other(_) => None,
                    v => Some(v),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok($name::from_wire(&s))
            }
        }
    };
}
