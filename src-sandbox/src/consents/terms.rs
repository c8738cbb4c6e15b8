//! The term index behind `q`, `search()` and `contains()`: the distinct values of the searchable columns
//! (`consent_terms`, migration 7) with an FTS5 trigram index over them (`consent_terms_text`).
//!
//! A substring search over 100,000 consents scanned every row (`LIKE '%t%'` on six columns for `q`:
//! 331 ms at p99). Here it looks the term up among the distinct values instead, checks each candidate
//! value with the very predicate the scan used (`LIKE ... ESCAPE '\'`, SQLite's ASCII-only case folding,
//! or `instr`, case-sensitive), and finds the consents by `column IN (values)` through the columns' own
//! indexes. The trigram index (case-insensitive, which finds a superset of both comparisons) only narrows
//! the values to check; terms under three characters, which it cannot look up, check every value of the
//! columns. When too many values match for an `IN` list to pay, the search keeps the plain scan. So every
//! path answers exactly what the scan answered: the index decides only how fast.
//!
//! Freshness: inserted consents wait in `consent_terms_pending` (a trigger) until [`drain`], run by each
//! search before it reads; writes that change a searchable column of existing consents call [`add`].

use rusqlite::{params, OptionalExtension, Transaction};

use super::query::{Search, Where};
use crate::error::SandboxError;

/// The columns a search may look at, as the index names them (their column names).
pub const SEARCHABLE: [&str; 6] = ["type", "user_id", "document_uri", "revision_id", "context_uri", "secondary_context_uri"];

/// More matching values than this and the search scans the consents instead: an `IN` list that long
/// costs more than the scan it would replace (and SQLite limits bound parameters).
pub const MOST_VALUES: usize = 500;

/// How a search compares: `search()` and `q` (case-insensitive for ASCII letters, SQLite's `LIKE`) or
/// `contains()` (case-sensitive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    CaseInsensitive,
    CaseSensitive,
}

/// The predicate of the plain scan, for one column: what every path must agree with.
pub fn scan_predicate(column: &str, compare: Compare, term: &str) -> (String, String) {
    match compare {
        Compare::CaseSensitive => (format!("instr({column}, ?) > 0"), term.to_string()),
        Compare::CaseInsensitive => (format!("{column} LIKE ? ESCAPE '\\'"), like_pattern(term)),
    }
}

