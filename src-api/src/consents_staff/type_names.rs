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
use crate::consents::labels::{label_faults, LabelRuleBroken, MAX_DESCRIPTION_CHARS, MAX_LABEL_CHARS};
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

/// Which of `labels` the editor shows for `language`. Only labels after the first are per language (seed
/// 004: the first is the default, whatever its tag): Spanish and French are their own label after the
/// first; English is an explicit `en` one after the first, else the default.
fn position(labels: &[LocalizedLabel], language: Language) -> Option<usize> {
    let own = labels.iter().enumerate().skip(1).find(|(_, l)| speaks(l, language)).map(|(i, _)| i);
    match language {
        Language::En => own.or((!labels.is_empty()).then_some(0)),
        Language::Es | Language::Fr => own,
    }
}

/// The label the editor shows for `language` (empty: the name has none of its own in that language).
pub fn label_in(labels: &[LocalizedLabel], language: Language) -> String {
    position(labels, language).map(|i| labels[i].label.clone()).unwrap_or_default()
}

/// Sets `language`'s label to `value` as typed. English changes the default label (one is added first if
/// there was none); an empty Spanish or French one is removed (the API then shows the default), a new one
/// is added with its language. The default is never removed, whatever its tag (a Spanish label of its
/// own beside a default tagged `es` is refused by [`label_problems`], not resolved by changing the
/// default). Descriptions and the other languages stay as they were.
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

/// Where the type names editor shows a problem of a name's labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LabelField {
    /// The field of one language's label.
    Label(Language),
    /// The default description.
    Description,
    /// A label the editor has no field for (another language's): said for the name's row.
    Row,
}

/// One problem of a name's labels, for the editor to show beside its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelProblem {
    pub field: LabelField,
    pub message: String,
}

/// The field of the editor that shows `labels[index]`'s text.
fn field_of(labels: &[LocalizedLabel], index: usize) -> LabelField {
    Language::ALL.into_iter().find(|&l| position(labels, l) == Some(index)).map_or(LabelField::Row, LabelField::Label)
}

/// How the staff pages name `labels[index]` ("Spanish", "default").
fn which(labels: &[LocalizedLabel], index: usize) -> &'static str {
    match field_of(labels, index) {
        LabelField::Label(language) => language_name(language),
        _ => labels[index].language.as_deref().and_then(Language::parse).map_or("default", language_name),
    }
}

/// Every problem of a name's labels, in the editor's field order (English, Spanish, French, description,
/// then the rest): seed 004's rule as the API runs it ([`check_labels`](crate::consents::labels)), the
/// console's length caps, and the editor's own (no control character; one label per language the editor
/// shows, so `es` and `es-MX` are two Spanish labels here).
pub fn label_problems(name: &str, labels: &[LocalizedLabel]) -> Vec<LabelProblem> {
    let mut problems = Vec::new();
    let mut say = |field: LabelField, message: String| {
        if !problems.iter().any(|p: &LabelProblem| p.field == field) {
            problems.push(LabelProblem { field, message });
        }
    };
    if labels.first().is_none_or(|l| l.label.trim().is_empty()) {
        let field = if labels.is_empty() { LabelField::Label(Language::En) } else { field_of(labels, 0) };
        say(field, format!("'{name}' needs its English (default) label"));
    }
    for (index, label) in labels.iter().enumerate() {
        if label.label.chars().any(char::is_control) {
            say(field_of(labels, index), format!("the {} label of '{name}' has a control character (a line break or tab)", which(labels, index)));
        }
    }
    for broken in label_faults(labels) {
        let Some(index) = broken.index() else { continue };
        let (field, message) = match &broken {
            LabelRuleBroken::EmptyLabel { .. } => {
                (field_of(labels, index), format!("the {} label of '{name}' is empty: write one or clear the field", which(labels, index)))
            }
            LabelRuleBroken::LabelTooLong { chars, .. } => (
                field_of(labels, index),
                format!("the {} label of '{name}' has {chars} characters: at most {MAX_LABEL_CHARS}", which(labels, index)),
            ),
            LabelRuleBroken::DescriptionTooLong { chars, .. } if index == 0 => {
                (LabelField::Description, format!("the description of '{name}' has {chars} characters: at most {MAX_DESCRIPTION_CHARS}"))
            }
            LabelRuleBroken::DescriptionTooLong { chars, .. } => (
                LabelField::Row,
                format!("the description of the {} label of '{name}' has {chars} characters: at most {MAX_DESCRIPTION_CHARS}", which(labels, index)),
            ),
            LabelRuleBroken::SameLanguageTwice { tag, .. } if labels[0].language.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(tag)) => (
                field_of(labels, index),
                format!("the {} label of '{name}' has the language of its default label ({tag}), which its readers get already: clear this field", which(labels, index)),
            ),
            _ => (field_of(labels, index), format!("'{name}': {broken}")),
        };
        say(field, message);
    }
    for language in Language::ALL {
        if labels.iter().skip(1).filter(|l| speaks(l, language)).count() > 1 {
            say(LabelField::Label(language), format!("'{name}' has two {} labels: keep one", language_name(language)));
        }
    }
    let order = |field: &LabelField| match field {
        LabelField::Label(language) => *language as usize,
        LabelField::Description => 3,
        LabelField::Row => 4,
    };
    problems.sort_by_key(|p| order(&p.field));
    problems
}

