//! The checks of MasCustomers' values, with messages that say what to fix: uuid ids, yyyy-mm-dd dates and
//! ranges, IBANs and billing addresses. The page runs them as people type, the sandbox to refuse.

use chrono::NaiveDate;

use super::BillingAddress;
use crate::validate::ValidationError;

fn fail<T>(field: &'static str, message: impl Into<String>) -> Result<T, ValidationError> {
    Err(ValidationError { field, message: message.into() })
}

/// A uuid in its text form, `8-4-4-4-12` hexadecimal digits (either case), as seed 003's `string(uuid)`.
pub fn uuid(field: &'static str, value: &str) -> Result<(), ValidationError> {
    const EXAMPLE: &str = "such as 3f2c8a10-5b7e-4d21-9c3a-0e1f2a3b4c5d";
    if value.is_empty() {
        return fail(field, format!("is required: a uuid {EXAMPLE}"));
    }
    let len = value.chars().count();
    if len != 36 {
        return fail(field, format!("has {len} characters: a uuid has 36 (8-4-4-4-12 hexadecimal digits, {EXAMPLE})"));
    }
    for (pos, c) in value.chars().enumerate() {
        let dash = matches!(pos, 8 | 13 | 18 | 23);
        if dash && c != '-' {
            return fail(field, format!("needs '-' at position {}: a uuid is 8-4-4-4-12 hexadecimal digits", pos + 1));
        }
        if !dash && !c.is_ascii_hexdigit() {
            return fail(field, format!("'{c}' is not a hexadecimal digit (position {}): a uuid uses 0-9 and a-f", pos + 1));
        }
    }
    Ok(())
}

/// A calendar date written `yyyy-mm-dd` (`2020-01-01`), exactly: no time, no missing zero.
pub fn date(field: &'static str, value: &str) -> Result<NaiveDate, ValidationError> {
    let shape_ok = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shape_ok {
        return fail(field, format!("'{value}' is not a date written yyyy-mm-dd, such as 2020-01-01"));
    }
    // Read from its digits (the shape is checked): chrono's format parser would add about 11 KB to the page.
    let number = |from: usize, to: usize| value.as_bytes()[from..to].iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    NaiveDate::from_ymd_opt(number(0, 4) as i32, number(5, 7), number(8, 10))
        .ok_or_else(|| ValidationError { field, message: format!("'{value}' is not a day of the calendar") })
}

/// The optional `from` and `to` of a history query: each a date, and `from` not after `to`.
pub fn date_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ValidationError> {
    let from = from.map(|f| date("from", f)).transpose()?;
    let to = to.map(|t| date("to", t)).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return fail("from", format!("{f} is after to ({t}): swap them or widen the range"));
        }
    }
    Ok((from, to))
}

