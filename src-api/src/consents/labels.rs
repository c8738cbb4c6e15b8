//! Seed 004's rule for the labels of one consent type name (`localizedLabels`), run by every side: the
//! sandbox refuses a `PUT /consents/consentTypeNames` that breaks it (400 `invalidProperty`), the gateway
//! refuses it the same way before asking upstream, and the staff client
//! (`consents_staff::type_names::check_type_labels`) checks it before sending, so none can disagree on
//! what is valid.
//!
//! The seed's schema text: `localizedLabels` is "An object that maps a name to an array of labels,
//! descriptions and a language (locale) code for the label and description. The first item in the array
//! should be the default label/description; the remaining items must have a language." and a
//! `localizedLabel`'s `language` is "The natural language tag to which this localized label is
//! associated, as per RFC 7231. If empty, this item serves as the default label in case no label matches
//! the caller's language." Its properties are `label`, `description`, `language` and `code` ("a lookup
//! code or key or URI"), none with a maximum.
//!
//! Where the seed is silent, the console's reading: RFC 7231 language tags are BCP 47 tags, compared
//! without regard to case (`EN` is `en`), so one tag appears at most once in a name's labels (the first
//! label's included: a reader of that language would otherwise get one of two labels at random); `es`
//! and `es-MX` are two tags. A label is one line (no control character: a line break or tab in a type's
//! label breaks every table and list that shows it). The caps: at most [`MAX_LABELS`] labels per name,
//! [`MAX_LABEL_CHARS`] characters in a label, [`MAX_DESCRIPTION_CHARS`] in a description,
//! [`MAX_LANGUAGE_TAG_CHARS`] in a language tag (BCP 47's practical bound, its section 4.4.1) and
//! [`MAX_CODE_CHARS`] in a code (the seed's own bound on its URIs).
//!
//! Every fault names the label by its language tag (and its position), so that a client can show it
//! beside the field that edits that language.

use std::collections::HashSet;
use std::fmt;

use super::LocalizedLabel;

/// The most labels one type name may have (one per language, and room for regional variants).
pub const MAX_LABELS: usize = 20;
/// The most characters (Unicode scalar values) a label's text may have.
pub const MAX_LABEL_CHARS: usize = 200;
/// The most characters a label's description may have.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// The most characters of a language tag: BCP 47 (RFC 5646, 4.4.1) asks implementations to take tags of
/// at least 35 characters, the longest a tag of its registered subtags practically has.
pub const MAX_LANGUAGE_TAG_CHARS: usize = 35;
/// The most characters of a label's `code` ("a lookup code or key or URI"): the seed's maxLength for URIs.
pub const MAX_CODE_CHARS: usize = 2048;

/// What is wrong with a name's labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The array is empty.
    NoLabel,
    /// More than [`MAX_LABELS`] labels.
    TooManyLabels { count: usize },
    /// A label's text is empty or blank.
    EmptyLabel,
    /// A label's text has a control character (a line break, a tab).
    ControlCharacter,
    LabelTooLong { chars: usize },
    DescriptionTooLong { chars: usize },
    CodeTooLong { chars: usize },
    /// A label after the first has no language (absent, empty or blank).
    NoLanguage,
    /// A language that is not a language tag (`es_MX`, `spanish!`).
    NotALanguageTag,
    LanguageTagTooLong { chars: usize },
    /// A tag an earlier label already has, in any case.
    SameLanguageTwice,
}

/// One way a name's labels break the rule: which label (`index`, 0 the default; none for a fault of the
/// array as a whole), the language tag it carries as sent (none: untagged), and the fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelRuleBroken {
    pub index: Option<usize>,
    pub language: Option<String>,
    pub fault: Fault,
}

impl LabelRuleBroken {
    fn of_labels(fault: Fault) -> Self {
        LabelRuleBroken { index: None, language: None, fault }
    }

