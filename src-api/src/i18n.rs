//! The end user's pages in English, Spanish and French: the language (from the browser's preferences or
//! the person's choice) and every string of "My documents", as one typed catalog. Each text is an array
//! of the three languages, so a missing translation does not compile; the tests check none is empty or
//! left in English by mistake. Consent type names and states come from the API's labels, not from here.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

pub mod problem;

pub use problem::ProblemText;

/// A language of the end user's pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Language {
    #[default]
    En,
    Es,
    Fr,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::Es, Language::Fr];

    /// The BCP 47 code (`lang` attribute, `Accept-Language`, the labels route's `?lang=`).
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
            Language::Fr => "fr",
        }
    }

    /// The language's own name, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Es => "Español",
            Language::Fr => "Français",
        }
    }

    /// `en`, `es-MX`, `FR`...: by the primary subtag; `None` for a language the pages do not have.
    pub fn parse(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The first of the browser's languages (`navigator.languages`, in preference order) the pages have;
    /// English when none is.
    pub fn preferred<'a>(tags: impl IntoIterator<Item = &'a str>) -> Language {
        tags.into_iter().find_map(Language::parse).unwrap_or_default()
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A fixed text of the end user's pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    MyDocuments,
    Intro,
    LanguageLabel,
    Loading,
    NothingNeeded,
    NothingNeededHint,
    New,
    Revised,
    WhatChanged,
    ReadAndAccept,
    History,
    DocumentLoading,
    Agree,
    Accept,
    Accepting,
    NoLongerNeeded,
    BackToInbox,
    UnsafeDocument,
    Accepted,
    HistoryIntro,
    NoHistory,
    Revoke,
    Revoking,
    ConfirmRevokeTitle,
    ConfirmRevokeText,
    Cancel,
    ConfirmRevoke,
    SkipToContent,
    Customer,
    Environment,
    SignOut,
    RevokedNotice,
    ErrorTitle,
    ErrorReference,
    Retry,
}

impl Text {
    /// Every text, for the tests.
    pub const ALL: [Text; 35] = [
        Text::MyDocuments, Text::Intro, Text::LanguageLabel, Text::Loading, Text::NothingNeeded, Text::NothingNeededHint,
        Text::New, Text::Revised, Text::WhatChanged, Text::ReadAndAccept, Text::History, Text::DocumentLoading, Text::Agree,
        Text::Accept, Text::Accepting, Text::NoLongerNeeded, Text::BackToInbox, Text::UnsafeDocument, Text::Accepted,
        Text::HistoryIntro, Text::NoHistory, Text::Revoke, Text::Revoking, Text::ConfirmRevokeTitle, Text::ConfirmRevokeText,
        Text::Cancel, Text::ConfirmRevoke, Text::RevokedNotice, Text::ErrorTitle, Text::ErrorReference, Text::Retry,
        Text::SkipToContent, Text::Customer, Text::Environment, Text::SignOut,
    ];

