//! The consent type names as the staff pages use them: the explorer's type picker (its choices are the
//! names the gateway serves and the URL's `type=a|b`), and the type names editor's label in each
//! language the console's end-user pages speak ([`Language`]: en, es, fr).
//!
//! The editor's model of seed 004's `localizedLabels` (each name has a list of labels, the first the
//! default; the others name their `language`), following how the API serves them to a reader of a
//! language: the first label tagged with that language (`es`, `es-MX`, `ES`: by the primary subtag,
//! any case, at any position, the first included), else the default.
//! * The first label is the default, whatever its language: readers of a language without a label of
//!   its own get it. It is never removed (a name needs one), only edited, in the field of its language.
//! * The English, Spanish and French fields each edit that language's label: the one the API serves to
//!   its readers. English is the label tagged `en`; when none is, an untagged default (the console's
//!   default language is English). A default tagged `es` is the Spanish field's, and the English field
//!   is then empty (English readers get the default) until an English label is written.
//! * Typing in a field changes the label its readers are served and no other: a regional variant
//!   (`es-MX` beside `es`) stays as it is. Clearing a field removes every label of its language
//!   (readers then get the default). The default stays whatever is typed: clearing its field is refused.

use std::collections::BTreeMap;

use super::{check_type_name, fail};
use crate::consents::labels::{label_faults, language_of, tag_is_language, Fault};
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

/// Whether `label` is tagged `language` (`es`, `es-MX`, `ES`...), as the API serves labels.
fn tagged(label: &LocalizedLabel, language: Language) -> bool {
    language_of(label).is_some_and(|tag| tag_is_language(tag, language.code()))
}

/// Which of `labels` the editor shows for `language`: the one the API serves to its readers as their own
/// (the first tagged with it); for English, when none is, an untagged default.
fn position(labels: &[LocalizedLabel], language: Language) -> Option<usize> {
    let own = labels.iter().position(|l| tagged(l, language));
    let untagged_default = labels.first().is_some_and(|l| language_of(l).is_none());
    own.or((language == Language::En && untagged_default).then_some(0))
}

/// The label the editor shows for `language` (empty: the name has none of its own in that language, and
/// its readers get the default).
pub fn label_in(labels: &[LocalizedLabel], language: Language) -> String {
    position(labels, language).map(|i| labels[i].label.clone()).unwrap_or_default()
}

/// The field that holds the default label (the first), if one does (a default tagged `de` has none).
pub fn default_field(labels: &[LocalizedLabel]) -> Option<Language> {
    Language::ALL.into_iter().find(|&l| position(labels, l) == Some(0))
}

/// Sets `language`'s label to `value` as typed. A value sets the text of the label its readers are
/// served, and only that one: other labels of the language (regional variants such as `es-MX`) stay as
/// they are, since dropping them unseen would lose what someone wrote. A blank one removes every label of
/// the language (its readers then get the default), except the default, which is kept with the blank
/// text for [`label_problems`] to refuse at its field. A language without a label gets one added with
/// its tag (English: untagged, when the name has no label at all). Descriptions, codes and the other
/// languages stay as they were.
pub fn set_label(labels: &mut Vec<LocalizedLabel>, language: Language, value: String) {
    let Some(at) = position(labels, language) else {
        if value.trim().is_empty() {
            return;
        }
        let tag = (!(language == Language::En && labels.is_empty())).then(|| language.code().to_string());
        labels.push(LocalizedLabel { label: value, description: None, language: tag, code: None });
        return;
    };
    if !value.trim().is_empty() {
        labels[at].label = value;
        return;
    }
    let mut index = 0;
    labels.retain(|l| {
        let drop = index != 0 && (index == at || tagged(l, language));
        index += 1;
        !drop
    });
    if at == 0 {
        labels[0].label = value;
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
    /// The field of one language's label (all the labels of that language).
    Label(Language),
    /// The default description.
    Description,
    /// A label the editor has no field for (another language's, or a property it does not edit): said
    /// for the name's row.
    Row,
}

/// One problem of a name's labels, for the editor to show beside its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelProblem {
    pub field: LabelField,
    pub message: String,
    /// For a problem of the row: the label after the first it is about, which the row offers to remove
    /// (the only fix the editor has for a label it shows no field for).
    pub removable: Option<usize>,
}

