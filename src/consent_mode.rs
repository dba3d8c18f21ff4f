//! Google Consent Mode v2: which of its seven signals a consent grants, under a mapping from
//! signal to categories (a signal is granted when every category mapped to it is). Pure.

use crate::config::Config;
use crate::consent::Consent;
use crate::message::named;

named! {
    /// The Consent Mode v2 signals, in the order they are sent.
    pub enum Signal {
        AdStorage = "ad_storage",
        AdUserData = "ad_user_data",
        AdPersonalization = "ad_personalization",
        AnalyticsStorage = "analytics_storage",
        FunctionalityStorage = "functionality_storage",
        PersonalizationStorage = "personalization_storage",
        SecurityStorage = "security_storage",
    }
}

/// Each signal and whether `consent` grants it. Without a consent, only signals mapped to
/// required categories alone are granted.
pub fn state(config: &Config, consent: Option<&Consent>) -> Vec<(String, bool)> {
    let Some(mapping) = &config.consent_mode else { return Vec::new() };
    let mut out = Vec::with_capacity(mapping.len());
    for (signal, categories) in mapping {
        let mut granted = !categories.is_empty();
        for id in categories {
            if !crate::decide::may_run(config, consent, id) {
                granted = false;
                break;
            }
        }
        out.push((signal.clone(), granted));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Choice;

    fn config() -> Config {
        Config::parse(include_str!("../www/accord-config.json")).unwrap()
    }

    fn granted(state: &[(String, bool)]) -> Vec<&str> {
        state.iter().filter(|(_, g)| *g).map(|(s, _)| s.as_str()).collect()
    }

    #[test]
    fn the_default_mapping_sends_every_signal_in_order_from_the_categories_by_their_usual_ids() {
        let mapping = config().consent_mode.unwrap();
        let pairs: Vec<String> = mapping.iter().map(|(s, ids)| format!("{s}={}", ids.join("+"))).collect();
        assert_eq!(
            pairs,
            [
                "ad_storage=marketing",
                "ad_user_data=marketing",
                "ad_personalization=marketing",
                "analytics_storage=analytics",
                "functionality_storage=preferences",
                "personalization_storage=preferences",
                "security_storage=necessary",
            ]
        );
    }

    #[test]
    fn a_signal_outside_consent_mode_v2_is_refused_by_name() {
        let text = include_str!("../www/accord-config.json").replacen(
            r#""revision": 1,"#,
            r#""revision": 1, "consent_mode": {"ad_storage": ["marketing"], "ad_storage ": [], "analytics": []},"#,
            1,
        );
        let errors = Config::parse(&text).unwrap_err().to_string();
        assert!(errors.contains(r#"consent_mode.ad_storage : "ad_storage " is not one of the Consent Mode v2 signals"#), "{errors}");
        assert!(errors.contains(r#"consent_mode.analytics: "analytics" is not one of"#), "{errors}");
        assert!(!errors.contains("consent_mode.ad_storage:"), "{errors}");
    }

    #[test]
    fn before_a_choice_only_security_storage_is_granted() {
        assert_eq!(granted(&state(&config(), None)), ["security_storage"]);
        assert_eq!(state(&config(), None).len(), 7);
    }

    #[test]
    fn choices_map_to_signals() {
        let id = "3f2b8c1e-9a4d-4c6e-8f00-123456789abc".to_string();
        let c = Consent::new(&config(), &Choice::Categories(vec!["analytics".into()]), id.clone(), 1).unwrap();
        assert_eq!(granted(&state(&config(), Some(&c))), ["analytics_storage", "security_storage"]);
        let c = Consent::new(&config(), &Choice::AcceptAll, id, 1).unwrap();
        assert_eq!(granted(&state(&config(), Some(&c))).len(), 7);
    }

    #[test]
    fn a_config_mapping_replaces_the_default_and_false_turns_it_off() {
        let text = include_str!("../www/accord-config.json")
            .replacen(r#""revision": 1,"#, r#""revision": 1, "consent_mode": {"analytics_storage": ["analytics", "preferences"]},"#, 1);
        let config = Config::parse(&text).unwrap();
        let id = "3f2b8c1e-9a4d-4c6e-8f00-123456789abc".to_string();
        let c = Consent::new(&config, &Choice::Categories(vec!["analytics".into()]), id.clone(), 1).unwrap();
        let s = state(&config, Some(&c));
        assert_eq!(s, [("analytics_storage".to_string(), false)], "every mapped category must be granted");
        let c = Consent::new(&config, &Choice::Categories(vec!["analytics".into(), "preferences".into()]), id, 1).unwrap();
        assert_eq!(granted(&state(&config, Some(&c))), ["analytics_storage"]);

        let off = include_str!("../www/accord-config.json").replacen(r#""revision": 1,"#, r#""revision": 1, "consent_mode": false,"#, 1);
        assert!(state(&Config::parse(&off).unwrap(), None).is_empty());
    }
}