    fn all_languages(self) -> [&'static str; 3] {
        match self {
            Text::MyDocuments => ["My documents", "Mis documentos", "Mes documents"],
            Text::Intro => ["These documents need your consent.", "Estos documentos necesitan su consentimiento.", "Ces documents demandent votre consentement."],
            Text::LanguageLabel => ["Language", "Idioma", "Langue"],
            Text::Loading => ["Loading your documents…", "Cargando sus documentos…", "Chargement de vos documents…"],
            Text::NothingNeeded => ["Nothing needs your attention", "No hay nada pendiente", "Rien ne demande votre attention"],
            Text::NothingNeededHint => [
                "When a document needs your consent, it will be listed here.",
                "Cuando un documento necesite su consentimiento, aparecerá aquí.",
                "Quand un document demandera votre consentement, il apparaîtra ici.",
            ],
            Text::New => ["New", "Nuevo", "Nouveau"],
            Text::Revised => ["Revised", "Revisado", "Révisé"],
            Text::WhatChanged => ["What changed:", "Qué ha cambiado:", "Ce qui a changé :"],
            Text::ReadAndAccept => ["Read and accept", "Leer y aceptar", "Lire et accepter"],
            Text::History => ["What I have accepted", "Lo que he aceptado", "Ce que j’ai accepté"],
            Text::DocumentLoading => ["Loading the document…", "Cargando el documento…", "Chargement du document…"],
            Text::Agree => ["I have read and agree", "He leído y acepto", "J’ai lu et j’accepte"],
            Text::Accept => ["Accept", "Aceptar", "Accepter"],
            Text::Accepting => ["Accepting…", "Aceptando…", "Acceptation…"],
            Text::NoLongerNeeded => [
                "This document does not need your consent any more.",
                "Este documento ya no necesita su consentimiento.",
                "Ce document ne demande plus votre consentement.",
            ],
            Text::BackToInbox => ["Back to My documents", "Volver a Mis documentos", "Retour à Mes documents"],
            Text::UnsafeDocument => [
                "This document's address is not one the console can show.",
                "La dirección de este documento no es una que la consola pueda mostrar.",
                "L’adresse de ce document n’est pas de celles que la console peut afficher.",
            ],
            Text::Accepted => ["Accepted", "Aceptado", "Accepté"],
            Text::HistoryIntro => [
                "The documents you have accepted. You can withdraw a consent at any time.",
                "Los documentos que ha aceptado. Puede retirar un consentimiento en cualquier momento.",
                "Les documents que vous avez acceptés. Vous pouvez retirer un consentement à tout moment.",
            ],
            Text::NoHistory => ["You have not accepted any document yet.", "Aún no ha aceptado ningún documento.", "Vous n’avez encore accepté aucun document."],
            Text::Revoke => ["Withdraw consent", "Retirar el consentimiento", "Retirer le consentement"],
            Text::Revoking => ["Withdrawing…", "Retirando…", "Retrait…"],
            Text::ConfirmRevokeTitle => ["Withdraw your consent?", "¿Retirar su consentimiento?", "Retirer votre consentement ?"],
            Text::ConfirmRevokeText => [
                "The bank may no longer be able to provide the service this document covers, and may ask you again.",
                "Es posible que el banco ya no pueda prestar el servicio que cubre este documento, y puede volver a pedírselo.",
                "La banque pourrait ne plus pouvoir fournir le service couvert par ce document, et pourra vous le redemander.",
            ],
            Text::Cancel => ["Cancel", "Cancelar", "Annuler"],
            Text::ConfirmRevoke => ["Withdraw", "Retirar", "Retirer"],
            Text::RevokedNotice => ["Your consent was withdrawn.", "Su consentimiento se ha retirado.", "Votre consentement a été retiré."],
            Text::ErrorTitle => ["This could not be done", "No se ha podido hacer", "Cela n’a pas pu être fait"],
            Text::ErrorReference => ["Reference for support:", "Referencia para soporte:", "Référence pour le support :"],
            Text::Retry => ["Try again", "Reintentar", "Réessayer"],
            Text::SkipToContent => ["Skip to content", "Saltar al contenido", "Aller au contenu"],
            Text::Customer => ["Customer", "Cliente", "Client"],
            Text::Environment => ["Environment", "Entorno", "Environnement"],
            Text::SignOut => ["Sign out", "Cerrar sesión", "Se déconnecter"],
        }
    }

    /// The text in `language`.
    pub fn in_language(self, language: Language) -> &'static str {
        self.all_languages()[language.index()]
    }
}

const MONTHS: [[&str; 12]; 3] = [
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
];

/// The API's times, `YYYY-MM-DDThh:mm:ss[.sss]Z` (UTC, as the seed writes them), without chrono's general
/// RFC 3339 parser (a cost in the end user's wasm for one fixed form).
pub fn utc_time(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b.len() < 20 || !text.ends_with('Z') || separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let number = |from: usize, to: usize| text.get(from..to)?.parse::<u32>().ok();
    let day = NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?;
    day.and_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)
}

/// "15 September 2026", "15 de septiembre de 2026", "15 septembre 2026".
pub fn date(language: Language, day: NaiveDate) -> String {
    let month = MONTHS[language.index()][day.month0() as usize];
    match language {
        Language::Es => format!("{} de {month} de {}", day.day(), day.year()),
        Language::En | Language::Fr => format!("{} {month} {}", day.day(), day.year()),
    }
}

/// The date and the time of day (24-hour, as all three write it in a receipt).
pub fn date_time(language: Language, at: NaiveDateTime) -> String {
    let (day, hour, minute) = (date(language, at.date()), at.hour(), at.minute());
    match language {
        Language::En => format!("{day} at {hour:02}:{minute:02}"),
        Language::Es => format!("{day} a las {hour:02}:{minute:02}"),
        Language::Fr => format!("{day} à {hour:02}h{minute:02}"),
    }
}

/// "Revision 2026:1 · 15 September 2026".
pub fn revision(language: Language, revision_id: Option<&str>, revised: Option<NaiveDate>) -> String {
    let word = ["Revision", "Revisión", "Révision"][language.index()];
    let parts: Vec<String> = [revision_id.map(|r| format!("{word} {r}")), revised.map(|d| date(language, d))].into_iter().flatten().collect();
    parts.join(" · ")
}

/// What the document page says when a give was refused because the document was revised while the person
/// read it (412): nothing was accepted, which revision it is now, and what to do.
pub fn revised_while_reading(language: Language, revision_id: Option<&str>) -> String {
    let revision = revision_id.unwrap_or("—");
    match language {
        Language::En => format!("This document was revised while you were reading it, so nothing was accepted. It is now revision {revision}: please read it, tick “I have read and agree” again, then accept it."),
        Language::Es => format!("Este documento se revisó mientras lo leía, así que no se aceptó nada. Ahora es la revisión {revision}: léalo, vuelva a marcar «He leído y acepto» y luego acéptelo."),
        Language::Fr => format!("Ce document a été révisé pendant que vous le lisiez : rien n’a été accepté. Il en est maintenant à la révision {revision} : lisez-le, cochez à nouveau « J’ai lu et j’accepte », puis acceptez-le."),
    }
}

