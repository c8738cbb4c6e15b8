//! The consent type names as the staff pages use them: the explorer's type picker (its choices are the
//! names the gateway serves and the URL's `type=a|b`), and the type names editor's label in each
//! language the console's end-user pages speak ([`Language`]: en, es, fr).
//!
//! Seed 004's `localizedLabels`: each name has a list of labels, the first the default; the others name
//! their `language`. The API answers a language without a label of its own with the default one, so the
//! editor's English is the default label (or an explicit `en` one, when a name has it), and an empty
//! Spanish or French field means "no label of its own" (the entry is removed, not sent empty).

use std::collections::BTreeMap;

use super::{check_type_name, fail};
use crate::consents::{ConsentTypeNames, LocalizedLabel};
use crate::i18n::Language;
use crate::validate::ValidationError;

/// One choice of the explorer's type picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeChoice {
    /// The type name, as the filter sends it.
    pub name: String,
    /// Its default label; the name itself when it has none or the API does not serve it.
    pub label: String,
}

/// The URL's `type` value (`a|b`) as its names; none for no filter.
pub fn type_alternatives(value: Option<&str>) -> Vec<String> {
    value.unwrap_or_default().split('|').filter(|t| !t.is_empty()).map(str::to_string).collect()
}

/// The picker's choices: every name the API serves, in its order, then each of `selected` it does not
/// serve (a name removed since, or a link from elsewhere), so that the filter in force stays visible and
/// can be cleared.
pub fn type_choices(served: &ConsentTypeNames, selected: &[String]) -> Vec<TypeChoice> {
    let mut choices: Vec<TypeChoice> = served
        .names
        .iter()
        .map(|(name, labels)| TypeChoice { name: name.clone(), label: labels.first().map_or_else(|| name.clone(), |l| l.label.clone()) })
        .collect();
    for name in selected {
        if !choices.iter().any(|c| &c.name == name) {
            choices.push(TypeChoice { name: name.clone(), label: name.clone() });
        }
    }
    choices
}

/// Whether `label` is `language`'s own (`es`, `es-MX`, ...).
fn speaks(label: &LocalizedLabel, language: Language) -> bool {
    label.language.as_deref().and_then(Language::parse) == Some(language)
}

fn is_default(label: &LocalizedLabel) -> bool {
    label.language.as_deref().is_none_or(|l| l.trim().is_empty())
}

/// Which of `labels` the editor shows for `language`: its own label; for English, else the default.
fn position(labels: &[LocalizedLabel], language: Language) -> Option<usize> {
    labels.iter().position(|l| speaks(l, language)).or_else(|| match language {
        Language::En => labels.iter().position(is_default),
        Language::Es | Language::Fr => None,
    })
}

/// The label the editor shows for `language` (empty: the name has none of its own in that language).
pub fn label_in(labels: &[LocalizedLabel], language: Language) -> String {
    position(labels, language).map(|i| labels[i].label.clone()).unwrap_or_default()
}

/// Sets `language`'s label to `value` as typed. English changes the default label (one is added first if
/// there was none); an empty Spanish or French one is removed (the API then shows the default), a new one
/// is added with its language. Descriptions and the other languages stay as they were.
pub fn set_label(labels: &mut Vec<LocalizedLabel>, language: Language, value: String) {
    match (position(labels, language), language) {
        (Some(i), Language::Es | Language::Fr) if value.trim().is_empty() => {
            labels.remove(i);
        }
        (Some(i), _) => labels[i].label = value,
        (None, _) if value.trim().is_empty() && language != Language::En => {}
        (None, Language::En) => labels.insert(0, LocalizedLabel { label: value, description: None, language: None, code: None }),
        (None, _) => labels.push(LocalizedLabel { label: value, description: None, language: Some(language.code().into()), code: None }),
    }
}

/// The words for `language` in the staff pages (English).
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::En => "English",
        Language::Es => "Spanish",
        Language::Fr => "French",
    }
}

