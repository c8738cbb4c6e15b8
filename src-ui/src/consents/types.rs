//! `/consent-types`: the consent type names with their label in each language of the end user's pages
//! (en, es, fr; the model is `console_api::consents_staff::type_names`'s, said on the page) and their
//! default description. Admins edit, add and remove names and save the whole set (`If-Match`; every field
//! checked before the confirmation is asked: an invalid one is `aria-invalid`, says why beside it
//! (`aria-describedby`), and the first takes focus; a refusal of the API naming a label is placed the same
//! way); a name still used by consents cannot be removed, and the page says which consents use it (with a
//! link to them in the explorer). A 412 shows which names someone else changed and lets the admin apply
//! their edit to the fresh set or drop it. After a save, focus is on the status that says it.

use std::collections::BTreeMap;

use console_api::consents::{ConsentTypeNames, LocalizedLabel};
use console_api::consents_staff::type_names::{
    check_new_name, default_field, label_in, label_problems, language_name, merge_names, refusal_at, set_label, LabelField, LabelProblem, NewField,
};
use console_api::consents_staff::{check_type_name, thousands, ExplorerQuery, NamesInUse};
use console_api::gateway::{ApiProblem, ClientError};
use console_api::i18n::Language;
use console_api::page::ErrorView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{error_of, is_staff, may_write, Confirmed};
use crate::common::{ErrorPanel, Forbidden};
use crate::transport::Client;
use crate::util::focus_selector;

type Names = BTreeMap<String, Vec<LocalizedLabel>>;

/// The draft's problems, name by name in the table's order, each at its field.
type Problems = Vec<(String, LabelProblem)>;

fn problems_of(names: &Names) -> Problems {
    let mut all = Problems::new();
    for (name, labels) in names {
        all.extend(label_problems(name, labels).into_iter().map(|p| (name.clone(), p)));
        if let Err(e) = check_type_name("names", name) {
            all.push((name.clone(), LabelProblem { field: LabelField::Row, message: e.message, removable: None }));
        }
    }
    all
}

/// The `id` of `field`'s input in `name`'s row (names are letters and digits: safe in an id). A problem of
/// the row as a whole is told by its English (default) input, the name's first field.
fn field_id(name: &str, field: LabelField) -> String {
    let which = match field {
        LabelField::Label(language) => language.code(),
        LabelField::Description => "description",
        LabelField::Row => "row",
    };
    format!("type-{name}-{which}")
}

/// What the draft says at `field` of `name` (several of the row's, joined).
fn said(problems: &Problems, name: &str, field: LabelField) -> Option<String> {
    problems.iter().filter(|(n, p)| n == name && p.field == field).map(|(_, p)| p.message.clone()).reduce(|a, b| format!("{a}; {b}"))
}

/// The label after the first that a problem of `name`'s row is about (a label without a field: the row
/// offers to remove it, the one fix the editor has for it).
fn removable(problems: &Problems, name: &str) -> Option<usize> {
    problems.iter().find(|(n, p)| n == name && p.field == LabelField::Row).and_then(|(_, p)| p.removable)
}

/// Focuses the input of `field` of `name` (a row's problem: its English input, the row's first field)
/// once the page has drawn its message.
fn focus_field(name: &str, field: LabelField) {
    let field = if field == LabelField::Row { LabelField::Label(Language::En) } else { field };
    let selector = format!("#{}", field_id(name, field));
    set_timeout(move || focus_selector(&selector), std::time::Duration::ZERO);
}

/// What the page read, with the set's ETag.
#[derive(Clone, Debug, PartialEq)]
struct Read {
    names: Names,
    etag: String,
}