/// The receipt's sentence: what was accepted, which revision, when.
pub fn receipt(language: Language, document: &str, revision_id: Option<&str>, at: &str) -> String {
    let revision = revision_id.unwrap_or("—");
    match language {
        Language::En => format!("You accepted “{document}”, revision {revision}, on {at}."),
        Language::Es => format!("Aceptó «{document}», revisión {revision}, el {at}."),
        Language::Fr => format!("Vous avez accepté « {document} », révision {revision}, le {at}."),
    }
}

/// How many consents one acceptance gave ("It covers 2 agreements."), said only when more than one.
pub fn covers(language: Language, count: usize) -> Option<String> {
    (count > 1).then(|| match language {
        Language::En => format!("It covers {count} agreements (one per product or account)."),
        Language::Es => format!("Cubre {count} acuerdos (uno por producto o cuenta)."),
        Language::Fr => format!("Il couvre {count} accords (un par produit ou compte)."),
    })
}

/// "Accepted on 4 March 2025" / "Withdrawn on ...".
pub fn accepted_on(language: Language, day: NaiveDate) -> String {
    let word = ["Accepted on", "Aceptado el", "Accepté le"][language.index()];
    format!("{word} {}", date(language, day))
}

pub fn withdrawn_on(language: Language, day: NaiveDate) -> String {
    let word = ["Withdrawn on", "Retirado el", "Retiré le"][language.index()];
    format!("{word} {}", date(language, day))
}

/// "Hello, Alice."
pub fn hello(language: Language, name: &str) -> String {
    match language {
        Language::En => format!("Hello, {name}."),
        Language::Es => format!("Hola, {name}."),
        Language::Fr => format!("Bonjour, {name}."),
    }
}

/// The document frame's accessible title.
pub fn document_title(language: Language, document: &str) -> String {
    let word = ["Document", "Documento", "Document"][language.index()];
    format!("{word}: {document}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_exists_in_every_language_and_is_translated() {
        // Names, brands and words that are the same in two languages.
        let same_ok = ["Document", "Accepté"];
        for text in Text::ALL {
            let [en, es, fr] = text.all_languages();
            for (language, s) in [("en", en), ("es", es), ("fr", fr)] {
                assert!(!s.trim().is_empty(), "{text:?} is empty in {language}");
            }
            assert_ne!(en, es, "{text:?} is not translated into Spanish");
            if !same_ok.contains(&fr) {
                assert_ne!(en, fr, "{text:?} is not translated into French");
            }
        }
        // ALL lists each text once (a text added to the enum and not to ALL would go untested).
        for (i, a) in Text::ALL.iter().enumerate() {
            assert!(!Text::ALL[i + 1..].contains(a), "{a:?} twice in ALL");
        }
    }

    #[test]
    fn the_browser_languages_pick_the_first_the_pages_have() {
        assert_eq!(Language::preferred(["de-DE", "fr-CA", "en"]), Language::Fr);
        assert_eq!(Language::preferred(["es-MX"]), Language::Es);
        assert_eq!(Language::preferred(["de", "it"]), Language::En);
        assert_eq!(Language::preferred([]), Language::En);
        assert_eq!(Language::parse("FR"), Some(Language::Fr));
        assert_eq!(Language::parse("english"), None);
    }

    #[test]
    fn the_apis_utc_times_are_read_and_anything_else_is_not() {
        let at = utc_time("2026-09-15T08:05:09.375Z").unwrap();
        assert_eq!(at, NaiveDate::from_ymd_opt(2026, 9, 15).unwrap().and_hms_opt(8, 5, 9).unwrap());
        assert_eq!(utc_time("2026-09-15T08:05:09Z"), Some(at));
        for bad in ["", "2026-09-15", "2026-09-15T08:05:09+02:00", "2026-13-15T08:05:09Z", "2026/09/15T08:05:09Z", "2026-09-15T25:05:09Z"] {
            assert_eq!(utc_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_and_receipts_read_naturally_in_each_language() {
        let day = NaiveDate::from_ymd_opt(2026, 9, 15).unwrap();
        assert_eq!(date(Language::En, day), "15 September 2026");
        assert_eq!(date(Language::Es, day), "15 de septiembre de 2026");
        assert_eq!(date(Language::Fr, day), "15 septembre 2026");
        let at = day.and_hms_opt(8, 5, 0).unwrap();
        assert_eq!(date_time(Language::Fr, at), "15 septembre 2026 à 08h05");
        assert_eq!(revision(Language::Es, Some("2026:1"), Some(day)), "Revisión 2026:1 · 15 de septiembre de 2026");
        assert_eq!(revision(Language::En, None, None), "");
        assert_eq!(receipt(Language::En, "Privacy policy", Some("2026:1"), "x"), "You accepted “Privacy policy”, revision 2026:1, on x.");
        assert_eq!(covers(Language::En, 1), None);
        assert!(covers(Language::Fr, 2).unwrap().contains("2 accords"));
    }
}
