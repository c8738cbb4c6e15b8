//! Seed 004's rule for the labels of one consent type name (`localizedLabels`), run by both sides: the
//! sandbox refuses a `PUT /consents/consentTypeNames` that breaks it, and the staff client
//! (`consents_staff::type_names::check_type_labels`, also run by the gateway) checks it before sending,
//! so the two cannot disagree on what is valid.
//!
//! The seed's schema text: `localizedLabels` is "An object that maps a name to an array of labels,
//! descriptions and a language (locale) code for the label and description. The first item in the array
//! should be the default label/description; the remaining items must have a language." and a
//! `localizedLabel`'s `language` is "The natural language tag to which this localized label is
//! associated, as per RFC 7231. If empty, this item serves as the default label in case no label matches
//! the caller's language."
//!
//! Where the seed is silent, the console's reading: RFC 7231 language tags are BCP 47 tags, compared
//! without regard to case (`EN` is `en`), so one tag appears at most once in a name's labels (the first
//! label's included: a reader of that language would otherwise get one of two labels at random); `es`
//! and `es-MX` are two tags. The seed gives no maximum length: a label has at most [`MAX_LABEL_CHARS`]
//! characters and a description at most [`MAX_DESCRIPTION_CHARS`].

use std::fmt;

use super::LocalizedLabel;

/// The most characters (Unicode scalar values) a label's text may have.
pub const MAX_LABEL_CHARS: usize = 200;
/// The most characters a label's description may have.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// Which part of the rule a name's labels break; `index` is the label's position in the array (0: the
/// default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelRuleBroken {
    /// The array is empty.
    NoLabel,
    /// A label's text is empty or blank.
    EmptyLabel { index: usize },
    /// A label after the first has no language (absent, empty or blank).
    NoLanguage { index: usize },
    /// A language that is not a language tag (`es_MX`, `spanish!`).
    NotALanguageTag { index: usize, tag: String },
    /// A tag an earlier label already has, in any case.
    SameLanguageTwice { index: usize, tag: String },
    LabelTooLong { index: usize, chars: usize },
    DescriptionTooLong { index: usize, chars: usize },
}

impl LabelRuleBroken {
    /// The position of the label at fault; none for an empty array.
    pub fn index(&self) -> Option<usize> {
        match self {
            LabelRuleBroken::NoLabel => None,
            LabelRuleBroken::EmptyLabel { index }
            | LabelRuleBroken::NoLanguage { index }
            | LabelRuleBroken::NotALanguageTag { index, .. }
            | LabelRuleBroken::SameLanguageTwice { index, .. }
            | LabelRuleBroken::LabelTooLong { index, .. }
            | LabelRuleBroken::DescriptionTooLong { index, .. } => Some(*index),
        }
    }

    /// The property of the label at fault (`label`, `language` or `description`).
    pub fn property(&self) -> &'static str {
        match self {
            LabelRuleBroken::NoLabel | LabelRuleBroken::EmptyLabel { .. } | LabelRuleBroken::LabelTooLong { .. } => "label",
            LabelRuleBroken::NoLanguage { .. } | LabelRuleBroken::NotALanguageTag { .. } | LabelRuleBroken::SameLanguageTwice { .. } => "language",
            LabelRuleBroken::DescriptionTooLong { .. } => "description",
        }
    }
}

impl fmt::Display for LabelRuleBroken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelRuleBroken::NoLabel => write!(f, "needs at least one label (the first is the default)"),
            LabelRuleBroken::EmptyLabel { index } => write!(f, "label {} is empty: write its text", index + 1),
            LabelRuleBroken::NoLanguage { index } => write!(
                f,
                "label {} has no language: every label after the first (the default) must name its language, such as es or fr-CA",
                index + 1
            ),
            LabelRuleBroken::NotALanguageTag { index, tag } => {
                write!(f, "the language of label {} is '{tag}', not a language tag such as es, fr or es-MX", index + 1)
            }
            LabelRuleBroken::SameLanguageTwice { index, tag } => {
                write!(f, "label {} has the language '{tag}' of an earlier label: keep one label per language", index + 1)
            }
            LabelRuleBroken::LabelTooLong { index, chars } => {
                write!(f, "label {} has {chars} characters: at most {MAX_LABEL_CHARS}", index + 1)
            }
            LabelRuleBroken::DescriptionTooLong { index, chars } => {
                write!(f, "the description of label {} has {chars} characters: at most {MAX_DESCRIPTION_CHARS}", index + 1)
            }
        }
    }
}

/// Whether `tag` is a language tag (BCP 47's shape, which RFC 7231 names): a primary subtag of 2 to 8
/// letters, then subtags of 1 to 8 letters or digits, joined by `-`.
pub fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let primary_ok = subtags.next().is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok && subtags.all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A label's language, when it names one (absent, empty and blank do not).
fn language_of(label: &LocalizedLabel) -> Option<&str> {
    label.language.as_deref().filter(|l| !l.trim().is_empty())
}