#[component]
pub fn TypeNamesPage() -> impl IntoView {
    if !is_staff() {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let read = RwSignal::new(None::<Result<Read, ErrorView>>);
    // What the last save did; outside the editor, which a save rebuilds, so that focus can rest on it.
    let saved = RwSignal::new(String::new());
    {
        let client = client.clone();
        spawn_local(async move {
            let answer = client.consent_types().await;
            read.try_set(Some(answer.map(|r| Read { names: r.value.names, etag: r.etag.unwrap_or_default() }).map_err(|e| error_of(&e))));
        });
    }
    view! {
        <section class="consents-page" data-testid="type-names">
            <div class="page-title">
                <p class="eyebrow">"Consents"</p>
                <h1>"Consent types"</h1>
            </div>
            <p class="muted types-help" id="types-help" data-testid="types-help">
                "The first label of a name is its default: readers of a language without a label of their own get it. "
                "Each language's field edits the label its readers get; other labels of that language (such as es-MX) stay as "
                "they are. Clearing a field removes every label of its language, and its readers get the default. English is the label tagged en, "
                "or else an untagged default. The field marked “default” holds the default label, which a name always keeps."
            </p>
            <p class="saved-status" role="status" tabindex="-1" data-testid="types-saved">{move || saved.get()}</p>
            {move || match read.get() {
                None => view! { <p class="loading" role="status">"Loading the type names…"</p> }.into_any(),
                Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                Some(Ok(r)) => view! { <Editor read=r reload=read saved client=client.clone()/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

/// A 409 `consentTypeNameInUse`: which names, and how many consents use each.
fn in_use(p: &ApiProblem) -> Vec<(String, Option<u64>)> {
    let Some(NamesInUse { type_names, counts }) = p.attributes.as_ref().and_then(|a| a.read()) else { return Vec::new() };
    type_names.into_iter().map(|n| {
        let count = counts.get(&n).copied();
        (n, count)
    }).collect()
}

#[component]
fn Editor(read: Read, reload: RwSignal<Option<Result<Read, ErrorView>>>, saved: RwSignal<String>, client: Client) -> impl IntoView {
    let admin = may_write();
    let draft = RwSignal::new(read.names.clone());
    let base = StoredValue::new(read);
    let problem = RwSignal::new(None::<ErrorView>);
    let used = RwSignal::new(Vec::<(String, Option<u64>)>::new());
    let conflict = RwSignal::new(None::<Read>);
    let (new_name, new_label) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    // A problem of the "Add" form, said beside its field.
    let add_problem = RwSignal::new(None::<(NewField, String)>);
    // Once a save was tried, each field says its problem as it is typed (and stops when it is fixed).
    let tried = RwSignal::new(false);
    // A refusal of the API naming a label, with the draft it refused: said at that label's field until
    // the draft changes.
    let refused = RwSignal::new(None::<(Names, (String, LabelProblem))>);
    let problems = Memo::new(move |_| {
        let mut all = if tried.get() { draft.with(problems_of) } else { Problems::new() };
        if let Some((of, problem)) = refused.get() {
            if draft.with(|d| *d == of) {
                all.push(problem);
            }
        }
        all
    });
    // Every field before the confirmation: the first invalid one takes focus once it says why.
    let check = Callback::new(move |()| {
        tried.set(true);
        let Some((name, problem)) = draft.with_untracked(problems_of).into_iter().next() else { return true };
        focus_field(&name, problem.field);
        false
    });

    let send = {
        let client = client.clone();
        move |on: Read| {
            let client = client.clone();
            let names = ConsentTypeNames { names: draft.get_untracked(), ..ConsentTypeNames::default() };
            spawn_local(async move {
                match client.put_consent_types(&on.etag, &names).await {
                    Ok(r) => {
                        saved.set(format!("Saved: {} consent type names.", r.value.names.len()));
                        reload.set(Some(Ok(Read { names: r.value.names, etag: r.etag.unwrap_or_default() })));
                        set_timeout(|| focus_selector("[data-testid=types-saved]"), std::time::Duration::ZERO);
                    }
                    Err(ClientError::Problem(p)) if p.status == 400 && p.attributes.is_some() => {
                        let attributes = p.attributes.as_ref().and_then(|a| a.read()).unwrap_or_default();
                        match refusal_at(&names.names, &attributes, &p.message) {
                            Some((name, at)) => {
                                focus_field(&name, at.field);
                                refused.set(Some((names.names, (name, at))));
                            }
                            None => problem.set(Some(error_of(&ClientError::Problem(p)))),
                        }
                    }
                    Err(ClientError::Problem(p)) if p.status == 409 && !in_use(&p).is_empty() => {
                        used.set(in_use(&p));
                        problem.set(Some(error_of(&ClientError::Problem(p))));
                    }
                    Err(ClientError::Problem(p)) if p.status == 412 => {
                        let fresh = p.current.as_ref().and_then(|v| v.read::<ConsentTypeNames>());
                        match (fresh, p.etag.clone()) {
                            (Some(f), Some(etag)) => conflict.set(Some(Read { names: f.names, etag })),
                            _ => problem.set(Some(error_of(&ClientError::Problem(p)))),
                        }
                    }
                    Err(e) => problem.set(Some(error_of(&e))),
                }
            });
        }
    };
    let save = {
        let send = send.clone();
        Callback::new(move |()| {
            problem.set(None);
            used.set(Vec::new());
            refused.set(None);
            saved.set(String::new());
            send(base.get_value());
        })
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = new_name.get_untracked().trim().to_string();
        // An existing name is refused, not replaced: its labels are edited in its row.
        let checked = draft.with_untracked(|d| check_new_name(d, &name, &new_label.get_untracked()));
        match checked {
            Err((field, message)) => {
                add_problem.set(Some((field, message)));
                let id = if field == NewField::Name { "new-type-name" } else { "new-type-label" };
                set_timeout(move || focus_selector(&format!("#{id}")), std::time::Duration::ZERO);
            }
            Ok(label) => {
                add_problem.set(None);
                draft.update(|d| {
                    d.insert(name, vec![label]);
                });
                new_name.set(String::new());
                new_label.set(String::new());
            }
        }
    };
    let add_said = move |field: NewField| move || add_problem.get().filter(|(f, _)| *f == field).map(|(_, message)| message);
    // Rebuilt when a name is added or removed, not at every keystroke in a label (the input keeps focus).
    let keys = Memo::new(move |_| draft.with(|d| d.keys().cloned().collect::<Vec<_>>()));
    let rows = move || keys.get().into_iter().map(|name| view! { <NameRow name draft admin problems/> }).collect_view();
    // Mine on top of theirs, name by name (`merge_names`): what the other admin changed elsewhere stays.
    // A name we both changed is not overwritten: the page says which, and nothing is sent.
    let apply = Callback::new({
        let send = send.clone();
        move |()| {
            let Some(fresh) = conflict.get_untracked() else { return };
            let (merged, clashes) = merge_names(&base.get_value().names, &draft.get_untracked(), &fresh.names);
            if !clashes.is_empty() {
                let message = format!("You and the other admin both changed {}: discard yours and make those edits again.", clashes.join(", "));
                problem.set(Some(ErrorView::of(&ClientError::Invalid(console_api::validate::ValidationError { field: "names", message }), None)));
                return;
            }
            conflict.set(None);
            draft.set(merged);
            base.set_value(fresh.clone());
            send(fresh);
        }
    });
    let discard = Callback::new(move |()| {
        if let Some(fresh) = conflict.get_untracked() {
            conflict.set(None);
            reload.set(Some(Ok(fresh)));
        }
    });
    view! {
        // Scrolls sideways on a narrow screen rather than hiding a language.
        <div class="card table-scroll">
            <table class="consents-table types-table" data-testid="types-table" aria-describedby="types-help">
                <thead><tr>
                    <th>"Name"</th>
                    <th>"Label: English"</th><th>"Label: Spanish"</th><th>"Label: French"</th>
                    <th>"Description (default label's)"</th><th></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {admin.then(|| view! {
            <form class="card inline-form" on:submit=add novalidate>
                <label class="field"><span>"New name"</span>
                    <input id="new-type-name" data-testid="new-type-name" type="text" placeholder="marketingConsent" prop:value=new_name
                        aria-invalid=move || add_said(NewField::Name)().map(|_| "true")
                        aria-describedby=move || add_said(NewField::Name)().map(|_| "new-type-name-error")
                        on:input=move |ev| new_name.set(event_target_value(&ev))/>
                    {move || add_said(NewField::Name)().map(|text| view! { <span class="field-error" id="new-type-name-error" data-testid="new-type-error">{text}</span> })}</label>
                <label class="field"><span>"Label (the default)"</span>
                    <input id="new-type-label" data-testid="new-type-label" type="text" prop:value=new_label
                        aria-invalid=move || add_said(NewField::Label)().map(|_| "true")
                        aria-describedby=move || add_said(NewField::Label)().map(|_| "new-type-label-error")
                        on:input=move |ev| new_label.set(event_target_value(&ev))/>
                    {move || add_said(NewField::Label)().map(|text| view! { <span class="field-error" id="new-type-label-error" data-testid="new-type-error">{text}</span> })}</label>
                <button class="btn" type="submit" data-testid="add-type">"Add"</button>
                <Confirmed label="Save all…" testid="save-types" enabled=Signal::derive(|| true) check
                    question="Replace the consent type names with these?".to_string() on_confirm=save/>
            </form>
        })}
        {move || (!used.get().is_empty()).then(|| view! {
            <div class="card conflict" data-testid="types-in-use">
                <p class="conflict-title">"These names are used by consents and cannot be removed:"</p>
                <ul>{used.get().into_iter().map(|(name, count)| {
                    let href = format!("/consents?{}", ExplorerQuery { type_: Some(name.clone()), ..ExplorerQuery::default() }.to_query_string());
                    view! { <li><a href=href data-testid="in-use-link">{name}</a> {count.map(|n| format!(" — {} consents", thousands(n)))}</li> }
                }).collect_view()}</ul>
            </div>
        })}
        {move || conflict.get().map(|fresh| {
            let read = base.get_value();
            let changed: Vec<String> = fresh.names.keys().chain(read.names.keys()).filter(|n| fresh.names.get(*n) != read.names.get(*n)).cloned().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            view! {
                <div class="card conflict" role="alert" data-testid="conflict">
                    <p class="conflict-title">"Someone changed the type names after you opened them. Nothing was written."</p>
                    <p>"Changed since: " {changed.join(", ")}</p>
                    <button class="btn btn-primary" data-testid="conflict-apply" on:click=move |_| apply.run(())>"Apply my changes to the fresh version"</button>
                    <button class="btn" data-testid="conflict-discard" on:click=move |_| discard.run(())>"Discard mine"</button>
                </div>
            }
        })}
        {move || problem.get().map(|error| view! { <ErrorPanel error/> })}
    }
}

/// One name: its label in each language of the end user's pages (the field holding the default label
/// marked so), its default description, editable by admins, and its removal. An empty field means the
/// API shows the default label in that language. A problem of a label without a field is said in the
/// name's cell with a button that removes that label. The inputs carry no `lang`: their accessible names
/// are English words, which a screen reader would otherwise read as Spanish or French.
#[component]
fn NameRow(name: String, draft: RwSignal<Names>, admin: bool, problems: Memo<Problems>) -> impl IntoView {
    let labels = draft.with_untracked(|d| d.get(&name).cloned().unwrap_or_default());
    let description = labels.first().and_then(|l| l.description.clone()).unwrap_or_default();
    if !admin {
        let text = |language: Language| view! { <td data-testid="type-label-text" lang=language.code()>{label_in(&labels, language)}</td> };
        return view! {
            <tr data-testid="type-row" data-name=name.clone()>
                <td><code>{name.clone()}</code></td>{text(Language::En)}{text(Language::Es)}{text(Language::Fr)}<td>{description}</td><td></td>
            </tr>
        }
        .into_any();
    }
    let key = StoredValue::new(name.clone());
    let at = move |field: LabelField| move || problems.with(|all| key.with_value(|name| said(all, name, field)));
    // Its message, beside the field, with the id the field's `aria-describedby` names.
    let message = move |field: LabelField| {
        let id = format!("{}-error", field_id(&key.get_value(), field));
        move || at(field)().map(|text| view! { <span class="field-error" id=id.clone() data-testid="type-field-error">{text}</span> })
    };
    let holds_default = move |language: Language| {
        move || draft.with(|d| key.with_value(|name| d.get(name).is_some_and(|l| default_field(l) == Some(language))))
    };
    // The field's `aria-describedby`: its message, for English the row's too, and whether it holds the default.
    let described = move |field: LabelField| {
        move || {
            let mut ids: Vec<String> = Vec::new();
            if let LabelField::Label(language) = field {
                if holds_default(language)() {
                    ids.push(format!("{}-default", field_id(&key.get_value(), field)));
                }
            }
            for (of, shown) in [(field, true), (LabelField::Row, field == LabelField::Label(Language::En))] {
                if shown && at(of)().is_some() {
                    ids.push(format!("{}-error", field_id(&key.get_value(), of)));
                }
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let invalid = move |field: LabelField| move || at(field)().map(|_| "true");
    // A problem of a label without a field: its removal, the one fix the row has for it.
    let remove_label = move || {
        let index = problems.with(|all| key.with_value(|name| removable(all, name)))?;
        let remove = move |_| {
            draft.update(|d| {
                if let Some(labels) = d.get_mut(&key.get_value()) {
                    if index < labels.len() {
                        labels.remove(index);
                    }
                }
            });
        };
        let tag = draft.with(|d| key.with_value(|name| d.get(name).and_then(|l| l.get(index)).and_then(|l| l.language.clone()).unwrap_or_default()));
        Some(view! { <button type="button" class="btn btn-small" data-testid="remove-label" on:click=remove>{format!("Remove the label tagged '{tag}'")}</button> })
    };
    // One input per language, each the same view type (three calls of one closure: no list to rebuild).
    let input = |language: Language| {
        let field = LabelField::Label(language);
        let edit = move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            draft.update(|d| {
                if let Some(labels) = d.get_mut(&key.get_value()) {
                    set_label(labels, language, value);
                }
            });
        };
        view! {
            <td><input id=field_id(&name, field) data-testid="type-label" data-language=language.code() type="text"
                aria-label=format!("{} label of {name}", language_name(language)) aria-invalid=invalid(field) aria-describedby=described(field)
                value=label_in(&labels, language) on:input=edit/>
                {move || holds_default(language)().then(|| {
                    let id = format!("{}-default", field_id(&key.get_value(), field));
                    view! { <span class="default-mark" id=id data-testid="default-mark">"default"</span> }
                })}
                {message(field)}</td>
        }
    };
    let describe = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        draft.update(|d| {
            if let Some(first) = d.get_mut(&key.get_value()).and_then(|l| l.first_mut()) {
                first.description = Some(value);
            }
        });
    };
    view! {
        <tr data-testid="type-row" data-name=name.clone()>
            <td><code>{name.clone()}</code>{message(LabelField::Row)}{remove_label}</td>
            {input(Language::En)}{input(Language::Es)}{input(Language::Fr)}
            <td><input id=field_id(&name, LabelField::Description) data-testid="type-description" type="text" aria-label=format!("Description of {name}")
                aria-invalid=invalid(LabelField::Description) aria-describedby=described(LabelField::Description)
                value=description on:input=describe/>{message(LabelField::Description)}</td>
            <td><button class="btn btn-small btn-danger-outline" data-testid="remove-type"
                on:click=move |_| draft.update(|d| { d.remove(&key.get_value()); })>"Remove"</button></td>
        </tr>
    }
    .into_any()
}