/// The IBAN's length in each country of the SWIFT IBAN registry, as `iban_validate` 5.0.1 encodes it
/// (derived from its country patterns), and the country's name: here only so that a message can say how
/// many characters are due, and for which country.
const IBAN_COUNTRIES: &[(&str, usize, &str)] = &[
    ("AD", 24, "Andorra"), ("AE", 23, "United Arab Emirates"), ("AL", 28, "Albania"), ("AT", 20, "Austria"),
    ("AZ", 28, "Azerbaijan"), ("BA", 20, "Bosnia and Herzegovina"), ("BE", 16, "Belgium"),
    ("BG", 22, "Bulgaria"), ("BH", 22, "Bahrain"), ("BI", 27, "Burundi"), ("BR", 29, "Brazil"),
    ("BY", 28, "Belarus"), ("CH", 21, "Switzerland"), ("CR", 22, "Costa Rica"), ("CY", 28, "Cyprus"),
    ("CZ", 24, "Czechia"), ("DE", 22, "Germany"), ("DJ", 27, "Djibouti"), ("DK", 18, "Denmark"),
    ("DO", 28, "Dominican Republic"), ("EE", 20, "Estonia"), ("EG", 29, "Egypt"), ("ES", 24, "Spain"),
    ("FI", 18, "Finland"), ("FK", 18, "Falkland Islands"), ("FO", 18, "Faroe Islands"), ("FR", 27, "France"),
    ("GB", 22, "United Kingdom"), ("GE", 22, "Georgia"), ("GI", 23, "Gibraltar"), ("GL", 18, "Greenland"),
    ("GR", 27, "Greece"), ("GT", 28, "Guatemala"), ("HR", 21, "Croatia"), ("HU", 28, "Hungary"),
    ("IE", 22, "Ireland"), ("IL", 23, "Israel"), ("IQ", 23, "Iraq"), ("IS", 26, "Iceland"),
    ("IT", 27, "Italy"), ("JO", 30, "Jordan"), ("KW", 30, "Kuwait"), ("KZ", 20, "Kazakhstan"),
    ("LB", 28, "Lebanon"), ("LC", 32, "Saint Lucia"), ("LI", 21, "Liechtenstein"), ("LT", 20, "Lithuania"),
    ("LU", 20, "Luxembourg"), ("LV", 21, "Latvia"), ("LY", 25, "Libya"), ("MC", 27, "Monaco"),
    ("MD", 24, "Moldova"), ("ME", 22, "Montenegro"), ("MK", 19, "North Macedonia"), ("MN", 20, "Mongolia"),
    ("MR", 27, "Mauritania"), ("MT", 31, "Malta"), ("MU", 30, "Mauritius"), ("NI", 28, "Nicaragua"),
    ("NL", 18, "Netherlands"), ("NO", 15, "Norway"), ("OM", 23, "Oman"), ("PL", 28, "Poland"),
    ("PS", 29, "Palestine"), ("PT", 25, "Portugal"), ("QA", 29, "Qatar"), ("RO", 24, "Romania"),
    ("RS", 22, "Serbia"), ("RU", 33, "Russia"), ("SA", 24, "Saudi Arabia"), ("SC", 31, "Seychelles"),
    ("SD", 18, "Sudan"), ("SE", 24, "Sweden"), ("SI", 19, "Slovenia"), ("SK", 24, "Slovakia"),
    ("SM", 27, "San Marino"), ("SO", 23, "Somalia"), ("ST", 25, "São Tomé and Príncipe"),
    ("SV", 28, "El Salvador"), ("TL", 23, "Timor-Leste"), ("TN", 24, "Tunisia"), ("TR", 26, "Türkiye"),
    ("UA", 29, "Ukraine"), ("VA", 22, "Vatican City"), ("VG", 24, "British Virgin Islands"),
    ("XK", 20, "Kosovo"), ("YE", 30, "Yemen"),
];

/// How many characters an IBAN of `country` has, if the country uses IBANs.
pub fn iban_length(country: &str) -> Option<usize> {
    IBAN_COUNTRIES.iter().find(|(c, _, _)| *c == country).map(|(_, n, _)| *n)
}

/// A country code of the IBAN registry with its name, as messages say it: `ES (Spain)`.
pub fn iban_country(country: &str) -> String {
    match IBAN_COUNTRIES.iter().find(|(c, _, _)| *c == country) {
        Some((_, _, name)) => format!("{country} ({name})"),
        None => country.to_string(),
    }
}

/// An IBAN as typed, in its electronic form: spaces dropped, letters upper case.
pub fn iban_electronic(value: &str) -> String {
    value.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect()
}

