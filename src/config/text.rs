//! Localised configuration strings: one text for every language, or one per language tag.

/// A string the site owner wrote, possibly in several languages. Always plain text:
/// the shell sets it with `textContent`, never as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// The same text whatever the language.
    Plain(String),
    /// Texts by language tag, in config order.
    ByLanguage(Vec<(String, String)>),
}

impl Text {
    /// The text for `lang`: an exact tag match (case-insensitive), then the same primary
    /// language (`zh-CN` for `zh`), then the first one given.
    pub fn get(&self, lang: &str) -> &str {
        match self {
            Text::Plain(s) => s,
            Text::ByLanguage(entries) => {
                let primary = |tag: &str| crate::i18n::primary_subtag(tag).to_ascii_lowercase();
                entries
                    .iter()
                    .find(|(tag, _)| tag.eq_ignore_ascii_case(lang))
                    .or_else(|| entries.iter().find(|(tag, _)| primary(tag) == primary(lang)))
                    .or(entries.first())
                    .map_or("", |(_, s)| s.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both() -> Text {
        Text::ByLanguage(vec![("en".into(), "Analytics".into()), ("zh-CN".into(), "分析".into())])
    }

    #[test]
    fn picks_exact_then_primary_then_first() {
        assert_eq!(both().get("zh-CN"), "分析");
        assert_eq!(both().get("zh-cn"), "分析");
        assert_eq!(both().get("zh"), "分析");
        assert_eq!(both().get("en-GB"), "Analytics");
        assert_eq!(both().get("fr"), "Analytics");
    }

    #[test]
    fn plain_text_serves_every_language() {
        assert_eq!(Text::Plain("Google Analytics".into()).get("zh-CN"), "Google Analytics");
    }
}
