//! The hash chain per principal (pure): each Accord receipt names the SHA-256 of the one before
//! it from the same browser (`accord.prev`). On arrival a receipt is classified against what
//! is stored; in a proof bundle the whole chain is audited. Gaps and forks are flagged, never
//! grounds to refuse a receipt.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

/// Where an arriving receipt sits in its principal's chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The first receipt of this principal.
    Start,
    /// Follows the principal's receipt it names, which had no successor yet.
    Linked,
    /// Names a receipt the collector never received: one is missing.
    Gap,
    /// A second successor of one receipt, or a new chain for a principal that already has one.
    Fork,
    /// Names a receipt that was erased on request.
    AfterErasure,
    /// Not an Accord receipt: it carries no chain.
    Unchained,
}

impl Link {
    pub fn name(self) -> &'static str {
        match self {
            Link::Start => "start",
            Link::Linked => "linked",
            Link::Gap => "gap",
            Link::Fork => "fork",
            Link::AfterErasure => "after-erasure",
            Link::Unchained => "unchained",
        }
    }
}

/// What the store knows of the principal when a receipt arrives.
pub struct Known {
    /// How many receipts of the principal are stored.
    pub stored: u64,
    /// Whether the receipt named by `prev` is among them.
    pub prev_stored: bool,
    /// Whether a stored receipt already names the same `prev`.
    pub prev_taken: bool,
    /// Whether the principal's receipts were erased before.
    pub erased: bool,
}

pub fn classify(chained: bool, prev: Option<&str>, known: &Known) -> Link {
    match (chained, prev) {
        (false, _) => Link::Unchained,
        (true, None) if known.stored == 0 => Link::Start,
        (true, None) => Link::Fork,
        (true, Some(_)) if known.prev_stored && known.prev_taken => Link::Fork,
        (true, Some(_)) if known.prev_stored => Link::Linked,
        (true, Some(_)) if known.erased => Link::AfterErasure,
        (true, Some(_)) => Link::Gap,
    }
}

/// One stored receipt as the audit sees it.
pub struct Entry<'a> {
    pub id: &'a str,
    pub hash: &'a str,
    pub prev: Option<&'a str>,
    pub chained: bool,
}

/// Audits a principal's receipts (in arrival order): which name a receipt that is not there
/// (gaps), which receipts have more than one successor (forks), and where chains end (heads).
pub fn audit(entries: &[Entry<'_>]) -> Value {
    let hashes: HashSet<&str> = entries.iter().map(|e| e.hash).collect();
    let mut successors: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut gaps = Vec::new();
    let mut starts = Vec::new();
    for e in entries.iter().filter(|e| e.chained) {
        match e.prev {
            Some(prev) if hashes.contains(prev) => successors.entry(prev).or_default().push(e.id),
            Some(prev) => gaps.push(json!({ "receipt": e.id, "missingPrev": prev })),
            None => starts.push(e.id),
        }
    }
    let forks: Vec<Value> = entries
        .iter()
        .filter_map(|e| successors.get(e.hash).filter(|s| s.len() > 1).map(|s| json!({ "receipt": e.id, "successors": s })))
        .collect();
    let heads: Vec<&str> = entries.iter().filter(|e| e.chained && !successors.contains_key(e.hash)).map(|e| e.id).collect();
    let intact = gaps.is_empty() && forks.is_empty() && starts.len() <= 1 && heads.len() <= 1;
    json!({
        "intact": intact,
        "receipts": entries.len(),
        "starts": starts,
        "heads": heads,
        "gaps": gaps,
        "forks": forks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(stored: u64, prev_stored: bool, prev_taken: bool, erased: bool) -> Known {
        Known { stored, prev_stored, prev_taken, erased }
    }

    #[test]
    fn classifies_arrivals() {
        assert_eq!(classify(true, None, &known(0, false, false, false)), Link::Start);
        assert_eq!(classify(true, None, &known(2, false, false, false)), Link::Fork);
        assert_eq!(classify(true, Some("h"), &known(2, true, false, false)), Link::Linked);
        assert_eq!(classify(true, Some("h"), &known(2, true, true, false)), Link::Fork);
        assert_eq!(classify(true, Some("h"), &known(2, false, false, false)), Link::Gap);
        assert_eq!(classify(true, Some("h"), &known(0, false, false, true)), Link::AfterErasure);
        assert_eq!(classify(false, Some("h"), &known(0, false, false, false)), Link::Unchained);
    }

    fn e<'a>(id: &'a str, hash: &'a str, prev: Option<&'a str>) -> Entry<'a> {
        Entry { id, hash, prev, chained: true }
    }

    #[test]
    fn an_intact_chain_has_one_start_and_one_head() {
        let a = audit(&[e("1", "a", None), e("2", "b", Some("a")), e("3", "c", Some("b"))]);
        assert_eq!(a["intact"], true);
        assert_eq!(a["heads"], json!(["3"]));
    }

    #[test]
    fn a_missing_receipt_is_a_gap_and_a_second_successor_a_fork() {
        let gap = audit(&[e("1", "a", None), e("3", "c", Some("b"))]);
        assert_eq!(gap["intact"], false);
        assert_eq!(gap["gaps"], json!([{ "receipt": "3", "missingPrev": "b" }]));
        let fork = audit(&[e("1", "a", None), e("2", "b", Some("a")), e("2b", "b2", Some("a"))]);
        assert_eq!(fork["forks"], json!([{ "receipt": "1", "successors": ["2", "2b"] }]));
        assert_eq!(fork["intact"], false);
    }
}