/// The field of the editor that edits `labels[index]`'s text: its language's (a label tagged `es-MX`
/// beside `es` too, as clearing or typing in the Spanish field removes it), else the row.
fn field_of(labels: &[LocalizedLabel], index: usize) -> LabelField {
    let owner = Language::ALL.into_iter().find(|&l| position(labels, l) == Some(index) || tagged(&labels[index], l));
    owner.map_or(LabelField::Row, LabelField::Label)
}

/// Where [`label_problems`] puts a fault of `labels[index]`'s `property`.
fn field_for(labels: &[LocalizedLabel], index: usize, property: &str) -> LabelField {
    match property {
        "label" | "language" => field_of(labels, index),
        "description" if index == 0 => LabelField::Description,
        _ => LabelField::Row,
    }
}

/// Every problem of a name's labels, in the editor's field order (English, Spanish, French, description,
/// then the rest): seed 004's rule and the console's caps as the API runs them
/// ([`label_faults`](crate::consents::labels::label_faults)), each message naming the label by its tag,
/// at the field that edits it. Only the first of a field is kept.
pub fn label_problems(name: &str, labels: &[LocalizedLabel]) -> Vec<LabelProblem> {
    let mut problems: Vec<LabelProblem> = Vec::new();
    for broken in label_faults(labels) {
        let (field, removable) = match broken.index {
            None if broken.fault == Fault::NoLabel => (LabelField::Label(Language::En), None),
            None => (LabelField::Row, None),
            Some(index) => {
                let field = field_for(labels, index, broken.property());
                (field, (field == LabelField::Row && index > 0).then_some(index))
            }
        };
        let message = match (&broken.fault, broken.index, field) {
            (Fault::EmptyLabel, Some(0), LabelField::Label(language)) => {
                format!("'{name}': the default label ({}) is empty: write it (a name keeps its default label)", language_name(language))
            }
            _ => format!("'{name}': {broken}"),
        };
        if !problems.iter().any(|p| p.field == field) {
            problems.push(LabelProblem { field, message, removable });
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

/// A refusal of the labels by the gateway or the API (400 with `attributes` `typeName` and `labelIndex`,
/// as both give them), placed at the field of `names` that edits that label; none when the refusal does
/// not say which label or the draft no longer has it.
pub fn refusal_at(names: &BTreeMap<String, Vec<LocalizedLabel>>, attributes: &serde_json::Value, message: &str) -> Option<(String, LabelProblem)> {
    let name = attributes.get("typeName")?.as_str()?;
    let labels = names.get(name)?;
    let property = attributes.get("property").and_then(|p| p.as_str()).unwrap_or("label");
    let field = match attributes.get("labelIndex").and_then(|i| i.as_u64()).map(|i| i as usize) {
        Some(index) if index < labels.len() => field_for(labels, index, property),
        Some(_) => return None,
        None => LabelField::Label(Language::En),
    };
    Some((name.to_string(), LabelProblem { field, message: message.to_string(), removable: None }))
}

/// Which field of the editor's "Add" form a problem is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewField {
    Name,
    Label,
}

/// A new name before it joins the draft: a type name not already there (adding it again would replace
/// the existing one's labels), with a label that meets the rule.
pub fn check_new_name(names: &BTreeMap<String, Vec<LocalizedLabel>>, name: &str, label: &str) -> Result<LocalizedLabel, (NewField, String)> {
    check_type_name("name", name).map_err(|e| (NewField::Name, e.message))?;
    if names.contains_key(name) {
        return Err((NewField::Name, format!("a type named {name} exists: edit it in its row")));
    }
    let new = LocalizedLabel { label: label.trim().to_string(), description: None, language: None, code: None };
    match label_problems(name, std::slice::from_ref(&new)).into_iter().next() {
        Some(problem) => Err((NewField::Label, problem.message)),
        None => Ok(new),
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
    use crate::consents::labels::{MAX_DESCRIPTION_CHARS, MAX_LABEL_CHARS};

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


    fn tags(labels: &[LocalizedLabel]) -> Vec<(Option<&str>, &str)> {
        labels.iter().map(|l| (l.language.as_deref(), l.label.as_str())).collect()
    }

    #[test]
    fn each_language_edits_its_own_label_and_english_an_untagged_default() {
        let mut labels = vec![label("Privacy Policy", None), label("Política de privacidad", Some("es-ES"))];
        assert_eq!(label_in(&labels, Language::En), "Privacy Policy");
        assert_eq!(label_in(&labels, Language::Es), "Política de privacidad");
        assert_eq!(label_in(&labels, Language::Fr), "", "no French label of its own");
        assert_eq!(default_field(&labels), Some(Language::En));

        set_label(&mut labels, Language::Fr, "Politique de confidentialité".into());
        set_label(&mut labels, Language::Es, "Aviso de privacidad".into());
        set_label(&mut labels, Language::En, "Privacy notice".into());
        assert_eq!(labels[0], LocalizedLabel { label: "Privacy notice".into(), ..label("Privacy Policy", None) }, "the description stays");
        assert_eq!(tags(&labels), [(None, "Privacy notice"), (Some("es-ES"), "Aviso de privacidad"), (Some("fr"), "Politique de confidentialité")]);
        assert!(check_type_labels("privacyPolicy", &labels).is_ok());

        // Clearing Spanish removes its entry (the API falls back to the default); the default cannot be cleared.
        set_label(&mut labels, Language::Es, "  ".into());
        assert_eq!(labels.len(), 2);
        assert_eq!(label_in(&labels, Language::Es), "");
        set_label(&mut labels, Language::En, String::new());
        assert_eq!(labels.len(), 2, "the default is kept, empty, to be refused");
        let problems = label_problems("privacyPolicy", &labels);
        assert_eq!(problems.iter().map(|p| p.field).collect::<Vec<_>>(), [LabelField::Label(Language::En)]);
        assert!(problems[0].message.contains("the default label (English) is empty"), "{problems:?}");

        // An explicit `en` label is the one English edits, wherever it is; the untagged default stays.
        let mut explicit = vec![label("Default", None), label("English", Some("en"))];
        set_label(&mut explicit, Language::En, "English, edited".into());
        assert_eq!(tags(&explicit), [(None, "Default"), (Some("en"), "English, edited")]);
    }

    #[test]
    fn clearing_a_field_removes_every_label_of_its_language_and_typing_changes_only_the_served_one() {
        // Clearing Spanish leaves no Spanish label: es, es-MX and ES all go.
        let mut labels = vec![label("Privacy", None), label("Privacidad", Some("es")), label("Aviso", Some("es-MX")), label("Confidentialité", Some("fr")), label("AVISO", Some("ES-419"))];
        assert_eq!(label_in(&labels, Language::Es), "Privacidad", "the one Spanish readers are served: the first");
        assert!(label_problems("privacyPolicy", &labels).is_empty(), "variants are the API's right");
        set_label(&mut labels, Language::Es, String::new());
        assert_eq!(tags(&labels), [(None, "Privacy"), (Some("fr"), "Confidentialité")]);

        // Typing changes the served Spanish label under its own tag; the other Spanish one stays.
        let mut labels = vec![label("Privacy", None), label("Aviso", Some("ES-mx")), label("Privacidad", Some("es"))];
        assert_eq!(label_in(&labels, Language::Es), "Aviso");
        set_label(&mut labels, Language::Es, "Política".into());
        assert_eq!(tags(&labels), [(None, "Privacy"), (Some("ES-mx"), "Política"), (Some("es"), "Privacidad")]);
        // A problem of a variant is the Spanish field's: clearing or typing there fixes it.
        let variant = vec![label("Privacy", None), label("Privacidad", Some("es")), label("Aviso\tMX", Some("es-MX"))];
        let problems = label_problems("privacyPolicy", &variant);
        assert_eq!((problems.len(), problems[0].field), (1, LabelField::Label(Language::Es)), "{problems:?}");
        assert!(problems[0].message.contains("the label tagged 'es-MX' has a control character"), "{problems:?}");
    }

    #[test]
    fn a_default_tagged_spanish_is_the_spanish_fields_and_english_gets_its_own() {
        // The first label is the default whatever its tag: Spanish readers are served it as theirs.
        let mut labels = vec![label("Programa de puntos", Some("es"))];
        assert_eq!((label_in(&labels, Language::En), label_in(&labels, Language::Es)), (String::new(), "Programa de puntos".to_string()));
        assert_eq!(default_field(&labels), Some(Language::Es));
        // Writing English adds an English label: what Spanish readers see does not change.
        set_label(&mut labels, Language::En, "Loyalty program".into());
        assert_eq!(tags(&labels), [(Some("es"), "Programa de puntos"), (Some("en"), "Loyalty program")]);
        assert!(check_type_labels("loyaltyProgram", &labels).is_ok());
        // Editing Spanish edits the default; clearing it is refused at the Spanish field, the default kept.
        set_label(&mut labels, Language::Es, "Programa de lealtad".into());
        assert_eq!(labels[0].label, "Programa de lealtad");
        set_label(&mut labels, Language::Es, " ".into());
        assert_eq!(labels.len(), 2);
        let problems = label_problems("loyaltyProgram", &labels);
        assert_eq!(problems.iter().map(|p| p.field).collect::<Vec<_>>(), [LabelField::Label(Language::Es)]);
        assert!(problems[0].message.contains("default label (Spanish) is empty"), "{problems:?}");
        // Clearing English removes its label again: English readers get the default.
        set_label(&mut labels, Language::En, String::new());
        assert_eq!(tags(&labels), [(Some("es"), " ")]);
        // A default of a language without a field has none; nothing else moves into it.
        assert_eq!(default_field(&[label("Datenschutz", Some("de"))]), None);
    }

    #[test]
    fn the_client_refuses_what_the_api_refuses_and_says_it_beside_the_field() {
        let says = |labels: &[LocalizedLabel]| check_type_labels("privacyPolicy", labels).unwrap_err().message;
        assert!(says(&[label("Privacy", None), label("Privacidad", None)]).contains("label 2 has no language"));
        assert!(says(&[label("Privacy", None), label("Privacidad", Some("es_MX"))]).contains("not a language tag"));
        assert!(says(&[label("Privacy", None), label("Datenschutz", Some("de")), label("Datenschutz", Some("DE"))]).contains("the label tagged 'DE' has the language of an earlier label"));
        let long = "x".repeat(MAX_LABEL_CHARS + 1);
        assert!(says(&[label("Privacy", None), label(&long, Some("fr"))]).contains(&format!("the label tagged 'fr' has {} characters: at most {MAX_LABEL_CHARS}", MAX_LABEL_CHARS + 1)));

        // Every problem, each at its field, in the editor's order; a label without a field is the row's,
        // which offers to remove it.
        let mut default = label("", None);
        default.description = Some("d".repeat(MAX_DESCRIPTION_CHARS + 1));
        let labels = vec![default, label("Privacidad\n", Some("es")), label("Privacy", Some("de")), label("Privacy", Some("de-AT")), label("x", Some("de-at"))];
        let problems = label_problems("privacyPolicy", &labels);
        let fields: Vec<LabelField> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, [LabelField::Label(Language::En), LabelField::Label(Language::Es), LabelField::Description, LabelField::Row]);
        assert!(problems[0].message.contains("the default label (English) is empty"), "{problems:?}");
        assert!(problems[1].message.contains("the label tagged 'es' has a control character"), "{problems:?}");
        assert!(problems[2].message.contains(&format!("at most {MAX_DESCRIPTION_CHARS}")), "{problems:?}");
        assert!(problems[3].message.contains("the label tagged 'de-at' has the language of an earlier label"), "{problems:?}");
        assert_eq!(problems[3].removable, Some(4));
        assert!(label_problems("privacyPolicy", &[label("Privacy", None), label("Privacidad", Some("es"))]).is_empty());
    }

    #[test]
    fn a_refusal_of_the_api_is_placed_at_the_field_of_the_label_it_names() {
        let names = BTreeMap::from([("privacyPolicy".to_string(), vec![label("Privacy", None), label("Privacidad", Some("es")), label("Aviso", Some("es-MX")), label("Datenschutz", Some("de"))])]);
        let at = |attributes: serde_json::Value| refusal_at(&names, &attributes, "refused").map(|(n, p)| (n, p.field));
        let name = || "privacyPolicy".to_string();
        assert_eq!(at(serde_json::json!({"typeName": "privacyPolicy", "labelIndex": 2, "language": "es-MX", "property": "label"})), Some((name(), LabelField::Label(Language::Es))));
        assert_eq!(at(serde_json::json!({"typeName": "privacyPolicy", "labelIndex": 0, "property": "description"})), Some((name(), LabelField::Description)));
        assert_eq!(at(serde_json::json!({"typeName": "privacyPolicy", "labelIndex": 3, "property": "label"})), Some((name(), LabelField::Row)));
        assert_eq!(at(serde_json::json!({"typeName": "privacyPolicy", "property": "label"})), Some((name(), LabelField::Label(Language::En))));
        assert_eq!(at(serde_json::json!({"typeName": "privacyPolicy", "labelIndex": 9})), None, "a label the draft no longer has");
        assert_eq!(at(serde_json::json!({"typeName": "other", "labelIndex": 0})), None);
    }

    #[test]
    fn a_new_name_must_not_exist_and_its_label_meets_the_rule() {
        let names = BTreeMap::from([("privacyPolicy".to_string(), vec![label("Privacy", None)])]);
        assert_eq!(check_new_name(&names, "privacyPolicy", "Other"), Err((NewField::Name, "a type named privacyPolicy exists: edit it in its row".to_string())));
        assert_eq!(check_new_name(&names, "bad name", "x").unwrap_err().0, NewField::Name);
        let (field, message) = check_new_name(&names, "loyaltyProgram", " ").unwrap_err();
        assert_eq!(field, NewField::Label);
        assert!(message.contains("default label (English) is empty"), "{message}");
        assert_eq!(check_new_name(&names, "loyaltyProgram", "a\tb").unwrap_err().0, NewField::Label);
        let added = check_new_name(&names, "loyaltyProgram", " Loyalty ").expect("a new name");
        assert_eq!((added.label.as_str(), added.language), ("Loyalty", None));
    }

    #[test]
    fn labels_are_refused_before_sending_when_the_api_would_refuse_them() {
        assert!(check_type_labels("privacy policy", &[label("x", None)]).unwrap_err().message.contains("not a consent type name"));
        assert!(check_type_labels("a", &[]).unwrap_err().message.contains("needs at least one label"));
        let tab = check_type_labels("a", &[label("x", None), label("a\tb", Some("fr"))]).unwrap_err();
        assert!(tab.message.contains("the label tagged 'fr' has a control character"), "{tab}");
        // es and es-MX are two tags: the API takes both, and so does the client.
        assert!(check_type_labels("a", &[label("x", None), label("y", Some("es")), label("z", Some("es-MX"))]).is_ok());
    }
}