    /// The position of the label at fault; none for an empty or too long array.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// The property of the label at fault (`label`, `language`, `description` or `code`).
    pub fn property(&self) -> &'static str {
        match self.fault {
            Fault::NoLabel | Fault::TooManyLabels { .. } | Fault::EmptyLabel | Fault::ControlCharacter | Fault::LabelTooLong { .. } => "label",
            Fault::NoLanguage | Fault::NotALanguageTag | Fault::LanguageTagTooLong { .. } | Fault::SameLanguageTwice => "language",
            Fault::DescriptionTooLong { .. } => "description",
            Fault::CodeTooLong { .. } => "code",
        }
    }

    /// The label at fault in words, by its tag: "the default label", "the default label (es)", "the
    /// label tagged 'es-MX'", or by position when it has no usable tag ("label 2").
    fn which(&self) -> String {
        let tag = self.language.as_deref().map(shown_tag);
        let usable = !matches!(self.fault, Fault::NotALanguageTag | Fault::LanguageTagTooLong { .. } | Fault::NoLanguage);
        match (self.index, tag) {
            (Some(0), Some(tag)) if usable => format!("the default label ({tag})"),
            (Some(0), _) => "the default label".to_string(),
            (Some(_), Some(tag)) if usable => format!("the label tagged '{tag}'"),
            (Some(i), _) => format!("label {}", i + 1),
            (None, _) => "the labels".to_string(),
        }
    }
}

/// A tag as a message quotes it: at most [`MAX_LANGUAGE_TAG_CHARS`] characters, then an ellipsis.
fn shown_tag(tag: &str) -> String {
    let mut shown: String = tag.chars().take(MAX_LANGUAGE_TAG_CHARS).collect();
    if tag.chars().count() > MAX_LANGUAGE_TAG_CHARS {
        shown.push('…');
    }
    shown
}

