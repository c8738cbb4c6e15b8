//! A failure on the end user's pages, in their language. The gateway's problems are worded in English for
//! staff (`ApiProblem::message`); an end user is told instead what happened and what to do, chosen by the
//! problem's `kind` and `status`, never by its English text. Of a problem's details only the field it
//! names is used, and only a field these pages know (the words are ours, not the gateway's): a message can
//! quote what was sent or what an upstream said, which is neither translated nor meant for a customer.
//! The correlation id stays beside the message (the page shows it) for support.

use super::Language;
use crate::gateway::{ApiProblem, ClientError, ProblemKind};

/// What the end user is told, one case per distinct thing they can do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemText {
    /// The page's own address names no valid consent (`/me/documents/{consentId}` edited by hand).
    BadConsentAddress,
    /// A document URI the console does not relay.
    BadDocumentAddress,
    /// A language these pages do not have.
    BadLanguage,
    /// Any other refused input: nothing the person typed (these pages have no free text), so reload.
    NotAccepted,
    /// The consent changed meanwhile (already given, revoked, rescinded): a 409 or 412.
    AlreadyChanged,
    NotFound,
    SignedOut,
    NotAllowed,
    /// The Consents service could not be reached, or answered with a failure: try again later.
    ServiceUnavailable,
    /// The console's own server could not be reached (the network, or the server is down).
    Offline,
    /// Anything else on the bank's side.
    Internal,
}

impl ProblemText {
    /// Every case, for the tests.
    pub const ALL: [ProblemText; 11] = [
        ProblemText::BadConsentAddress, ProblemText::BadDocumentAddress, ProblemText::BadLanguage, ProblemText::NotAccepted,
        ProblemText::AlreadyChanged, ProblemText::NotFound, ProblemText::SignedOut, ProblemText::NotAllowed,
        ProblemText::ServiceUnavailable, ProblemText::Offline, ProblemText::Internal,
    ];

    /// The case of `error`.
    pub fn of(error: &ClientError) -> ProblemText {
        match error {
            ClientError::Invalid(e) => by_field(e.field).unwrap_or(ProblemText::NotAccepted),
            ClientError::Problem(p) => of_problem(p),
            ClientError::Transport(_) => ProblemText::Offline,
            ClientError::Decode(_) => ProblemText::Internal,
        }
    }

    pub fn in_language(self, language: Language) -> &'static str {
        self.all_languages()[language as usize]
    }

    fn all_languages(self) -> [&'static str; 3] {
        match self {
            ProblemText::BadConsentAddress => [
                "This page's address does not name one of your documents. Open the document from My documents.",
                "La dirección de esta página no corresponde a ninguno de sus documentos. Abra el documento desde Mis documentos.",
                "L’adresse de cette page ne désigne aucun de vos documents. Ouvrez le document depuis Mes documents.",
            ],
            ProblemText::BadDocumentAddress => [
                "This document's address is not one the console can show. Contact the bank and give the reference below.",
                "La dirección de este documento no es una que la consola pueda mostrar. Contacte con el banco e indique la referencia de abajo.",
                "L’adresse de ce document n’est pas de celles que la console peut afficher. Contactez la banque en indiquant la référence ci-dessous.",
            ],
            ProblemText::BadLanguage => [
                "This language is not available. Choose English, Spanish or French.",
                "Este idioma no está disponible. Elija inglés, español o francés.",
                "Cette langue n’est pas disponible. Choisissez l’anglais, l’espagnol ou le français.",
            ],
            ProblemText::NotAccepted => [
                "The request was not accepted. Reload the page and try again.",
                "La solicitud no se ha aceptado. Vuelva a cargar la página e inténtelo de nuevo.",
                "La demande n’a pas été acceptée. Rechargez la page et réessayez.",
            ],
            ProblemText::AlreadyChanged => [
                "This document has changed in the meantime (it may already be accepted or withdrawn). Reload the page to see where it stands.",
                "Este documento ha cambiado mientras tanto (puede que ya esté aceptado o retirado). Vuelva a cargar la página para ver su estado.",
                "Ce document a changé entre-temps (il est peut-être déjà accepté ou retiré). Rechargez la page pour voir où il en est.",
            ],
            ProblemText::NotFound => [
                "This document is not among yours, or is no longer available. Go back to My documents to see the ones waiting for you.",
                "Este documento no está entre los suyos o ya no está disponible. Vuelva a Mis documentos para ver los que tiene pendientes.",
                "Ce document ne fait pas partie des vôtres ou n’est plus disponible. Revenez à Mes documents pour voir ceux qui vous attendent.",
            ],
            ProblemText::SignedOut => [
                "Your session has ended. Sign in again to continue.",
                "Su sesión ha terminado. Vuelva a iniciar sesión para continuar.",
                "Votre session a pris fin. Reconnectez-vous pour continuer.",
            ],
            ProblemText::NotAllowed => [
                "Your account cannot do this. If you think it should, contact the bank and give the reference below.",
                "Su cuenta no permite hacer esto. Si cree que es un error, contacte con el banco e indique la referencia de abajo.",
                "Votre compte ne permet pas de faire cela. Si vous pensez qu’il s’agit d’une erreur, contactez la banque en indiquant la référence ci-dessous.",
            ],
            ProblemText::ServiceUnavailable => [
                "The service is not available at the moment. Try again in a few minutes.",
                "El servicio no está disponible en este momento. Inténtelo de nuevo en unos minutos.",
                "Le service n’est pas disponible pour le moment. Réessayez dans quelques minutes.",
            ],
            ProblemText::Offline => [
                "The bank could not be reached. Check your connection and try again.",
                "No se ha podido contactar con el banco. Compruebe su conexión e inténtelo de nuevo.",
                "La banque n’a pas pu être jointe. Vérifiez votre connexion et réessayez.",
            ],
            ProblemText::Internal => [
                "Something went wrong on our side. Try again later; if it keeps happening, give support the reference below.",
                "Algo ha fallado por nuestra parte. Inténtelo más tarde; si sigue ocurriendo, facilite a soporte la referencia de abajo.",
                "Un problème est survenu de notre côté. Réessayez plus tard ; si cela persiste, donnez au support la référence ci-dessous.",
            ],
        }
    }
}