/// Every way `labels` break the rule, label by label in order: at most one fault of each property (text,
/// description, language) of a label.
pub fn label_faults(labels: &[LocalizedLabel]) -> Vec<LabelRuleBroken> {
    if labels.is_empty() {
        return vec![LabelRuleBroken::NoLabel];
    }
    let mut seen: Vec<String> = Vec::new();
    let mut faults = Vec::new();
    for (index, label) in labels.iter().enumerate() {
        let chars = label.label.chars().count();
        if label.label.trim().is_empty() {
            faults.push(LabelRuleBroken::EmptyLabel { index });
        } else if chars > MAX_LABEL_CHARS {
            faults.push(LabelRuleBroken::LabelTooLong { index, chars });
        }
        let description_chars = label.description.as_deref().map_or(0, |d| d.chars().count());
        if description_chars > MAX_DESCRIPTION_CHARS {
            faults.push(LabelRuleBroken::DescriptionTooLong { index, chars: description_chars });
        }
        match language_of(label) {
            None if index > 0 => faults.push(LabelRuleBroken::NoLanguage { index }),
            None => {}
            Some(tag) if !is_language_tag(tag) => faults.push(LabelRuleBroken::NotALanguageTag { index, tag: tag.to_string() }),
            Some(tag) if seen.contains(&tag.to_ascii_lowercase()) => {
                faults.push(LabelRuleBroken::SameLanguageTwice { index, tag: tag.to_string() })
            }
            Some(tag) => seen.push(tag.to_ascii_lowercase()),
        }
    }
    faults
}

/// The first way `labels` break the rule, if any.
pub fn check_labels(labels: &[LocalizedLabel]) -> Result<(), LabelRuleBroken> {
    label_faults(labels).into_iter().next().map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str, language: Option<&str>) -> LocalizedLabel {
        LocalizedLabel { label: text.into(), description: None, language: language.map(str::to_string), code: None }
    }

    #[track_caller]
    fn breaks(labels: &[LocalizedLabel], expected: LabelRuleBroken) {
        assert_eq!(check_labels(labels), Err(expected));
    }

    #[test]
    fn labels_after_the_first_name_their_language_once_each() {
        assert_eq!(check_labels(&[label("Privacy", None), label("Privacidad", Some("es")), label("Confidentialité", Some("fr-CA"))]), Ok(()));
        assert_eq!(check_labels(&[label("Privacy", Some("en")), label("Privacidad", Some("es")), label("Privacidad (MX)", Some("es-MX"))]), Ok(()));
        assert_eq!(check_labels(&[label("Privacy", Some(""))]), Ok(()), "an empty language: the default");
        breaks(&[], LabelRuleBroken::NoLabel);
        breaks(&[label("Privacy", None), label("Privacidad", None)], LabelRuleBroken::NoLanguage { index: 1 });
        breaks(&[label("Privacy", None), label("Privacidad", Some("  "))], LabelRuleBroken::NoLanguage { index: 1 });
        breaks(&[label("Privacy", None), label("x", Some("es_MX"))], LabelRuleBroken::NotALanguageTag { index: 1, tag: "es_MX".into() });
        breaks(&[label("Privacy", None), label("x", Some("e"))], LabelRuleBroken::NotALanguageTag { index: 1, tag: "e".into() });
        breaks(&[label("Privacy", Some("en")), label("x", Some("EN"))], LabelRuleBroken::SameLanguageTwice { index: 1, tag: "EN".into() });
        breaks(&[label("Privacidad", Some("es")), label("Privacy", Some("en")), label("y", Some("Es"))], LabelRuleBroken::SameLanguageTwice { index: 2, tag: "Es".into() });
        breaks(&[label("Privacy", None), label(" ", Some("fr"))], LabelRuleBroken::EmptyLabel { index: 1 });
    }

    #[test]
    fn labels_and_descriptions_have_a_maximum_length_in_characters() {
        let at_most = "é".repeat(MAX_LABEL_CHARS);
        assert_eq!(check_labels(&[label(&at_most, None)]), Ok(()), "characters, not bytes");
        breaks(&[label(&format!("{at_most}x"), None)], LabelRuleBroken::LabelTooLong { index: 0, chars: MAX_LABEL_CHARS + 1 });
        let mut described = label("Privacy", None);
        described.description = Some("d".repeat(MAX_DESCRIPTION_CHARS));
        assert_eq!(check_labels(&[described.clone()]), Ok(()));
        described.description = Some("d".repeat(MAX_DESCRIPTION_CHARS + 1));
        breaks(&[described], LabelRuleBroken::DescriptionTooLong { index: 0, chars: MAX_DESCRIPTION_CHARS + 1 });
        let all = label_faults(&[label("", None), label("x", None), label("y", Some("fr"))]);
        assert_eq!(all, [LabelRuleBroken::EmptyLabel { index: 0 }, LabelRuleBroken::NoLanguage { index: 1 }]);
        assert_eq!((all[1].index(), all[1].property()), (Some(1), "language"));
    }
}