impl fmt::Display for LabelRuleBroken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = self.which();
        let tag = self.language.as_deref().map(shown_tag).unwrap_or_default();
        match &self.fault {
            Fault::NoLabel => write!(f, "needs at least one label (the first is the default)"),
            Fault::TooManyLabels { count } => write!(f, "has {count} labels: at most {MAX_LABELS}, one per language"),
            Fault::EmptyLabel => write!(f, "{which} is empty: write its text"),
            Fault::ControlCharacter => write!(f, "{which} has a control character (a line break or tab): a label is one line"),
            Fault::LabelTooLong { chars } => write!(f, "{which} has {chars} characters: at most {MAX_LABEL_CHARS}"),
            Fault::DescriptionTooLong { chars } => write!(f, "the description of {which} has {chars} characters: at most {MAX_DESCRIPTION_CHARS}"),
            Fault::CodeTooLong { chars } => write!(f, "the code of {which} has {chars} characters: at most {MAX_CODE_CHARS}"),
            Fault::NoLanguage => write!(
                f,
                "{which} has no language: every label after the first (the default) must name its language, such as es or fr-CA"
            ),
            Fault::NotALanguageTag => write!(f, "the language of {which} is '{tag}', not a language tag such as es, fr or es-MX"),
            Fault::LanguageTagTooLong { chars } => {
                write!(f, "the language tag of {which} has {chars} characters: at most {MAX_LANGUAGE_TAG_CHARS}")
            }
            Fault::SameLanguageTwice => write!(f, "{which} has the language of an earlier label: keep one label per language"),
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

/// Whether `tag` is of the language `primary` (`es`): `es`, `ES`, `es-MX`... as the labels are served
/// (the primary subtag, without regard to case).
pub fn tag_is_language(tag: &str, primary: &str) -> bool {
    tag.split('-').next().is_some_and(|p| p.eq_ignore_ascii_case(primary))
}

/// A label's language, when it names one (absent, empty and blank do not).
pub fn language_of(label: &LocalizedLabel) -> Option<&str> {
    label.language.as_deref().filter(|l| !l.trim().is_empty())
}

/// Every way `labels` break the rule, label by label in order, in one pass: at most one fault of each
/// property (text, description, language, code) of a label. Too many labels is said alone.
pub fn label_faults(labels: &[LocalizedLabel]) -> Vec<LabelRuleBroken> {
    if labels.is_empty() {
        return vec![LabelRuleBroken::of_labels(Fault::NoLabel)];
    }
    if labels.len() > MAX_LABELS {
        return vec![LabelRuleBroken::of_labels(Fault::TooManyLabels { count: labels.len() })];
    }
    let mut seen: HashSet<String> = HashSet::with_capacity(labels.len());
    let mut faults = Vec::new();
    for (index, label) in labels.iter().enumerate() {
        let language = language_of(label);
        let mut fault = |fault: Fault| faults.push(LabelRuleBroken { index: Some(index), language: language.map(str::to_string), fault });
        let chars = label.label.chars().count();
        if label.label.trim().is_empty() {
            fault(Fault::EmptyLabel);
        } else if label.label.chars().any(char::is_control) {
            fault(Fault::ControlCharacter);
        } else if chars > MAX_LABEL_CHARS {
            fault(Fault::LabelTooLong { chars });
        }
        let description_chars = label.description.as_deref().map_or(0, |d| d.chars().count());
        if description_chars > MAX_DESCRIPTION_CHARS {
            fault(Fault::DescriptionTooLong { chars: description_chars });
        }
        let code_chars = label.code.as_deref().map_or(0, |c| c.chars().count());
        if code_chars > MAX_CODE_CHARS {
            fault(Fault::CodeTooLong { chars: code_chars });
        }
        match language {
            None if index > 0 => fault(Fault::NoLanguage),
            None => {}
            Some(tag) if tag.chars().count() > MAX_LANGUAGE_TAG_CHARS => fault(Fault::LanguageTagTooLong { chars: tag.chars().count() }),
            Some(tag) if !is_language_tag(tag) => fault(Fault::NotALanguageTag),
            // `insert` is false when the lower-cased tag was seen: one look-up per label.
            Some(tag) if !seen.insert(tag.to_ascii_lowercase()) => fault(Fault::SameLanguageTwice),
            Some(_) => {}
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

    fn at(index: usize, language: Option<&str>, fault: Fault) -> LabelRuleBroken {
        LabelRuleBroken { index: Some(index), language: language.map(str::to_string), fault }
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
        breaks(&[], LabelRuleBroken { index: None, language: None, fault: Fault::NoLabel });
        breaks(&[label("Privacy", None), label("Privacidad", None)], at(1, None, Fault::NoLanguage));
        breaks(&[label("Privacy", None), label("Privacidad", Some("  "))], at(1, None, Fault::NoLanguage));
        breaks(&[label("Privacy", None), label("x", Some("es_MX"))], at(1, Some("es_MX"), Fault::NotALanguageTag));
        breaks(&[label("Privacy", None), label("x", Some("e"))], at(1, Some("e"), Fault::NotALanguageTag));
        breaks(&[label("Privacy", Some("en")), label("x", Some("EN"))], at(1, Some("EN"), Fault::SameLanguageTwice));
        breaks(&[label("Privacidad", Some("es")), label("Privacy", Some("en")), label("y", Some("Es"))], at(2, Some("Es"), Fault::SameLanguageTwice));
        breaks(&[label("Privacy", None), label(" ", Some("fr"))], at(1, Some("fr"), Fault::EmptyLabel));
    }

    #[test]
    fn a_label_is_one_line_and_every_fault_names_the_label_by_its_tag() {
        for bad in ["Privacidad\n", "a\tb", "x\u{7f}", "x\u{85}y"] {
            breaks(&[label("Privacy", None), label(bad, Some("es-MX"))], at(1, Some("es-MX"), Fault::ControlCharacter));
        }
        let said = |labels: &[LocalizedLabel]| check_labels(labels).unwrap_err().to_string();
        assert_eq!(said(&[label("Privacy", None), label("a\nb", Some("es-MX"))]), "the label tagged 'es-MX' has a control character (a line break or tab): a label is one line");
        assert_eq!(said(&[label("", Some("es"))]), "the default label (es) is empty: write its text");
        assert_eq!(said(&[label(" ", None)]), "the default label is empty: write its text");
        assert_eq!(said(&[label("Privacy", Some("en")), label("x", Some("EN"))]), "the label tagged 'EN' has the language of an earlier label: keep one label per language");
        assert!(said(&[label("Privacy", None), label("x", None)]).starts_with("label 2 has no language"));
        assert_eq!(said(&[label("Privacy", None), label("x", Some("es_MX"))]), "the language of label 2 is 'es_MX', not a language tag such as es, fr or es-MX");
        // The property and position ride along for the sandbox's attributes and the editor's fields.
        let broken = check_labels(&[label("Privacy", None), label("a\tb", Some("fr"))]).unwrap_err();
        assert_eq!((broken.index(), broken.property(), broken.language.as_deref()), (Some(1), "label", Some("fr")));
    }

    #[test]
    fn labels_and_descriptions_have_a_maximum_length_in_characters() {
        let at_most = "é".repeat(MAX_LABEL_CHARS);
        assert_eq!(check_labels(&[label(&at_most, None)]), Ok(()), "characters, not bytes");
        breaks(&[label(&format!("{at_most}x"), None)], at(0, None, Fault::LabelTooLong { chars: MAX_LABEL_CHARS + 1 }));
        let mut described = label("Privacy", None);
        described.description = Some("d".repeat(MAX_DESCRIPTION_CHARS));
        assert_eq!(check_labels(&[described.clone()]), Ok(()));
        described.description = Some("d".repeat(MAX_DESCRIPTION_CHARS + 1));
        breaks(&[described], at(0, None, Fault::DescriptionTooLong { chars: MAX_DESCRIPTION_CHARS + 1 }));
        let all = label_faults(&[label("", None), label("x", None), label("y", Some("fr"))]);
        assert_eq!(all, [at(0, None, Fault::EmptyLabel), at(1, None, Fault::NoLanguage)]);
        assert_eq!((all[1].index(), all[1].property()), (Some(1), "language"));
    }

    #[test]
    fn a_name_has_at_most_twenty_labels_tags_of_35_characters_and_codes_of_2048() {
        let many = |n: usize| -> Vec<LocalizedLabel> {
            (0..n).map(|i| if i == 0 { label("Privacy", None) } else { label("x", Some(&format!("de-{i}"))) }).collect()
        };
        assert_eq!(MAX_LABELS, 20);
        assert_eq!(check_labels(&many(MAX_LABELS)), Ok(()));
        breaks(&many(MAX_LABELS + 1), LabelRuleBroken { index: None, language: None, fault: Fault::TooManyLabels { count: MAX_LABELS + 1 } });
        assert_eq!(check_labels(&many(MAX_LABELS + 1)).unwrap_err().to_string(), "has 21 labels: at most 20, one per language");

        // 35: the longest a tag may be (a valid shape of that length), 36 refused before its shape is read.
        let longest = "zh-Latn-CN-variant1-a-extend1-x-wadegile";
        assert!(longest.len() > MAX_LANGUAGE_TAG_CHARS);
        let tag35 = "de-Latn-DE-1996-abcdefgh-x-abcdefgh";
        assert_eq!(tag35.len(), MAX_LANGUAGE_TAG_CHARS);
        assert_eq!(check_labels(&[label("Privacy", None), label("x", Some(tag35))]), Ok(()));
        let tag36 = format!("{tag35}1");
        breaks(&[label("Privacy", None), label("x", Some(&tag36))], at(1, Some(&tag36), Fault::LanguageTagTooLong { chars: 36 }));
        breaks(&[label("Privacy", None), label("x", Some(longest))], at(1, Some(longest), Fault::LanguageTagTooLong { chars: longest.len() }));
        assert!(check_labels(&[label("Privacy", None), label("x", Some(&tag36))]).unwrap_err().to_string().contains("at most 35"));

        let mut coded = label("Privacy", None);
        coded.code = Some("c".repeat(MAX_CODE_CHARS));
        assert_eq!(check_labels(&[coded.clone()]), Ok(()));
        coded.code = Some("c".repeat(MAX_CODE_CHARS + 1));
        let broken = check_labels(&[coded]).unwrap_err();
        assert_eq!((broken.fault.clone(), broken.property()), (Fault::CodeTooLong { chars: MAX_CODE_CHARS + 1 }, "code"));
    }

    #[test]
    fn a_tag_is_of_a_language_by_its_primary_subtag_in_any_case() {
        for tag in ["es", "ES", "es-MX", "Es-419"] {
            assert!(tag_is_language(tag, "es"), "{tag}");
        }
        for tag in ["en", "est", "e", ""] {
            assert!(!tag_is_language(tag, "es"), "{tag}");
        }
    }
}