/// A name's labels before they are sent: the name itself, then the first of [`label_problems`].
pub fn check_type_labels(name: &str, labels: &[LocalizedLabel]) -> Result<(), ValidationError> {
    check_type_name("names", name)?;
    match label_problems(name, labels).into_iter().next() {
        Some(problem) => Err(fail("names", problem.message)),
        None => Ok(()),
    }
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
    fn clearing_spanish_never_removes_a_default_tagged_spanish() {
        // The first label is the default whatever its tag; only the labels after it are per language.
        let mut labels = vec![label("Política", Some("es"))];
        assert_eq!((label_in(&labels, Language::En), label_in(&labels, Language::Es)), ("Política".to_string(), String::new()));
        set_label(&mut labels, Language::Es, String::new());
        assert_eq!(labels, [label("Política", Some("es"))], "the default stays");
        // A Spanish label of its own beside it would name `es` twice: said at the Spanish field; clearing
        // the field again leaves the default as it was, tag and all.
        set_label(&mut labels, Language::Es, "Aviso de privacidad".into());
        assert_eq!((labels.len(), labels[1].language.as_deref()), (2, Some("es")));
        let problems = label_problems("privacyPolicy", &labels);
        assert_eq!(problems.iter().map(|p| p.field).collect::<Vec<_>>(), [LabelField::Label(Language::Es)]);
        assert!(problems[0].message.contains("language of its default label (es)"), "{problems:?}");
        set_label(&mut labels, Language::Es, " ".into());
        assert_eq!(labels, [label("Política", Some("es"))], "its own Spanish label goes; the default stays");
    }

    #[test]
    fn the_client_refuses_what_the_api_refuses_and_says_it_beside_the_field() {
        let says = |labels: &[LocalizedLabel]| check_type_labels("privacyPolicy", labels).unwrap_err().message;
        assert!(says(&[label("Privacy", None), label("Privacidad", None)]).contains("label 2 has no language"));
        assert!(says(&[label("Privacy", None), label("Privacidad", Some("es_MX"))]).contains("not a language tag"));
        assert!(says(&[label("Privacy", None), label("Datenschutz", Some("de")), label("Datenschutz", Some("DE"))]).contains("language 'DE' of an earlier label"));
        let long = "x".repeat(MAX_LABEL_CHARS + 1);
        assert!(says(&[label("Privacy", None), label(&long, Some("fr"))]).contains(&format!("French label of 'privacyPolicy' has {} characters: at most {MAX_LABEL_CHARS}", MAX_LABEL_CHARS + 1)));

        // Every problem, each at its field, in the editor's order.
        let mut default = label("", None);
        default.description = Some("d".repeat(MAX_DESCRIPTION_CHARS + 1));
        let labels = vec![default, label("Privacidad\n", Some("es")), label("Privacy", Some("de")), label("Privacy", Some("de-AT")), label("x", Some("de-at"))];
        let problems = label_problems("privacyPolicy", &labels);
        let fields: Vec<LabelField> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, [LabelField::Label(Language::En), LabelField::Label(Language::Es), LabelField::Description, LabelField::Row]);
        assert!(problems[0].message.contains("English (default)"), "{problems:?}");
        assert!(problems[1].message.contains("Spanish label of 'privacyPolicy' has a control character"), "{problems:?}");
        assert!(problems[2].message.contains(&format!("at most {MAX_DESCRIPTION_CHARS}")), "{problems:?}");
        assert!(problems[3].message.contains("'de-at' of an earlier label"), "{problems:?}");
        assert!(label_problems("privacyPolicy", &[label("Privacy", None), label("Privacidad", Some("es"))]).is_empty());
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