/// A name's labels before they are sent: the name itself, a default label, no empty label, no control
/// character, at most one label per language.
pub fn check_type_labels(name: &str, labels: &[LocalizedLabel]) -> Result<(), ValidationError> {
    check_type_name("names", name)?;
    if labels.is_empty() || labels.first().is_some_and(|l| l.label.trim().is_empty()) {
        return Err(fail("names", format!("'{name}' needs its English (default) label")));
    }
    for label in labels {
        let which = label.language.as_deref().and_then(Language::parse).map_or("default", language_name);
        if label.label.trim().is_empty() {
            return Err(fail("names", format!("the {which} label of '{name}' is empty: write one or clear the field")));
        }
        if label.label.chars().any(char::is_control) {
            return Err(fail("names", format!("the {which} label of '{name}' has a control character (a line break or tab)")));
        }
    }
    for language in Language::ALL {
        if labels.iter().filter(|l| speaks(l, language)).count() > 1 {
            return Err(fail("names", format!("'{name}' has two {} labels: keep one", language_name(language))));
        }
    }
    Ok(())
}

/// The type names after a 412: `theirs` (the fresh set) with what `mine` changed since `base` (the set this
/// page read) applied on top, name by name, so that another admin's change to other names survives. A name
/// both changed, differently, is a conflict: theirs is kept, and its name returned for the page to say.
pub fn merge_names(
    base: &BTreeMap<String, Vec<LocalizedLabel>>,
    mine: &BTreeMap<String, Vec<LocalizedLabel>>,
    theirs: &BTreeMap<String, Vec<LocalizedLabel>>,
) -> (BTreeMap<String, Vec<LocalizedLabel>>, Vec<String>) {
    let mut merged = theirs.clone();
    let mut conflicts = Vec::new();
    let names: std::collections::BTreeSet<&String> = base.keys().chain(mine.keys()).collect();
    for name in names {
        let (was, now, fresh) = (base.get(name), mine.get(name), theirs.get(name));
        if now == was {
            continue; // Not mine to change: theirs stands.
        }
        if fresh != was && fresh != now {
            conflicts.push(name.clone());
            continue;
        }
        match now {
            Some(labels) => merged.insert(name.clone(), labels.clone()),
            None => merged.remove(name),
        };
    }
    (merged, conflicts)
}