/// An IBAN as typed, in its paper form: electronic, then groups of four (`ES91 2100 0418 ...`).
pub fn iban_grouped(value: &str) -> String {
    let electronic = iban_electronic(value);
    let mut out = String::with_capacity(electronic.len() + electronic.len() / 4);
    for (i, c) in electronic.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Checks an IBAN as typed (spaces allowed, any case) and answers its electronic form: a country that uses
/// IBANs, that country's length, its national format and the mod-97 check digits (`iban_validate`).
pub fn iban(value: &str) -> Result<String, ValidationError> {
    const FIELD: &str = "iban";
    let iban = iban_electronic(value);
    if iban.is_empty() {
        return fail(FIELD, "is required: an IBAN such as ES91 2100 0418 4502 0005 1332");
    }
    if let Some((pos, c)) = iban.chars().enumerate().find(|(_, c)| !c.is_ascii_alphanumeric()) {
        return fail(FIELD, format!("'{c}' is not allowed (character {}): an IBAN has only letters and digits", pos + 1));
    }
    let country: String = iban.chars().take(2).collect();
    if country.len() < 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        return fail(FIELD, "must start with its country's two letters, such as ES or DE");
    }
    let Some(expected) = iban_length(&country) else {
        return fail(FIELD, format!("{country} is not a country that uses IBANs: check the first two letters"));
    };
    if iban.len() != expected {
        let missing = if iban.len() < expected { "missing" } else { "extra" };
        return fail(
            FIELD,
            format!("has {} characters: an IBAN of {} has {expected} (some are {missing})", iban.len(), iban_country(&country)),
        );
    }
    if !iban[2..4].bytes().all(|b| b.is_ascii_digit()) {
        return fail(FIELD, "needs two check digits after the country, such as ES91");
    }
    match iban.parse::<::iban::Iban>() {
        Ok(_) => Ok(iban),
        Err(::iban::ParseIbanError::InvalidBaseIban { source: ::iban::ParseBaseIbanError::InvalidChecksum }) => fail(
            FIELD,
            format!("the check digits ({}) do not match the rest: a character is mistyped or swapped", &iban[2..4]),
        ),
        Err(::iban::ParseIbanError::InvalidBban(_)) => fail(
            FIELD,
            format!(
                "the account number after {} is not in the format of {} (letters where digits are due?)",
                &iban[..4],
                iban_country(&country)
            ),
        ),
        Err(_) => fail(FIELD, format!("is not a valid IBAN of {}: check it against the bank's statement", iban_country(&country))),
    }
}

/// A billing address: the required lines filled, each within its length, the postal code and the country
/// in their forms. Field names are the wire's, under `billing_address.`.
pub fn billing_address(address: &BillingAddress) -> Result<(), ValidationError> {
    text("billing_address.address_line1", &address.address_line1, 100)?;
    if let Some(line2) = &address.address_line2 {
        optional_text("billing_address.address_line2", line2, 100)?;
    }
    text("billing_address.city", &address.city, 60)?;
    if let Some(region) = &address.region {
        optional_text("billing_address.region", region, 60)?;
    }
    let postal = &address.postal_code;
    text("billing_address.postal_code", postal, 12)?;
    if let Some(c) = postal.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == ' ' || *c == '-')) {
        return fail("billing_address.postal_code", format!("'{c}' is not allowed: use letters, digits, spaces and '-'"));
    }
    let country = &address.country;
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        return fail("billing_address.country", format!("'{country}' is not a country code: use two capital letters (ES, FR)"));
    }
    Ok(())
}

/// Required text: not blank, at most `max` characters, no control characters.
fn text(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return fail(field, "is required");
    }
    optional_text(field, value, max)
}

