//! The IBAN field as it is typed: shown in groups of four (`ES91 2100 0418 4502 0005 1332`), upper case,
//! with the caret kept after the same character when the spaces move. What is sent is the compact form;
//! whether it is a valid IBAN is `console_api::mas`'s rule, checked on every keystroke by the page.

/// The characters that count: letters and digits, upper-cased. Spaces, dashes and dots people paste are
/// dropped; anything else is kept so that the IBAN rule can name it.
pub fn compact(typed: &str) -> String {
    typed.chars().filter(|c| !matches!(c, ' ' | '\t' | '-' | '.')).flat_map(char::to_uppercase).collect()
}

/// `typed` compacted, then in groups of four (MasCustomers' paper form).
pub fn grouped(typed: &str) -> String {
    crate::mas::check::iban_grouped(&compact(typed))
}

/// Where the caret goes in [`grouped`]`(typed)` when it was at character `caret` of `typed`: after the same
/// number of counted characters (a caret right after a group stays before the space that follows).
pub fn caret_in_grouped(typed: &str, caret: usize) -> usize {
    let before = compact(&typed.chars().take(caret).collect::<String>()).chars().count();
    if before == 0 {
        0
    } else {
        before + (before - 1) / 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iban_is_shown_in_groups_of_four_upper_case() {
        assert_eq!(grouped("es9121000418450200051332"), "ES91 2100 0418 4502 0005 1332");
        assert_eq!(grouped("ES91 2100-0418.4502 0005 1332"), "ES91 2100 0418 4502 0005 1332");
        assert_eq!(grouped("ES91"), "ES91");
        assert_eq!(grouped("ES912"), "ES91 2");
        assert_eq!(grouped(""), "");
        assert_eq!(compact("de89 3704 0044 0532 0130 00"), "DE89370400440532013000");
        assert_eq!(grouped("ES9!"), "ES9!", "a stray character is kept, for the rule to name it");
    }

    #[test]
    fn the_caret_stays_after_the_same_character() {
        // Typing the fifth character at the end: the caret goes after the new space and the character.
        assert_eq!(caret_in_grouped("ES912", 5), 6);
        // Right after a full group: before the space.
        assert_eq!(caret_in_grouped("ES91 2100", 4), 4);
        // Editing in the middle of a pasted, ungrouped IBAN.
        assert_eq!(caret_in_grouped("ES9121000418", 9), 11);
        assert_eq!(caret_in_grouped("ES91 2100", 0), 0);
        // Past the end is the end.
        assert_eq!(caret_in_grouped("es91 21", 99), grouped("es91 21").chars().count());
    }
}