#[cfg(test)]
mod tests {
    fn labelled(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<LocalizedLabel>> {
        pairs.iter().map(|(n, l)| (n.to_string(), vec![LocalizedLabel { label: l.to_string(), description: None, language: None, code: None }])).collect()
    }

    #[test]
    fn a_merge_keeps_the_other_admins_changes_and_names_the_clashes() {
        let base = labelled(&[("privacyPolicy", "Privacy"), ("termsAndConditions", "Terms"), ("electronicConsent", "E-consent")]);
        // Mine: privacy relabelled, e-consent removed, a new name added.
        let mine = labelled(&[("privacyPolicy", "Privacy Notice"), ("termsAndConditions", "Terms"), ("marketing", "Marketing")]);
        // Theirs: terms relabelled.
        let theirs = labelled(&[("privacyPolicy", "Privacy"), ("termsAndConditions", "Account terms"), ("electronicConsent", "E-consent")]);
        let (merged, conflicts) = merge_names(&base, &mine, &theirs);
        assert_eq!(merged, labelled(&[("privacyPolicy", "Privacy Notice"), ("termsAndConditions", "Account terms"), ("marketing", "Marketing")]));
        assert!(conflicts.is_empty());
        // Both relabelled privacy, differently: theirs kept, and said.
        let theirs = labelled(&[("privacyPolicy", "Privacy statement"), ("termsAndConditions", "Terms"), ("electronicConsent", "E-consent")]);
        let (merged, conflicts) = merge_names(&base, &mine, &theirs);
        assert_eq!(merged["privacyPolicy"][0].label, "Privacy statement");
        assert_eq!(conflicts, ["privacyPolicy"]);
    }

    use std::collections::BTreeMap;

    use super::*;

    fn label(text: &str, language: Option<&str>) -> LocalizedLabel {
        LocalizedLabel { label: text.into(), description: Some(format!("about {text}")), language: language.map(str::to_string), code: None }
    }

    #[test]
    fn the_picker_offers_the_served_names_and_keeps_the_urls_others() {
        let served = ConsentTypeNames {
            names: BTreeMap::from([
                ("electronicConsent".to_string(), vec![label("E-consent", None)]),
                ("privacyPolicy".to_string(), vec![label("Privacy Policy", None), label("Política", Some("es"))]),
            ]),
            ..ConsentTypeNames::default()
        };
        let selected = type_alternatives(Some("privacyPolicy|retiredType"));
        assert_eq!(selected, ["privacyPolicy", "retiredType"]);
        let choices = type_choices(&served, &selected);
        let shown: Vec<(&str, &str)> = choices.iter().map(|c| (c.name.as_str(), c.label.as_str())).collect();
        assert_eq!(shown, [("electronicConsent", "E-consent"), ("privacyPolicy", "Privacy Policy"), ("retiredType", "retiredType")]);
        assert!(type_alternatives(None).is_empty() && type_alternatives(Some("")).is_empty());
    }

    #[test]
    fn each_language_edits_its_own_label_and_english_the_default() {
        let mut labels = vec![label("Privacy Policy", None), label("Política de privacidad", Some("es-ES"))];
        assert_eq!(label_in(&labels, Language::En), "Privacy Policy");
        assert_eq!(label_in(&labels, Language::Es), "Política de privacidad");
        assert_eq!(label_in(&labels, Language::Fr), "", "no French label of its own");

        set_label(&mut labels, Language::Fr, "Politique de confidentialité".into());
        set_label(&mut labels, Language::Es, "Aviso de privacidad".into());
        set_label(&mut labels, Language::En, "Privacy notice".into());
        assert_eq!(labels[0], LocalizedLabel { label: "Privacy notice".into(), ..label("Privacy Policy", None) }, "the description stays");
        assert_eq!((labels[1].label.as_str(), labels[1].language.as_deref()), ("Aviso de privacidad", Some("es-ES")));
        assert_eq!((labels[2].label.as_str(), labels[2].language.as_deref()), ("Politique de confidentialité", Some("fr")));
        assert!(check_type_labels("privacyPolicy", &labels).is_ok());

        // Clearing Spanish removes its entry (the API falls back to the default); English stays, and must not be empty.
        set_label(&mut labels, Language::Es, "  ".into());
        assert_eq!(labels.len(), 2);
        assert_eq!(label_in(&labels, Language::Es), "");
        set_label(&mut labels, Language::En, String::new());
        let e = check_type_labels("privacyPolicy", &labels).unwrap_err();
        assert!(e.message.contains("English (default)"), "{e}");

        // An explicit `en` label is the one English edits.
        let mut explicit = vec![label("Default", None), label("English", Some("en"))];
        set_label(&mut explicit, Language::En, "English, edited".into());
        assert_eq!((explicit[0].label.as_str(), explicit[1].label.as_str()), ("Default", "English, edited"));
    }

    #[test]
    fn labels_are_refused_before_sending_when_the_api_would_refuse_them_or_they_are_ambiguous() {
        assert!(check_type_labels("privacy policy", &[label("x", None)]).unwrap_err().message.contains("not a consent type name"));
        assert!(check_type_labels("a", &[]).unwrap_err().message.contains("English (default)"));
        let tab = check_type_labels("a", &[label("x", None), label("a\tb", Some("fr"))]).unwrap_err();
        assert!(tab.message.contains("French label of 'a' has a control character"), "{tab}");
        let twice = check_type_labels("a", &[label("x", None), label("y", Some("es")), label("z", Some("es-MX"))]).unwrap_err();
        assert!(twice.message.contains("two Spanish labels"), "{twice}");
    }
}