/// A field these pages send (never typed by the person: the page's address, the document, the language).
fn by_field(field: &str) -> Option<ProblemText> {
    match field {
        "consentId" | "consent" => Some(ProblemText::BadConsentAddress),
        "uri" => Some(ProblemText::BadDocumentAddress),
        "lang" => Some(ProblemText::BadLanguage),
        _ => None,
    }
}

fn of_problem(p: &ApiProblem) -> ProblemText {
    match (&p.kind, p.status) {
        // A 409 is the gateway's "not in a state that allows it" (`invalidConsentState`).
        (_, 409 | 412) => ProblemText::AlreadyChanged,
        (ProblemKind::InvalidInput, _) => p.field.as_deref().and_then(by_field).unwrap_or(ProblemText::NotAccepted),
        (ProblemKind::NotFound, _) => ProblemText::NotFound,
        (ProblemKind::Unauthorized, _) => ProblemText::SignedOut,
        (ProblemKind::Forbidden, _) => ProblemText::NotAllowed,
        (ProblemKind::UpstreamUnavailable | ProblemKind::UpstreamError, _) => ProblemText::ServiceUnavailable,
        (ProblemKind::OperationFailed | ProblemKind::Internal, _) => ProblemText::Internal,
        // A kind this page does not know yet: by its status.
        (ProblemKind::Other(_), 401) => ProblemText::SignedOut,
        (ProblemKind::Other(_), 403) => ProblemText::NotAllowed,
        (ProblemKind::Other(_), 404 | 410) => ProblemText::NotFound,
        (ProblemKind::Other(_), 502..=504) => ProblemText::ServiceUnavailable,
        (ProblemKind::Other(_), 400..=499) => ProblemText::NotAccepted,
        (ProblemKind::Other(_), _) => ProblemText::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TransportError;
    use crate::validate::ValidationError;

    fn problem(status: u16, kind: ProblemKind, field: Option<&str>) -> ClientError {
        let mut p = ApiProblem::new(status, kind, "The Consents service failed to answer (503). <script>");
        p.field = field.map(str::to_string);
        ClientError::Problem(p)
    }

    #[test]
    fn each_problem_is_worded_by_its_kind_and_status_never_by_its_english_message() {
        let cases = [
            (problem(502, ProblemKind::UpstreamError, None), ProblemText::ServiceUnavailable),
            (problem(503, ProblemKind::UpstreamUnavailable, None), ProblemText::ServiceUnavailable),
            (problem(409, ProblemKind::InvalidInput, None), ProblemText::AlreadyChanged),
            (problem(404, ProblemKind::NotFound, None), ProblemText::NotFound),
            (problem(401, ProblemKind::Unauthorized, None), ProblemText::SignedOut),
            (problem(403, ProblemKind::Forbidden, None), ProblemText::NotAllowed),
            (problem(500, ProblemKind::Internal, None), ProblemText::Internal),
            (problem(400, ProblemKind::InvalidInput, Some("consentId")), ProblemText::BadConsentAddress),
            (problem(400, ProblemKind::InvalidInput, Some("uri")), ProblemText::BadDocumentAddress),
            (problem(400, ProblemKind::InvalidInput, Some("lang")), ProblemText::BadLanguage),
            // A field these pages do not know is not quoted: the general words.
            (problem(400, ProblemKind::InvalidInput, Some("filter")), ProblemText::NotAccepted),
            (problem(429, ProblemKind::Other("rate_limited".into()), None), ProblemText::NotAccepted),
            (problem(504, ProblemKind::Other("gateway_timeout".into()), None), ProblemText::ServiceUnavailable),
            (ClientError::Invalid(ValidationError { field: "consentId", message: "bad".into() }), ProblemText::BadConsentAddress),
            (ClientError::Transport(TransportError::Connect("connection refused".into())), ProblemText::Offline),
            (ClientError::Decode("eof".into()), ProblemText::Internal),
        ];
        for (error, expected) in cases {
            assert_eq!(ProblemText::of(&error), expected, "{error:?}");
            for language in Language::ALL {
                let words = ProblemText::of(&error).in_language(language);
                assert!(!words.contains("Consents service") && !words.contains('<'), "{language:?}: {words}");
            }
        }
        assert_eq!(
            ProblemText::of(&problem(502, ProblemKind::UpstreamError, None)).in_language(Language::Es),
            "El servicio no está disponible en este momento. Inténtelo de nuevo en unos minutos."
        );
    }

    #[test]
    fn every_problem_text_is_translated() {
        for text in ProblemText::ALL {
            let [en, es, fr] = text.all_languages();
            assert!(!en.is_empty() && !es.is_empty() && !fr.is_empty(), "{text:?}");
            assert!(en != es && en != fr && es != fr, "{text:?} is not translated");
        }
    }
}