fn optional_text(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if len > max {
        return fail(field, format!("has {len} characters: at most {max}"));
    }
    if value.chars().any(char::is_control) {
        return fail(field, "has a line break or control character: write it on one line");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn refuses<T: std::fmt::Debug>(result: Result<T, ValidationError>, field: &str, says: &str) {
        let e = result.unwrap_err();
        assert!(e.field == field && e.message.contains(says), "{e}");
    }

    #[test]
    fn uuids() {
        assert_eq!(uuid("id", "3F2C8A10-5b7e-4d21-9c3a-0e1f2a3b4c5d"), Ok(()));
        refuses(uuid("id", ""), "id", "required");
        refuses(uuid("id", "3f2c8a10"), "id", "has 8 characters");
        refuses(uuid("id", "3f2c8a10_5b7e-4d21-9c3a-0e1f2a3b4c5d"), "id", "'-' at position 9");
        refuses(uuid("id", "3f2c8a10-5b7e-4d21-9c3a-0e1f2a3b4c5g"), "id", "'g' is not a hexadecimal digit (position 36)");
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd_and_real() {
        assert_eq!(date("from", "2024-02-29"), Ok(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()));
        for bad in ["2024-2-29", "2024/02/29", "2024-02-29T00:00:00Z", "", "20240229"] {
            refuses(date("from", bad), "from", "yyyy-mm-dd");
        }
        refuses(date("to", "2023-02-29"), "to", "not a day");
        refuses(date("to", "2024-13-01"), "to", "'2024-13-01' is not a day of the calendar");
        refuses(date("to", "2024-04-31"), "to", "not a day");
        refuses(date("to", "2024-00-10"), "to", "not a day");
        assert_eq!(date("to", "0001-01-01"), Ok(NaiveDate::from_ymd_opt(1, 1, 1).unwrap()));
        assert_eq!(date("to", "9999-12-31"), Ok(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()));
    }

    #[test]
    fn ranges_refuse_from_after_to() {
        assert!(date_range(Some("2024-01-01"), Some("2024-01-01")).is_ok());
        assert_eq!(date_range(None, None), Ok((None, None)));
        refuses(date_range(Some("2024-02-01"), Some("2024-01-01")), "from", "after to");
        refuses(date_range(Some("2024-02-01"), Some("soon")), "to", "yyyy-mm-dd");
    }

    #[test]
    fn ibans_of_several_countries_pass_in_either_form() {
        for ok in ["ES91 2100 0418 4502 0005 1332", "de89370400440532013000", "GB82 WEST 1234 5698 7654 32",
            "FR14 2004 1010 0505 0001 3M02 606", "NL91ABNA0417164300"]
        {
            assert_eq!(iban(ok), Ok(iban_electronic(ok)), "{ok}");
        }
    }

    #[test]
    fn ibans_are_refused_with_what_to_fix() {
        refuses(iban(" "), "iban", "required");
        refuses(iban("ES91-2100"), "iban", "'-' is not allowed (character 5)");
        refuses(iban("1291"), "iban", "two letters");
        refuses(iban("ZZ91 2100"), "iban", "ZZ is not a country");
        refuses(iban("ES91 2100 0418 4502 0005 133"), "iban", "an IBAN of ES (Spain) has 24 (some are missing)");
        refuses(iban("DE89 3704 0044 0532 0130 0000"), "iban", "some are extra");
        refuses(iban("ES91 2100 0418 4502 0005 1333"), "iban", "check digits (91)");
        refuses(iban("ESAB 2100 0418 4502 0005 1332"), "iban", "two check digits");
        // Right length and a checksum made to match, but letters where Spain has digits.
        refuses(iban("ES43 ABCD 0418 4502 0005 1332"), "iban", "not in the format of ES (Spain)");
    }

    #[test]
    fn ibans_group_by_four_as_typed() {
        assert_eq!(iban_grouped("es9121000418"), "ES91 2100 0418");
        assert_eq!(iban_grouped("ES91 21 000"), "ES91 2100 0");
        assert_eq!(iban_length("NO"), Some(15));
        assert_eq!(iban_country("DE"), "DE (Germany)");
        assert_eq!(iban_country("ZZ"), "ZZ");
    }

    #[test]
    fn billing_addresses() {
        let ok = BillingAddress {
            address_line1: "Calle Mayor 1".into(),
            address_line2: Some(String::new()),
            city: "Madrid".into(),
            postal_code: "28013".into(),
            region: None,
            country: "ES".into(),
        };
        assert_eq!(billing_address(&ok), Ok(()));
        refuses(billing_address(&BillingAddress { address_line1: "".into(), ..ok.clone() }), "billing_address.address_line1", "required");
        refuses(billing_address(&BillingAddress { city: "x".repeat(61), ..ok.clone() }), "billing_address.city", "at most 60");
        refuses(billing_address(&BillingAddress { postal_code: "28/13".into(), ..ok.clone() }), "billing_address.postal_code", "'/'");
        refuses(billing_address(&BillingAddress { country: "es".into(), ..ok.clone() }), "billing_address.country", "two capital");
        refuses(billing_address(&BillingAddress { address_line2: Some("a\nb".into()), ..ok }), "billing_address.address_line2", "one line");
    }
}
