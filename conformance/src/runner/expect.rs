//! Expectation files (`spec/conformance.md §8`): the known failures of one port, each with its
//! reason, in the manner of BoGo's and protobuf's failure lists.
//!
//! ```text
//! # comment
//! mix-*                               not implemented yet (a group type, `*` matches any text)
//! tcn/report_verify_test.json:17      cofactorless equation (spec/tcn.md §5.2 rule 4)
//! alias TCN_SIG_MISMATCH TCN_BAD_SIG  our API has one code for every signature failure
//! ```

use super::judge::Aliases;

/// One entry of an expectation file.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Line number, for messages.
    pub line: usize,
    /// What it selects.
    pub selector: Selector,
    /// Why the failure is known.
    pub reason: String,
}

/// The tests an entry covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Every test of the group types matching this pattern (`*` matches any text).
    Type(String),
    /// One test: file (as reported by the runner) and `tcId`.
    Test(String, u64),
}

/// A parsed expectation file.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// Known failures.
    pub entries: Vec<Entry>,
    /// Documented error aliases.
    pub aliases: Aliases,
}

impl Expectations {
    /// Parses the text of an expectation file.
    pub fn parse(text: &str) -> Result<Expectations, String> {
        let mut out = Expectations::default();
        for (n, raw) in text.lines().enumerate() {
            let line = n + 1;
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let mut words = content.split_whitespace();
            let first = words.next().unwrap_or_default();
            if first == "alias" {
                let (Some(want), Some(code)) = (words.next(), words.next()) else {
                    return Err(format!("line {line}: `alias EXPECTED PORT_CODE REASON`"));
                };
                let reason: Vec<&str> = words.collect();
                if reason.is_empty() {
                    return Err(format!("line {line}: an alias needs a reason"));
                }
                out.aliases
                    .entry(want.to_string())
                    .or_default()
                    .push(code.to_string());
                continue;
            }
            let reason = words.collect::<Vec<_>>().join(" ");
            if reason.is_empty() {
                return Err(format!("line {line}: `{first}` needs a reason after it"));
            }
            let selector = match first.rsplit_once(':') {
                Some((file, id)) if id.parse::<u64>().is_ok() => {
                    Selector::Test(file.to_string(), id.parse().unwrap_or(0))
                }
                Some(_) => return Err(format!("line {line}: `{first}`: FILE:tcId needs a number")),
                None if first.contains('/') || first.ends_with(".json") => {
                    return Err(format!(
                        "line {line}: `{first}`: name a test as FILE:tcId or a group type"
                    ))
                }
                None => Selector::Type(first.to_string()),
            };
            out.entries.push(Entry {
                line,
                selector,
                reason,
            });
        }
        Ok(out)
    }

    /// The entry covering a test, preferring one that names the test itself.
    pub fn lookup(&self, file: &str, tc_id: u64, group_type: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.selector == Selector::Test(file.to_string(), tc_id))
            .or_else(|| {
                self.entries.iter().find(|e| match &e.selector {
                    Selector::Type(p) => glob(p, group_type),
                    Selector::Test(..) => false,
                })
            })
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_aliases_and_refuses_reasonless_lines() {
        let e = Expectations::parse(
            "# known\nmix-*   not yet\ntcn/report_verify_test.json:17  cofactorless\n\
             alias TCN_SIG_MISMATCH TCN_BAD  one code\n",
        )
        .unwrap();
        assert_eq!(e.entries.len(), 2);
        assert!(e.lookup("x.json", 1, "mix-process").is_some());
        assert!(e.lookup("x.json", 1, "nym-mailbox").is_none());
        assert_eq!(
            e.lookup("tcn/report_verify_test.json", 17, "tcn-report-verify")
                .unwrap()
                .line,
            3
        );
        assert_eq!(e.aliases["TCN_SIG_MISMATCH"], vec!["TCN_BAD".to_string()]);
        assert!(Expectations::parse("mix-process\n").is_err());
        assert!(Expectations::parse("tcn/x.json:abc why\n").is_err());
        assert!(Expectations::parse("tcn/x.json why\n").is_err());
    }

    #[test]
    fn glob_matches_stars() {
        assert!(glob("mix-*", "mix-process"));
        assert!(glob("*-verify", "tcn-report-verify"));
        assert!(glob("*", "anything"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxc"));
        assert!(!glob("mix-*", "nym-mailbox"));
        assert!(glob("tcn-ratchet", "tcn-ratchet"));
    }
}