/// `'%' || value || '%'` for LIKE with `\` as its escape: `%`, `_` and `\` in the term are literal.
pub fn like_pattern(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The term as an FTS5 phrase: in double quotes, a quote inside doubled. The trigram tokenizer matches a
/// phrase wherever its characters occur in a row, in order and adjacent: a substring.
fn phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// Moves the consents inserted since the last search into the index: their values into `consent_terms`
/// (once each), the new values into the trigram index. One statement each, however many there are.
pub fn drain(tx: &Transaction<'_>) -> Result<(), SandboxError> {
    let pending: Option<i64> = tx.query_row("SELECT 1 FROM consent_terms_pending LIMIT 1", [], |r| r.get(0)).optional()?;
    if pending.is_none() {
        return Ok(());
    }
    let newest_before: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM consent_terms", [], |r| r.get(0))?;
    let per_field = SEARCHABLE
        .iter()
        .map(|c| format!("SELECT '{c}', c.{c} FROM consent_terms_pending p JOIN consents c ON c.seq = p.seq WHERE c.{c} IS NOT NULL"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    tx.execute(&format!("INSERT OR IGNORE INTO consent_terms (field, value) {per_field}"), [])?;
    index_since(tx, newest_before)?;
    tx.execute("DELETE FROM consent_terms_pending", [])?;
    Ok(())
}

/// Adds the trigram entries of the values added after id `newest_before`.
fn index_since(tx: &Transaction<'_>, newest_before: i64) -> Result<(), SandboxError> {
    tx.prepare_cached("INSERT INTO consent_terms_text (rowid, value) SELECT id, value FROM consent_terms WHERE id > ?1")?
        .execute(params![newest_before])?;
    Ok(())
}

/// A value an UPDATE gave to a searchable column (a revision's id, a moved document's URI, a patched
/// context): in the index from now on, if it was not there.
pub fn add(tx: &Transaction<'_>, column: &str, value: &str) -> Result<(), SandboxError> {
    debug_assert!(SEARCHABLE.contains(&column), "{column} is not searchable");
    let newest_before: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM consent_terms", [], |r| r.get(0))?;
    let added = tx
        .prepare_cached("INSERT OR IGNORE INTO consent_terms (field, value) VALUES (?1, ?2)")?
        .execute(params![column, value])?;
    if added > 0 {
        index_since(tx, newest_before)?;
    }
    Ok(())
}

/// The values of `columns` that match `term`, as (column, value), or None when more than
/// [`MOST_VALUES`] do (the caller scans then).
pub fn matching(tx: &Transaction<'_>, columns: &[&str], compare: Compare, term: &str) -> Result<Option<Vec<(String, String)>>, SandboxError> {
    let (check, bound) = scan_predicate("t.value", compare, term);
    let fields = vec!["?"; columns.len()].join(", ");
    // Fewer than three characters have no trigram to look up: every value of the columns is checked.
    let sql = if term.chars().count() >= 3 {
        format!(
            "SELECT t.field, t.value FROM consent_terms_text x JOIN consent_terms t ON t.id = x.rowid
             WHERE consent_terms_text MATCH ? AND t.field IN ({fields}) AND {check} LIMIT ?"
        )
    } else {
        format!("SELECT t.field, t.value FROM consent_terms t WHERE t.field IN ({fields}) AND {check} LIMIT ?")
    };
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    if term.chars().count() >= 3 {
        values.push(phrase(term).into());
    }
    values.extend(columns.iter().map(|c| rusqlite::types::Value::from(c.to_string())));
    values.push(bound.into());
    values.push(((MOST_VALUES + 1) as i64).into());
    let mut stmt = tx.prepare_cached(&sql)?;
    let found = stmt
        .query_map(rusqlite::params_from_iter(values.iter()), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((found.len() <= MOST_VALUES).then_some(found))
}

/// Replaces every search of `filter` with what the index found: `column IN (values)` for each column
/// with a matching value (`0` when none has one), or the plain scan's predicate when too many match.
pub fn resolve(tx: &Transaction<'_>, filter: &mut Where) -> Result<(), SandboxError> {
    if filter.searches.is_empty() {
        return Ok(());
    }
    drain(tx)?;
    for (n, search) in std::mem::take(&mut filter.searches).into_iter().enumerate() {
        let (sql, values) = match matching(tx, &search.columns, search.compare, &search.term)? {
            Some(found) => found_clause(&search.columns, found),
            None => scan_clause(&search),
        };
        filter.replace_search(n, &sql, values);
    }
    Ok(())
}

/// `(c1 IN (?, ?) OR c2 IN (?))` over the columns with a matching value, in the search's column order.
fn found_clause(columns: &[&str], found: Vec<(String, String)>) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut values = Vec::new();
    for column in columns {
        let of_column: Vec<String> = found.iter().filter(|(c, _)| c == column).map(|(_, v)| v.clone()).collect();
        if !of_column.is_empty() {
            parts.push(format!("{column} IN ({})", vec!["?"; of_column.len()].join(", ")));
            values.extend(of_column);
        }
    }
    if parts.is_empty() { ("0".into(), values) } else { (format!("({})", parts.join(" OR ")), values) }
}

/// The plain scan: the predicate on every column, OR'd.
pub fn scan_clause(search: &Search) -> (String, Vec<String>) {
    let (parts, values): (Vec<String>, Vec<String>) =
        search.columns.iter().map(|c| scan_predicate(c, search.compare, &search.term)).unzip();
    (format!("({})", parts.join(" OR ")), values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_is_literal_in_both_forms() {
        assert_eq!(like_pattern(r"50%_\x"), r"%50\%\_\\x%");
        assert_eq!(phrase(r#"say "hi""#), r#""say ""hi""""#);
    }
}
